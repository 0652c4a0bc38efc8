package gradcheck_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// A loss that jumps within every step of the refinement ladder has one-
// sided slopes that grow as J/h on the side of the jump, and their
// extrapolations, with error bounds as large as themselves, took any value
// for a subgradient of a kink. No Kink rests on them now: the entry goes on
// to smaller steps, the Taylor remainder's, whose side away from the jump
// confirms the derivative of the branch the point is on, or refutes it.
func TestJumpNotKink(t *testing.T) {
	const c = 0.3
	f := func(x []float64) float64 {
		s := x[0]*x[0] + 3*x[1]
		if x[0] > c {
			s++
		}
		return s
	}
	// x0 − c: where the loss jumps, from the point. Before, every wrong
	// value below passed as a Kink within 1e-9 of the jump (one-sided
	// slopes of 0.6 and 30.6 at the largest step, an error bound of 40),
	// and 17 times the derivative at ±1e-5.
	for _, d := range []float64{0, 1e-12, 1e-9, -1e-9, 1e-7, 1e-5, -1e-5, 1e-3} {
		for _, bug := range []float64{0, 0.01, 0.5, 10} {
			x := []float64{c + d, 0.2}
			grad := func(dst, x []float64) { dst[0], dst[1] = 2*x[0]+bug, 3 }
			rep, err := gradcheck.Gradient(f, grad, x, nil)
			if err != nil {
				t.Fatal(err)
			}
			switch e := rep.Blocks[0].Entries[0]; {
			case bug == 0 && e.Verdict != gradcheck.OK:
				t.Errorf("jump at x0 − %g: the exact derivative is %v, want ok:\n%v", d, e.Verdict, rep)
			case bug != 0 && e.Verdict.Pass():
				t.Errorf("jump at x0 − %g: a gradient off by %g passed:\n%v", d, bug, rep)
			}
		}
	}
}

// seamLoss is Σ ½(w_i − c_i)² over i ≠ k plus, along w[k], a piecewise
// loss whose pieces do not meet: ½u² for u ≤ 0 and u + J beyond, u =
// w[k] − t, in T. Its gradient along w[k] is u, then 1.
func seamLoss[T gradcheck.Float](w []T, c []float64, k int, t, j float64) *gradcheck.Model[T] {
	m := &gradcheck.Model[T]{Blocks: []gradcheck.Block[T]{{Name: "w", Value: w, Grad: make([]T, len(w))}}}
	m.Loss = func() float64 {
		s := 0.0
		for i, v := range w {
			switch u := float64(v) - t; {
			case i != k:
				s += 0.5 * (float64(v) - c[i]) * (float64(v) - c[i])
			case u <= 0:
				s += 0.5 * u * u
			default:
				s += u + j
			}
		}
		return s
	}
	m.Gradient = func() {
		for i, v := range w {
			switch u := float64(v) - t; {
			case i != k:
				m.Blocks[0].Grad[i] = T(float64(v) - c[i])
			case u <= 0:
				m.Blocks[0].Grad[i] = T(u)
			default:
				m.Blocks[0].Grad[i] = 1
			}
		}
	}
	return m
}

// plantGrad makes m's Gradient write v into entry i of its first block
// after the exact gradient: a planted bug.
func plantGrad[T gradcheck.Float](m *gradcheck.Model[T], i int, v T) {
	exact := m.Gradient
	m.Gradient = func() {
		exact()
		m.Blocks[0].Grad[i] = v
	}
}

