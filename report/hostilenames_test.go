package report_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/report"
)

// wellFormedXML returns the first error of a strict XML parser on svg.
func wellFormedXML(svg []byte) error {
	d := xml.NewDecoder(bytes.NewReader(svg))
	for {
		if _, err := d.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// TestPlotsAndPageOfHostileNames: a block name may hold any valid UTF-8,
// and the plots' SVG writer escapes markup but copies control characters,
// which XML does not allow: the heatmap, scatter, sweep and Taylor plots
// of a block named "ctl\x01" or "nul\x00" were SVG no XML parser (and no
// browser opening the file) accepts. A right-to-left override (U+202E) in
// a name reordered the rest of its heading on the page. Names are now
// written with such characters as escapes, in the plots and on the page;
// markup in names stays inert.
func TestPlotsAndPageOfHostileNames(t *testing.T) {
	names := []string{"ctl\x01\x1b[31m", "nul\x00", "rlo\u202egnp.exe", `</svg><script>alert(1)</script>`, "nl\n]]>"}
	vals := make([][]float64, len(names))
	grads := make([][]float64, len(names))
	m := &gradcheck.Model[float64]{
		Loss: func() float64 {
			s := 0.0
			for _, v := range vals {
				for _, x := range v {
					s += x * x * x
				}
			}
			return s
		},
		Gradient: func() {
			for b, v := range vals {
				for j, x := range v {
					grads[b][j] = 2 * x * x // 3x² is right
				}
			}
		},
	}
	for b, n := range names {
		vals[b], grads[b] = []float64{0.5, -1, 2, 0.25}, make([]float64, 4)
		m.Blocks = append(m.Blocks, gradcheck.Block[float64]{Name: n, Shape: []int{2, 2}, Value: vals[b], Grad: grads[b]})
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := gradcheck.SweepWorst(m, rep, 2, nil); err != nil {
		t.Fatal(err)
	}
	taylor := map[string]*gradcheck.TaylorReport{}
	for _, n := range names {
		taylor[n] = taylorOf(t, 1)
	}
	for bi := range rep.Blocks {
		b := &rep.Blocks[bi]
		var sweeps []gradcheck.EntrySweep
		for _, sw := range rep.Sweeps {
			if sw.Block == b.Name {
				sweeps = append(sweeps, sw)
			}
		}
		for _, p := range []struct {
			kind string
			draw func() ([]byte, error)
		}{
			{"heatmap", func() ([]byte, error) { return report.HeatmapSVG(b) }},
			{"scatter", func() ([]byte, error) { return report.ScatterSVG(b) }},
			{"sweep", func() ([]byte, error) { return report.SweepSVG(b.Name+": sweep", sweeps) }},
			{"taylor", func() ([]byte, error) { return report.TaylorSVG(b.Name+": Taylor", taylor[b.Name]) }},
		} {
			svg, err := p.draw()
			if err != nil {
				t.Errorf("%s of block %q: %v", p.kind, b.Name, err)
				continue
			}
			if err := wellFormedXML(svg); err != nil {
				t.Errorf("%s of block %q is not well-formed XML: %v", p.kind, b.Name, err)
			}
		}
	}
	html := render(t, rep, &report.Options{Title: "title \u202e" + names[3], Taylor: taylor})
	plots, notes := figures(html)
	if len(plots) != 4*len(names) || len(notes) != 0 {
		t.Errorf("plots %v and notes %v, want 4 plots a block and no note", plots, notes)
	}
	for _, svg := range regexp.MustCompile(`(?s)<svg.*?</svg>`).FindAllString(html, -1) {
		if err := wellFormedXML([]byte(svg)); err != nil {
			t.Errorf("an SVG of the page is not well-formed XML: %v", err)
		}
	}
	if n := strings.Count(html, "<script"); n != 1 {
		t.Errorf("the page has %d <script> elements, want only its own", n)
	}
	for i, r := range html {
		if r != '\n' && r != '\t' && unicode.IsControl(r) || r == '\u202e' { // the SVG writer indents with tabs
			t.Errorf("byte %d of the page is %q", i, r)
		}
	}
	for _, want := range []string{`ctl\x01\x1b[31m`, `nul\x00`, `rlo\u202egnp.exe`} {
		if !strings.Contains(html, want) {
			t.Errorf("the page does not name the block %s", want)
		}
	}
}
