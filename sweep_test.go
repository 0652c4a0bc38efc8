package gradcheck_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/demo"
)

// expModel is f(w) = Σ exp(w_i) over a 2×2 block, with gradient exp(w)
// plus a planted error on entry bug (none when bug < 0).
func expModel(bug int, planted float64) *gradcheck.Model[float64] {
	w := []float64{0.5, -1, 2, 0}
	g := make([]float64, len(w))
	return &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "W", Shape: []int{2, 2}, Value: w, Grad: g}},
		Loss: func() float64 {
			s := 0.0
			for _, v := range w {
				s += math.Exp(v)
			}
			return s
		},
		Gradient: func() {
			for i, v := range w {
				g[i] = math.Exp(v)
			}
			if bug >= 0 {
				g[bug] += planted
			}
		},
	}
}

// TestSweepShape checks the two regimes the sweep exists to show, on
// exp, whose derivatives are all known.
func TestSweepShape(t *testing.T) {
	m := expModel(-1, 0)
	sw, err := gradcheck.Sweep(m, []string{"W[0,0]"}, &gradcheck.SweepOptions{PerDecade: 4})
	if err != nil {
		t.Fatal(err)
	}
	s := sw[0]
	x := 0.5
	if s.Name != "W[0,0]" || s.Value != x || s.Analytic != math.Exp(x) {
		t.Fatalf("sweep of W[0,0]: name %q value %v analytic %v, want W[0,0], %v, %v", s.Name, s.Value, s.Analytic, x, math.Exp(x))
	}
	// Truncation: the central difference of exp at x with step h has error
	// h²·exp(x)/6 + O(h⁴); at h = 0.1 the O(h⁴) term is below 1%.
	first := s.Points[0]
	if want := first.Step * first.Step * math.Exp(x) / 6; math.Abs(first.Err-want) > 0.01*want {
		t.Errorf("at step %g: error %g, want the truncation error h²·e^x/6 = %g within 1%%", first.Step, first.Err, want)
	}
	// The error should fall by about 10^(2/4) per point while truncation
	// dominates (h ≥ 1e-3 keeps round-off 1e-13/1e-3 far below h²).
	for k := 1; k < len(s.Points) && s.Points[k].Step >= 1e-3; k++ {
		ratio := s.Points[k-1].Err / s.Points[k].Err
		if want := math.Sqrt(10); math.Abs(ratio-want) > 0.05*want {
			t.Errorf("steps %g → %g: error fell by %g, want %g (h²) within 5%%", s.Points[k-1].Step, s.Points[k].Step, ratio, want)
		}
	}
	// Round-off: at the smallest step the error is far above the minimum,
	// and no more than a few times the round-off estimate.
	best := slices.MinFunc(s.Points, func(a, b gradcheck.SweepPoint) int { return cmpFloat(a.Err, b.Err) })
	last := s.Points[len(s.Points)-1]
	if last.Err < 100*best.Err {
		t.Errorf("at the smallest step %g the error %g is not 100 times the best %g (at %g): round-off does not show", last.Step, last.Err, best.Err, best.Step)
	}
	if last.Err > 10*last.RoundOff {
		t.Errorf("at step %g the error %g exceeds 10 times the round-off estimate %g", last.Step, last.Err, last.RoundOff)
	}
	// The best error of a central difference in float64 is about ε^(2/3).
	if best.Err > 1e-9 {
		t.Errorf("best error %g at step %g, want below 1e-9 ≈ 16·ε^(2/3)", best.Err, best.Step)
	}
	if s.CheckStep <= 0 || s.CheckStep > 1e-4 {
		t.Errorf("CheckStep = %g, want ε^(1/3)·max(|x|,1) ≈ 4.8e-6", s.CheckStep)
	}
}

