package report_test

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/demo"
	"github.com/gradcheck/gradcheck/report"
)

// demoBugReport checks the demo's planted bug and sweeps its worst
// entries, as `gradcheck demo -html` does.
func demoBugReport(t testing.TB) *gradcheck.Report {
	t.Helper()
	m := demo.New(true).Model()
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := gradcheck.SweepWorst(m, rep, 3, nil); err != nil {
		t.Fatal(err)
	}
	return rep
}

func render(t *testing.T, rep *gradcheck.Report, opts *report.Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, rep, opts); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return buf.String()
}

// figures returns the kinds of the figures with an SVG, in page order.
func figures(html string) (withSVG, notes []string) {
	re := regexp.MustCompile(`(?s)<figure class="plot" data-kind="(\w+)">(.*?)</figure>`)
	for _, m := range re.FindAllStringSubmatch(html, -1) {
		if strings.Contains(m[2], "<svg") {
			withSVG = append(withSVG, m[1])
		} else {
			notes = append(notes, m[1])
		}
	}
	return withSVG, notes
}

func TestHTMLDemoBug(t *testing.T) {
	rep := demoBugReport(t)
	html := render(t, rep, &report.Options{Title: "demo bug", Command: "gradcheck demo -html x.html"})

	// Per block: a heatmap for the matrices W1 and W2, a scatter and a
	// sweep for every block.
	got, notes := figures(html)
	want := []string{"heatmap", "scatter", "sweep", "scatter", "sweep", "heatmap", "scatter", "sweep", "scatter", "sweep"}
	if strings.Join(got, " ") != strings.Join(want, " ") || len(notes) != 0 {
		t.Errorf("figures with a plot: %v, without: %v; want %v and none", got, notes, want)
	}
	if !strings.Contains(html, `data-plots="10"`) {
		t.Errorf("body does not count its 10 plots in data-plots")
	}
	for _, s := range []string{
		"<title>demo bug</title>",
		`<span class="status fail">FAIL</span>`,
		template(rep.Summary()),
		`<a href="#block-W1"><b>W1</b></a>: 24 of 24 checked entries fail.`,
		"<td>W1[0,0]</td>",
		"gradcheck demo -html x.html",
	} {
		if !strings.Contains(html, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	// The diagnosis, when the checker made one, is at the top, before
	// the first plot.
	if d := rep.Block("W1").Diagnoses; len(d) > 0 {
		i, j := strings.Index(html, template(d[0].Summary)), strings.Index(html, "<svg")
		if i < 0 || i > j {
			t.Errorf("W1's diagnosis %q is not shown before the plots (at %d, first plot at %d)", d[0].Summary, i, j)
		}
	}
}

// template escapes s as html/template does in text.
func template(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;")
	return r.Replace(s)
}

// TestHTMLSelfContained: nothing on the page is fetched from elsewhere.
func TestHTMLSelfContained(t *testing.T) {
	html := render(t, demoBugReport(t), nil)
	for _, re := range []string{
		`(?i)\bsrc\s*=`,                 // no <script src>, <img src>, <iframe src>
		`(?i)<link\b`,                   // no stylesheets or fonts
		`(?i)url\(\s*['"]?(https?:|//)`, // no CSS fetches
		`(?i)@import`,
		`(?i)href\s*=\s*['"]?(https?:|//)`, // links only within the page
		`(?i)xlink:href\s*=\s*['"]?(https?:|//)`,
	} {
		if m := regexp.MustCompile(re).FindString(html); m != "" {
			t.Errorf("page refers to something outside it: %q matches %s", m, re)
		}
	}
	if strings.Contains(html, "<?xml") {
		t.Errorf("page holds an XML declaration, which HTML does not allow")
	}
}

// TestHTMLEscapes: names come from the caller and must not become markup.
func TestHTMLEscapes(t *testing.T) {
	evil := `<script>alert(1)</script>`
	rep := &gradcheck.Report{
		Precision: "float64",
		Hazards:   []gradcheck.Hazard{{Kind: gradcheck.NotReentrant, Detail: evil}},
		Blocks: []gradcheck.BlockReport{{
			Name: evil, Shape: []int{2, 2},
			Entries: []gradcheck.Entry{
				{Index: 0, Verdict: gradcheck.Mismatch, Analytic: 1, Numeric: 2, Left: math.NaN(), Right: math.NaN()},
				{Index: 3, Verdict: gradcheck.OK, Analytic: 1, Numeric: 1, Left: math.NaN(), Right: math.NaN()},
			},
			Diagnoses: []gradcheck.Diagnosis{{Pattern: gradcheck.PatternFew, Summary: evil, Axis: -1}},
		}},
	}
	html := render(t, rep, &report.Options{Title: evil, Command: evil})
	if n := strings.Count(html, "<script"); n != 1 {
		t.Errorf("page has %d <script> elements, want only its own", n)
	}
}

// TestHTMLEdgeCases renders reports a renderer could trip on: nil, empty,
// a fatal hazard and no blocks, entries without estimates, a block of
// three axes, a sampled block, sweeps with nothing a log axis can show.
func TestHTMLEdgeCases(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name     string
		rep      *gradcheck.Report
		plots    []string
		notes    []string
		contains []string
	}{
		{name: "nil", rep: nil},
		{name: "empty", rep: &gradcheck.Report{Precision: "float64"}},
		{name: "fatal hazard", rep: &gradcheck.Report{Precision: "float64", Hazards: []gradcheck.Hazard{{Kind: gradcheck.Nondeterministic, Fatal: true, Detail: "loss moved"}}},
			contains: []string{"hazard nondeterministic (no verdicts made):", "loss moved", "FAIL"}},
		{name: "non-finite and 3 axes", rep: &gradcheck.Report{Precision: "float32", Sampled: true, Seed: 9, Blocks: []gradcheck.BlockReport{{
			Name: "K", Shape: []int{2, 1, 3},
			Entries: []gradcheck.Entry{
				{Index: 0, Verdict: gradcheck.NonFinite, Analytic: 1, Numeric: nan, ErrEst: inf, Left: nan, Right: nan},
				{Index: 4, Verdict: gradcheck.Kink, Analytic: 0.5, Numeric: 0.5, Left: 0, Right: 1},
				{Index: 5, Verdict: gradcheck.Inconclusive, Analytic: 2, Numeric: nan, ErrEst: inf, Left: nan, Right: nan},
			},
		}}, Sweeps: []gradcheck.EntrySweep{{Block: "K", Index: 0, Name: "K[0,0,0]", Points: []gradcheck.SweepPoint{{Step: 0.1, Err: nan}, {Step: 0.01, Err: 0}}}}},
			plots:    []string{"heatmap", "scatter"},
			notes:    []string{"sweep"},
			contains: []string{"NaN/Inf", "a sample, seed 9", "No sweep plot: no step gave a positive, finite error."}},
		{name: "hand-built nonsense", rep: &gradcheck.Report{Precision: "float64", Blocks: []gradcheck.BlockReport{
			{Name: "bad", Shape: []int{2, 0}, Entries: []gradcheck.Entry{{Index: 7, Verdict: gradcheck.Mismatch, Analytic: 1}}},
			{Name: "out", Shape: []int{2, 2}, Entries: []gradcheck.Entry{{Index: 9, Verdict: gradcheck.Mismatch, Analytic: 1}, {Index: -1, Analytic: 1}}},
		}},
			plots:    []string{"scatter", "heatmap", "scatter"},
			notes:    []string{"heatmap", "sweep", "sweep"},
			contains: []string{"No heatmap plot: block bad has shape [2 0]."}},
		{name: "no sweeps", rep: &gradcheck.Report{Precision: "float64", Blocks: []gradcheck.BlockReport{{
			Name: "v", Shape: []int{3}, Entries: []gradcheck.Entry{{Index: 1, Analytic: 0, Numeric: 0, Left: nan, Right: nan}},
		}}},
			plots:    []string{"scatter"},
			notes:    []string{"sweep"},
			contains: []string{"PASS", "gradcheck.SweepWorst adds"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			html := render(t, c.rep, nil)
			plots, notes := figures(html)
			if strings.Join(plots, " ") != strings.Join(c.plots, " ") || strings.Join(notes, " ") != strings.Join(c.notes, " ") {
				t.Errorf("plots %v and notes %v, want %v and %v", plots, notes, c.plots, c.notes)
			}
			for _, s := range c.contains {
				if !strings.Contains(html, template(s)) {
					t.Errorf("page lacks %q", s)
				}
			}
		})
	}
}

// TestHeatmapRasterizesLargeBlocks keeps a big block's page small: its
// heatmap becomes one embedded image instead of a rectangle per entry.
func TestHeatmapRasterizesLargeBlocks(t *testing.T) {
	const rows, cols = 100, 120
	b := &gradcheck.BlockReport{Name: "big", Shape: []int{rows, cols}}
	for i := range rows * cols {
		b.Entries = append(b.Entries, gradcheck.Entry{Index: i, Analytic: float64(i % cols), Numeric: float64(i / cols)})
	}
	svg, err := report.HeatmapSVG(b)
	if err != nil {
		t.Fatal(err)
	}
	// One image for the cells, one for the colour bar.
	if n := bytes.Count(svg, []byte("<image")); n != 2 {
		t.Errorf("heatmap of %d×%d has %d embedded images, want 2: the cells and the colour bar", rows, cols, n)
	}
	if len(svg) > 200_000 {
		t.Errorf("heatmap of %d×%d is %d bytes, want under 200 kB", rows, cols, len(svg))
	}
	small := &gradcheck.BlockReport{Name: "s", Shape: []int{2, 3}, Entries: b.Entries[:6]}
	svg, err = report.HeatmapSVG(small)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(svg, []byte("<image")); n != 1 {
		t.Errorf("heatmap of 2×3 has %d embedded images, want only the colour bar's", n)
	}
	if _, err := report.HeatmapSVG(&gradcheck.BlockReport{Name: "v", Shape: []int{4}}); err == nil {
		t.Errorf("heatmap of a vector: no error")
	}
}

// TestHeatmapHugeShapes: a block whose shape claims more entries than a
// heatmap draws gets an error, not a panic in make. A hand-built block
// whose shape's product wraps had a negative Size, and one of 2⁶² entries
// (a report may come from anywhere) asked for a grid of that many cells.
func TestHeatmapHugeShapes(t *testing.T) {
	for _, shape := range [][]int{{3, 3074457345618258603}, {1 << 31, 1 << 31}, {4097, 4097}} {
		b := &gradcheck.BlockReport{Name: "w", Shape: shape, Entries: []gradcheck.Entry{{Index: 5, Verdict: gradcheck.Mismatch, Analytic: 1, Numeric: 2}}}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("HeatmapSVG of shape %v panicked: %v", shape, r)
				}
			}()
			if _, err := report.HeatmapSVG(b); err == nil || !strings.Contains(err.Error(), "more entries than a heatmap draws") {
				t.Errorf("HeatmapSVG of shape %v: error %v, want one saying it is too large", shape, err)
			}
		}()
		html := render(t, &gradcheck.Report{Precision: "float64", Blocks: []gradcheck.BlockReport{*b}}, nil)
		if !strings.Contains(html, "No heatmap plot") {
			t.Errorf("HTML of a block of shape %v draws a heatmap", shape)
		}
	}
}

