package gradcheck

import (
	"fmt"
	"math"
)

// noiseSpread: with Options.Noise = σ stated, two losses at the same point
// may differ by up to noiseSpread·σ. Five draws of a Gaussian spread wider
// than 6σ with probability below 3e-4 (ten pairs, each beyond 6σ = 4.2
// standard deviations of a difference with probability 2e-5), and a noise
// bounded by σ spreads at most 2σ.
const noiseSpread = 6

// firstEvaluations evaluates the loss and the gradient at the caller's
// parameters and looks for hazards on the way, then checks the loss terms
// (Model.Terms; terms.go). It reports whether a hazard makes verdicts
// meaningless.
func (c *checker[T]) firstEvaluations(rep *Report) (fatal bool, err error) {
	fatal, err = c.modelEvaluations(rep)
	if err != nil || fatal || len(c.m.Terms) == 0 {
		return fatal, err
	}
	return false, c.checkTerms(rep)
}

// sameLoss reports whether two losses at the same point agree: bit for bit,
// or within the stated noise (Options.Noise).
func (c *checker[T]) sameLoss(f, g float64) bool {
	return math.Float64bits(f) == math.Float64bits(g) || math.Abs(f-g) <= noiseSpread*c.s.noise
}

// noiseSlack is the difference the stated noise allows between sums of
// count noisy losses.
func (c *checker[T]) noiseSlack(count int) float64 {
	return noiseSpread * c.s.noise * float64(count)
}

// modelEvaluations evaluates the loss and the gradient at the caller's
// parameters, and looks for hazards on the way: Loss, Loss, Gradient,
// Loss, Gradient. It reports whether a hazard makes verdicts meaningless.
func (c *checker[T]) modelEvaluations(rep *Report) (fatal bool, err error) {
	m := c.m
	hazard := func(k HazardKind, fatal bool, format string, args ...any) {
		rep.Hazards = append(rep.Hazards, Hazard{Kind: k, Fatal: fatal, Detail: fmt.Sprintf(format, args...)})
	}
	mutated := func(k HazardKind, fn string) bool {
		b, i := c.changed()
		if b < 0 {
			return false
		}
		blk := m.Blocks[b]
		hazard(k, true, "%s changed the parameters: %s was %v and became %v; a loss or gradient must leave its parameters as it found them",
			fn, entryName(blk.Name, shapeOf(blk), i), c.saved[b][i], blk.Value[i])
		c.restoreAll()
		return true
	}

	if c.f0, err = c.callLoss(-1, -1, 0); err != nil {
		return true, err
	}
	if err := c.resized("Loss"); err != nil {
		return true, err
	}
	if !isFinite(c.f0) {
		return true, fmt.Errorf("gradcheck: the loss at the caller's parameters is %v", c.f0)
	}
	if c.s.hazards {
		if mutated(LossMutates, "Loss") {
			return true, nil
		}
		f, err := c.callLoss(-1, -1, 0)
		if err != nil {
			return true, err
		}
		if math.Float64bits(f) != math.Float64bits(c.f0) {
			if fatal, err := c.nondeterministic(rep, []float64{c.f0, f}); err != nil || fatal {
				return true, err
			}
		}
	}

	for b := range m.Blocks {
		clear(m.Blocks[b].Grad)
	}
	if err := c.callGradient(); err != nil {
		return true, err
	}
	s := c.scratch()
	s.analytic, s.gradBuf = split(s.analytic, s.gradBuf, m.Blocks, func(blk Block[T]) int { return len(blk.Grad) })
	c.analytic = s.analytic
	for b, blk := range m.Blocks {
		for i, g := range blk.Grad {
			c.analytic[b][i] = float64(g)
		}
	}
	if !c.s.hazards {
		return false, nil
	}
	if mutated(GradientMutates, "Gradient") {
		return true, nil
	}
	f, err := c.callLoss(-1, -1, 0)
	if err != nil {
		return true, err
	}
	if !c.sameLoss(f, c.f0) {
		return true, c.changedAfterGradient(rep, f)
	}
	if err := c.callGradient(); err != nil {
		return true, err
	}
	if mutated(GradientMutates, "Gradient") {
		return true, nil
	}
	if !c.reentrancy(hazard) {
		return false, nil
	}
	// A Gradient that keeps state may keep the state Loss reads (a
	// dropout mask drawn in Gradient and reused by Loss): the loss after
	// the first call can repeat f0 by chance (a mask drawn again alike),
	// and the verdicts would then compare the first call's gradient with
	// differences of a loss the second call changed.
	if f, err = c.callLoss(-1, -1, 0); err != nil {
		return true, err
	}
	if !c.sameLoss(f, c.f0) {
		return true, c.changedAfterGradient(rep, f)
	}
	return false, nil
}

// changedAfterGradient names a loss at the caller's parameters that was f0
// before a call of Gradient and f after it. Loss alone is called up to three
// times more first: if it moves again without Gradient, the loss changes on
// its own (random draws whose first two values agreed by chance, as a
// dropout mask of few entries or a sum in another order can; state that
// only some calls of Loss update), a Nondeterministic hazard with its
// fix, not a Gradient to blame (HiddenState).
func (c *checker[T]) changedAfterGradient(rep *Report, f float64) error {
	vals := []float64{c.f0, f}
	for range 3 {
		g, err := c.callLoss(-1, -1, 0)
		if err != nil {
			return err
		}
		vals = append(vals, g)
		if !c.sameLoss(g, f) {
			_, err := c.nondeterministic(rep, vals)
			return err
		}
	}
	rep.Hazards = append(rep.Hazards, Hazard{Kind: HiddenState, Fatal: true, Detail: fmt.Sprintf(
		"the loss was %.17g before a call of Gradient and %.17g after it, at the same parameters, and stayed there over three calls of Loss: Gradient changes state that Loss reads (a cache, running statistics, an optimizer step, a random mask drawn in Gradient); make Loss depend on the parameters alone",
		c.f0, f)})
	return nil
}

