package fdiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestNonNegMatchBuiltins: MaxNonNeg is the builtin max, to the bit, on
// every pair of non-negative numbers, +Inf and NaNs of clear sign, and
// MinNonNeg the builtin min on those without a NaN.
func TestNonNegMatchBuiltins(t *testing.T) {
	special := []float64{0, math.SmallestNonzeroFloat64, 0x1p-1022, 1e-300, 0.5, 1, 1 + 0x1p-52, 3, 1e300, math.MaxFloat64, math.Inf(1), math.Abs(math.NaN()), math.Float64frombits(0x7ff0000000000001)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		special = append(special, math.Float64frombits(r.Uint64()&^(1<<63)))
	}
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	}
	for _, x := range special {
		for _, y := range special[:64] {
			if got, want := MaxNonNeg(x, y), max(x, y); !same(got, want) {
				t.Fatalf("MaxNonNeg(%v, %v) = %v, max gives %v", x, y, got, want)
			}
			if math.IsNaN(x) || math.IsNaN(y) {
				continue
			}
			if got, want := MinNonNeg(x, y), min(x, y); !same(got, want) {
				t.Fatalf("MinNonNeg(%v, %v) = %v, min gives %v", x, y, got, want)
			}
		}
	}
}
