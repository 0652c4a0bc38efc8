package gradcheck_test

import (
	"math"
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
// (gridQuantum). With σ = 0 the JVP's first output read 1.2890625 ± 7e-11,
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

// logSumExp32 is log Σ exp(x_j) in float32 with its max taken out, and
// its VJP, w·softmax(x), in float32 as well.
func logSumExp32() (f func(dst, x []float64), vjp func(dst, x, w []float64)) {
	softmax := func(x []float64) []float32 {
		mx := float32(math.Inf(-1))
		for _, v := range x {
			mx = max(mx, float32(v))
		}
		p := make([]float32, len(x))
		var s float32
		for i, v := range x {
			p[i] = float32(math.Exp(float64(float32(v) - mx)))
			s += p[i]
		}
		for i := range p {
			p[i] /= s
		}
		return p
	}
	f = func(dst, x []float64) {
		mx := float32(math.Inf(-1))
		for _, v := range x {
			mx = max(mx, float32(v))
		}
		var s float32
		for _, v := range x {
			s += float32(math.Exp(float64(float32(v) - mx)))
		}
		dst[0] = float64(mx + float32(math.Log(float64(s))))
	}
	vjp = func(dst, x, w []float64) {
		for i, p := range softmax(x) {
			dst[i] = w[0] * float64(p)
		}
	}
	return f, vjp
}

// A float32 loss whose values at the larger noise spacing moved by whole
// float32 ulps, on a line, shows only the float64 rounding of w·f there,
// and at the smaller spacing, where it moves by a fraction of an ulp per
// point, no noise at all: σ came out 6e-17. The smaller spacing's values
// lie on the float32 grid, two neighbours equal, and that grid is the
// loss's quantum (gridQuantum): the largest logit's VJP entry, whose
// ladder moved by whole ulps at every step from 7e-4 down to 4.5e-5, read
// −0.14721025 ± 3e-12 against the exact −0.14719763 and failed.
func TestFloat32ValuesGridIsQuantum(t *testing.T) {
	x := []float64{6.352106323316795, -1.6761107982652548, 5.326002395006735,
		2.33337206546319, 3.814223294488972, 1.4984691382020066, 1.12840296658002,
		-2.654069416135652, -0.3712460656760838, 7.349451173498877}
	f, vjp := logSumExp32()
	rep, err := gradcheck.VJP(f, vjp, 1, x, &gradcheck.Options{Seed: 24040})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("exact VJP of a float32 log-sum-exp fails:\n%v", rep)
	}
	wrong := func(dst, x, w []float64) {
		vjp(dst, x, w)
		dst[9] *= 1.01
	}
	rep, err = gradcheck.VJP(f, wrong, 1, x, &gradcheck.Options{Seed: 24040})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Errorf("VJP 1%% off passes:\n%v", rep)
	}
}
