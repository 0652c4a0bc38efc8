package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestWrongGradientOnMeetingStaircase32: TestIllConditioned32's tanh(−6) +
// 1/(1 + x0²) at x0 = 3e-6, whose sides meet below a step (quantize), with
// its derivative, −6e-6, doubled, left out or of the wrong sign: the steps
// above the meeting resolve it to about 15%, and each is a Mismatch.
func TestWrongGradientOnMeetingStaircase32(t *testing.T) {
	for _, factor := range []float64{2, 0, -1} {
		x := []float32{2.9802322e-06}
		g := make([]float32, 1)
		m := &gradcheck.Model[float32]{
			Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
			Loss: func() float64 {
				return float64(float32(math.Tanh(-6)) + float32(1/(1+float64(x[0]*x[0]))))
			},
			Gradient: func() {
				u := float64(x[0])
				g[0] = float32(factor * -2 * u / ((1 + u*u) * (1 + u*u)))
			},
		}
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v := rep.Blocks[0].Entries[0].Verdict; v != gradcheck.Mismatch {
			t.Errorf("derivative times %g: %v, want Mismatch\n%s", factor, v, rep)
		}
	}
}

// TestWrongGradientOfQuartic32: x⁴ at x = 2⁻⁸ in float32, its derivative,
// 2.4e-7, off by 1%. The ladder resolves it to 4e-12, but the input floor
// took f⁽²⁾ from the ladder's largest step, where (F − B)/h is 100 times
// f⁽²⁾ (x⁴ varies on the scale of x, 0.004, the step is 0.1), and allowed
// 4.8e-9 for a disagreement of 2.4e-9: an OK. It takes f⁽²⁾ at the smallest
// step where F − B stands above round-off. The exact gradient passes.
func TestWrongGradientOfQuartic32(t *testing.T) {
	for _, rel := range []float64{0.01, -0.01, 0} {
		x := []float32{0x1p-8}
		g := make([]float32, 1)
		m := &gradcheck.Model[float32]{
			Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
			Loss:   func() float64 { return float64((x[0] * (x[0] * x[0])) * x[0]) },
			Gradient: func() {
				v := float64(x[0])
				g[0] = float32(4 * v * v * v * (1 + rel))
			},
		}
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := gradcheck.Mismatch
		if rel == 0 {
			want = gradcheck.OK
		}
		if v := rep.Blocks[0].Entries[0].Verdict; v != want {
			t.Errorf("x⁴ at 2⁻⁸, derivative off by %g: %v, want %v\n%s", rel, v, want, rep)
		}
	}
}

// TestWrongGradientAfterChanceRegime32: x + tanh(sin(1.117·x²)) at x = 3 in
// float32, a loss of 2.5 whose argument turns 6.7 radians per unit of x,
// its derivative, −3.0, off by 1%. The ladder's last row disagreed to
// eight times its threshold, and the entry was judged again with the noise
// that its corrections' growth showed (grownNoise): at the largest steps,
// half a radian and more, one correction had shrunk between 1/32 and 0.6
// of the one before by chance, which passed for the Taylor regime, and the
// next grew, which passed for noise of σ = 2.3e-5 (the loss's rounding is
// 1.5e-7); with it the ladder agreed early at coarse steps, stating a
// resolution of 0.24%. The regime now needs two such shrinks in a row. The
// bug is a Mismatch, or at least not passed with a resolution finer than
// itself; the exact gradient passes.
func TestWrongGradientAfterChanceRegime32(t *testing.T) {
	for _, rel := range []float64{0.01, 0} {
		x := []float32{3}
		g := make([]float32, 1)
		c0 := float64(float32(0.494842529296875))
		k := float32(math.Sqrt(1 + c0*c0))
		m := &gradcheck.Model[float32]{
			Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
			Loss: func() float64 {
				return float64(x[0] + float32(math.Tanh(float64(float32(math.Sin(float64((x[0]*x[0])*k)))))))
			},
			Gradient: func() {
				v, kk := float64(x[0]), float64(k)
				u := v * v * kk
				th := math.Tanh(math.Sin(u))
				g[0] = float32((1 + (1-th*th)*math.Cos(u)*2*v*kk) * (1 + rel))
			},
		}
		wantNotPassedFiner(t, m, rel)
	}
}

// TestWrongGradientEarlyAgreement32: exp(2·tanh(sin(c·x)))·√(1 + x²)·x with
// c = 1.996 at x = −3 in float32, its derivative, −48.1, off by 1%. The
// ladder's steps 0.075 and 0.0375 extrapolated to −48.56 with an error
// bound of 0.0023, agreeing with the wrong −48.58 as tightly as Rtol, and
// judge stopped there with an OK: two steps beyond the reach of the
// expansion, agreeing by chance. An early agreement now needs its rows in
// the Taylor regime. The bug is not passed with a resolution finer than
// itself; the exact gradient passes.
func TestWrongGradientEarlyAgreement32(t *testing.T) {
	for _, rel := range []float64{0.01, 0} {
		x := []float32{-3}
		g := make([]float32, 1)
		c := float32(1.99627685546875)
		et := func(u float32) float32 { return float32(math.Exp(2 * math.Tanh(float64(u)))) }
		m := &gradcheck.Model[float32]{
			Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
			Loss: func() float64 {
				s := float32(math.Sin(float64(c * x[0])))
				q := float32(math.Sqrt(1 + float64(x[0])*float64(x[0])))
				return float64((et(s) * q) * x[0])
			},
			Gradient: func() {
				v, cc := float64(x[0]), float64(c)
				th := math.Tanh(math.Sin(cc * v))
				e := math.Exp(2 * th)
				q := math.Sqrt(1 + v*v)
				de := e * 2 * (1 - th*th) * math.Cos(cc*v) * cc
				g[0] = float32((de*q*v + e*(v/q)*v + e*q) * (1 + rel))
			},
		}
		wantNotPassedFiner(t, m, rel)
	}
}

