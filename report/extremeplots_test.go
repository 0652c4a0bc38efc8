package report_test

import (
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
