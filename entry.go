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

	// jumpRatio: f(x + h) − f(x − h) of a loss continuous near x
	// shrinks to about half at each halving of the step (less where
	// f' = 0, and 2^−p where it grows as h^p, 0.71 for a square root);
	// where it keeps jumpRatio of itself or more, two halvings in a row,
	// the loss jumps within the step (jumpSlope). A cusp steeper than
	// h^0.4 counts as one: its one-sided slopes grow without bound too.
	// At 0.9 a jump J showed only at steps below J/(4·|f'|), which a
	// float32 ladder, stopping at √ε·max(|x|, 1), often did not reach.
	jumpRatio = 0.75

	// jumpRows: the ladder's last rows that must all show a jump
	// (jumpSlope).
	jumpRows = 3

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
func (c *checker[T]) entry(b, i int) (e Entry, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = c.recovered(r)
		}
	}()
	err = c.entryInto(b, i, &e)
	return e, err
}

// entryInto is entry writing its verdict into *e: the first pass of a full
// check runs it once per entry, and an Entry is too large to copy through
// several returns on a path that costs a few nanoseconds besides the two
// loss evaluations. It must run under a recover that calls c.recovered
// (see lossPair).
func (c *checker[T]) entryInto(b, i int, e *Entry) error {
	_, vp, vm, h, _ := c.firstSteps(b, i)
	fp, fm, err := c.lossPair(b, i, vp, vm)
	if err != nil {
		*e = Entry{Index: i, Analytic: c.analytic[b][i], Step: h, Left: math.NaN(), Right: math.NaN()}
		return err
	}
	return c.judgeInto(b, i, fp, fm, e)
}

// firstSteps returns the saved value x0 of entry i of block b, x0 + h and
// x0 − h in T's precision, the first-pass step h and the entry's scale:
// perturbed, written out where the step survives rounding to T.
func (c *checker[T]) firstSteps(b, i int) (x0, vp, vm T, h, scale float64) {
	x0 = c.saved[b][i]
	x := float64(x0)
	scale = fdiff.Scale(x)
	h = c.s.step * scale
	vp, vm = T(x+h), T(x-h)
	if vp == x0 || vm == x0 {
		vp, vm = c.perturbedPair(b, i, h)
	}
	return x0, vp, vm, h, scale
}

// perturbedPair is firstSteps' x0 ± h where h vanishes in rounding to T.
//
//go:noinline
func (c *checker[T]) perturbedPair(b, i int, h float64) (vp, vm T) {
	vp, _ = c.perturbed(b, i, h)
	vm, _ = c.perturbed(b, i, -h)
	return vp, vm
}

// judgeInto writes into *e the first pass's verdict on entry i of block b
// from its loss values at x0 + h (fp) and x0 − h (fm), refining it if that
// does not pass (firstPass). It must run under a recover that calls
// c.recovered (see lossPair).
func (c *checker[T]) judgeInto(b, i int, fp, fm float64, e *Entry) error {
	x0, vp, vm, h, scale := c.firstSteps(b, i)
	x := float64(x0)
	hp, hm := math.Abs(float64(vp)-x), math.Abs(float64(vm)-x)
	a := c.analytic[b][i]
	// An accepted entry is written field by field: a composite literal is
	// built on the stack and copied in 16-byte moves, whose loads wait on
	// the 8-byte stores that built it (store forwarding fails), which
	// cost more than the verdict.
	if n, round, ok := c.firstPassVerdict(a, fp, fm, hp, hm, scale); ok {
		e.Index, e.Verdict, e.Analytic, e.Numeric, e.ErrEst, e.Step = i, OK, a, n, round, h
		e.Left, e.Right, e.Refined, e.Side, e.TaylorOrder = math.NaN(), math.NaN(), false, 0, 0
		return nil
	}
	r, err := c.firstPass(b, i, Entry{Index: i, Analytic: a, Step: h, Left: math.NaN(), Right: math.NaN()}, fp, fm)
	*e = r
	return err
}

