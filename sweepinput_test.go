package gradcheck_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// sweepModel is the cubic Σ w³ on a 2×3 block.
func sweepModel() *gradcheck.Model[float64] {
	w := []float64{1, 2, 3, 4, 5, 6}
	g := make([]float64, len(w))
	m := &gradcheck.Model[float64]{Blocks: []gradcheck.Block[float64]{{Name: "W", Shape: []int{2, 3}, Value: w, Grad: g}}}
	m.Loss = func() float64 {
		s := 0.0
		for _, v := range w {
			s += v * v * v
		}
		return s
	}
	m.Gradient = func() {
		for i, v := range w {
			g[i] = 3 * v * v
		}
	}
	return m
}

// TestSweepRefusesWhatCheckRefuses: Sweep and SweepWorst say what is wrong
// where Check would, rather than returning tables of NaN or sweeping other
// entries than the report's. A NaN parameter, a NaN loss at the parameters
// and a NaN gradient at the swept entry gave tables whose every Err was
// NaN and no error; a report block of shape [3 2] for the model's [2 3]
// was swept at the model's coordinates (its W[2,1] swept and named as
// W[1,2]); a hand-built entry of index −1 was an index-out-of-range panic.
func TestSweepRefusesWhatCheckRefuses(t *testing.T) {
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"NaN parameter", func() error {
			m := sweepModel()
			m.Blocks[0].Value[2] = math.NaN()
			_, err := gradcheck.Sweep(m, []string{"W[1]"}, nil)
			return err
		}, "parameter W[0,2] is NaN"},
		{"NaN loss", func() error {
			m := sweepModel()
			m.Loss = func() float64 { return math.NaN() }
			_, err := gradcheck.Sweep(m, []string{"W[1]"}, nil)
			return err
		}, "the loss at the caller's parameters is NaN"},
		{"NaN gradient at the swept entry", func() error {
			m := sweepModel()
			grad := m.Gradient
			m.Gradient = func() { grad(); m.Blocks[0].Grad[1] = math.NaN() }
			_, err := gradcheck.Sweep(m, []string{"W[0,1]"}, nil)
			return err
		}, "the analytic gradient at W[0,1] is NaN"},
		{"report of another shape", func() error {
			rep := &gradcheck.Report{Blocks: []gradcheck.BlockReport{{Name: "W", Shape: []int{3, 2}, Entries: []gradcheck.Entry{{Index: 5, Verdict: gradcheck.Mismatch}}}}}
			return gradcheck.SweepWorst(sweepModel(), rep, 1, nil)
		}, `block "W" has shape [3 2] but the model's has shape [2 3]`},
		{"negative index", func() error {
			rep := &gradcheck.Report{Blocks: []gradcheck.BlockReport{{Name: "W", Shape: []int{2, 3}, Entries: []gradcheck.Entry{{Index: -1, Verdict: gradcheck.Mismatch}}}}}
			return gradcheck.SweepWorst(sweepModel(), rep, 1, nil)
		}, "outside the model's block"},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: panic: %v", c.name, p)
				}
			}()
			if err := c.run(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
			}
		}()
	}
	// A NaN gradient elsewhere than at the swept entries does not stop
	// the sweep, and the table is finite.
	m := sweepModel()
	grad := m.Gradient
	m.Gradient = func() { grad(); m.Blocks[0].Grad[4] = math.NaN() }
	sw, err := gradcheck.Sweep(m, []string{"W[0,1]"}, nil)
	if err != nil || len(sw) != 1 || math.IsNaN(sw[0].Points[0].Err) {
		t.Errorf("NaN gradient at another entry: %v, %v", err, sw)
	}
}
