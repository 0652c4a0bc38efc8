package gradcheck_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestJVPPanicNamesTheTangent: a panic along a tangent after the first
// says which, as VJP's names the cotangent, so that it can be reproduced
// with Tangent. It said "jvp panicked at the unperturbed parameters",
// the same words as along the first.
func TestJVPPanicNamesTheTangent(t *testing.T) {
	x := []float64{1, 2, 3}
	// stopAt panics when called with the tangent v of direction d.
	stopAt := func(d int, fn func(dst, x, v []float64)) func(dst, x, v []float64) {
		v := gradcheck.Tangent(x, 0, d)
		return func(dst, x, w []float64) {
			if slices.Equal(w, v) {
				panic("stop")
			}
			fn(dst, x, w)
		}
	}
	f := func(dst, x []float64) { dst[0] = x[0] * x[1]; dst[1] = x[2] * x[2] }
	jvp := func(dst, x, v []float64) { dst[0] = x[1]*v[0] + x[0]*v[1]; dst[1] = 2 * x[2] * v[2] }
	grad := func(dst, x []float64) {
		for i, v := range x {
			dst[i] = 3 * v * v
		}
	}
	hvp := func(dst, x, v []float64) {
		for i := range x {
			dst[i] = 6 * x[i] * v[i]
		}
	}
	_, err := gradcheck.JVP(f, stopAt(1, jvp), 2, x, nil)
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) || pe.Func != "jvp (tangent 1)" {
		t.Errorf("JVP: error %v, want a *PanicError of jvp (tangent 1)", err)
	}
	_, err = gradcheck.HVP(grad, stopAt(2, hvp), x, nil)
	if !errors.As(err, &pe) || pe.Func != "hvp (tangent 2)" {
		t.Errorf("HVP: error %v, want a *PanicError of hvp (tangent 2)", err)
	}
}
