package gradcheck_test

import (
	"math"
	"slices"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// FuzzVectorRestored is FuzzParametersRestored for the vector checks
// (Jacobian, VJP, JVP, Hessian) of f(x) = (Σ sin x_i, Σ x_i², x_0·x_{n−1})
// and its derivatives, with functions that panic at some call, return NaN,
// write outside what they are asked for (a mutated x) or are wrong, under
// a sample or directions: the check returns without panicking, x is left
// bit for bit as it was, and JVP, which works on a copy, never writes x.
func FuzzVectorRestored(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 0, 0, 0, 0, 0, 64}, uint8(0), uint16(0), uint8(0))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 248, 127, 1, 2, 3, 4, 5, 6, 7, 8}, uint8(1), uint16(3), uint8(1))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 240, 191, 0, 0, 0, 0, 0, 0, 8, 64, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(3), uint16(2), uint8(2))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 224, 63, 0, 0, 0, 0, 0, 0, 0, 192}, uint8(4), uint16(5), uint8(3))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 240, 191, 0, 0, 0, 0, 0, 0, 8, 64}, uint8(3), uint16(2), uint8(0))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 240, 191, 0, 0, 0, 0, 0, 0, 8, 64}, uint8(3), uint16(4), uint8(1))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 240, 191, 0, 0, 0, 0, 0, 0, 8, 64}, uint8(3), uint16(3), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8, when uint16, which uint8) {
		x := fuzzFloats(data, 12)
		if x == nil {
			return
		}
		want := slices.Clone(x)
		const m = 3
		calls := 0
		misbehave := func(x []float64) (nan bool) {
			calls++
			switch mode % 5 {
			case 1:
				if calls == int(when%41)+1 {
					panic("fuzz panic")
				}
			case 2:
				return calls%5 == int(when%5)
			case 3:
				if calls == int(when%11)+1 {
					x[int(when)%len(x)] = 7 // mutates its input
				}
			}
			return false
		}
		wrong := 1.0
		if mode%5 == 4 {
			wrong = 1.01
		}
		fn := func(dst, x []float64) {
			if misbehave(x) {
				dst[0], dst[1], dst[2] = math.NaN(), 0, 0
				return
			}
			dst[0], dst[1], dst[2] = 0, 0, x[0]*x[len(x)-1]
			for _, v := range x {
				dst[0] += math.Sin(v)
				dst[1] += v * v
			}
		}
		jac := func(dst, x []float64) { // m×n, row-major
			misbehave(x)
			n := len(x)
			clear(dst)
			for j, v := range x {
				dst[j] = math.Cos(v) * wrong
				dst[n+j] = 2 * v
			}
			dst[2*n] += x[n-1]
			dst[2*n+n-1] += x[0]
		}
		grad := func(dst, x []float64) { // of Σ sin x_i + x_0·x_{n−1}
			if misbehave(x) {
				dst[0] = math.NaN()
				return
			}
			for j, v := range x {
				dst[j] = math.Cos(v)
			}
			dst[0] += x[len(x)-1]
			dst[len(x)-1] += x[0]
		}
		hess := func(dst, x []float64) {
			misbehave(x)
			n := len(x)
			clear(dst)
			for j, v := range x {
				dst[j*n+j] = -math.Sin(v) * wrong
			}
			dst[n-1] += 1
			dst[(n-1)*n] += 1
		}
		opts := &gradcheck.Options{Seed: uint64(when)}
		switch when % 3 {
		case 1:
			opts.Sample = int(when>>2)%4 + 1
		case 2:
			opts.Directions = int(when>>2)%3 + 1
		}
		var err error
		switch which % 4 {
		case 0:
			_, err = gradcheck.Jacobian(fn, jac, m, x, opts)
		case 1:
			vjp := func(dst, x, w []float64) {
				J := make([]float64, m*len(x))
				jac(J, x)
				clear(dst)
				for r := range m {
					for j := range x {
						dst[j] += w[r] * J[r*len(x)+j]
					}
				}
			}
			_, err = gradcheck.VJP(fn, vjp, m, x, opts)
		case 2:
			jvp := func(dst, x, v []float64) {
				J := make([]float64, m*len(x))
				jac(J, x)
				clear(dst)
				for r := range m {
					for j := range x {
						dst[r] += J[r*len(x)+j] * v[j]
					}
				}
			}
			_, err = gradcheck.JVP(fn, jvp, m, x, opts)
		case 3:
			_, err = gradcheck.Hessian(grad, hess, x, opts)
		}
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(want[i]) {
				t.Fatalf("x[%d] = %v after the check, was %v (check %d, mode %d, err %v)", i, x[i], want[i], which%4, mode%5, err)
			}
		}
	})
}
