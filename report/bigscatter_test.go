package report_test

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/report"
)

// TestScatterOfManyFailingEntries keeps the page of a block whose every
// entry fails a file a browser opens: its scatter drew every failing
// entry, 183 bytes of SVG each, and a block of a million failing entries
// made a page of 183 MB in 10 s. The scatter now draws 4000 of them at
// most and says so in its title; the table and the JSON are unchanged.
func TestScatterOfManyFailingEntries(t *testing.T) {
	const n = 100000
	b := gradcheck.BlockReport{Name: "W", Shape: []int{n}, RelErr: 0.2}
	b.Entries = make([]gradcheck.Entry, n)
	for i := range b.Entries {
		// A scale error: analytic = 1.5 × numeric.
		b.Entries[i] = gradcheck.Entry{Index: i, Verdict: gradcheck.Mismatch, Analytic: 1.5 * float64(i), Numeric: float64(i), Left: math.NaN(), Right: math.NaN()}
	}
	svg, err := report.ScatterSVG(&b)
	if err != nil {
		t.Fatal(err)
	}
	// 4000 points of about 183 bytes, and the axes: under 1 MB. Drawing
	// all 100 000 made 18 MB.
	if len(svg) > 1<<20 {
		t.Errorf("the scatter of %d failing entries is %d bytes of SVG, want under 1 MiB", n, len(svg))
	}
	if !strings.Contains(string(svg), "1 in 25 failing shown") {
		t.Errorf("the scatter's title does not say that it shows 1 in 25 failing entries")
	}
	var page bytes.Buffer
	if err := report.WriteHTML(&page, &gradcheck.Report{Precision: "float64", Blocks: []gradcheck.BlockReport{b}}, nil); err != nil {
		t.Fatal(err)
	}
	if page.Len() > 2<<20 {
		t.Errorf("the page is %d bytes, want under 2 MiB", page.Len())
	}
	if !strings.Contains(page.String(), "99980 more failing entries") {
		t.Errorf("the page's table does not count the failing entries it leaves out")
	}
}

// TestPageOfManyBlocks keeps the page of a model of many blocks a file a
// browser opens: every block had a section with its plots, and the page
// of 1000 blocks of 1000 failing entries each was 190 MB (10 000 blocks of
// 4 entries: 60 MB). A page now gives 32 blocks a section, failing blocks
// first, shares 32 000 scatter points between them, and says how many
// blocks it leaves out; every block keeps its row in the summary table.
func TestPageOfManyBlocks(t *testing.T) {
	rep := &gradcheck.Report{Precision: "float64"}
	for i := range 100 {
		b := gradcheck.BlockReport{Name: fmt.Sprintf("b%d", i), Shape: []int{1}, RelErr: 0,
			Entries: []gradcheck.Entry{{Index: 0, Verdict: gradcheck.OK, Analytic: 1, Numeric: 1, Left: math.NaN(), Right: math.NaN()}}}
		if i >= 90 { // the last ten blocks fail throughout
			b.Shape, b.RelErr, b.Entries = []int{4000}, 0.2, make([]gradcheck.Entry, 4000)
			for k := range b.Entries {
				b.Entries[k] = gradcheck.Entry{Index: k, Verdict: gradcheck.Mismatch, Analytic: 1.5 * float64(k), Numeric: float64(k), Left: math.NaN(), Right: math.NaN()}
			}
		}
		rep.Blocks = append(rep.Blocks, b)
	}
	html := render(t, rep, nil)
	sections := regexp.MustCompile(`<h2 id="block-(b\d+)">`).FindAllStringSubmatch(html, -1)
	if len(sections) != 32 {
		t.Errorf("%d blocks have a section, want 32", len(sections))
	}
	have := map[string]bool{}
	for _, s := range sections {
		have[s[1]] = true
	}
	for i := 90; i < 100; i++ {
		if !have[fmt.Sprintf("b%d", i)] {
			t.Errorf("failing block b%d has no section", i)
		}
	}
	if !strings.Contains(html, "68 of these 100 blocks have no section") {
		t.Errorf("the page does not say how many blocks it leaves out")
	}
	if n := len(regexp.MustCompile(`<tr><td>(<a href="#block-b\d+">)?b\d+(</a>)?</td>`).FindAllString(html, -1)); n != 100 {
		t.Errorf("the summary table has %d rows of blocks, want 100", n)
	}
	// 10 scatters of 1000 failing entries of about 183 bytes each, and 22
	// small sections: under 3 MiB. Drawing all 4000 made 7.5 MB.
	if len(html) > 3<<20 {
		t.Errorf("the page is %d bytes, want under 3 MiB", len(html))
	}
}
