package report_test

import (
	"bytes"
	"math"
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
