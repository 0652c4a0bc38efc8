package fdiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestNoise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sigma := range []float64{1e-12, 1e-6, 1e-3} {
		hits := 0
		const trials = 200
		for range trials {
			f := make([]float64, 7)
			for i := range f {
				x := 0.3 + 1e-6*float64(i-3)
				f[i] = math.Sin(x) + sigma*r.NormFloat64()
			}
			got, ok := Noise(f)
			// Nine samples pin σ to within a small factor, not exactly.
			if ok && got > sigma/4 && got < 4*sigma {
				hits++
			}
		}
		if hits < trials*9/10 {
			t.Errorf("σ = %g: estimate within a factor of 4 in %d of %d trials", sigma, hits, trials)
		}
	}
	// A smooth function at a large spacing has no noise to find.
	f := make([]float64, 7)
	for i := range f {
		f[i] = math.Exp(0.5 * float64(i))
	}
	if s, ok := Noise(f); ok {
		t.Errorf("smooth exponential: noise %g reported", s)
	}
	// Equal values: noise below an ulp.
	if s, ok := Noise([]float64{1, 1, 1, 1, 1, 1, 1}); !ok || s != 0 {
		t.Errorf("constant values: got %g, %v; want 0, true", s, ok)
	}
}
