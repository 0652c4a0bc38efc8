package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// An exponential decay's residuals r_i = a·exp(−k·t_i) + c − y_i at
// t_0 = 0 have a slope along k of exactly 0: that entry's two first-pass
// values are equal to the bit, and it waits for the noise, though it then
// passes without refinement. jac is called at the sensitivity probes with
// the noise measurement, two calls besides the two of the hazards, as the
// Jacobian docs say; and only there: the same residuals from t = 0.5 on
// pass their first pass outright, and jac is called twice.
func TestJacobianProbesWithNoise(t *testing.T) {
	for _, c := range []struct {
		ts, y []float64
		calls int
	}{
		{[]float64{0, 0.5, 1, 1.5, 2}, []float64{3.1, 2.2, 1.7, 1.2, 1.1}, 4},
		{[]float64{0.5, 1, 1.5, 2}, []float64{2.2, 1.7, 1.2, 1.1}, 2},
	} {
		checkProbes(t, c.ts, c.y, c.calls)
	}
}

func checkProbes(t *testing.T, ts, y []float64, calls int) {
	t.Helper()
	f := func(dst, x []float64) {
		for i, t := range ts {
			dst[i] = x[0]*math.Exp(-x[1]*t) + x[2] - y[i]
		}
	}
	jac := func(dst, x []float64) {
		for i, t := range ts {
			e := math.Exp(-x[1] * t)
			dst[3*i], dst[3*i+1], dst[3*i+2] = e, -x[0]*t*e, 1
		}
	}
	rep, err := gradcheck.Jacobian(f, jac, len(ts), []float64{2.5, 0.8, 0.6}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("exact Jacobian fails:\n%v", rep)
	}
	for _, e := range rep.Blocks[0].Entries {
		if e.Refined {
			t.Fatalf("entry %d refined; the test wants none:\n%v", e.Index, rep)
		}
	}
	if rep.GradEvals != calls {
		t.Errorf("t = %v: GradEvals = %d, want %d (two for the hazards, two more at the probes where the noise is measured)", ts, rep.GradEvals, calls)
	}
}
