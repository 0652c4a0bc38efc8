package gradcheck

import (
	"math"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// roundoff bounds the round-off error of a central difference with step h
// of loss values up to fmax in size: max(κ·ε·fmax, 2σ)/h, where σ is the
// loss's noise measured by measureNoise. The first term is a hard floor, one
// rounding; the second, about three standard deviations of (e₊ − e₋)/2h for
// independent errors e± of deviation σ, covers losses whose round-off is
// relative to large terms that cancel, or accumulates over long sums (a
// float32 model).
func (c *checker[T]) roundoff(fmax, h float64) float64 {
	return c.roundoffWith(fmax, h, c.noise())
}

// roundoffWith is roundoff with the noise σ given: a refined entry's
// ladder uses the noise measured along the entry itself (refine).
func (c *checker[T]) roundoffWith(fmax, h, sigma float64) float64 {
	return c.lossRoundoff(fmax, sigma) / h
}

// lossRoundoff is roundoffWith times h: the bound on the round-off of the
// difference of two loss values up to fmax in size.
func (c *checker[T]) lossRoundoff(fmax, sigma float64) float64 {
	fmax = max(fmax, math.Abs(c.f0))
	return max(roundoffFactor*c.s.prec.Eps*fmax, 2*sigma)
}

// noise is the standard deviation of the loss's noise: the measured
// noise σ, or the noise stated in Options.Noise, which counts as a measured
// one. σ is absolute: round-off follows the size
// of the terms a loss is computed from, which a small loss made by
// cancellation does not show (a residual of 1e-9 made of terms near 3
// carries an ulp of 3). Noise that does follow the size of the loss where
// that size changes fast, as near a zero of x², changes with the spacing it
// is measured at and is rejected there (measureNoise).
func (c *checker[T]) noise() float64 {
	return max(c.sigma, c.s.noise)
}

// measureNoise estimates σ, the standard deviation of the loss's round-off
// near the caller's parameters, along the coordinate with the largest
// analytic entry (one the loss depends on): see noiseAlong. It costs
// 2·(noisePoints − 1) loss evaluations per check, and noisePoints − 1 more
// where the two spacings disagree or neither finds noise.
func (c *checker[T]) measureNoise() error {
	c.noiseKnown = true
	bb, bi, big := -1, -1, -1.0
	for b := range c.analytic {
		for i, g := range c.analytic[b] {
			if math.Abs(g) > big {
				bb, bi, big = b, i, math.Abs(g)
			}
		}
	}
	if bb < 0 || big == 0 {
		return nil
	}
	sigma, flat, grid, err := c.noiseAlong(bb, bi)
	c.sigma = sigma
	if err == nil {
		c.noiseEntry = noiseEntry{b: bb, i: bi, flat: flat, grid: grid, ok: true}
	}
	return err
}

// noiseEntry is the entry measureNoise measured the noise along, and what
// noiseAlong found there: refining that entry asks for the same
// measurement, which a deterministic loss repeats value for value.
type noiseEntry struct {
	b, i       int
	flat, grid float64
	ok         bool
}

// noiseAlong estimates the standard deviation of the loss's round-off
// (fdiff.Noise) along entry i of block b, from noisePoints values at
// spacing h/4 and again at h/256, h its first-pass step.
//
// Round-off does not depend on the spacing; the pseudo-noise of a kink in
// the sampled range (a ReLU, a tie in max pooling) grows in proportion to
// it, and so does noise that follows the size of a loss that changes fast
// there (near a zero of x²). So where the larger spacing finds noise more
// than noiseAgree times that of the smaller, the smaller is asked again at
// a third spacing, h/noiseRecheck: the rounding errors of an intermediate
// u + t·δ can be nearly linear, or quadratic, in t at one spacing and look
// smooth there (a loss rounded in steps of an ulp of a larger term, which
// its own ulps do not show), and that can happen at either spacing; a
// kink's pseudo-noise is in proportion to the spacing at every spacing. If
// the third agrees with the larger to within noiseAgree, the larger
// stands; otherwise neither is accepted. The other way round (the smaller
// finds more) is no kink: it is round-off that the larger spacing happened
// to sample as smooth, and the larger σ, the smaller spacing's, stands.
// Where one finds none (the larger saw a smooth trend, or the smaller's
// values were quantized so finely that its differences vanish) the other's
// stands, with one exception: a smooth function that turns about a radian
// per point of the larger spacing passes fdiff.Noise's test there (its
// σ_k fall by only about a half per order), and at the smaller spacing,
// where it is smooth, its differences, not all zero, hold no noise of that
// size (fdiff.NoiseCeiling). Noise does not depend on the spacing, so the
// two disagree, as above, and the third spacing decides. Where neither
// finds noise, the third spacing is asked: the two are 64 times apart, and
// a rounding aligned with the larger (a whole multiple of 64 quanta per
// step) is aligned with the smaller too. Where it finds none either, σ is
// 0 and the one-rounding floor stands alone.
func (c *checker[T]) noiseAlong(b, i int) (sigma, flat, grid float64, err error) {
	h := c.s.step * fdiff.Scale(float64(c.saved[b][i]))
	var sig, ceil [2]float64
	var moved [2]bool
	for k, spacing := range [2]float64{h / 4, h / 256} {
		s, cl, q, still, err := c.noiseAt1(b, i, spacing)
		grid = max(grid, q)
		if err != nil {
			return 0, flat, grid, err
		}
		if still {
			flat = max(flat, spacing)
		}
		sig[k], ceil[k], moved[k] = s, cl, !still
	}
	large, small := sig[0], sig[1]
	if math.IsNaN(small) && moved[1] && ceil[1] > 0 && large > noiseAgree*ceil[1] {
		// The smaller spacing found no noise, but its values hold none
		// as large as the larger's: some order of their differences,
		// not all zero, is far below it (fdiff.NoiseCeiling). A smooth
		// function that turns about a radian per point of the larger
		// spacing passes for noise there (sin(3x⁴) at x = 3, 0.95
		// radians per point: σ = 0.47), and is smooth at the smaller
		// (σ_3 = 3e-7, σ_4 = 5e-8, not of one size: no σ). That is
		// the disagreement below, and the third spacing decides. Where
		// some order's differences all vanish, the values moved by
		// whole quanta on a polynomial (x + t·δ rounded, exactly
		// linear at this spacing), which says nothing of the noise the
		// larger spacing found: the third spacing may only refute it
		// (below). Nonzero differences of values on a grid are at
		// least its quantum, and the ceiling of values on a grid
		// coarser than their change per point is half that quantum at
		// least (gridCeiling), so a loss rounded coarsely does not make
		// a ceiling below its noise.
		small = ceil[1]
	}
	switch {
	case math.IsNaN(large) && math.IsNaN(small):
		// Neither found noise, but the two are one witness where an
		// intermediate's rounding aligned with them: a change of α
		// quanta per step of the larger spacing is α/64 per step of
		// the smaller, a whole number of quanta at both whenever α is
		// near a multiple of 64, and the rounding errors then lie on a
		// line at both. The third spacing, 1.6 times the smaller, is
		// not a whole multiple of it: what it finds stands.
		again, _, q, still, err := c.noiseAt1(b, i, h/noiseRecheck)
		grid = max(grid, q)
		if still {
			flat = max(flat, h/noiseRecheck)
		}
		if err != nil || math.IsNaN(again) {
			return 0, flat, grid, err
		}
		return again, flat, grid, nil
	case math.IsNaN(large):
		return small, flat, grid, nil // the larger spacing saw a trend or a kink
	case math.IsNaN(small) && moved[1] && ceil[1] == 0:
		// The smaller spacing's values moved on a polynomial of whole
		// quanta: some order of their differences all vanished. That
		// says nothing of the noise the larger spacing found (x + t·δ
		// rounded is exactly linear), nor does it confirm it: a feature
		// narrower than the larger spacing's window mimics noise there
		// and lies on a parabola at the smaller (a float32 mixture
		// component of width 2e-3, 1.8e-3 from x: σ = 4.4 at spacing
		// 4.4e-3, ten million times the loss's rounding; at 6.9e-5
		// second differences of 2552 quanta and no third). That σ
		// swamped every step that resolves the derivative
		// (TestNarrowComponentNotNoise32). The third spacing, no whole
		// multiple of the smaller, is asked, and may only refute: where
		// it finds an eighth of the larger's σ, as round-off would, that
		// σ stands as before.
		again, _, q, still, err := c.noiseAt1(b, i, h/noiseRecheck)
		grid = max(grid, q)
		if still {
			flat = max(flat, h/noiseRecheck)
		}
		if err != nil || math.IsNaN(again) || large > noiseAgree*again {
			return 0, flat, grid, err
		}
		return large, flat, grid, nil
	case math.IsNaN(small):
		return large, flat, grid, nil // the smaller spacing saw no change, or its values were too finely quantized
	case large <= noiseAgree*small:
		return math.Max(large, small), flat, grid, nil
	}
	again, _, q, still, err := c.noiseAt1(b, i, h/noiseRecheck)
	grid = max(grid, q)
	if still {
		flat = max(flat, h/noiseRecheck)
	}
	// Where the smaller spacing found no noise, the third's σ must itself
	// fit under what the smaller's values can hold, as the larger's must:
	// noise does not depend on the spacing, and values whose differences,
	// not all zero, hold at most ceil[1] of it refute a σ far above that
	// (nonzero differences on a grid are at least its quantum). A pole
	// just beyond the smaller spacing's window and within the third's (a
	// point 1.1e-4 in front of a float32 camera, ½(x/z − u)² along z:
	// σ = 1340 at the larger spacing, none and a ceiling of 27 at the
	// smaller, 4147 at the third) makes pseudo-noise at both, and with it
	// every row of the ladder lay within its round-off bound and the
	// exact derivative was a Mismatch (TestPerspectiveNearZeroDepth32).
	// Where the smaller did find noise, the third still decides alone: a
	// staircase whose stair lies within the third's window and not the
	// smaller's makes pseudo-noise there too, and without it the rows
	// across the stair took wrong values for subgradients of a Kink.
	if err != nil || math.IsNaN(again) || large > noiseAgree*again || math.IsNaN(sig[1]) && ceil[1] > 0 && again > noiseAgree*ceil[1] {
		return 0, flat, grid, err
	}
	return math.Max(large, again), flat, grid, nil
}

// noiseAt1 is fdiff.Noise of noisePoints loss values along entry i of
// block b at the given spacing, centred on the caller's parameters; NaN
// where it finds none: a trend or a kink, values that did not move, or a
// loss not finite there. ceiling is the most noise the values can hold
// (fdiff.NoiseCeiling), +Inf where they say nothing of it (a loss not
// finite there), and at least half the quantum of values on a grid
// coarser than their change per point. grid is that quantum
// (gridQuantum), 0 where the values lie on no such grid. still reports
// that the values did not move: all were f(x) to the bit.
func (c *checker[T]) noiseAt1(b, i int, spacing float64) (sigma, ceiling, grid float64, still bool, err error) {
	var f [noisePoints]float64
	mid := noisePoints / 2
	for t := range f {
		if t == mid {
			f[t] = c.f0
			continue
		}
		fv, err := c.memoLoss(b, i, T(float64(c.saved[b][i])+float64(t-mid)*spacing))
		if err != nil {
			return math.NaN(), math.Inf(1), 0, false, err
		}
		if !isFinite(fv) {
			return math.NaN(), math.Inf(1), 0, false, nil
		}
		f[t] = fv
	}
	// Seven equal values say only that the loss did not move at this
	// spacing: its quantum may be far above an ulp of f (a sum that
	// cancels), and the other spacing may see it. They bound that
	// quantum from below (stillQuantum).
	s, ceiling, ok := fdiff.NoiseCeiling(f[:])
	grid = gridQuantum(f[:])
	if ceiling > 0 {
		ceiling = max(ceiling, grid/2)
	}
	if ok && s > 0 {
		return s, ceiling, grid, false, nil
	}
	return math.NaN(), ceiling, grid, ok && s == 0, nil
}

// gridQuantum is the quantum q of values that lie on a grid coarser than
// their change per point, 0 where they do not: where two neighbours are
// equal while the values move elsewhere, and every change between
// neighbours is a whole number of the smallest, q, the values are rounded
// to steps of q at least. Rounding to that grid hides errors up to q/2
// whatever the noise beneath, so q/2 is the least ceiling such values put
// on the noise (noiseAt1). NoiseCeiling's least σ_k can fall far below
// that: one stair among differences that otherwise vanish makes σ_4 of
// seven values 0.069·q. A float32 output of a float64 check moving 0.8 of
// its ulp q per point of the smaller spacing, (−2, −2, −1, 0, 1, 2, 3)·q,
// made a ceiling of 0.069·q that refuted the third spacing's σ of 0.68·q,
// the loss's real rounding; with σ = 0 the ladder's smallest steps, where
// the loss moved by a few quanta, read 1.2890625 ± 7e-11 against the
// exact derivative 1.2857 (a float32 matmul's JVP).
//
// q is also a least quantum of the loss along the entry, as seven equal
// values are (stillQuantum), and a refined entry's ladder is judged with
// it (entryNoise): its values at the other spacing may move by whole
// quanta on a line and show only a far finer rounding. A float32
// log-sum-exp checked in float64 moved by whole float32 ulps per point of
// the larger spacing and showed σ = 6e-17, the float64 rounding of w·f;
// its VJP's ladder, on the same grid, read −0.14721025 ± 3e-12 against
// the exact −0.14719763. For a loss rounded to its own size q is an ulp
// or two of f, the one-rounding floor, and raises nothing.
func gridQuantum(f []float64) float64 {
	q, zero := math.Inf(1), false
	for t := 1; t < len(f); t++ {
		d := math.Abs(f[t] - f[t-1])
		if d == 0 {
			zero = true
		} else {
			q = min(q, d)
		}
	}
	if !zero || math.IsInf(q, 1) {
		return 0
	}
	for t := 1; t < len(f); t++ {
		r := math.Abs(f[t]-f[t-1]) / q
		if math.Abs(r-math.Round(r)) > 1e-6*r {
			return 0
		}
	}
	return q
}