// taylorOf runs a Taylor test of f(x) = Σ x_i³ with the gradient 3x²,
// plus wrong on entry bug when bug ≥ 0.
func taylorOf(t testing.TB, bug int) *gradcheck.TaylorReport {
	t.Helper()
	f := func(x []float64) float64 {
		s := 0.0
		for _, v := range x {
			s += v * v * v
		}
		return s
	}
	g := func(dst, x []float64) {
		for i, v := range x {
			dst[i] = 3 * v * v
		}
		if bug >= 0 {
			dst[bug] += 0.5
		}
	}
	tr, err := gradcheck.Taylor(f, g, []float64{0.5, -1, 2}, &gradcheck.TaylorOptions{Directions: 2})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestHTMLTaylor: Taylor tests given by block are plotted in the block,
// one of the whole model at the top, and the legend names each
// direction's order and verdict.
func TestHTMLTaylor(t *testing.T) {
	rep := demoBugReport(t)
	right, wrong := taylorOf(t, -1), taylorOf(t, 1)
	for _, fit := range right.Fits {
		if fit.Verdict != gradcheck.OK {
			t.Fatalf("test is broken: the right gradient of Σx³ got a Taylor verdict %s (order %v)", fit.Verdict, fit.Order)
		}
	}
	html := render(t, rep, &report.Options{Taylor: map[string]*gradcheck.TaylorReport{"": right, "W1": wrong}})
	plots, notes := figures(html)
	want := "taylor heatmap scatter sweep taylor scatter sweep heatmap scatter sweep scatter sweep"
	if strings.Join(plots, " ") != want || len(notes) != 0 {
		t.Errorf("plots %v, notes %v; want %s and none", plots, notes, want)
	}
	for _, s := range []string{fmt.Sprintf("u0: %.2f, right", right.Fits[0].Order), fmt.Sprintf("u1: %.2f, wrong", wrong.Fits[1].Order)} {
		if !strings.Contains(html, s) {
			t.Errorf("page lacks the legend %q", s)
		}
	}
}

// TestHTMLDirections renders a directional check: the directions that
// disagree and the regions found wrong throughout, named by entry.
func TestHTMLDirections(t *testing.T) {
	m := demo.New(true).Model()
	rep, err := gradcheck.Check(m, &gradcheck.Options{Directions: 8})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Directions) != 8 {
		t.Fatalf("test is broken: a directional check of 8 directions gave %d", len(rep.Directions))
	}
	html := render(t, rep, nil)
	pass := 0
	for _, d := range rep.Directions {
		if d.Verdict.Pass() {
			pass++
		}
	}
	if want := fmt.Sprintf("8 random directions · %d agree", pass); !strings.Contains(html, want) {
		t.Errorf("page lacks %q", want)
	}
	// A direction's row is the only one with a located column.
	if got := len(regexp.MustCompile(`<td>(yes|no)</td><td>\d+</td></tr>`).FindAllString(html, -1)); got != 8-pass {
		t.Errorf("%d rows of directions, want one for each of the %d that do not agree", got, 8-pass)
	}
	for _, g := range rep.Regions {
		b := rep.Block(g.Block)
		if want := b.EntryName(g.Lo) + " … " + b.EntryName(g.Hi-1); !strings.Contains(html, want) {
			t.Errorf("page lacks the region %q", want)
		}
	}
}

