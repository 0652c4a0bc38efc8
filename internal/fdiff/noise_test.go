package fdiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

// noisySine is sin(x) at seven points 1e-6 apart around 0.3, each with
// Gaussian noise of standard deviation sigma.
func noisySine(r *rand.Rand, sigma float64) []float64 {
	f := make([]float64, 7)
	for i := range f {
		f[i] = math.Sin(0.3+1e-6*float64(i-3)) + sigma*r.NormFloat64()
	}
	return f
}

// countNoisy returns in how many of trials draws of noisySine(r, sigma)
// the values satisfy pred.
func countNoisy(r *rand.Rand, sigma float64, trials int, pred func([]float64) bool) int {
	n := 0
	for range trials {
		if pred(noisySine(r, sigma)) {
			n++
		}
	}
	return n
}

func TestNoise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sigma := range []float64{1e-12, 1e-6, 1e-3} {
		const trials = 200
		// Seven samples pin σ to within a small factor, not exactly.
		hits := countNoisy(r, sigma, trials, func(f []float64) bool {
			got, ok := Noise(f)
			return ok && got > sigma/4 && got < 4*sigma
		})
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
	// Noise quantized to one unit in the last place of 1: the loss
	// 1 + tanh(c·sin x) near x = −1.375, where the tanh is within 4e-5 of
	// −1 (found by the property test). Its third differences are
	// [0, −ulp, 0, +ulp]: zeros between changes of sign.
	et := func(u float64) float64 { return math.Exp(2 * math.Tanh(u)) }
	c := (math.Log1p(math.Exp(-0.1015625)) + 0.1015625) * et(et(1.5))
	spacing := math.Cbrt(Eps64) * 1.375 / 4
	q := make([]float64, 7)
	for i := range q {
		q[i] = 1 + math.Tanh(c*math.Sin(-1.375+float64(i-3)*spacing))
	}
	if s, ok := Noise(q); !ok || s <= 0 || s > 0x1p-52 {
		t.Errorf("quantized noise: got %g, %v; want a σ of at most an ulp of 1", s, ok)
	}
	// Noise that shows only from the fourth differences on: the float32
	// loss sin(V), V = 17.7·(x − 2) − … near −76.3, at seven points
	// 2.3e-3 apart (the float32 property test's seed 23). V turns 0.04
	// radians per point, so the smooth part's k-th differences are about
	// 0.8·0.04^k: 5e-5 at k = 3, 2e-6 at k = 4, below the noise from
	// there on. The noise is V's rounding: half an ulp of 76, 3.8e-6,
	// uniform, a deviation of 7.6e-6/√12 = 2.2e-6 in V and
	// |cos V|·2.2e-6 = 1.3e-6 in the loss.
	v := []float64{-0.870141208, -0.849761963, -0.828026414, -0.804969072, -0.780622125, -0.755033672, -0.728245258}
	if s, ok := Noise(v); !ok || s < 1.3e-6/4 || s > 4*1.3e-6 {
		t.Errorf("noise beneath a trend: got %g, %v; want about 1.3e-6", s, ok)
	}
	// Equal values: noise below an ulp.
	if s, ok := Noise([]float64{1, 1, 1, 1, 1, 1, 1}); !ok || s != 0 {
		t.Errorf("constant values: got %g, %v; want 0, true", s, ok)
	}
}

// TestNoiseCeiling: the ceiling of values with noise is not far below the
// noise, smooth trend or not, while a sine sampled at about a radian per
// point, which Noise alone can take for noise, shows a ceiling far below
// that σ at a spacing 64 times smaller (noiseAlong's veto).
func TestNoiseCeiling(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sigma := range []float64{1e-12, 1e-6, 1e-3} {
		const trials = 2000
		low := countNoisy(r, sigma, trials, func(f []float64) bool {
			_, c, _ := NoiseCeiling(f)
			return c < sigma/8
		})
		// Seven values of Gaussian noise put the least σ_k of orders 1
		// to 4 below σ/8 in 0.9% of draws (simulated over a million).
		if low > trials/50 {
			t.Errorf("σ = %g: ceiling below σ/8 in %d of %d trials", sigma, low, trials)
		}
	}
	// sin(3x⁴) + x at x = 3 in float32 turns 324 radians per unit of x;
	// the larger noise spacing of a float32 check, 2.9e-3, is 0.95
	// radians per point. The sine alone, at that spacing and at 64 times
	// less.
	sine := func(theta float64) []float64 {
		f := make([]float64, 7)
		for i := range f {
			f[i] = math.Sin(1.1 + theta*float64(i-3))
		}
		return f
	}
	large, ok := Noise(sine(0.95))
	if !ok {
		// Not a failure: Noise alone no longer takes it for noise.
		t.Logf("sine at 0.95 radians per point: no noise found")
		large = 0.3 // σ_1 of that sine: 0.3 to 0.5 with the phase
	}
	if _, c, _ := NoiseCeiling(sine(0.95 / 64)); !(c > 0 && c < large/8) {
		t.Errorf("sine at 0.015 radians per point: ceiling %g, want above 0 and below %g/8", c, large)
	}
	// Values on a line to the bit (x + t·δ, δ a whole number of ulps of
	// x): some order's differences vanish, and the ceiling is 0.
	x0 := 1.0015869140625
	lin := make([]float64, 7)
	for i := range lin {
		lin[i] = x0 + float64(i-3)*0x1p-26
	}
	if _, c, _ := NoiseCeiling(lin); c != 0 {
		t.Errorf("values on a line: ceiling %g, want 0", c)
	}
}

// TestNoiseScaled: values scaled by a power of two give σ and the ceiling
// scaled by the same power exactly, at every exponent: a loss near 1e200
// squares its differences to +Inf unscaled (σ = +Inf, which a check took
// for noise at every order and carried into every error bound after it),
// and one near 1e-200 loses them to underflow (σ = 0).
func TestNoiseScaled(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		f := noisySine(r, 1e-9)
		if trial%2 == 1 {
			// A smooth trend that dominates: no noise, a ceiling.
			for i := range f {
				f[i] = math.Exp(0.5 * float64(i))
			}
		}
		s0, c0, ok0 := NoiseCeiling(f)
		for _, k := range []int{-1000, -900, -600, -300, 300, 600, 900, 1000} {
			g := make([]float64, len(f))
			for i, v := range f {
				g[i] = math.Ldexp(v, k)
			}
			s, c, ok := NoiseCeiling(g)
			if ok != ok0 || s != math.Ldexp(s0, k) || c != math.Ldexp(c0, k) {
				t.Fatalf("values scaled by 2^%d: σ %g, ceiling %g, %v; want %g, %g, %v", k, s, c, ok, math.Ldexp(s0, k), math.Ldexp(c0, k), ok0)
			}
		}
	}
}
