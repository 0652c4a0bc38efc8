package gradcheck_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// roundedInput32 is TestIllConditioned32's x2·sin(c + (−c + x0)), whose
// slope along x2 the loss computes from x0 rounded near c, with the exact
// gradient times (1, 1, 1+rel).
func roundedInput32(rel float64) *gradcheck.Model[float32] {
	x := []float32{6.109476e-05, 1, 0.125}
	g := make([]float32, 3)
	return &gradcheck.Model[float32]{
		Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
		Loss: func() float64 {
			c := float32(1.999755859375)
			return float64(x[2]*float32(math.Sin(float64(c+(-c+x[0])))) + 0)
		},
		Gradient: func() {
			x0, x2 := float64(x[0]), float64(x[2])
			g[0], g[1], g[2] = float32(x2*math.Cos(x0)), 0, float32(math.Sin(x0)*(1+rel))
		},
	}
}

// TestWrongGradientThroughRoundedInput32: the allowance for the rounding of
// the parameters (measureSensitivity) covers the loss's rounding of x0,
// 6e-8 in the slope along x2 (a relative 1e-3 of that slope, 5e-7 of the
// largest entry), with the margin K: K·ε·S = 2.4e-7 there, a relative 4e-3
// of the slope. A gradient off by 1% along x2, either way, stays a
// Mismatch.
func TestWrongGradientThroughRoundedInput32(t *testing.T) {
	for _, rel := range []float64{0.01, -0.01, 0.1} {
		rep, err := gradcheck.Check(roundedInput32(rel), nil)
		if err != nil {
			t.Fatal(err)
		}
		if v := rep.Blocks[0].Entries[2].Verdict; v != gradcheck.Mismatch {
			t.Errorf("gradient along x2 off by %g: %v, want Mismatch\n%s", rel, v, rep)
		}
	}
}

// TestSensitivityProbes: the probes cost two gradient evaluations, only
// where some entry is refined, and leave the parameters and the blocks'
// Grad as the check found them; a gradient that keeps state between calls
// is not probed; a panic in a probe names it.
func TestSensitivityProbes(t *testing.T) {
	m := roundedInput32(0)
	saved := append([]float32(nil), m.Blocks[0].Value...)
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.NoiseGradEvals != 2 || rep.GradEvals != rep.SetupGradEvals+2 {
		t.Errorf("refined check: OK %v, NoiseGradEvals %d, GradEvals %d (setup %d), want OK, 2 and 2 more than the setup\n%s",
			rep.OK(), rep.NoiseGradEvals, rep.GradEvals, rep.SetupGradEvals, rep)
	}
	for i, v := range m.Blocks[0].Value {
		if math.Float64bits(float64(v)) != math.Float64bits(float64(saved[i])) {
			t.Errorf("x[%d] = %v after the check, was %v", i, v, saved[i])
		}
	}
	got := append([]float32(nil), m.Blocks[0].Grad...)
	m.Gradient()
	for i, g := range m.Blocks[0].Grad {
		if g != got[i] {
			t.Errorf("Grad[%d] = %v after the check, the gradient at x is %v", i, got[i], g)
		}
	}

	// A check whose first pass accepts every entry makes no probe.
	sq := []float64{1, 2}
	rep, err = gradcheck.Gradient(func(x []float64) float64 { return x[0]*x[0] + x[1] }, func(d, x []float64) { d[0], d[1] = 2*x[0], 1 }, sq, nil)
	if err != nil || rep.NoiseGradEvals != 0 {
		t.Errorf("unrefined check: NoiseGradEvals %d, err %v, want 0", rep.NoiseGradEvals, err)
	}

	// A gradient that adds into Grad keeps state between calls: its
	// values at the probes would not be the gradient's.
	m = roundedInput32(0)
	grad := m.Gradient
	m.Gradient = func() {
		keep := append([]float32(nil), m.Blocks[0].Grad...)
		grad()
		for i := range keep {
			m.Blocks[0].Grad[i] += keep[i]
		}
	}
	if rep, err = gradcheck.Check(m, nil); err != nil || rep.NoiseGradEvals != 0 {
		t.Errorf("accumulating gradient: NoiseGradEvals %d, err %v, want 0\n%s", rep.NoiseGradEvals, err, rep)
	}

	// A panic in a probe: every parameter is moved, and the error says so.
	m = roundedInput32(0)
	grad = m.Gradient
	m.Gradient = func() {
		for i, v := range m.Blocks[0].Value {
			if v != saved[i] {
				panic("moved")
			}
		}
		grad()
	}
	_, err = gradcheck.Check(m, nil)
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) || pe.Func != "Gradient" || !strings.Contains(pe.Error(), "sensitivity") {
		t.Errorf("panic in a probe: %v, want a PanicError of Gradient naming the probe", err)
	}
	for i, v := range m.Blocks[0].Value {
		if math.Float64bits(float64(v)) != math.Float64bits(float64(saved[i])) {
			t.Errorf("x[%d] = %v after a panic in a probe, was %v", i, v, saved[i])
		}
	}
}
