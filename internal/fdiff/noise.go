package fdiff

import "math"

// Noise estimates the standard deviation σ of the noise (round-off, mostly)
// in function values f[t] sampled at equally spaced points along a line
// (seven or more),
// after Moré and Wild, "Estimating computational noise", SIAM J. Sci.
// Comput. 33(3), 2011 (ECnoise).
//
// The k-th differences of a smooth function sampled at a small spacing are
// tiny, while those of independent noise of variance σ² have variance
// σ²·(2k)!/(k!)². So σ_k = sqrt(γ_k · mean((Δ^k f)²)), γ_k = (k!)²/(2k)!,
// estimates σ at every order k where noise dominates. Noise is declared at
// the lowest order k whose σ_k agrees with σ_{k+1} and σ_{k+2} to within a
// factor of 4 and whose differences change sign (a smooth trend does not).
// As in ECnoise, the orders go up to len(f) − 1, the last with a single
// difference, so that seven values can declare noise at orders up to 4: at
// a spacing where a smooth trend dominates the first three differences
// (sin of an argument that turns 0.04 radians per point, whose third
// differences are 5e-5), the noise can still show at the fourth (the
// argument's rounding, 1e-6, as the float32 property test's seed 23 found,
// where the smaller spacing's rounding errors lay on a line).
//
// ok is false when no order qualifies (the spacing is too large, so the
// smooth part dominates); σ = 0 with ok true means the values are equal, the
// noise below one unit in the last place.
func Noise(f []float64) (sigma float64, ok bool) {
	sigma, _, ok = NoiseCeiling(f)
	return sigma, ok
}

// NoiseCeiling is Noise, and also the least σ_k over the orders k with
// three differences or more (k ≤ len(f) − 3): a ceiling on the noise that
// the values can hold, found or not. The k-th differences of the sum of a
// smooth function and independent noise have the mean square of the
// smooth part's plus the noise's, (2k)!/(k!)²·σ², so σ_k estimates at
// least σ at every order. Three differences or more make one that falls
// below σ/8 by chance rare: the least of orders 1 to 4 of seven values of
// Gaussian noise does so in 0.9% of draws, below σ/16 in 0.12%, where the
// sixth order's single difference alone falls below σ/8 one time in ten.
// The ceiling is 0 where the values are all equal or some order's
// differences all vanish, as quantized values can: it then says nothing
// of noise above the quantum.
//
// It is what a spacing where the loss is smooth says of the σ that
// another, larger spacing claims to find: a smooth function sampled
// coarsely can pass Noise's test. The k-th differences of sin(ωt) at a
// spacing of θ radians per point have the size (2·sin(θ/2))^k, and with
// γ_k, which falls by about a half per order, σ_k falls only by about
// 2·sin(θ/2)/2 per order: at θ = 0.95 by 0.53 and 0.50, a factor of 3.7
// over three orders, within Noise's 4, with differences that change sign.
// Seven values cannot tell that from noise; a smaller spacing, where the
// same sine is smooth, shows σ_k far below it.
func NoiseCeiling(f []float64) (sigma, ceiling float64, ok bool) {
	if len(f) < 4 {
		return 0, 0, false
	}
	// The mean squares of the differences overflow where the values are
	// above about 2⁵⁰⁰ (a loss of 1e200 whose sixth differences, up to
	// 128 times its size, square to +Inf: σ = +Inf, taken for noise at
	// every order, and every error bound after it +Inf), and lose terms to
	// underflow far below 2⁻⁵⁰⁰. There the values are scaled by a power
	// of two, which is exact and which σ and the ceiling undo exactly (the
	// square root of a power of four is exact); in between nothing
	// changes.
	big := 0.0
	for _, v := range f {
		big = max(big, math.Abs(v))
	}
	if big > 0x1p400 || (big < 0x1p-400 && big > 0) {
		_, e := math.Frexp(big)
		var buf [16]float64
		g := buf[:0]
		if len(f) > len(buf) {
			g = make([]float64, 0, len(f))
		}
		for _, v := range f {
			g = append(g, math.Ldexp(v, -e))
		}
		sigma, ceiling, ok = noiseCeiling(g)
		return math.Ldexp(sigma, e), math.Ldexp(ceiling, e), ok
	}
	return noiseCeiling(f)
}

// noiseCeiling is NoiseCeiling for values whose differences square
// without overflow or underflow.
func noiseCeiling(f []float64) (sigma, ceiling float64, ok bool) {
	allEqual := true
	for _, v := range f[1:] {
		if v != f[0] {
			allEqual = false
		}
	}
	if allEqual {
		return 0, 0, true
	}
	const maxOrder = 6
	var sig [maxOrder + 1]float64
	var signChange [maxOrder + 1]bool
	var buf [16]float64 // no allocation for the usual few values
	d := buf[:0]
	if len(f) > len(buf) {
		d = make([]float64, 0, len(f))
	}
	d = append(d, f...)
	gamma := 1.0
	n := len(f)
	ceiling = math.Inf(1)
	for k := 1; k <= maxOrder && n-k >= 1; k++ {
		for i := 0; i < n-k; i++ {
			d[i] = d[i+1] - d[i]
		}
		gamma *= float64(k) / float64(2*(2*k-1)) // γ_k = γ_{k−1}·k²/((2k)(2k−1))
		sum := 0.0
		last := 0.0 // the last nonzero difference: quantized noise has zeros
		for i := 0; i < n-k; i++ {
			sum += d[i] * d[i]
			if d[i] != 0 {
				if last != 0 && (d[i] > 0) != (last > 0) {
					signChange[k] = true
				}
				last = d[i]
			}
		}
		sig[k] = math.Sqrt(gamma * sum / float64(n-k))
		if n-k >= 3 {
			ceiling = math.Min(ceiling, sig[k])
		}
	}
	for k := 1; k+2 <= maxOrder; k++ {
		a, b, c := sig[k], sig[k+1], sig[k+2]
		if a == 0 || b == 0 || c == 0 || !signChange[k] {
			continue
		}
		hi, lo := math.Max(a, math.Max(b, c)), math.Min(a, math.Min(b, c))
		if hi <= 4*lo {
			return a, ceiling, true
		}
	}
	return 0, ceiling, false
}