// TestAnchorsAndUndiagnosedBlocks: blocks named "a." and "a_2e" get ids of
// their own (both were block-a_2e, and the second's links led to the
// first); and a failing block without a diagnosis (split between shards
// and merged, or failing by inconclusive entries only) says that none was
// made, not that no pattern was recognised.
func TestAnchorsAndUndiagnosedBlocks(t *testing.T) {
	// "a_2e_" is what "a." escapes to: a '_' kept as itself would give
	// the two one id again.
	x, y, z := []float64{0.3, 0.5}, []float64{0.7, 0.2}, []float64{0.1, 0.4}
	gx, gy, gz := make([]float64, 2), make([]float64, 2), make([]float64, 2)
	m := &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "a.", Value: x, Grad: gx}, {Name: "a_2e", Value: y, Grad: gy}, {Name: "a_2e_", Value: z, Grad: gz}},
		Loss: func() float64 {
			return math.Sin(x[0]) + x[1]*x[1] + math.Sin(y[0]) + y[1]*y[1] + math.Sin(z[0]) + z[1]*z[1]
		},
		Gradient: func() {
			gx[0], gx[1] = math.Cos(x[0]), 2*x[1]
			gy[0], gy[1] = 2*math.Cos(y[0]), 4*y[1] // wrong: doubled
			gz[0], gz[1] = math.Cos(z[0]), 2*z[1]
		},
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := regexp.MustCompile(`id="(block-[^"]*)"`).FindAllStringSubmatch(render(t, rep, nil), -1)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id[1]] {
			t.Errorf("two blocks share the id %q", id[1])
		}
		seen[id[1]] = true
	}
	if len(seen) != 3 {
		t.Errorf("ids %v, want one per block", ids)
	}
	for i := range rep.Blocks {
		rep.Blocks[i].Diagnoses = nil
	}
	html := render(t, rep, nil)
	if strings.Contains(html, "No pattern was recognised") || !strings.Contains(html, "No diagnosis was made") {
		t.Errorf("a failing block without a diagnosis: the page does not say that none was made")
	}
}
