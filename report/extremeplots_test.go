package report_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/report"
)

// TestHeatmapOfErrorsNearMaxFloat: a gradient wrong by 1e308 in a matrix
// block is drawn. The palette spanned [−m, m] for the largest error m, and
// 2m overflowed: the plotting library panicked ("palette: specified value
// == NaN") and the page showed a note instead of the heatmap.
func TestHeatmapOfErrorsNearMaxFloat(t *testing.T) {
	w := []float64{0.5, -0.25}
	g := make([]float64, 2)
	m := &gradcheck.Model[float64]{
		Blocks:   []gradcheck.Block[float64]{{Name: "W", Shape: []int{1, 2}, Value: w, Grad: g}},
		Loss:     func() float64 { return w[0] + 2*w[1] },
		Gradient: func() { g[0], g[1] = 1e308, 2 }, // W[0,0] should be 1
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := rep.Block("W"); b == nil || len(b.Failures()) != 1 {
		t.Fatalf("test is broken: want W[0,0] alone to fail:\n%v", rep)
	}
	svg, err := report.HeatmapSVG(rep.Block("W"))
	if err != nil {
		t.Fatalf("HeatmapSVG: %v", err)
	}
	if !strings.Contains(string(svg), ">1e+308<") {
		t.Errorf("the colour bar is not labelled with the largest error, 1e+308")
	}
	plots, notes := figures(render(t, rep, nil))
	if strings.Join(plots, " ") != "heatmap scatter" || strings.Join(notes, " ") != "sweep" {
		t.Errorf("plots %v and notes %v, want a heatmap and a scatter and a note for the sweep", plots, notes)
	}
}

// TestPlotsOfOneValue: an axis whose data is one value is drawn. The
// plotting library widens an empty range by ±1: on a log axis that goes
// below zero for a value under 1, and it panicked, so a sweep of one step
// (SweepOptions.MinStep = MaxStep) or a Taylor test with one usable
// remainder was a note, and `gradcheck sweep -svg` of one step exited 2;
// on a linear axis ±1 is lost on a value of 2⁵³ or more, so the scatter
// of one entry of 1e20 panicked with "illegal range".
func TestPlotsOfOneValue(t *testing.T) {
	w := []float64{0.5, 0.25}
	g := make([]float64, 2)
	m := &gradcheck.Model[float64]{
		Blocks:   []gradcheck.Block[float64]{{Name: "w", Value: w, Grad: g}},
		Loss:     func() float64 { return w[0] * w[0] * w[1] },
		Gradient: func() { g[0], g[1] = 2*w[0]*w[1], w[0]*w[0] },
	}
	sweeps, err := gradcheck.Sweep(m, []string{"w[0]"}, &gradcheck.SweepOptions{MinStep: 1e-3, MaxStep: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	if len(sweeps[0].Points) != 1 || !(sweeps[0].Points[0].Err > 0) {
		t.Fatalf("test is broken: want one step with a positive error, got %+v", sweeps[0].Points)
	}
	if _, err := report.SweepSVG("one step", sweeps); err != nil {
		t.Errorf("SweepSVG of one step: %v", err)
	}
	nan := math.NaN()
	tr := &gradcheck.TaylorReport{Fits: []gradcheck.TaylorFit{{
		Steps: []float64{1e-3, 1e-2, 1e-1}, Remainders: []float64{nan, 2e-5, nan}, Lo: 0, Hi: -1, Order: nan, Expect: 2, Verdict: gradcheck.Inconclusive,
	}}}
	if _, err := report.TaylorSVG("one remainder", tr); err != nil {
		t.Errorf("TaylorSVG of one usable remainder: %v", err)
	}
	for _, v := range []float64{1e20, -1e20, 1.7976931348623157e308, -1.7976931348623157e308, 5e-324} {
		b := &gradcheck.BlockReport{Name: "v", Shape: []int{1}, Entries: []gradcheck.Entry{{Index: 0, Analytic: v, Numeric: v, Left: nan, Right: nan}}}
		if _, err := report.ScatterSVG(b); err != nil {
			t.Errorf("ScatterSVG of one entry of %g: %v", v, err)
		}
	}
}

// TestTaylorOfRemaindersNearMaxFloat: remainders of 1e301 to 1e308 are
// plotted. The guide of slope 2 from the first fitted point ended at
// 1e309, infinite, and the plotting library refused the whole plot
// ("plotter: infinite data point"); such a guide is now left out.
func TestTaylorOfRemaindersNearMaxFloat(t *testing.T) {
	tr := &gradcheck.TaylorReport{Fits: []gradcheck.TaylorFit{{
		Steps: []float64{1e-4, 1e-3, 1e-2, 1e-1, 1}, Remainders: []float64{1e301, 1e303, 1e305, 1e307, 1e308},
		Lo: 0, Hi: 3, Order: 2, Expect: 2, Verdict: gradcheck.OK,
	}}}
	svg, err := report.TaylorSVG("huge", tr)
	if err != nil {
		t.Fatalf("TaylorSVG: %v", err)
	}
	if !strings.Contains(string(svg), "slope 1 (wrong)") {
		t.Errorf("the guide of slope 1, which ends at 1e305, is missing")
	}
}