// evaluateThenJudge is serial's first pass where an entry that does not
// pass it waits for the loss's noise (firstPass) and so costs no
// evaluation beyond its two, and where the check neither stops early nor
// reports progress: the 2n evaluations in one loop, then the verdicts in
// another, by judgeInto as entryInto gives them.
//
// A loss evaluation of a cheap model is a chain of dependent
// floating-point operations, and what the processor does between two of
// them delays the next: judging in a loop of its own took 0.3 to 0.5 µs,
// 2 to 3%, off a check of 100 entries of a 55 ns loss
// (BenchmarkFullCheckVsGonum). The loss values wait in each entry's Right
// and Left, where a pending entry keeps them too, so that the report's
// memory is first written while the evaluations run.
//
// It recovers nothing itself: serial's recover, on a panic of the
// caller's Loss, judges the entries evaluated before it (judgeEvaluated).
func (c *checker[T]) evaluateThenJudge(jobs []job, results []Entry) (int, error) {
	step := c.s.step
	for k := range jobs {
		b, i := int(jobs[k].b), int(jobs[k].i)
		// firstSteps and lossPair, plain, written out in the loop
		// whose cost is measured, with the one-block model's loss
		// called directly (Model.loss is not inlined, and calling the
		// loss through it gave back the gain).
		x0 := c.saved[b][i]
		x := float64(x0)
		h := step * fdiff.Scale(x)
		vp, vm := T(x+h), T(x-h)
		if vp == x0 || vm == x0 {
			vp, vm = c.perturbedPair(b, i, h)
		}
		vals := c.m.Blocks[b].Value
		c.curB, c.curI, c.curV, c.live = b, i, vp, true
		vals[i] = vp
		c.evals++
		var fp, fm float64
		if c.m.vecLoss != nil {
			fp = c.m.vecLoss(vals)
		} else {
			fp = c.m.Loss()
		}
		c.curV = vm
		vals[i] = vm
		c.evals++
		if c.m.vecLoss != nil {
			fm = c.m.vecLoss(vals)
		} else {
			fm = c.m.Loss()
		}
		vals[i] = x0
		c.live = false
		results[k].Right, results[k].Left = fp, fm
	}
	return c.judgeEvaluated(jobs, results, len(jobs))
}

// judgeEvaluated judges the first n jobs, whose loss values
// evaluateThenJudge left in Right and Left, and returns how many it
// judged.
//
// It is judgeInto for every job, written out: firstSteps and the first
// pass's rule with its constants worked out once (firstPassRule), the
// entries it accepts written in place, and judgeInto called for the rest,
// which judges them again from the start.
func (c *checker[T]) judgeEvaluated(jobs []job, results []Entry, n int) (int, error) {
	rule := c.firstPassRule()
	step := c.s.step
	saved, analytic := c.saved, c.analytic
	for k := range results[:n] {
		e := &results[k]
		b, i := int(jobs[k].b), int(jobs[k].i)
		fp, fm := e.Right, e.Left
		x0 := saved[b][i]
		x := float64(x0)
		h := step * fdiff.Scale(x)
		if vp, vm := T(x+h), T(x-h); vp != x0 && vm != x0 {
			a := analytic[b][i]
			n, round, m, d, thr, r := rule.judge(a, fp, fm, math.Abs(float64(vp)-x), math.Abs(float64(vm)-x))
			if r <= math.MaxFloat64 && d <= thr && rule.accepts(fp, fm, round, m) {
				e.Index, e.Verdict, e.Analytic, e.Numeric, e.ErrEst, e.Step = i, OK, a, n, round, h
				e.Left, e.Right, e.Refined, e.Side, e.TaylorOrder = math.NaN(), math.NaN(), false, 0, 0
				continue
			}
		}
		if err := c.judgeInto(b, i, fp, fm, e); err != nil {
			return k, err
		}
	}
	return n, nil
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
	// The first-pass estimate is a witness for refinement only where the
	// loss moved over the step: a loss that stayed at f(x) to the bit on
	// both sides gives n = 0 with a round-off bound of one ulp of values
	// that may themselves be 0, and says only that the derivative is below
	// what the step can see (a loss quantized far above its own ulps, as
	// −1 + √(1 + u²) with u² absorbed into 1, stays put there).
	moved := math.Float64bits(fp) != math.Float64bits(c.f0) || math.Float64bits(fm) != math.Float64bits(c.f0)
	if isFinite(fp) && isFinite(fm) && moved {
		first = witness{n: n, err: round}
	}
	if !c.noiseKnown {
		e.Verdict, e.Right, e.Left = pending, fp, fm
		return e, nil
	}
	return c.refine(b, i, e, first, fp, fm)
}

