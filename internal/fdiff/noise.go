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
	if len(f) < 4 {
		return 0, false
	}
	allEqual := true
	for _, v := range f[1:] {
		if v != f[0] {
			allEqual = false
		}
	}
	if allEqual {
		return 0, true
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
	}
	for k := 1; k+2 <= maxOrder; k++ {
		a, b, c := sig[k], sig[k+1], sig[k+2]
		if a == 0 || b == 0 || c == 0 || !signChange[k] {
			continue
		}
		hi, lo := math.Max(a, math.Max(b, c)), math.Min(a, math.Min(b, c))
		if hi <= 4*lo {
			return a, true
		}
	}
	return 0, false
}
