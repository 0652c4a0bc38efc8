package gradcheck

import (
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// Options tune a check. A nil *Options and the zero Options mean the same
// defaults; each field's comment says what its zero value means.
type Options struct {
	// Step is the relative first-pass step c: entry x_i is perturbed by
	// h = c·max(|x_i|, 1). Zero means ε^(1/3) of the parameters' precision
	// (4.8e-6 for float64, 3.9e-3 for float32), which balances the
	// truncation and round-off errors of a central difference; see
	// internal/fdiff.CentralStep for the derivation.
	Step float64

	// Atol and Rtol widen the pass threshold. An entry with analytic value a
	// and numeric estimate n, whose estimate has error e, passes when
	//
	//	|a − n| ≤ Atol + Rtol·max(|a|, |n|) + K·e.
	//
	// Zero Atol means 0. Zero Rtol means 16·ε^(2/3) of the precision
	// (3.7e-10 for float64, 2.4e-4 for float32): the best accuracy a
	// central difference can reach, so that Rtol never hides an error the
	// estimator could have resolved. Negative values are errors.
	Atol, Rtol float64

	// K is the number of estimated finite-difference errors by which the
	// analytic and numeric values may differ. Zero means 4: Ridders' error
	// estimate is the distance between successive extrapolations, which
	// tracks the true error to within a small factor on smooth functions.
	// K also sizes the resolution an agreement needs (K·err within 10% of
	// the entry, or 1e-3 of the gradient's scale; see the package docs,
	// Resolution), so a larger K is not only looser: an entry whose
	// estimate resolved it with the default can be Inconclusive with it.
	K float64

	// Sample, when positive, checks a seeded sample of about Sample entries
	// instead of all of them. The sample is stratified across blocks in
	// proportion to their sizes, with at least one entry a block, and
	// always includes every corner of every block, so the first and the
	// last index along every axis are checked: edge-index bugs hide there.
	// Those corners are checked even if they outnumber Sample.
	Sample int

	// Seed seeds the sample. Zero is a seed like any other: the same seed
	// and inputs give the same report.
	Seed uint64

	// SkipHazards skips the checks for nondeterminism, mutation of the
	// parameters, a gradient that accumulates across calls and hidden
	// state, saving two loss and one gradient evaluation.
	SkipHazards bool

	// Noise is the known size of random noise in the loss, in the loss's
	// units: its standard deviation, or a bound on it (a Monte Carlo
	// estimate, a reduction whose order varies between calls). Zero means
	// a deterministic loss: one that differs between two calls at the same
	// point is a fatal Nondeterministic hazard.
	//
	// With Noise = σ, losses at the same point that differ by up to 6σ are
	// accepted. The noise enters every finite-difference error estimate as
	// a measured noise would: it puts up to 2σ/h into a difference quotient
	// of step h, so it favours large steps. The default first-pass step
	// becomes max(ε^(1/3), ∛σ) (capped at 0.05), which balances σ/h against
	// the truncation error h²·f⁽³⁾/6 as ε^(1/3) balances round-off. An entry
	// whose noise allowance does not resolve its derivative is refined on
	// larger steps, and left Inconclusive if none resolves it (the
	// Taylor-remainder opinion is not asked: noise pushes its window to
	// steps where higher-order terms mimic a wrong slope). An overstated
	// Noise coarsens every error bound: an entry it still resolves to 10%
	// passes with that coarse bound, which the summary states ("resolved
	// only to …"), and one it does not is Inconclusive. A wrong entry
	// whose error is below the coarsened bound passes then: f(x) = x with
	// a derivative of 1.01 and Noise = 3.16e-3 does.
	Noise float64

	// Progress, if not nil, is called during a long check with how far it
	// has got: about every ProgressInterval, and once more when the last
	// entry (or direction) is done. A serial check calls it also within
	// an entry's refinement and the measurement of the loss's noise,
	// between two loss evaluations, and a directional check within a
	// direction's refinement and a test of its search, between two pairs
	// of them, with every parameter at its saved value; a parallel one
	// calls it every ProgressInterval while the
	// workers run, with the evaluations they have made so far, also
	// within a refinement (Progress.Evals). It is called from the
	// goroutine that called the check, never from two goroutines at once,
	// and the check waits for it: it should return quickly. To stop the
	// check, cancel the context of CheckContext. With more than one worker
	// (Workers) the workers go on while it runs, one of them perturbing
	// the model's own parameters: Progress must not read the model or
	// evaluate it.
	Progress func(Progress)

	// ProgressInterval is the least time between two calls of Progress.
	// Zero means 100ms.
	ProgressInterval time.Duration

	// Workers is the number of goroutines that evaluate the loss at once.
	// It takes effect only for a model that can clone itself
	// (Model.Clone) or a flat function declared safe for concurrent calls
	// (Options.Concurrent); other models are always checked serially.
	// Zero means runtime.GOMAXPROCS(0); 1 means serial. The report is the
	// same, bit for bit, whatever the number of workers.
	//
	// That holds for a Loss safe for concurrent use. After a parallel
	// first pass each entry that did not pass it at once is evaluated
	// again, at the same two points, on the model alone, and the values
	// compared bit for bit with the worker's; those evaluations are not
	// counted in Report.Evals. Where they differ the evaluations
	// interfered (a scratch buffer shared between the model and its
	// clones, or between calls of f): the report gets a NotConcurrent
	// hazard, and the first pass and everything after it are made again
	// on one worker, so that the verdicts are a serial check's; Report.Evals
	// then counts every evaluation made, the parallel first pass's and the
	// comparison's too. There is no comparison without the hazard checks
	// (SkipHazards), with a stated Noise, or in a directional check
	// (Directions), and none sees a race that made an entry pass.
	Workers int

	// Concurrent declares, for Gradient and GradientContext, that f and
	// grad may be called from several goroutines at once, each with its
	// own x. Each worker then perturbs its own copy of x. It has no effect
	// on Check, where Model.Clone says the same.
	Concurrent bool

	// Directions, when positive, checks the gradient along that many
	// seeded random directions across all parameters instead of entry by
	// entry: two evaluations a direction that agrees, whatever the number
	// of parameters. Zero means the entry-by-entry check.
	//
	// Direction v has v_j = r_j·w_j·s_j: a random sign r_j and a random
	// magnitude w_j in [1, 2) (from Seed and the direction's number; not
	// ±1, so that equal errors at two entries cannot cancel exactly) times
	// the entry's scale s_j = max(|x_j|, 1), so every entry moves by one to
	// two times the relative step of the entry-by-entry check. The loss is evaluated at x ± t·v (all entries set, then all
	// restored from a saved copy), and the discrepancy δ = N − A between
	// N = (f(x⁺) − f(x⁻))/2t and A = g·(x⁺ − x⁻)/2t, with x± as stored,
	// passes when
	//
	//	|δ| ≤ 6·‖(Atol + Rtol·|g|)∘|v|‖₂ + K·e + 8·ε₆₄·Σ_j |g_j·v_j|
	//
	// where e is the estimated finite-difference error of δ: the loss's
	// round-off, ε·|f|·√m/t for m perturbed entries, at the first step;
	// Ridders' extrapolation error, round-off included, after refinement
	// on a ladder of steps, which a disagreement always gets before it is
	// a verdict. The first term is the per-entry tolerance carried along
	// the direction: if every entry of g is within Atol + Rtol·|g_j| of
	// the truth, the sum of their errors along random signs exceeds it with
	// probability below 2·e⁻¹⁸ (Hoeffding). The worst-case bound, by
	// Cauchy–Schwarz, grows like n instead of √n and would hide a single
	// wrong entry a thousand times larger on 10⁶ parameters. The last term
	// bounds the rounding of the compensated sum g·(x⁺ − x⁻).
	//
	// A single entry j wrong by η shows in δ as |η|·w_j·s_j ≥ |η|·s_j,
	// whatever the number of parameters: it is seen when that exceeds the
	// right-hand side. The report's DirectionResult gives both sides for every
	// direction.
	//
	// When a direction disagrees, and SkipLocalize is not set, the entries
	// that cause it are found by group testing (localize.go): the
	// direction is restricted to halves of the blocks, then of a block's
	// index range; δ is additive over disjoint parts, so one half is tested
	// and the other inferred; parts that disagree are split again; single
	// entries get their exact per-entry verdict in Report.Blocks, and a run
	// of a block whose sixteen sixteenths all disagree is reported whole
	// in Report.Regions with a few per-entry verdicts as evidence. One wrong
	// entry among n costs about 2·log₂ n evaluations; see docs/scale.md.
	// Directions after the first are tested on the parameters not yet
	// located. Options.Sample and Shards do not apply.
	Directions int

	// SkipLocalize reports a disagreeing direction without looking for
	// the entries that cause it.
	SkipLocalize bool

	// Shard and Shards check only shard Shard (counted from 0) of Shards
	// of a deterministic partition of the entries to check: the checked
	// entries, in block order and then index order, are cut into Shards
	// contiguous runs whose lengths differ by at most one. Merge joins the
	// shard reports into the report of the whole check. Zero Shards means
	// no sharding; Shard must be in [0, Shards). A model with Terms is not
	// sharded (Check returns an error): shard it with Terms nil, and each
	// term with CheckTerms, whose reports merge term by term.
	Shard, Shards int

	// valueScale is set by the vector checks for the scalar checks they
	// make of one output or of w·f: the size of the values that output
	// is computed with, the largest |f_i(x)| (or the terms of w·f). See
	// ladder, where a loss that never moves is known only to a rounding
	// of it.
	valueScale float64
}

// settings are Options resolved for one precision.
type settings struct {
	prec       fdiff.Precision
	step       float64 // relative first-pass step c
	atol, rtol float64
	k          float64
	sample     int
	seed       uint64
	hazards    bool
	noise      float64 // Options.Noise
	valueScale float64 // Options.valueScale

	progress   func(Progress)
	interval   time.Duration
	workers    int
	concurrent bool
	directions int
	localize   bool
	shard      int
	shards     int
}

func (o *Options) resolve(p fdiff.Precision) (settings, error) {
	s := settings{
		prec:     p,
		step:     fdiff.CentralStep(p),
		rtol:     fdiff.RtolFloor(p),
		k:        4,
		hazards:  true,
		interval: defaultProgressInterval,
		workers:  runtime.GOMAXPROCS(0),
		localize: true,
	}
	if o == nil {
		return s, nil
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"Step", o.Step}, {"Atol", o.Atol}, {"Rtol", o.Rtol}, {"K", o.K}, {"Noise", o.Noise}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return s, fmt.Errorf("gradcheck: Options.%s is %v: it must be finite and not negative", f.name, f.v)
		}
	}
	if o.Step >= 1 {
		return s, fmt.Errorf("gradcheck: Options.Step is %v: it is a relative step and must be below 1", o.Step)
	}
	if o.Sample < 0 {
		return s, fmt.Errorf("gradcheck: Options.Sample is %d: it must not be negative", o.Sample)
	}
	if o.Step != 0 {
		s.step = o.Step
	}
	s.atol = o.Atol
	if o.Rtol != 0 {
		s.rtol = o.Rtol
	}
	if o.K != 0 {
		s.k = o.K
	}
	s.sample = o.Sample
	s.seed = o.Seed
	s.hazards = !o.SkipHazards
	s.noise = o.Noise
	s.valueScale = o.valueScale
	if o.Noise > 0 && o.Step == 0 {
		s.step = math.Min(math.Max(s.step, math.Cbrt(o.Noise)), ladderTop/2)
	}
	switch {
	case o.ProgressInterval < 0:
		return s, fmt.Errorf("gradcheck: Options.ProgressInterval is %v: it must not be negative", o.ProgressInterval)
	case o.Workers < 0:
		return s, fmt.Errorf("gradcheck: Options.Workers is %d: it must not be negative", o.Workers)
	case o.Directions < 0:
		return s, fmt.Errorf("gradcheck: Options.Directions is %d: it must not be negative", o.Directions)
	case o.Shards < 0 || (o.Shards == 0 && o.Shard != 0) || (o.Shards > 0 && (o.Shard < 0 || o.Shard >= o.Shards)):
		return s, fmt.Errorf("gradcheck: Options.Shard is %d of Shards %d: it must be in [0, Shards)", o.Shard, o.Shards)
	case o.Shards > 0 && o.Directions > 0:
		return s, fmt.Errorf("gradcheck: Options.Shards and Options.Directions are both set: a directional check is not sharded")
	}
	s.progress = o.Progress
	if o.ProgressInterval != 0 {
		s.interval = o.ProgressInterval
	}
	if o.Workers != 0 {
		s.workers = o.Workers
	}
	s.concurrent = o.Concurrent
	s.directions = o.Directions
	s.localize = !o.SkipLocalize
	s.shard, s.shards = o.Shard, o.Shards
	return s, nil
}
