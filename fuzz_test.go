package gradcheck_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// FuzzParametersRestored: whatever the parameters, and whatever the loss
// and gradient do (return NaN, panic at some perturbation, be wrong), the
// checker returns without panicking and leaves x bit for bit as it was.
func FuzzParametersRestored(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 0, 0, 0, 0, 0, 64}, uint8(0), uint16(0))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 248, 127, 1, 2, 3, 4, 5, 6, 7, 8}, uint8(1), uint16(3))
	f.Add([]byte{255, 255, 255, 255, 255, 255, 239, 127}, uint8(2), uint16(7))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8, when uint16) {
		x := fuzzFloats(data, 16)
		if x == nil {
			return
		}
		want := append([]float64(nil), x...)
		calls := 0
		loss := func(x []float64) float64 {
			calls++
			switch mode % 4 {
			case 1:
				if calls == int(when%64)+1 {
					panic("fuzz panic")
				}
			case 2:
				if calls%5 == int(when%5) {
					return math.NaN()
				}
			case 3:
				x[int(when)%len(x)] = 7 // mutates its input
			}
			s := 0.0
			for _, v := range x {
				s += math.Sin(v) + 1e-3*v*v
			}
			return s
		}
		grad := func(dst, x []float64) {
			for i, v := range x {
				dst[i] = math.Cos(v) + 2e-3*v
			}
			if mode%4 == 1 && when%7 == 0 {
				panic("fuzz gradient panic")
			}
		}
		opts := &gradcheck.Options{Sample: int(when % 5), Seed: uint64(when)}
		rep, err := gradcheck.Gradient(loss, grad, x, opts)
		_ = rep
		_ = err
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(want[i]) {
				t.Fatalf("x[%d] = %v after the check, was %v (mode %d, err %v)", i, x[i], want[i], mode%4, err)
			}
		}
	})
}

// fuzzFloats reads data as little-endian float64s, or returns nil where it
// holds none or more than most of them.
func fuzzFloats(data []byte, most int) []float64 {
	n := len(data) / 8
	if n == 0 || n > most {
		return nil
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
	}
	return x
}