// firstPassVerdict is the first pass's rule for an entry of the given
// scale with analytic derivative a, from the loss at x + hp (fp) and at
// x − hm (fm): the central difference n, its round-off bound, and whether
// they accept a. n is NaN when a loss value is not finite. The rule is
// firstPassRule's, with the input floor added to the threshold where the
// disagreement is above it.
func (c *checker[T]) firstPassVerdict(a, fp, fm, hp, hm, scale float64) (n, round float64, ok bool) {
	rule := c.firstPassRule()
	n, round, m, d, thr, r := rule.judge(a, fp, fm, hp, hm)
	if !(r <= math.MaxFloat64) {
		return math.NaN(), math.Inf(1), false
	}
	if d > thr {
		// Computed only for the entries that need it, as it costs a
		// division and the second difference.
		thr += c.firstPassFloor(fp, fm, r, hp, hm, scale)
	}
	return n, round, d <= thr && rule.accepts(fp, fm, round, m)
}

// firstPassFloor is the input floor the first pass adds to its threshold
// for an entry of the given scale, from the loss at x + hp (fp) and at
// x − hm (fm) with round-off r: from f⁽²⁾ by the second difference where it
// stands above round-off (see inputFloor), else 0.
func (c *checker[T]) firstPassFloor(fp, fm, r, hp, hm, scale float64) float64 {
	s2 := math.Abs(fp + fm - 2*c.f0)
	if !(s2 <= math.MaxFloat64) {
		// fp + fm or 2·f(x) overflowed: the loss is within a factor of
		// two of MaxFloat64.
		s2 = math.Abs((fp - c.f0) + (fm - c.f0))
	}
	if s2 > kinkNoise*2*r {
		return c.inputFloor(s2, hp*hm, scale)
	}
	return 0
}

// firstPassRule is the first pass's rule with the check's constants worked
// out once, for the loop that judges every entry of a check on one
// processor (judgeEvaluated): on a cheap loss the verdicts' cost is
// measured against the evaluations' (BenchmarkFullCheckVsGonum), and
// worked out there, entry by entry, through firstPassVerdict, they took
// 0.03 to 0.06 more of gonum's time at n = 100 than in one loop with these
// constants on hand (medians of five alternating runs).
type firstPassRule struct {
	f0, absF0  float64
	roundoff   float64 // roundoffFactor·ε: lossRoundoff
	twoSigma   float64 // 2·noise()
	k, rho     float64 // K and firstPassRel
	atol, rtol float64
	global     float64 // Rtol·resolveGlobal·G: threshold's share of the gradient's scale
	capG       float64 // Rtol·G: the cap's
	resolveK   float64 // resolveGlobal·max(G, flat): resolved
	minNormal  float64
	// noiseUnknown: before the noise is known, a loss that took the same
	// value on both sides does not confirm the analytic value (accepts).
	noiseUnknown bool
}

func (c *checker[T]) firstPassRule() firstPassRule {
	return firstPassRule{
		f0: c.f0, absF0: math.Abs(c.f0),
		roundoff: roundoffFactor * c.s.prec.Eps, twoSigma: 2 * c.noise(),
		k: c.s.k, rho: c.firstPassRel(),
		atol: c.s.atol, rtol: c.s.rtol,
		global: resolveGlobal * c.gscale, capG: c.s.rtol * c.gscale,
		resolveK:     resolveGlobal * max(c.gscale, c.flat, 0),
		minNormal:    c.s.prec.MinNormal,
		noiseUnknown: !c.noiseKnown,
	}
}

// judge is the first pass's rule without the input floor: the central
// difference n from the loss at x + hp (fp) and at x − hm (fm), its
// round-off bound round, m = max(|a|, |n|), the disagreement d = |a − n|
// and the threshold thr it must not exceed, from the loss's round-off r,
// which is NaN or +Inf where fp or fm is (max and Abs pass both on: one
// comparison of r rules out both, where isFinite on fp and fm took four).
// Its operands are magnitudes, so it takes maxima and minima as integers
// on their bits (fdiff.MaxNonNeg, MinNonNeg), the same values as the
// builtin max and min in fewer instructions (thr differs only where r is
// NaN, which its callers rule out first).
//
// round is roundoff(max(|fp|, |fm|), min(hp, hm)), from r, which the second
// difference is compared with directly rather than through round·h, a
// second division in the chain. The round-off allowance in thr is capped
// so that the first pass stays strict: a relative disagreement above
// firstPassRel never passes it, and a loss whose round-off swamps a small
// entry cannot make it lenient there (Rtol·G). thr is threshold(m, 0) plus
// that allowance, in the same order of operations.
func (p *firstPassRule) judge(a, fp, fm, hp, hm float64) (n, round, m, d, thr, r float64) {
	r = fdiff.MaxNonNeg(p.roundoff*fdiff.MaxNonNeg(fdiff.MaxNonNeg(math.Abs(fp), math.Abs(fm)), p.absF0), p.twoSigma)
	n = fdiff.Central(fm, p.f0, fp, hm, hp)
	round = r / fdiff.MinNonNeg(hp, hm)
	m = fdiff.MaxNonNeg(math.Abs(a), math.Abs(n))
	thr = p.atol + p.rtol*(m+p.global) + p.minNormal + fdiff.MinNonNeg(p.k*round, p.rho*m+p.capG)
	return n, round, m, math.Abs(a - n), thr, r
}

