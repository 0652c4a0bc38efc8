package gradcheck

import (
	"math"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// Constants of the verdict rules. Each is named where it is used.
const (
	// roundoffFactor κ: the round-off of a loss value f is bounded below
	// by κ·ε·|f|, one correct rounding. This is a floor, not a guess at
	// the real noise: noise that differs between steps shows in the spread
	// of Ridders' successive extrapolations, which the error estimate
	// already includes. The floor covers what the spread cannot see, as on
	// a quadratic loss near 1e12 whose central differences are exact but
	// for round-off that repeats from step to step.
	roundoffFactor = 1

	// ladderTop is the largest refinement step, relative to the entry's
	// scale: Ridders' method wants a first step over which the function
	// changes substantially, and extrapolation removes its truncation
	// error.
	ladderTop = 0.1

	// ladderClimb: how much higher the second ladder of a noise-limited
	// entry starts.
	ladderClimb = 8

	// minRows is the number of ladder rows before an early verdict:
	// enough for two ratios of the curvature sequence.
	minRows = 4

	// kinkRatio: on a smooth function F(h) − B(h) = h·f'' + O(h³) halves
	// with each halving of h; at a kink it stays near the jump. A ratio of
	// successive differences at or above kinkRatio is a kink.
	kinkRatio = 0.7

	// noisePoints is the number of loss values per noise estimate, and
	// noiseAgree how closely the estimates at two spacings 64 times apart
	// must agree. Seven values pin σ to within a factor of about 4 by
	// chance; a kink's pseudo-noise differs by the ratio of the spacings.
	noisePoints = 7
	noiseAgree  = 8

	// noiseRecheck: the spacing h/noiseRecheck at which noise is measured
	// a third time where the two spacings disagree (noiseAlong). It is 40
	// times below the larger spacing, so that a kink's pseudo-noise,
	// which shrinks with the spacing, falls below the larger's by five
	// times noiseAgree; and 1.6 times above the smaller, a ratio that is
	// not an integer, so that the chance alignment of an intermediate's
	// rounding with the smaller spacing (δ near a whole number of its
	// ulps) does not repeat at it.
	noiseRecheck = 160

	// kinkNoise: a difference of one-sided slopes must exceed kinkNoise
	// times its round-off bound to count as a kink.
	kinkNoise = 8

	// decisive: an early Mismatch needs a disagreement of decisive times
	// the threshold, so that further rows could not change it.
	decisive = 8

	// corroborateMargin: the steps that corroborate a Mismatch must resolve
	// it this many times over, so that their extrapolation, which
	// amplifies round-off, still can.
	corroborateMargin = 8

	// taylorRegime: in the Taylor regime successive central differences
	// at halved steps differ by a quarter as much each time (a half where
	// the second derivative jumps); more than taylorRegime is outside it.
	taylorRegime = 0.6

	// oneSidedRegime: the one-sided slopes converge at half the rate of
	// the central differences. Halving h, a correction h·f⁽²⁾/4 +
	// h²·f⁽³⁾/8 + … of F shrinks to (1 − γ/2)/(2 − 2γ) of itself, γ the
	// ratio of its second term to its first; a central correction shrinks
	// to (1 − γ/4)/(4 − 4γ), which taylorRegime bounds by 0.6 for γ up to
	// 0.65, where the one-sided ratio is 0.97. So a one-sided slope is
	// outside the regime when its corrections do not shrink at all.
	oneSidedRegime = 1

	// collapseCentral and collapseCurvature: in the Taylor regime the
	// corrections of the central differences shrink by at most a sixteenth
	// per halving of the step, and F − B by at most an eighth (where f⁽³⁾,
	// or f⁽²⁾, vanishes at x); these bounds allow once more the step ratio
	// of two. Faster is outside the regime (inTaylorRegime).
	collapseCentral   = 1.0 / 32
	collapseCurvature = 1.0 / 16

	// witnessAgree: an early Mismatch also needs the first-pass estimate
	// within witnessAgree times the disagreement of the extrapolated one.
	witnessAgree = 0.1

	// resolveRel and resolveGlobal: an agreement is a verdict only if the
	// resolution K·err is within resolveRel of the derivative's own size
	// (it is known to one significant digit), or within resolveGlobal of
	// the gradient's scale (for entries whose derivative is near zero).
	// Otherwise the entry is Inconclusive. A loss whose slope is 1e-12 of
	// its value (an offset of 1e12, a near-stationary point) is resolved
	// to a few tenths of a percent; that is an OK with a coarse
	// resolution, which the report's summary states, not a failure.
	resolveRel    = 1e-1
	resolveGlobal = 1e-3
)

// entry judges entry i of block b: one central difference, then
// refinement if that does not pass. While the loss's noise is not yet
// measured (see settlePending), an entry the first pass does not accept is
// returned pending, its two loss values kept, rather than refined.
func (c *checker[T]) entry(b, i int) (Entry, error) {
	var e Entry
	err := c.entryInto(b, i, &e)
	return e, err
}

// entryInto is entry writing its verdict into *e: the first pass of a full
// check runs it once per entry, and an Entry is too large to copy through
// several returns on a path that costs a few nanoseconds besides the two
// loss evaluations.
func (c *checker[T]) entryInto(b, i int, e *Entry) error {
	scale := fdiff.Scale(float64(c.saved[b][i]))
	h := c.s.step * scale
	a := c.analytic[b][i]
	vp, hp := c.perturbed(b, i, h)
	vm, hm := c.perturbed(b, i, -h)
	fp, fm, err := c.lossPair(b, i, vp, vm)
	if err != nil {
		*e = Entry{Index: i, Analytic: a, Step: h, Left: math.NaN(), Right: math.NaN()}
		return err
	}
	if n, round, ok := c.firstPassVerdict(a, fp, fm, hp, hm, scale); ok {
		*e = Entry{Index: i, Verdict: OK, Analytic: a, Numeric: n, ErrEst: round, Step: h, Left: math.NaN(), Right: math.NaN()}
		return nil
	}
	r, err := c.firstPass(b, i, Entry{Index: i, Analytic: a, Step: h, Left: math.NaN(), Right: math.NaN()}, fp, fm)
	*e = r
	return err
}

// pending is the verdict of an entry whose first pass failed before the
// loss's noise was measured; its loss values at x ± Step wait in Right and
// Left. It never leaves the checker: settle replaces it.
const pending Verdict = 255

// settle judges an entry left pending, now that the noise is measured:
// the first pass again, from its stored loss values, then refinement.
func (c *checker[T]) settle(b, i int, e Entry) (Entry, error) {
	fp, fm := e.Right, e.Left
	e.Left, e.Right, e.Verdict = math.NaN(), math.NaN(), OK
	return c.firstPass(b, i, e, fp, fm)
}

// firstPass judges entry i of block b from the loss at x + h (fp) and at
// x − h (fm), h = e.Step, and refines it if that is not enough.
func (c *checker[T]) firstPass(b, i int, e Entry, fp, fm float64) (Entry, error) {
	_, hp := c.perturbed(b, i, e.Step)
	_, hm := c.perturbed(b, i, -e.Step)
	first := witness{n: math.NaN(), err: math.Inf(1)} // for refinement
	n, round, ok := c.firstPassVerdict(e.Analytic, fp, fm, hp, hm, fdiff.Scale(float64(c.saved[b][i])))
	if ok {
		e.Numeric, e.ErrEst, e.Verdict = n, round, OK
		return e, nil
	}
	if isFinite(fp) && isFinite(fm) {
		first = witness{n: n, err: round}
	}
	if !c.noiseKnown {
		e.Verdict, e.Right, e.Left = pending, fp, fm
		return e, nil
	}
	return c.refine(b, i, e, first)
}

// firstPassVerdict is the first pass's rule for an entry of the given
// scale with analytic derivative a, from the loss at x + hp (fp) and at
// x − hm (fm): the central difference n, its round-off bound, and whether
// they accept a. n is NaN when a loss value is not finite. It runs once per
// entry of every check, so it uses the builtin min and max, which compile
// to a few instructions where math.Min and math.Max are calls (they
// differ only for a NaN against an infinity, which cannot reach here).
func (c *checker[T]) firstPassVerdict(a, fp, fm, hp, hm, scale float64) (n, round float64, ok bool) {
	if !isFinite(fp) || !isFinite(fm) {
		return math.NaN(), math.Inf(1), false
	}
	n = fdiff.Central(fm, c.f0, fp, hm, hp)
	hmin := min(hp, hm)
	round = c.roundoff(max(math.Abs(fp), math.Abs(fm)), hmin)
	// f⁽²⁾ from the second difference, where it stands above round-off
	// (see inputFloor).
	curv := 0.0
	if s2 := math.Abs(fp + fm - 2*c.f0); s2 > kinkNoise*2*round*hmin {
		curv = s2 / (hp * hm)
	}
	m := max(math.Abs(a), math.Abs(n))
	// The round-off allowance is capped so that the first pass stays
	// strict: a relative disagreement above firstPassRel never passes it,
	// and a loss whose round-off swamps a small entry cannot make it
	// lenient there (Rtol·G).
	thr := c.threshold(m, 0) + min(c.s.k*round, c.firstPassRel()*m+c.s.rtol*c.gscale) + c.inputFloor(curv, scale)
	// An agreement counts only if the estimate resolves the derivative: a
	// loss that does not move at all over the step gives n = 0, which must
	// not confirm a = 0 on its own.
	return n, round, math.Abs(a-n) <= thr && c.resolved(round, m)
}

// firstPassRel is ρ₁ = max(Rtol, 1e-7), the largest relative disagreement
// that the first pass may accept as round-off. In float64 a disagreement of
// 1e-7 or more always goes on to refinement (a tolerance such as
// PyTorch's rtol of 1e-3 misses real bugs); in float32 Rtol is coarser.
func (c *checker[T]) firstPassRel() float64 { return max(c.s.rtol, 1e-7) }

// roundoff bounds the round-off error of a central difference with step h
// of loss values up to fmax in size: max(κ·ε·fmax, 2σ)/h, where σ is the
// loss's noise measured by measureNoise. The first term is a hard floor, one
// rounding; the second, about three standard deviations of (e₊ − e₋)/2h for
// independent errors e± of deviation σ, covers losses whose round-off is
// relative to large terms that cancel, or accumulates over long sums (a
// float32 model).
func (c *checker[T]) roundoff(fmax, h float64) float64 {
	return c.roundoffWith(fmax, h, c.noiseAt(fmax))
}

// roundoffWith is roundoff with the noise σ given: a refined entry's
// ladder uses the noise measured along the entry itself (refine).
func (c *checker[T]) roundoffWith(fmax, h, sigma float64) float64 {
	fmax = max(fmax, math.Abs(c.f0))
	return max(roundoffFactor*c.s.prec.Eps*fmax, 2*sigma) / h
}

// noiseAt is the standard deviation of the loss's noise at values up to
// fmax in size: the measured noise σ, or the noise stated in Options.Noise,
// which counts as a measured one. σ is absolute: round-off follows the size
// of the terms a loss is computed from, which a small loss made by
// cancellation does not show (a residual of 1e-9 made of terms near 3
// carries an ulp of 3). Noise that does follow the size of the loss where
// that size changes fast, as near a zero of x², changes with the spacing it
// is measured at and is rejected there (measureNoise).
func (c *checker[T]) noiseAt(fmax float64) float64 {
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
	sigma, err := c.noiseAlong(bb, bi)
	c.sigma = sigma
	return err
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
// stands. Where neither does, the third spacing is asked: the two are 64
// times apart, and a rounding aligned with the larger (a whole multiple of
// 64 quanta per step) is aligned with the smaller too. Where it finds none
// either, σ is 0 and the one-rounding floor stands alone.
func (c *checker[T]) noiseAlong(b, i int) (float64, error) {
	h := c.s.step * fdiff.Scale(float64(c.saved[b][i]))
	var sig [2]float64
	for k, spacing := range [2]float64{h / 4, h / 256} {
		s, err := c.noiseAt1(b, i, spacing)
		if err != nil {
			return 0, err
		}
		sig[k] = s
	}
	large, small := sig[0], sig[1]
	switch {
	case math.IsNaN(large) && math.IsNaN(small):
		// Neither found noise, but the two are one witness where an
		// intermediate's rounding aligned with them: a change of α
		// quanta per step of the larger spacing is α/64 per step of
		// the smaller, a whole number of quanta at both whenever α is
		// near a multiple of 64, and the rounding errors then lie on a
		// line at both. The third spacing, 1.6 times the smaller, is
		// not a whole multiple of it: what it finds stands.
		again, err := c.noiseAt1(b, i, h/noiseRecheck)
		if err != nil || math.IsNaN(again) {
			return 0, err
		}
		return again, nil
	case math.IsNaN(large):
		return small, nil // the larger spacing saw a trend or a kink
	case math.IsNaN(small):
		return large, nil // the smaller spacing saw no change, or its values were too finely quantized
	case large <= noiseAgree*small:
		return math.Max(large, small), nil
	}
	again, err := c.noiseAt1(b, i, h/noiseRecheck)
	if err != nil || math.IsNaN(again) || large > noiseAgree*again {
		return 0, err
	}
	return math.Max(large, again), nil
}

// noiseAt1 is fdiff.Noise of noisePoints loss values along entry i of
// block b at the given spacing, centred on the caller's parameters; NaN
// where it finds none: a trend or a kink, values that did not move, or a
// loss not finite there.
func (c *checker[T]) noiseAt1(b, i int, spacing float64) (float64, error) {
	var f [noisePoints]float64
	mid := noisePoints / 2
	for t := range f {
		if t == mid {
			f[t] = c.f0
			continue
		}
		fv, err := c.lossAt(b, i, T(float64(c.saved[b][i])+float64(t-mid)*spacing))
		if err != nil {
			return math.NaN(), err
		}
		if !isFinite(fv) {
			return math.NaN(), nil
		}
		f[t] = fv
	}
	// Seven equal values say only that the loss did not move at this
	// spacing: its quantum may be far above an ulp of f (a sum that
	// cancels), and the other spacing may see it.
	if s, ok := fdiff.Noise(f[:]); ok && s > 0 {
		return s, nil
	}
	return math.NaN(), nil
}

// ladder holds the loss on both sides of one entry at steps h0/2^j.
type ladder struct {
	rows    int
	scale   float64                // the entry's scale, max(|x|, 1)
	moved   bool                   // some loss value differed from f0, bit for bit
	h       [fdiff.MaxRows]float64 // nominal step
	central [fdiff.MaxRows]float64
	fwd     [fdiff.MaxRows]float64 // forward slope F
	bwd     [fdiff.MaxRows]float64 // backward slope B
	noise   [fdiff.MaxRows]float64 // round-off bound of the central difference; twice it bounds F, B and F − B
	okp     [fdiff.MaxRows]bool    // loss finite at x + h
	okm     [fdiff.MaxRows]bool    // loss finite at x − h

	// The loss's quantum along the entry (see quantize): the change
	// |f(x ± h) − f(x)| at the step just above a run of steps, down to
	// the newest, that left the loss at f(x) to the bit; and what the
	// round-off bounds are made of.
	quantum float64
	sigma   float64                // the noise measured along the entry
	fmax    [fdiff.MaxRows]float64 // the larger finite |f(x ± h)|
	hmin    [fdiff.MaxRows]float64 // the smaller step actually taken
	dp, dm  [fdiff.MaxRows]float64 // f(x + h) − f(x) and f(x − h) − f(x)
}

// quantize updates the loss's quantum with row j and the round-off bounds
// of every row so far.
//
// A loss rounded to its own size changes smoothly with the step: halving
// a step that moved it by Δ moves it by about Δ/2, and it stays at f(x)
// to the bit only once Δ/2 is below an ulp of f. A loss that moved by Δ
// at step h but not at all at h/2, h/4, …, with Δ many ulps of f, is a
// staircase: it is computed from an intermediate quantity rounded at a
// coarser level than its own value (a saturated tanh near 1, the small
// term of a sum that cancels, a product in the subnormal range), and takes
// only values Δ apart near x. Such a loss is known to within Δ/2 of any
// smooth function through it, however small its own round-off, and the
// round-off bound of every row is raised to that: a row whose step is too
// small to leave a step of the staircase reads a zero slope, which is no
// evidence against a nonzero derivative. (A smooth loss gets Δ of an ulp
// or two here, about its one-rounding floor.)
//
// The loss must stay at f(x) at two steps in a row, down to the newest: a
// smooth, nonconstant function comes back to its value at x at most once
// on each side near x (f(x − h) = f(x) when a minimum lies at x − h/2),
// a staircase at every step below its first stair.
func (c *checker[T]) quantize(l *ladder, j int) {
	q := 0.0
	for _, d := range [2]*[fdiff.MaxRows]float64{&l.dp, &l.dm} {
		k := j // the start of the run of zeros that ends at row j
		for k >= 0 && d[k] == 0 {
			k--
		}
		if k >= 0 && j-k >= 2 && isFinite(d[k]) {
			q = math.Max(q, math.Abs(d[k]))
		}
	}
	l.quantum = q
	for k := range j + 1 {
		l.noise[k] = c.roundoffWith(l.fmax[k], l.hmin[k], math.Max(l.sigma, q/4))
	}
}

// refine judges an entry that the first pass did not accept, on a ladder of
// steps from ladderTop·scale down to about the first-pass step. An entry
// still inconclusive there is usually noise-limited (a loss whose
// round-off swamps its change over small steps); it gets a second ladder
// starting ladderClimb times higher, since extrapolation removes the
// truncation error of large steps while their round-off is smaller.
//
// first is the first-pass estimate: an early Mismatch needs it as a second
// witness (see judge).
func (c *checker[T]) refine(b, i int, e Entry, first witness) (Entry, error) {
	e.Refined = true
	scale := fdiff.Scale(float64(c.saved[b][i]))
	h1 := c.s.step * scale
	h0 := math.Max(ladderTop, 2*c.s.step) * scale
	rows := int(math.Ceil(math.Log2(h0/h1))) + 1
	rows = max(minRows+2, min(rows, fdiff.MaxRows))
	sigma := c.noiseAt(0)
	low, end, err := c.ladder(b, i, e, h0, rows, first, sigma)
	if err != nil || low.Verdict == OK || low.Verdict == Kink || low.Verdict == NonFinite || (end.early && sigma > 0) {
		// An agreement stands whatever the noise; an early Mismatch has
		// two witnesses at steps far apart (judge), which a noise
		// underestimated along this entry would not make agree. That
		// needs a measured noise: where none was found (σ = 0), both
		// witnesses' round-off bounds are the one-rounding floor ε·|f|,
		// which a loss small by cancellation exceeds by far, and whose
		// rounding, quantized at the level of its larger terms, can
		// repeat from step to step (a one-sided slope identical to the
		// bit at two steps, extrapolated with no spread), so that the
		// witnesses agree by construction. Such a Mismatch, like one
		// from the last row, waits for the noise along the entry.
		return low, err
	}
	// A Mismatch, or no verdict, from the last row: the noise that matters
	// is the loss's noise along this entry. measureNoise looked along
	// another coordinate, and round-off can differ from one coordinate to
	// the next (the rounding of an intermediate sum that only some
	// parameters move). Where it is larger, the ladder is judged again.
	sigmaI, err := c.noiseAlong(b, i)
	if err != nil {
		return low, err
	}
	if sigmaI > sigma {
		sigma = sigmaI
		low, end, err = c.ladder(b, i, e, h0, rows, first, sigma)
		if err != nil || low.Verdict != Inconclusive {
			return low, err
		}
	} else if low.Verdict != Inconclusive {
		return low, nil
	}
	high, endHigh, err := c.ladder(b, i, e, ladderClimb*h0, rows, first, sigma)
	if err != nil || high.Verdict != Inconclusive {
		return high, err
	}
	if high.ErrEst < low.ErrEst {
		low = high
	}
	if c.s.noise > 0 {
		// A stated noise (Options.Noise) pushes the Taylor remainder's
		// window to steps so large that higher-order terms (a saturating
		// tanh) mimic order 1, a false Mismatch: stay Inconclusive.
		return low, nil
	}
	// No step resolved the derivative: ask the Taylor remainder, which
	// needs no step (taylor.go). A staircase's values stray from a smooth
	// function by up to half its step (quantize): the remainder's
	// round-off is at least that.
	return c.taylorOpinion(b, i, low, math.Max(sigma, max(end.quantum, endHigh.quantum)/4))
}

// ladderEnd says how a ladder ended: the loss's quantum it found (see
// quantize), and whether its verdict came before its last row.
type ladderEnd struct {
	quantum float64
	early   bool
}

// ladder evaluates the loss on both sides of entry i of block b at steps
// h0/2^j, j < rows, judging after each row from minRows on.
func (c *checker[T]) ladder(b, i int, e Entry, h0 float64, rows int, first witness, sigma float64) (Entry, ladderEnd, error) {
	l := ladder{scale: fdiff.Scale(float64(c.saved[b][i])), sigma: sigma}
	e.Step = h0
	for j := range rows {
		h := h0 / float64(uint(1)<<j)
		fp, hp, err := c.lossStep(b, i, h)
		if err != nil {
			return e, ladderEnd{}, err
		}
		fm, hm, err := c.lossStep(b, i, -h)
		if err != nil {
			return e, ladderEnd{}, err
		}
		l.h[j] = h
		l.moved = l.moved || math.Float64bits(fp) != math.Float64bits(c.f0) || math.Float64bits(fm) != math.Float64bits(c.f0)
		l.okp[j], l.okm[j] = isFinite(fp), isFinite(fm)
		l.fwd[j] = fdiff.Forward(c.f0, fp, hp)
		l.bwd[j] = fdiff.Backward(fm, c.f0, hm)
		l.central[j] = fdiff.Central(fm, c.f0, fp, hm, hp)
		fmax := 0.0
		for _, f := range [2]float64{fp, fm} {
			if isFinite(f) {
				fmax = math.Max(fmax, math.Abs(f))
			}
		}
		l.fmax[j], l.hmin[j] = fmax, math.Min(hp, hm)
		l.dp[j], l.dm[j] = fp-c.f0, fm-c.f0
		c.quantize(&l, j)
		l.rows = j + 1
		if l.rows >= minRows {
			if v, done := c.judge(&l, &e, first, false); done {
				e.Verdict = v
				return e, ladderEnd{quantum: l.quantum, early: true}, nil
			}
		}
	}
	if !l.moved {
		// The loss did not change at any step, from the largest down: the
		// derivative along this coordinate is below one unit in the last
		// place of f over the largest step, and that is all that can be
		// known of it. Analytic zero (a parameter the loss ignores) agrees.
		e.Numeric, e.ErrEst, e.Step = 0, c.s.prec.Eps*math.Abs(c.f0)/l.h[0], l.h[0]
		if math.Abs(e.Analytic) <= c.threshold(math.Abs(e.Analytic), e.ErrEst) {
			e.Verdict = OK
		} else {
			e.Verdict = Mismatch
		}
		return e, ladderEnd{quantum: l.quantum}, nil
	}
	e.Verdict, _ = c.judge(&l, &e, first, true)
	return e, ladderEnd{quantum: l.quantum}, nil
}

// judge gives a verdict from the ladder so far. Before the last row
// (final false) it gives one only when more rows could not change it. An
// early Mismatch needs two witnesses: the extrapolation from the large
// steps so far, and the first-pass difference at the smallest step, must
// disagree with the analytic value alike. Coarse steps on a fast-varying
// function can extrapolate consistently to a wrong value, with a small
// error estimate; the small step does not share their error.
func (c *checker[T]) judge(l *ladder, e *Entry, first witness, final bool) (Verdict, bool) {
	last := l.rows - 1
	start := last + 1 // the rows start..last have a finite loss on both sides
	for start > 0 && l.okp[start-1] && l.okm[start-1] {
		start--
	}
	if last-start+1 < 2 {
		if !final {
			return 0, false
		}
		return c.judgeOneSided(l, e), true
	}

	kink := c.isKink(l, last)
	if kink && !final {
		return 0, false
	}
	if kink {
		return c.judgeKink(l, e, start), true
	}
	// Extrapolate over the rows since the curvature sequence last looked
	// smooth, so that steps that straddled a nearby kink are left out.
	s := last
	for s > start && !c.isKink(l, s) {
		s--
	}
	if c.isKink(l, s) {
		s++
	}
	if last-s+1 < 2 {
		s = last - 1
	}
	n, err := l.estimate(s, last)
	e.Numeric, e.ErrEst, e.Step = n, err, l.h[s]
	a := e.Analytic
	m := math.Max(math.Abs(a), math.Abs(n))
	curv := 0.0 // f'' at the largest smooth step, above round-off
	if dd := math.Abs(l.fwd[s] - l.bwd[s]); dd > kinkNoise*2*l.noise[s] {
		curv = dd / l.h[s]
	}
	thr := c.threshold(m, err) + c.inputFloor(curv, l.scale)
	d := math.Abs(a - n)
	// The slopes the function has near the point, measured on the
	// ladder: how far the central differences over the smooth steps stray
	// from the estimate (h²·f'''/6 and beyond), and |f''|·scale with
	// f'' ≈ (F − B)/h at the largest smooth step, each where it stands
	// clear of round-off. Near a stationary or flat inflection point the
	// derivative is tiny, but the function is not flat.
	slope := 0.0
	for j := s; j <= last; j++ {
		if dc := math.Abs(l.central[j] - n); dc > kinkNoise*l.noise[j] {
			slope = max(slope, dc)
		}
	}
	if dd := math.Abs(l.fwd[s] - l.bwd[s]); dd > kinkNoise*2*l.noise[s] {
		slope = max(slope, dd/l.h[s]*l.scale)
	}
	resolved := c.resolvedAt(err, m, slope)
	switch {
	case math.IsInf(err, 1) || math.IsNaN(n):
		if final {
			return Inconclusive, true
		}
	case d > thr:
		switch {
		case !final && d > decisive*thr && first.within(l.quantum/2/(c.s.step*l.scale)).confirms(c.s.k, n, d):
			return Mismatch, true
		case final && c.corroborated(l, s, last, a, d):
			return Mismatch, true
		case final:
			// Only steps too large to be in the function's Taylor
			// regime show the disagreement, as on the plateau of a
			// saturated function seen from far. That is not a wrong
			// gradient.
			return Inconclusive, true
		}
	case final:
		if resolved {
			return OK, true
		}
		return Inconclusive, true
	case c.s.k*err <= c.s.rtol*m:
		// Rtol already bounds the threshold: more rows cannot tighten it.
		return OK, true
	case resolved && 2*l.noise[last] >= err:
		// The newest, smallest step's round-off is already half the best
		// error: smaller steps only add round-off, so more rows cannot
		// tighten it either (a loss summed over many terms).
		return OK, true
	}
	return 0, false
}

// estimate extrapolates the derivative from rows s..last of a ladder with
// no kink, and returns the estimate with the smallest error bound among
// three: the central differences in powers of h², and the forward and the
// backward slopes in powers of h. The central one usually wins; the
// one-sided ones win where the second derivative jumps (a seam between two
// smooth pieces, as in a piecewise-defined loss), since there the central
// difference converges only like h while each one-sided slope sees one
// smooth piece.
func (l *ladder) estimate(s, last int) (n, err float64) {
	n, err, _ = fdiff.Extrapolate(l.central[s:last+1], l.noise[s:last+1], 2, 2)
	var noise1 [fdiff.MaxRows]float64 // round-off bound of a one-sided slope
	for j := s; j <= last; j++ {
		noise1[j] = 2 * l.noise[j]
	}
	for _, seq := range [][fdiff.MaxRows]float64{l.fwd, l.bwd} {
		if m, e, _ := fdiff.Extrapolate(seq[s:last+1], noise1[s:last+1], 2, 1); e < err {
			n, err = m, e
		}
	}
	return n, err
}

// A witness is the first-pass central difference and its round-off bound.
type witness struct{ n, err float64 }

// within returns the witness with its round-off bound raised to at least
// err: the first-pass difference of a loss found to be a staircase (see
// quantize) is known only to the staircase's step.
func (w witness) within(err float64) witness {
	w.err = math.Max(w.err, err)
	return w
}

// confirms reports whether the witness, able to resolve a disagreement d
// (K·err < d), agrees with the estimate n to within witnessAgree·d. A loss
// that did not move over the first-pass step (n = 0 from quantization)
// resolves nothing and confirms nothing.
func (w witness) confirms(k, n, d float64) bool {
	return !math.IsNaN(w.n) && k*w.err < d && math.Abs(n-w.n) <= witnessAgree*d
}

// corroborated reports whether a disagreement d between the analytic value
// a and the estimate n shows at small steps alone: the smallest steps of
// rows s..last whose round-off resolves d with a margin
// (corroborateMargin·K·noise < d), up to three of them, extrapolated on
// their own, disagree with a beyond their own threshold. A wrong gradient
// shows at small steps; an estimate extrapolated from large steps that see
// a plateau of a saturated function, or a distant feature of it, does not.
// Those steps must be in the Taylor regime, which takes two corrections,
// three rows, to show: where only two rows resolve d, the next smaller row
// is judged with them. Where no step resolves d, corroborated asks only
// that rows s..last be in the Taylor regime: see the end.
func (c *checker[T]) corroborated(l *ladder, s, last int, a, d float64) bool {
	for j := last; j >= s; j-- {
		if corroborateMargin*c.s.k*l.noise[j] >= d {
			continue
		}
		lo := max(s, j-2)
		if j == lo {
			return false
		}
		// The regime shows in how one correction compares with the
		// next: two rows give one correction, which any function, in
		// the regime or not, has. Where only two rows resolve d, the
		// next smaller row supplies the second correction (judged
		// against its own round-off, as always); where there is none,
		// nothing vouches for the two.
		if hi := min(last, lo+2); hi-lo < 2 || !c.inTaylorRegime(l, lo, max(j, hi)) {
			return false
		}
		// The central differences, which inTaylorRegime vouches for, and
		// a one-sided slope only where it converges on its own over three
		// steps or more: it sees one side, which on a saturated unit is
		// a plateau (F = Δ/h, growing as h shrinks) while the central
		// difference converges. (One-sided slopes win at a seam, where
		// the second derivative jumps.) Its convergence must show: some
		// correction must stand clear of round-off. The round-off of a
		// one-sided slope grows like 1/h, as the slope Δ/h of a plateau
		// seen from a point Δ below it does, so a plateau whose Δ is a
		// few ulps of f passes for round-off at every step, and the
		// slopes of its side, which carry no trace of the derivative,
		// would extrapolate to about zero with a small error bound.
		ns, es, _ := fdiff.Extrapolate(l.central[lo:j+1], l.noise[lo:j+1], 2, 2)
		var noise1 [fdiff.MaxRows]float64 // round-off bound of a one-sided slope
		for r := lo; r <= j; r++ {
			noise1[r] = 2 * l.noise[r]
		}
		for _, seq := range [2]*[fdiff.MaxRows]float64{&l.fwd, &l.bwd} {
			if j-lo < 2 || !c.converges(seq[:], noise1[:], lo, j, taylorRegime) || !c.clearOfRoundoff(seq[:], noise1[:], lo, j) {
				continue
			}
			if m, e, _ := fdiff.Extrapolate(seq[lo:j+1], noise1[lo:j+1], 2, 1); e < es {
				ns, es = m, e
			}
		}
		return math.Abs(ns-a) > c.threshold(math.Max(math.Abs(a), math.Abs(ns)), es)
	}
	// No step resolves d: the loss is noisy at every step, or d is so
	// small that no step's round-off clears it by the margin, and the
	// verdict rests on the extrapolation's error bound, which carries the
	// round-off of every row. That bound holds only in the Taylor regime:
	// a saturated unit seen from far, whose disagreement is a few ulps
	// over the step, is not noisy at every step, but its largest steps,
	// the plateau's, are outside the regime.
	return c.inTaylorRegime(l, s, last)
}

// converges reports whether the corrections of seq over rows lo..j, whose
// round-off bounds are noise, shrink to ratio or less at each step, or are
// down to round-off.
func (c *checker[T]) converges(seq, noise []float64, lo, j int, ratio float64) bool {
	for r := lo + 2; r <= j; r++ {
		step, prev := math.Abs(seq[r]-seq[r-1]), math.Abs(seq[r-1]-seq[r-2])
		if step > ratio*prev && step > 2*c.s.k*noise[r] {
			return false
		}
	}
	return true
}

// clearOfRoundoff reports whether some correction of seq over rows lo..j,
// whose round-off bounds are noise, stands clear of round-off, as converges
// counts it.
func (c *checker[T]) clearOfRoundoff(seq, noise []float64, lo, j int) bool {
	for r := lo + 1; r <= j; r++ {
		if math.Abs(seq[r]-seq[r-1]) > 2*c.s.k*noise[r] {
			return true
		}
	}
	return false
}

// inTaylorRegime reports whether rows lo..j of a ladder are in the
// function's Taylor regime, where extrapolation is sound: there the
// central differences converge, c(h) = f' + h²·f⁽³⁾/6 + h⁴·f⁽⁵⁾/120 + …,
// and the difference of the one-sided slopes is F(h) − B(h) = h·f⁽²⁾ +
// h³·f⁽⁴⁾/12 + …. Halving h, the corrections c(h) − c(2h) shrink to about a
// quarter (a sixteenth where f⁽³⁾ vanishes at x), and F − B to about a half
// (an eighth where f⁽²⁾ vanishes). A correction that does not shrink to
// taylorRegime of the one before is outside the regime, and so is one that
// collapses by more than those ratios allow, with the step ratio again as a
// margin (collapseCentral, collapseCurvature): terms of still higher order
// dominate, and the steps are beyond the reach of the expansion, as on a
// saturated unit seen from far, whose one side is a plateau and whose
// other falls off exponentially. The one-sided slopes themselves, F(h) =
// f' + h·f⁽²⁾/2 + h²·f⁽³⁾/6 + … and B alike, must converge too
// (oneSidedRegime): the central difference is their mean, and where one
// side's corrections grow (a plateau, F ≈ Δ/h) while the other's fall off
// exponentially, their sum can shrink by a quarter per halving by chance
// and extrapolate, with a small spread, to a wrong value. Only corrections
// that stand clear of round-off count: a sequence that has converged to
// round-off is in the regime.
func (c *checker[T]) inTaylorRegime(l *ladder, lo, j int) bool {
	if !c.converges(l.central[:], l.noise[:], lo, j, taylorRegime) {
		return false
	}
	var noise1 [fdiff.MaxRows]float64 // round-off bound of a one-sided slope
	for r := lo; r <= j; r++ {
		noise1[r] = 2 * l.noise[r]
	}
	if !c.converges(l.fwd[:], noise1[:], lo, j, oneSidedRegime) || !c.converges(l.bwd[:], noise1[:], lo, j, oneSidedRegime) {
		return false
	}
	for r := lo + 2; r <= j; r++ {
		step, prev := math.Abs(l.central[r]-l.central[r-1]), math.Abs(l.central[r-1]-l.central[r-2])
		if collapseCentral*prev > step+2*c.s.k*l.noise[r] {
			return false
		}
	}
	for r := lo + 1; r <= j; r++ {
		dd, prev := math.Abs(l.fwd[r]-l.bwd[r]), math.Abs(l.fwd[r-1]-l.bwd[r-1])
		if collapseCurvature*prev > dd+kinkNoise*2*l.noise[r] {
			return false
		}
	}
	return true
}

// isKink reports whether the difference of one-sided slopes at row j
// stands above round-off and failed to shrink from row j−1.
func (c *checker[T]) isKink(l *ladder, j int) bool {
	if j < 1 || !(l.okp[j] && l.okm[j] && l.okp[j-1] && l.okm[j-1]) {
		return false
	}
	d, dprev := math.Abs(l.fwd[j]-l.bwd[j]), math.Abs(l.fwd[j-1]-l.bwd[j-1])
	return d > kinkNoise*2*l.noise[j] && d >= kinkRatio*dprev
}

// judgeKink checks the analytic value as a subgradient: it must lie between
// the one-sided slopes, extrapolated to a zero step.
func (c *checker[T]) judgeKink(l *ladder, e *Entry, start int) Verdict {
	last := l.rows - 1
	var noise1 [fdiff.MaxRows]float64 // round-off bound of a one-sided slope
	for j := start; j <= last; j++ {
		noise1[j] = 2 * l.noise[j]
	}
	left, errL, _ := fdiff.Extrapolate(l.bwd[start:last+1], noise1[start:last+1], 2, 1)
	right, errR, _ := fdiff.Extrapolate(l.fwd[start:last+1], noise1[start:last+1], 2, 1)
	e.Left, e.Right = left, right
	lo, hi := math.Min(left, right), math.Max(left, right)
	a := e.Analytic
	e.Numeric = math.Min(math.Max(a, lo), hi)
	e.ErrEst = math.Max(errL, errR)
	e.Step = l.h[start]
	tol := c.threshold(math.Max(math.Abs(a), math.Max(math.Abs(lo), math.Abs(hi))), e.ErrEst)
	if a >= lo-tol && a <= hi+tol {
		return Kink
	}
	return Mismatch
}

// judgeOneSided judges from one-sided differences when the loss is not
// finite on both sides of the entry at the small steps.
func (c *checker[T]) judgeOneSided(l *ladder, e *Entry) Verdict {
	last := l.rows - 1
	run := func(ok *[fdiff.MaxRows]bool) int {
		s := last + 1
		for s > 0 && ok[s-1] {
			s--
		}
		return s
	}
	sp, sm := run(&l.okp), run(&l.okm)
	var seq []float64
	var noise1 [fdiff.MaxRows]float64 // round-off bound of a one-sided slope
	for j := range l.rows {
		noise1[j] = 2 * l.noise[j]
	}
	var nz []float64
	switch {
	case last-sp+1 >= 2 && last-sp >= last-sm:
		seq, nz, e.Side, e.Step = l.fwd[sp:last+1], noise1[sp:last+1], 1, l.h[sp]
	case last-sm+1 >= 2:
		seq, nz, e.Side, e.Step = l.bwd[sm:last+1], noise1[sm:last+1], -1, l.h[sm]
	default:
		e.Numeric, e.ErrEst = math.NaN(), math.Inf(1)
		return NonFinite
	}
	n, err, _ := fdiff.Extrapolate(seq, nz, 2, 1)
	e.Numeric, e.ErrEst = n, err
	a := e.Analytic
	m := math.Max(math.Abs(a), math.Abs(n))
	d := math.Abs(a - n)
	switch {
	case math.IsInf(err, 1) || math.IsNaN(n):
		return Inconclusive
	case d > c.threshold(m, err):
		return Mismatch
	case c.resolved(err, m):
		return OK
	}
	return Inconclusive
}

// threshold is the largest disagreement |a − n| that passes, for an entry
// of size m = max(|a|, |n|) whose estimate has error err:
//
//	Atol + Rtol·(m + resolveGlobal·G) + K·err
//
// where G is the largest analytic entry checked. The G term stands for the
// analytic gradient's own round-off: an entry that is small because large
// terms cancelled in the backward pass carries the round-off of those
// terms, not of itself (in the extreme, an entry in the subnormal range
// has only a few significant bits).
func (c *checker[T]) threshold(m, err float64) float64 {
	return c.s.atol + c.s.rtol*(m+resolveGlobal*c.gscale) + c.s.k*err
}

// inputFloor is K·ε·|f⁽²⁾|·scale, for an entry of the given scale along
// which the loss has second derivative curv: the parameter itself is known only to
// about ε·scale, and so is any gradient evaluated at it, analytic or
// numeric, to about |f⁽²⁾|·ε·scale. It matters only where the gradient is
// near zero: at a zero-residual minimum (f = 0, ∇f = 0), the rounding of
// the residuals biases both sides by about that much at every step.
func (c *checker[T]) inputFloor(curv, scale float64) float64 {
	return c.s.k * c.s.prec.Eps * curv * scale
}

// resolved reports whether an estimate with error err resolves a
// derivative of size m: to resolveRel of itself, or to resolveGlobal of the
// gradient's scale. That scale is the largest analytic entry checked, but
// at least ε^(2/3)·|f| per unit of the parameters' scale (the best accuracy
// of a central difference, so that a loss flat to that level, a zero
// gradient, still has a scale), and at least slope, the size of the slopes
// the function shows near the point (zero when unknown): at a near-
// stationary point of a curved function the derivative is tiny, the
// function is not flat, and the estimate is judged against the slopes it
// has nearby.
func (c *checker[T]) resolved(err, m float64) bool { return c.resolvedAt(err, m, 0) }

// resolvedAt is resolved with a known slope scale; see resolved.
func (c *checker[T]) resolvedAt(err, m, slope float64) bool {
	g := max(c.gscale, c.flat, slope)
	return c.s.k*err <= resolveRel*m || c.s.k*err <= resolveGlobal*g
}