// The noise is measured along the entry with the largest analytic value,
// and a wrong value there makes that the entry whose loss jumps: the noise
// measurement reads the jump as noise of about its size (it does not grow
// with the spacing, as a kink's pseudo-noise does), and with that noise
// the jump hid in every round-off bound. A gradient of 3 for a slope of 1
// passed as a Kink between 0.137 and 1 ± 0.75. In float32 the lower
// ladder's smallest steps showed the jump, and the climbed ladder, whose
// larger steps did not, called the right slope of the seam, 1, a Kink
// where the loss's slope is −1e-5.
func TestJumpHiddenByNoise(t *testing.T) {
	w := []float64{0.7, -0.11529551171664008, 0.4}
	m := seamLoss(w, []float64{0.3, 0, -1.2}, 1, w[1]-1e-9, 0.0365)
	plantGrad(m, 1, 3)
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := rep.Blocks[0].Entries[1]; e.Verdict.Pass() {
		t.Errorf("a gradient of 3 for a slope of 1, the loss jumping 1e-9 away, passed:\n%v", rep)
	}

	w32 := []float32{0.7, 1.1625897, 0.4}
	m32 := seamLoss(w32, []float64{0.3, 0, -1.2}, 1, float64(w32[1])+1e-5, 0.0136)
	plantGrad(m32, 1, 1)
	rep, err = gradcheck.Check(m32, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := rep.Blocks[0].Entries[1]; e.Verdict.Pass() {
		t.Errorf("float32: the right slope of a seam that jumps 1e-5 away passed for a slope of −1e-5:\n%v", rep)
	}
}

// An exact gradient where the loss jumps within every step is no Mismatch:
// the one-sided slopes that a jump leaves bound nothing, either way.
// Each case was a Mismatch under one of the rules that keep a jump from
// passing a Kink: judgeKink's, whose slopes at the largest steps converge
// with the jump's J/h hidden below the seam's own change (a seam 1e-12
// away); the Taylor remainder's on the upper piece, whose slope 1 at
// steps far above J refuted the lower piece's exact 0 (the point on the
// seam); and, in float32, the climbed ladder's on a staircase of jumps
// J·⌊(x − t)/q⌋, whose steps above the stairs' spacing q read J/q as a
// slope.
func TestJumpExactNotMismatch(t *testing.T) {
	for _, tc := range []struct {
		w    []float64
		c    []float64
		k    int
		d, j float64 // w[k] − t, and the jump
	}{
		{[]float64{0.21399728760982595, 0.36220254063503343, 0.25296087281198587}, []float64{-0.46336627233891675, 0, 0.5301921817374722}, 1, 1e-12, 0.0317},
		{[]float64{0.7, -0.0154608504050327, 0.4}, []float64{0.3, 0, -1.2}, 1, 0, 0.00457},
		{[]float64{0.7, -0.9083954088737013, 0.4}, []float64{0.3, 0, -1.2}, 1, 0, 0.00152},
	} {
		m := seamLoss(tc.w, tc.c, tc.k, tc.w[tc.k]-tc.d, tc.j)
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if e := rep.Blocks[0].Entries[tc.k]; e.Verdict == gradcheck.Mismatch {
			t.Errorf("seam %g away, jump %g: the exact gradient is a Mismatch:\n%v", tc.d, tc.j, rep)
		}
	}
	for _, tc := range []struct{ w, d, j float64 }{
		{-0.02836732752621174, -1e-5, 1.2},
		{0.021717360243201256, -1e-7, 0.00818},
	} {
		w := []float32{float32(tc.w), 0.3}
		t0, q := float64(w[0])-tc.d, 2*math.Abs(tc.d)+1e-3
		m := &gradcheck.Model[float32]{Blocks: []gradcheck.Block[float32]{{Name: "w", Value: w, Grad: make([]float32, 2)}}}
		m.Loss = func() float64 {
			return 0.7*float64(w[0])*float64(w[0]) - 0.4*float64(w[1])*float64(w[1]) + tc.j*math.Floor((float64(w[0])-t0)/q)
		}
		m.Gradient = func() {
			m.Blocks[0].Grad[0] = float32(1.4 * float64(w[0]))
			m.Blocks[0].Grad[1] = float32(-0.8 * float64(w[1]))
		}
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if e := rep.Blocks[0].Entries[0]; e.Verdict == gradcheck.Mismatch {
			t.Errorf("float32 staircase, a stair %g away: the exact gradient is a Mismatch:\n%v", tc.d, rep)
		}
	}
}

// The report says where the loss jumps, and a float32 report does not
// suggest that float64 would resolve such an entry.
func TestJumpReported(t *testing.T) {
	w := []float32{0.7, 0, 0.4}
	m := seamLoss(w, []float64{0.3, 0, -1.2}, 1, 0, 0.5)
	plantGrad(m, 1, 0.25)
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := rep.Blocks[0].Entries[1]
	if !e.Jumped || e.Verdict.Pass() {
		t.Fatalf("w[1] on a seam that jumps by 0.5: %+v, want a failing verdict with Jumped:\n%v", e, rep)
	}
	for k, x := range rep.Blocks[0].Entries {
		if k != 1 && x.Jumped {
			t.Errorf("w[%d], away from the seam, is Jumped", k)
		}
	}
	s := rep.Summary()
	if !strings.Contains(s, "1 where the loss jumps within every step (first w[1])") || strings.Contains(s, "float64 may resolve") {
		t.Errorf("summary %q: want the jump at w[1] named, and no advice to check in float64", s)
	}
	if back := jsonRoundTrip(t, rep); !back.Blocks[0].Entries[1].Jumped {
		t.Errorf("Jumped lost in a JSON round trip")
	}
}