// accepts is what the first pass asks of an agreement besides d ≤ thr:
// the estimate resolves the derivative (resolved): a loss that does not
// move at all over the step gives n = 0, which must not confirm a = 0 on
// its own. Nor before the loss's noise is known, where the loss took the
// same value on both sides: round is then one rounding of f, and a loss
// whose values lie on a coarser grid takes the same value, f(x) or a
// quantum beside it, at x ± h while its derivative is below a quantum over
// the step ((A + 1e3·Σx² + Σc·sin x) − (A + 1e3·Σx²) with A = 1e8, on the
// grid of an ulp of 1e8, 1.5e-8: entries whose derivative of up to 1.3e-3
// was dropped from the gradient passed with n = 0 and an error of 4e-10).
// Such an entry waits for the noise.
func (p *firstPassRule) accepts(fp, fm, round, m float64) bool {
	kr := p.k * round
	return (kr <= resolveRel*m || kr <= p.resolveK) &&
		!(p.noiseUnknown && math.Float64bits(fp) == math.Float64bits(fm))
}

// firstPassRel is ρ₁ = max(Rtol, 1e-7), the largest relative disagreement
// that the first pass may accept as round-off. In float64 a disagreement of
// 1e-7 or more always goes on to refinement (a tolerance such as
// PyTorch's rtol of 1e-3 misses real bugs); in float32 Rtol is coarser.
func (c *checker[T]) firstPassRel() float64 { return max(c.s.rtol, 1e-7) }

// threshold is the largest disagreement |a − n| that passes, for an entry
// of size m = max(|a|, |n|) whose estimate has error err:
//
//	Atol + Rtol·(m + resolveGlobal·G) + K·err + N
//
// where G is the largest analytic entry checked. The G term stands for the
// analytic gradient's own round-off: an entry that is small because large
// terms cancelled in the backward pass carries the round-off of those
// terms, not of itself (in the extreme, an entry in the subnormal range
// has only a few significant bits). N is the smallest normal number of the
// parameters' precision: below it numbers lose their relative precision
// bit by bit, and a disagreement there, between differences of subnormal
// loss values, is no evidence of anything (a loss that underflows near x
// gave a numeric derivative of −5.5e-319 against an exact 0).
func (c *checker[T]) threshold(m, err float64) float64 {
	return c.s.atol + c.s.rtol*(m+resolveGlobal*c.gscale) + c.s.k*err + c.s.prec.MinNormal
}

// inputFloor is K·ε·|f⁽²⁾|·scale, for an entry of the given scale along
// which the loss has second derivative curv: the parameter itself is known only to
// about ε·scale, and so is any gradient evaluated at it, analytic or
// numeric, to about |f⁽²⁾|·ε·scale. It matters only where the gradient is
// near zero: at a zero-residual minimum (f = 0, ∇f = 0), the rounding of
// the residuals biases both sides by about that much at every step.
// measureSensitivity extends it to the other parameters' rounding.
//
// The second derivative is d/hh, a second difference over a product of
// steps or a difference of slopes over a step: where the loss is within a
// few orders of MaxFloat64 it overflows (a loss of 5e307 over a step of
// 1.7e-3, whose +Inf floor passed every gradient, gonum's BiggsEXP2 far
// from its start), while the floor does not, and it is computed in another
// order there.
func (c *checker[T]) inputFloor(d, hh, scale float64) float64 {
	f := c.s.k * c.s.prec.Eps * (d / hh) * scale
	if math.IsInf(f, 1) && d <= math.MaxFloat64 {
		return c.s.k * c.s.prec.Eps * scale * d / hh
	}
	return f
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
