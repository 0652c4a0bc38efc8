package gradcheck_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestLogBarrierNearEdge checks −log(x0) − log(x1) with x0 closer to the
// edge of its domain than the smallest step of the refinement ladder: the
// loss is NaN at x0 − h for every step, and the forward slopes, which see
// the logarithm blow up toward the edge, grow as the step halves. They said
// −304 (x0 = 1.6e-6) and −515 (x0 = 1.4e-9) against derivatives of −6.25e5
// and −7.1e8, and a correct gradient was a Mismatch. A disagreement shown
// by slopes outside the Taylor regime is no evidence; the Taylor remainder,
// whose steps start far below the ladder's, still tells a right gradient
// from a wrong one at 1.6e-6 in float64.
func TestLogBarrierNearEdge(t *testing.T) {
	for _, c := range []struct {
		x0, bug float64
		want    []gradcheck.Verdict // acceptable verdicts of x[0]
	}{
		{1.6e-6, 1, []gradcheck.Verdict{gradcheck.OK}},
		{1.6e-6, 1.01, []gradcheck.Verdict{gradcheck.Mismatch}},
		{1.6e-6, 2, []gradcheck.Verdict{gradcheck.Mismatch}},
		{1.4e-9, 1, []gradcheck.Verdict{gradcheck.OK, gradcheck.Inconclusive, gradcheck.NonFinite}},
	} {
		x := []float64{c.x0, 0.8}
		rep, err := gradcheck.Gradient(func(x []float64) float64 { return -math.Log(x[0]) - math.Log(x[1]) },
			func(dst, x []float64) { dst[0], dst[1] = -c.bug/x[0], -1/x[1] }, x, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := rep.Blocks[0].Entries[0]
		ok := false
		for _, v := range c.want {
			ok = ok || e.Verdict == v
		}
		if !ok {
			t.Errorf("−log(x) at x = %g, gradient scaled by %g: verdict %v (numeric %v ± %v, side %d), want one of %v", c.x0, c.bug, e.Verdict, e.Numeric, e.ErrEst, e.Side, c.want)
		}
	}
	// float32: the ladder's steps stay above 2.4e-4, far from the edge.
	for _, x0 := range []float32{1.6e-6, 1.4e-9} {
		v := []float32{x0, 0.8}
		g := make([]float32, 2)
		m := &gradcheck.Model[float32]{
			Blocks:   []gradcheck.Block[float32]{{Name: "x", Value: v, Grad: g}},
			Loss:     func() float64 { return float64(-float32(math.Log(float64(v[0]))) - float32(math.Log(float64(v[1])))) },
			Gradient: func() { g[0], g[1] = -1/v[0], -1/v[1] },
		}
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if e := rep.Blocks[0].Entries[0]; e.Verdict == gradcheck.Mismatch {
			t.Errorf("float32 −log(x) at x = %g, right gradient: Mismatch (numeric %v ± %v, side %d)", x0, e.Numeric, e.ErrEst, e.Side)
		}
	}
}

// TestPoleWithinEveryStep checks 1/x and log|x| at x = ±1.3e-6, where the
// pole lies within every step of the refinement ladder: the one-sided
// slopes, one of them across the pole, grow as the step halves and stand
// apart with opposite signs (±2.3e7 for 1/x, ±310 for log|x|), and were
// taken for a kink's interval, which the derivative (−5.9e11, 7.7e5) lay
// outside: a correct gradient was a Mismatch. Slopes outside the Taylor
// regime bound no subgradient; the Taylor remainder, at steps below the
// distance to the pole, tells a right gradient from one off by 1%.
func TestPoleWithinEveryStep(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(float64) float64
		df   func(float64) float64
	}{
		{"1/x", func(x float64) float64 { return 1 / x }, func(x float64) float64 { return -1 / (x * x) }},
		{"log|x|", func(x float64) float64 { return math.Log(math.Abs(x)) }, func(x float64) float64 { return 1 / x }},
	} {
		for _, x0 := range []float64{1.3e-6, -1.3e-6} {
			for _, bug := range []float64{1, 1.01} {
				x := []float64{x0, 1.5}
				rep, err := gradcheck.Gradient(func(x []float64) float64 { return c.f(x[0]) + c.f(x[1]) },
					func(dst, x []float64) { dst[0], dst[1] = bug*c.df(x[0]), c.df(x[1]) }, x, nil)
				if err != nil {
					t.Fatal(err)
				}
				e := rep.Blocks[0].Entries[0]
				if want := bug != 1; (e.Verdict == gradcheck.Mismatch) != want || !want && !e.Verdict.Pass() {
					t.Errorf("%s at x = %g, gradient scaled by %g: verdict %v (numeric %v ± %v, slopes %v, %v)", c.name, x0, bug, e.Verdict, e.Numeric, e.ErrEst, e.Left, e.Right)
				}
			}
		}
	}
}

// TestPoleResolutionScale32 checks float32 1/x0 + 1/x1 at x0 = −5.66e-4,
// with ∂/∂x0 doubled. The ladder's estimate there, −2.8e6 ± 9.5e5 against
// an exact −3.13e6, does not resolve the derivative to 10%, and the
// gradient's scale is the entry itself; the agreement counted as resolved
// because the slope scale of the resolution rule took f⁽²⁾ = 2/|x0|³ =
// 1.1e10 over the parameter's scale, 1, nearly 2000 times the distance to
// the pole, where the slopes the ladder shows are those over its steps.
// The doubled entry passed as OK.
func TestPoleResolutionScale32(t *testing.T) {
	v := []float32{-0.0005655132699757814, 0.9005422592163086}
	g := make([]float32, 2)
	m := &gradcheck.Model[float32]{
		Blocks:   []gradcheck.Block[float32]{{Name: "x", Value: v, Grad: g}},
		Loss:     func() float64 { return float64(1/v[0] + 1/v[1]) },
		Gradient: func() { g[0], g[1] = -2/(v[0]*v[0]), -1/(v[1]*v[1]) },
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := rep.Blocks[0].Entries[0]; e.Verdict.Pass() {
		t.Errorf("float32 1/x at x = %g, gradient doubled: verdict %v (analytic %v, numeric %v ± %v)", v[0], e.Verdict, e.Analytic, e.Numeric, e.ErrEst)
	}
}

// TestDirectionsNonFiniteSummary checks the first line of a directional
// check of a log barrier with x0 = 1.6e-6, within a step of the edge: every
// direction moves x0 below zero on one side, the loss is NaN there, and
// each direction's verdict is NonFinite. The line said that the directions
// disagree, of a correct gradient.
func TestDirectionsNonFiniteSummary(t *testing.T) {
	x := []float64{1.6e-6, 0.8, 2.5, 1e-3}
	f := func(x []float64) float64 {
		s := 0.0
		for _, v := range x {
			s -= math.Log(v)
		}
		return s
	}
	grad := func(dst, x []float64) {
		for i, v := range x {
			dst[i] = -1 / v
		}
	}
	rep, err := gradcheck.Gradient(f, grad, x, &gradcheck.Options{Directions: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Directions {
		if d.Verdict != gradcheck.NonFinite {
			t.Fatalf("direction verdict %v, want nonfinite (the test's premise)", d.Verdict)
		}
	}
	line, _, _ := strings.Cut(rep.String(), "\n")
	if strings.Contains(line, "disagree") || !strings.Contains(line, "3 nonfinite") {
		t.Errorf("summary of three nonfinite directions: %q, want them named nonfinite, not disagreeing", line)
	}
}