// nondeterministic measures the spread of the loss at the caller's
// parameters, vals (f0 first), over more evaluations, five values in all.
// Within the stated noise (Options.Noise) it is no hazard: the noise enters
// the error estimates instead. Beyond it, it records a fatal hazard with
// the spread and the fix.
func (c *checker[T]) nondeterministic(rep *Report, vals []float64) (fatal bool, err error) {
	const calls = 5
	for len(vals) < calls {
		f, err := c.callLoss(-1, -1, 0)
		if err != nil {
			return true, err
		}
		vals = append(vals, f)
	}
	lo, hi := vals[0], vals[0]
	for _, f := range vals {
		lo, hi = math.Min(lo, f), math.Max(hi, f)
	}
	if c.s.noise > 0 && hi-lo <= noiseSpread*c.s.noise {
		return false, nil
	}
	fix := "fix the seed of its random source, or re-seed it in Model.Reseed, which the checker calls before every evaluation"
	if c.m.Reseed != nil {
		fix = "Model.Reseed is set but does not make the loss repeatable: it must restore every random source the loss draws from"
	}
	if c.s.noise > 0 {
		fix = fmt.Sprintf("that is more than %d times the stated Options.Noise = %.3g; state the real noise level, or %s", noiseSpread, c.s.noise, fix)
	} else {
		// A sum in another order at each call (a parallel reduction)
		// has no seed to fix: stating the noise is its only fix, and
		// the spread seen suffices (6σ covers it).
		fix = fmt.Sprintf("%s; or, for a loss random by design (a Monte Carlo estimate, a sum in another order at each call as a parallel reduction makes), state its noise as Options.Noise, at least the spread %.3g", fix, hi-lo)
	}
	if monotone(vals) {
		fix = "the values drift in one direction from call to call, which suggests state that every evaluation updates (running statistics, a counter, a cache) rather than random draws; make Loss depend on the parameters alone, or " + fix
	}
	rep.Hazards = append(rep.Hazards, Hazard{Kind: Nondeterministic, Fatal: true, Detail: fmt.Sprintf(
		"the loss at the same parameters took values from %.17g to %.17g over %d calls (spread %.3g, relative %.3g): finite differences of a random loss measure its noise; %s",
		lo, hi, len(vals), hi-lo, (hi-lo)/math.Max(math.Abs(c.f0), math.SmallestNonzeroFloat64), fix)})
	return true, nil
}

// monotone reports whether v strictly increases or strictly decreases. Five
// independent draws do so with probability 2/5! = 1/60.
func monotone(v []float64) bool {
	up, down := true, true
	for i := 1; i < len(v); i++ {
		up = up && v[i] > v[i-1]
		down = down && v[i] < v[i-1]
	}
	return up || down
}

// sameForVerdicts reports whether two calls' values a and b of one
// derivative entry agree to the bit or within what the verdicts can see,
// Rtol times the entry plus resolveGlobal times the derivative's scale (the
// threshold's own terms): the reentrancy tests of Gradient and of a vector
// check's derivative (jacobian.go).
func sameForVerdicts(a, b, scale, rtol float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.Abs(b-a) <= rtol*(math.Abs(a)+resolveGlobal*scale)
}

// reentrancy compares the gradient of a second call, made without zeroing
// Grad, with the first. Differences below what the verdicts can see, Rtol
// times the entry plus resolveGlobal times the gradient's scale (the
// threshold's own terms), are no hazard: a gradient that sums its terms in
// another order at each call, as a parallel reduction does, differs in its
// last bits and keeps no state (a least-squares gradient summed from
// another sample at each call was called NotReentrant, and the report of a
// correct gradient was never OK: TestGradientReductionOrder).
func (c *checker[T]) reentrancy(hazard func(HazardKind, bool, string, ...any)) (found bool) {
	diffs, doubled, nonzero := 0, 0, 0
	fb, fi := -1, -1
	scale := -1.0 // the gradient's, found at the first difference: most calls repeat to the bit
	for b, blk := range c.m.Blocks {
		grad, analytic := blk.Grad, c.analytic[b] // out of the loop, as in changed
		for i, g := range grad[:min(len(grad), len(analytic))] {
			a := analytic[i]
			if math.Float64bits(float64(g)) == math.Float64bits(a) {
				continue
			}
			if scale < 0 {
				scale = 0
				for bb := range c.m.Blocks {
					for _, v := range c.analytic[bb] {
						scale = max(scale, math.Abs(v))
					}
				}
			}
			if sameForVerdicts(a, float64(g), scale, c.s.rtol) {
				continue
			}
			if diffs == 0 {
				fb, fi = b, i
			}
			diffs++
			if a != 0 {
				nonzero++
				if math.Abs(float64(g)-2*a) <= 1e-6*math.Abs(a) {
					doubled++
				}
			}
		}
	}
	if diffs == 0 {
		return false
	}
	blk := c.m.Blocks[fb]
	where := fmt.Sprintf("at %s the first call gave %v and the second %v", entryName(blk.Name, shapeOf(blk), fi), c.analytic[fb][fi], blk.Grad[fi])
	if nonzero > 0 && doubled == nonzero {
		hazard(NotReentrant, false, "a second call of Gradient returned twice the first (%s): Gradient adds into Grad without zeroing it, so every step after the first trains on a sum of old gradients", where)
		return true
	}
	hazard(NotReentrant, false, "two calls of Gradient at the same parameters disagree at %d entries (%s): it keeps state between calls", diffs, where)
	return true
}
