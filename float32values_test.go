package gradcheck_test

import (
	"testing"

	"github.com/gradcheck/gradcheck"
)

// matmul32 is the product of a p×q and a q×s matrix packed in x, with its
// inputs and outputs rounded to float32, as a float32 layer computes it.
func matmul32(p, q, s int) (f func(dst, x []float64), jvp func(dst, x, v []float64)) {
	f = func(dst, x []float64) {
		for i := range p {
			for j := range s {
				var t float64
				for k := range q {
					t += float64(float32(x[i*q+k])) * float64(float32(x[p*q+k*s+j]))
				}
				dst[i*s+j] = float64(float32(t))
			}
		}
	}
	jvp = func(dst, x, v []float64) {
		for i := range p {
			for j := range s {
				var t float64
				for k := range q {
					t += v[i*q+k]*x[p*q+k*s+j] + x[i*q+k]*v[p*q+k*s+j]
				}
				dst[i*s+j] = t
			}
		}
	}
	return f, jvp
}

// A float32 function checked in float64 moves by about one of its ulps per
// point at the smaller noise spacing, and there its values lie on the
// float32 grid with one neighbour equal: they cannot show noise below half
// that grid, and must not refute the rounding the third spacing finds
// (gridCeiling). With σ = 0 the JVP's first output read 1.2890625 ± 7e-11,
// on four float32 stairs, against the exact 1.2857 and failed.
func TestFloat32ValuesOnGridNotRefuted(t *testing.T) {
	x := []float64{0.0883029960441355, -0.3884158323630448, 0.3456797772361859,
		-0.2829137608922311, 0.8718230496051554, 1.3756817335290838,
		-1.2010387464599672, 0.6097743695981249, -0.5862337552739461,
		-0.6636023014107407, 0.9131401636467276, 0.10929981972032304}
	f, jvp := matmul32(3, 3, 1)
	rep, err := gradcheck.JVP(f, jvp, 3, x, &gradcheck.Options{Seed: 26022})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("exact JVP of a float32 matmul fails:\n%v", rep)
	}
	// The same check still fails a JVP 1% off in one output.
	wrong := func(dst, x, v []float64) {
		jvp(dst, x, v)
		dst[0] *= 1.01
	}
	rep, err = gradcheck.JVP(f, wrong, 3, x, &gradcheck.Options{Seed: 26022})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Errorf("JVP 1%% off passes:\n%v", rep)
	}
}