// TestSweepPlateau: on a wrong gradient the error levels off at the size
// of the mistake over the steps where the estimate is accurate.
func TestSweepPlateau(t *testing.T) {
	const planted = 1e-4
	sw, err := gradcheck.Sweep(expModel(3, planted), []string{"W[1,1]", "W[0]"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := atCheckStep(sw[0]); math.Abs(p.Err-planted) > 0.01*planted {
		t.Errorf("W[1,1] with %g planted: error %g at the check's step %g, want the plateau at %g within 1%%", planted, p.Err, p.Step, planted)
	}
	if sw[1].Name != "W[0,0]" {
		t.Errorf("W[0] named %q, want W[0,0]", sw[1].Name)
	}
	if b := slices.MinFunc(sw[1].Points, func(a, b gradcheck.SweepPoint) int { return cmpFloat(a.Err, b.Err) }); b.Err > 1e-9 {
		t.Errorf("W[0,0] is right but its best error is %g", b.Err)
	}
}

// atCheckStep returns the point whose step is nearest, in ratio, to the
// first-pass step of a check: there truncation and round-off are both far
// below a planted error of 1e-4 or more.
func atCheckStep(sw gradcheck.EntrySweep) gradcheck.SweepPoint {
	return slices.MinFunc(sw.Points, func(a, b gradcheck.SweepPoint) int {
		return cmpFloat(math.Abs(math.Log(a.Step/sw.CheckStep)), math.Abs(math.Log(b.Step/sw.CheckStep)))
	})
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestSweepRestoresAndRecovers(t *testing.T) {
	m := expModel(-1, 0)
	w := m.Blocks[0].Value
	w[1] = math.Copysign(0, -1) // −0 must come back as −0, not +0
	saved := slices.Clone(w)
	if _, err := gradcheck.Sweep(m, []string{"W[0,1]", "W[1,0]"}, nil); err != nil {
		t.Fatal(err)
	}
	for i := range w {
		if math.Float64bits(w[i]) != math.Float64bits(saved[i]) {
			t.Errorf("after Sweep W[%d] = %v (bits %#x), want %v (bits %#x)", i, w[i], math.Float64bits(w[i]), saved[i], math.Float64bits(saved[i]))
		}
	}

	loss := m.Loss
	m.Loss = func() float64 {
		if w[2] < 2-0.01 {
			panic("boom")
		}
		return loss()
	}
	_, err := gradcheck.Sweep(m, []string{"W[1,0]"}, nil)
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) || pe.Func != "Loss" || pe.Entry != "W[1,0]" {
		t.Fatalf("Sweep with a Loss that panics below w=1.99: error %v, want a *PanicError from Loss at W[1,0]", err)
	}
	for i := range w {
		if math.Float64bits(w[i]) != math.Float64bits(saved[i]) {
			t.Errorf("after a panic W[%d] = %v, want %v", i, w[i], saved[i])
		}
	}

	m = expModel(-1, 0)
	w = m.Blocks[0].Value
	m.Loss = func() float64 { w[0] = 7; return 1 }
	if _, err := gradcheck.Sweep(m, []string{"W[1,1]"}, nil); err == nil || !strings.Contains(err.Error(), "Loss changed the parameters") {
		t.Errorf("Sweep with a Loss that writes W[0,0]: error %v, want one naming the mutation", err)
	}
	if w[0] != 0.5 {
		t.Errorf("after a mutating Loss W[0,0] = %v, want 0.5 restored", w[0])
	}
}

func TestSweepFloat32(t *testing.T) {
	w := []float32{0.3, 100}
	g := make([]float32, 2)
	m := &gradcheck.Model[float32]{
		Blocks:   []gradcheck.Block[float32]{{Name: "w", Value: w, Grad: g}},
		Loss:     func() float64 { return float64(w[0]*w[0] + w[1]*w[1]) },
		Gradient: func() { g[0], g[1] = 2*w[0], 2*w[1] },
	}
	sw, err := gradcheck.Sweep(m, []string{"w[1]"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pts := sw[0].Points
	// Steps are relative to max(|x|,1) = 100 and rounded to float32: the
	// last is above float32's spacing at 100 (2^-17·... = 7.6e-6).
	for _, p := range pts {
		if !(p.Step > 0) {
			t.Fatalf("step %v: a float32 step must stay positive", p.Step)
		}
	}
	if got, min := pts[len(pts)-1].Step, float64(math.Nextafter32(100, 200)-100); got < min {
		t.Errorf("smallest step %g, below the float32 spacing at 100 (%g)", got, min)
	}
	if pts[0].Step < 9.99 || pts[0].Step > 10.01 {
		t.Errorf("largest step %g, want 0.1·100 = 10", pts[0].Step)
	}
}

func TestSweepErrors(t *testing.T) {
	m := expModel(-1, 0)
	for _, c := range []struct {
		names []string
		opts  *gradcheck.SweepOptions
		want  string
	}{
		{nil, nil, "at least one entry"},
		{[]string{"V[0]"}, nil, `no block named "V" (the blocks are W)`},
		{[]string{"W"}, nil, "not of the form"},
		{[]string{"W[2,0]"}, nil, "index 2 on axis 0 is outside"},
		{[]string{"W[4]"}, nil, "index 4 is outside the 4 entries"},
		{[]string{"W[0,0,0]"}, nil, "3 indices for W of shape [2 2]"},
		{[]string{"W[a,0]"}, nil, `"a" is not an index`},
		{[]string{"W[0]"}, &gradcheck.SweepOptions{MinStep: 1, MaxStep: 0.5}, "above MaxStep"},
		{[]string{"W[0]"}, &gradcheck.SweepOptions{MaxStep: math.NaN()}, "MaxStep is NaN"},
		{[]string{"W[0]"}, &gradcheck.SweepOptions{PerDecade: -1}, "PerDecade is -1"},
	} {
		_, err := gradcheck.Sweep(m, c.names, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Sweep(%q, %+v): error %v, want one containing %q", c.names, c.opts, err, c.want)
		}
	}
}

// TestSweepWorst sweeps the worst entries of the demo's planted bug: the
// failing W1 entries come first, and each plateau matches the report.
func TestSweepWorst(t *testing.T) {
	net := demo.New(true)
	m := net.Model()
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := slices.Clone(net.W1)
	if err := gradcheck.SweepWorst(m, rep, 2, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, net.W1) {
		t.Errorf("SweepWorst changed W1")
	}
	if want := 2 * len(rep.Blocks); len(rep.Sweeps) != want {
		t.Fatalf("%d sweeps, want 2 for each of %d blocks", len(rep.Sweeps), len(rep.Blocks))
	}
	w1 := rep.Block("W1")
	for _, sw := range rep.Sweeps[:2] {
		if sw.Block != "W1" {
			t.Fatalf("first sweeps are of %s, want W1, the failing block", sw.Name)
		}
		e := w1.Entries[slices.IndexFunc(w1.Entries, func(e gradcheck.Entry) bool { return e.Index == sw.Index })]
		if e.Verdict.Pass() {
			t.Errorf("sweep of %s, which passed, among the worst of a block with failures", sw.Name)
		}
		if p, d := atCheckStep(sw), e.AbsErr(); math.Abs(p.Err-d) > 1e-6*d {
			t.Errorf("%s: sweep error %g at step %g, report's |a − n| %g: want them within 1e-6", sw.Name, p.Err, p.Step, d)
		}
	}
	// WorstEntries orders failing before passing, then by error.
	ws := gradcheck.WorstEntries(w1, len(w1.Entries))
	for k := 1; k < len(ws); k++ {
		a, b := ws[k-1], ws[k]
		if a.Verdict.Pass() && !b.Verdict.Pass() || a.Verdict.Pass() == b.Verdict.Pass() && a.AbsErr() < b.AbsErr() {
			t.Errorf("WorstEntries: %v (%s, %g) before %v (%s, %g)", a.Index, a.Verdict, a.AbsErr(), b.Index, b.Verdict, b.AbsErr())
		}
	}
}

// TestSweepBracketedBlockName: the index is the last bracket of a name, so
// a block may carry brackets of its own.
func TestSweepBracketedBlockName(t *testing.T) {
	m := expModel(-1, 0)
	m.Blocks[0].Name = "layers[1].W"
	sw, err := gradcheck.Sweep(m, []string{"layers[1].W[1,0]"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sw[0].Block != "layers[1].W" || sw[0].Index != 2 || sw[0].Name != "layers[1].W[1,0]" {
		t.Errorf("swept %s (block %q, index %d), want layers[1].W[1,0], index 2", sw[0].Name, sw[0].Block, sw[0].Index)
	}
}