// wantNotPassedFiner checks the one-entry model m, whose gradient is off by
// the relative rel: exact (rel = 0), it must be OK; wrong, it must not pass
// with an error bound finer than the bug (K·ErrEst below it, K = 4).
func wantNotPassedFiner(t *testing.T, m *gradcheck.Model[float32], rel float64) {
	t.Helper()
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := rep.Blocks[0].Entries[0]
	bug := math.Abs(rel * e.Analytic / (1 + rel))
	switch {
	case rel == 0 && e.Verdict != gradcheck.OK:
		t.Errorf("exact gradient: %v, want OK\n%s", e.Verdict, rep)
	case rel != 0 && e.Verdict.Pass() && 4*e.ErrEst < bug:
		t.Errorf("derivative off by %g: %v with an error bound of %.2g, finer than the bug, %.2g\n%s", rel, e.Verdict, e.ErrEst, bug, rep)
	}
}

// TestWrongGradientOneSidedByChance32: exp(2·tanh(sin(√(1 + (x0·x1)²) +
// 1))) at (3, 3) in float32, whose derivative along x0, −1.2015, is off by
// 1% (float32 property seed 366). The four largest steps of the ladder,
// 0.3 to 0.0375, over which the sine's argument turns 0.9 to 0.11 radians,
// gave backward slopes whose extrapolation, −1.21310 ± 6.7e-5, agreed
// with the wrong −1.21348 and stopped the ladder with an OK, while the
// central differences over the same steps said −1.20140 ± 0.0021. An
// early agreement now needs the extrapolations to agree with each other.
// The exact gradient passes at both entries; the wrong one is not passed
// with a resolution finer than the bug, and x1, exact, passes.
func TestWrongGradientOneSidedByChance32(t *testing.T) {
	x0, x1 := &expr{op: "x", i: 0}, &expr{op: "x", i: 1}
	e := &expr{op: "exp-tanh", args: []*expr{{op: "sin", args: []*expr{{op: "add", args: []*expr{
		{op: "sqrt1p", args: []*expr{{op: "mul", args: []*expr{x0, x1}}}},
		{op: "c", c: 1},
	}}}}}}
	exact := make([]float64, 2)
	e.eval([]float64{3, 3}, exact, 1)
	for _, rel := range []float64{0.01, 0} {
		m := model32(e, []float32{3, 3}, func(g []float32) {
			g[0] = float32(exact[0] * (1 + rel))
			g[1] = float32(exact[1])
		})
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		e0, e1 := rep.Blocks[0].Entries[0], rep.Blocks[0].Entries[1]
		bug := math.Abs(rel * exact[0])
		switch {
		case rel == 0 && (e0.Verdict != gradcheck.OK || e1.Verdict != gradcheck.OK):
			t.Errorf("exact gradient: %v and %v, want OK\n%s", e0.Verdict, e1.Verdict, rep)
		case rel != 0 && e0.Verdict.Pass() && 4*e0.ErrEst < bug:
			t.Errorf("x0's derivative off by %g: %v with an error bound of %.2g, finer than the bug, %.2g\n%s", rel, e0.Verdict, e0.ErrEst, bug, rep)
		case rel != 0 && e1.Verdict != gradcheck.OK:
			t.Errorf("x0's derivative off by %g: x1, exact, is %v\n%s", rel, e1.Verdict, rep)
		}
	}
}

// TestKinkUnderRoundoff32: a float32 loss of 21, exp(2·tanh(1))·
// exp(2·tanh(x0)), plus max(x1 − 1, 0)/8 at x1 = 1, a ReLU at its kink on
// top of a loss much larger than its slope (found by a float32 version of
// TestPropertySubgradients). Every subgradient passes; a value outside
// them does not. At the smallest steps the float32 round-off of the loss,
// an ulp of 21 being 1.9e-6, held F − B, the jump 0.125, below its bound,
// isKink flagged only the larger steps, and the last row judged the
// central differences, 0.0635 ± 0.015, the mean of the one-sided slopes,
// against the analytic slope: either end of the subgradients, 0 (the
// convention of most frameworks) or 0.125, was a Mismatch. The last row
// whose F − B stands above its bound now decides whether there is a kink.
func TestKinkUnderRoundoff32(t *testing.T) {
	c := float32(math.Exp(2 * math.Tanh(1)))
	for _, tc := range []struct {
		s    float32 // the analytic slope along x1
		pass bool
	}{{0.125, true}, {0, true}, {0.0625, true}, {0.25, false}, {-0.125, false}} {
		x := []float32{1, 1}
		g := make([]float32, 2)
		m := &gradcheck.Model[float32]{
			Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
			Loss: func() float64 {
				return float64(c*float32(math.Exp(2*math.Tanh(float64(x[0])))) + 0.125*max(x[1]-1, 0))
			},
			Gradient: func() {
				th := math.Tanh(float64(x[0]))
				g[0] = float32(float64(c) * math.Exp(2*th) * 2 * (1 - th*th))
				g[1] = tc.s
			},
		}
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if e := rep.Blocks[0].Entries[1]; e.Verdict.Pass() != tc.pass {
			t.Errorf("ReLU at its kink on a loss of %.3g, analytic slope %g: %v, want a pass: %v\n%s", m.Loss(), tc.s, e.Verdict, tc.pass, rep)
		}
	}
}
