package gradcheck

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/gradcheck/gradcheck/internal/fdiff"
	"github.com/gradcheck/gradcheck/internal/printable"
)

// Gradient checks grad, the gradient of f, at x. f returns the loss at x;
// grad writes the gradient at x into dst, overwriting it. The signatures
// are those of gonum's optimize.Problem Func and Grad.
//
// x is perturbed in place, one entry at a time, and restored bit for bit
// after every evaluation, also when f or grad panics. The entries of x are
// named x[i] in the report.
func Gradient(f func(x []float64) float64, grad func(dst, x []float64), x []float64, opts *Options) (*Report, error) {
	return GradientContext(context.Background(), f, grad, x, opts)
}

// GradientContext is Gradient with a context: when ctx is done the check
// stops between two entries and returns what it has with ctx's error.
func GradientContext(ctx context.Context, f func(x []float64) float64, grad func(dst, x []float64), x []float64, opts *Options) (*Report, error) {
	switch {
	case f == nil:
		return nil, errors.New("gradcheck: the function f is nil")
	case grad == nil:
		return nil, errors.New("gradcheck: the gradient function grad is nil")
	case len(x) == 0:
		return nil, errors.New("gradcheck: x is empty")
	}
	gb := getGradBuf(len(x))
	defer putGradBuf(gb)
	g := *gb
	// The model and its one block in one allocation; f and grad are
	// called on the block directly (Model.vecLoss).
	mb := &struct {
		m Model[float64]
		b [1]Block[float64]
	}{b: [1]Block[float64]{{Name: "x", Value: x, Grad: g}}}
	m := &mb.m
	*m = Model[float64]{Blocks: mb.b[:], vecLoss: f, vecGrad: grad}
	if opts != nil && opts.Concurrent {
		m.Clone = concurrentClone(f, grad, x)
	}
	return CheckContext(ctx, m, opts)
}

// Check checks the model's Gradient against finite differences of its Loss.
// See CheckContext.
func Check[T Float](m *Model[T], opts *Options) (*Report, error) {
	return CheckContext(context.Background(), m, opts)
}

// CheckContext checks the model's Gradient against finite differences of
// its Loss, entry by entry, or on a sample (Options.Sample).
//
// It first looks for hazards (nondeterminism, mutation of the parameters, a
// gradient that accumulates, hidden state). Then each entry gets one
// central difference; entries that do not pass it are refined on a ladder
// of steps with Ridders' extrapolation and one-sided differences before any
// verdict. A full check of n entries costs 2n loss evaluations, plus three
// for the unperturbed loss and the hazards, plus the refinement.
//
// The parameters are restored bit for bit before CheckContext returns,
// whatever happens. A panic in Loss, Gradient or Reseed is returned as a
// *PanicError naming the entry being perturbed, and so is a runtime.Goexit
// there on a goroutine of the check's own (Options.Workers). Caller
// mistakes (a nil function, a length mismatch, NaN in the parameters or in
// the gradient) are errors. When ctx is done the check stops between two
// entries and returns the report so far together with ctx's error.
//
// A report returned together with an error (ctx's, a *PanicError) is
// partial (Report.Partial, and not OK): it holds the entries whose
// verdicts were given before the check stopped, and no other. An entry whose first central difference did not
// pass at once waits for the noise measurement (see the package
// documentation) and is left out if the check stops before it is judged
// again.
func CheckContext[T Float](ctx context.Context, m *Model[T], opts *Options) (*Report, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	s, err := opts.resolve(precisionOf[T]())
	if err != nil {
		return nil, err
	}
	if len(m.Terms) > 0 && s.shards > 0 {
		// Each shard would check the terms on its own entries: their
		// hazards and evaluations differ between shards, and Merge could
		// only refuse the shards after all of them had run.
		return nil, errors.New("gradcheck: Model.Terms and Options.Shards are both set: each shard would check the terms on its own entries, and the term hazards of shards do not merge; shard the model with Terms nil, and each term with CheckTerms")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	scr := getScratch(m.Blocks)
	defer putScratch(scr) // after restoreAll, which reads c.saved
	c := &scr.c
	scr.p = newProgress(s)
	*c = checker[T]{m: m, s: s, ctx: ctx, done: ctx.Done(), prog: &scr.p, scr: scr}
	c.saveAll()
	defer c.restoreAll()
	return c.run()
}

// precisionOf tells float32 from float64 by whether 1 + 2⁻³⁰ rounds to 1.
func precisionOf[T Float]() fdiff.Precision {
	one := T(1)
	if one+T(0x1p-30) == one {
		return fdiff.Float32
	}
	return fdiff.Float64
}

// A PanicError is a panic in the caller's Loss, Gradient or Reseed,
// recovered by the checker.
type PanicError struct {
	// Func is "Loss", "Gradient" or "Reseed", or "Clone" (Model.Clone) or
	// "Progress" (Options.Progress).
	Func string
	// Entry names the perturbed entry, as W1[3,7], or is empty when the
	// parameters were not perturbed.
	Entry string
	// Saved and Perturbed are the entry's value and the value it was set
	// to when the panic happened.
	Saved, Perturbed float64
	// Value is what was passed to panic.
	Value any
	// Along describes the parameters a directional check had moved, all
	// at once, when the panic happened, or the entries tied at one value
	// that a joint test of an entry-by-entry check had moved together
	// (Entry names the first of them; see PatternTiedInputs); empty
	// otherwise.
	Along string
	// Goexit reports that Func did not panic but called runtime.Goexit
	// (as testing.T's FailNow does) on a goroutine of the check's own: a
	// worker's (Options.Workers) or the directional check's helper. Value
	// is nil then. On the caller's own goroutine runtime.Goexit ends that
	// goroutine, which no library can prevent; the parameters are
	// restored on the way.
	Goexit bool
}

func (e *PanicError) Error() string {
	fn := printable.String(e.Func) // "term NAME Loss" for a loss term's
	what, value := "panicked", fmt.Sprintf(": %v", e.Value)
	if e.Goexit {
		what, value = "called runtime.Goexit", ""
	}
	if e.Along != "" {
		return fmt.Sprintf("gradcheck: %s %s with the parameters moved along %s%s", fn, what, printable.String(e.Along), value)
	}
	if e.Entry == "" {
		return fmt.Sprintf("gradcheck: %s %s at the unperturbed parameters%s", fn, what, value)
	}
	return fmt.Sprintf("gradcheck: %s %s with %s set to %.17g (saved value %.17g, step %+.3g)%s",
		fn, what, printable.String(e.Entry), e.Perturbed, e.Saved, e.Perturbed-e.Saved, value)
}

// checker holds the state of one check. A parallel check runs one
// checker per worker: shallow copies that share everything but the model
// (a clone) and the evaluation counts, and read the shared state only.
type checker[T Float] struct {
	m    *Model[T]
	s    settings
	ctx  context.Context
	done <-chan struct{} // ctx.Done(), nil when ctx cannot be cancelled
	prog *progress

	saved      [][]T       // the parameters as the caller gave them
	analytic   [][]float64 // the gradient of the first Gradient call
	f0         float64     // the loss at the saved parameters
	gscale     float64     // max |analytic| over the checked entries
	sigma      float64     // measured noise of the loss (noise.go, measureNoise)
	noiseKnown bool        // measureNoise has run
	noiseEntry noiseEntry  // where it measured σ
	pending    []Entry     // entries the first pass left pending, for settlePending
	sens       [][]float64 // the gradient's sensitivity to its inputs (measureSensitivity), nil until measured
	flat       float64     // ε^(2/3)·|f0|, the smallest gradient scale (entry.go, resolved)

	evals, gradEvals int
	serialOnly       bool  // a parallel first pass raced (raced): every stage runs on one worker
	reseeding        bool  // inside Reseed, for panic messages
	exited           error // a runtime.Goexit in callLoss or callGradient, for the goroutine's last deferred call (goexited)

	// What lossPair is evaluating, for the recover around it (recovered):
	// live while the caller's code runs, entry curI of block curB set to
	// curV.
	live       bool
	curB, curI int
	curV       T

	// scr holds saved, analytic and the jobs' memory (see scratch); nil
	// until saveAll, and for a checker that shares another's fields (a
	// loss term's), which must not write into the other's memory.
	scr *scratch[T]

	// memo, while an entry is refined, holds the loss values its
	// refinement evaluated (memo.go); memoBuf is its memory, allocated
	// on the first refinement. Each worker and each term's checker has
	// its own.
	memo, memoBuf *lossMemo

	// probed: the refinement of the entry in hand has probed a side of
	// its loss for a stair's edge (probeStair), which it does once, below
	// the step probeAt (signed by the side), with the outcome
	// probeRefuted; reset by refine.
	probed       bool
	probeAt      float64
	probeRefuted bool

	// polling: lossAt reports progress after each evaluation, with
	// pollDone units of the stage done (progress.poll). Set only on the
	// goroutine that called the check, for a stretch of evaluations it
	// makes alone (serial, the noise measurement), and only with a
	// Progress; never on a worker's copy (workers), whose goroutine must
	// not call Progress.
	polling  bool
	pollDone int

	// published, on a worker of a parallel stage of a check with a
	// Progress, is where the worker stores its evaluations so far (evals)
	// after each loss evaluation of lossAt and after each job, for the
	// goroutine that calls Progress (runEntries). nil on every other
	// checker: the caller's, a loss term's, and a worker without a
	// Progress, which publish nothing.
	published *atomic.Int64
}

// scratch returns c's scratch memory, new where c has none (scratch.go).
func (c *checker[T]) scratch() *scratch[T] {
	if c.scr == nil {
		c.scr = new(scratch[T])
	}
	return c.scr
}

func (c *checker[T]) saveAll() {
	s := c.scratch()
	s.saved, s.savedBuf = split(s.saved, s.savedBuf, c.m.Blocks, func(blk Block[T]) int { return len(blk.Value) })
	for b, blk := range c.m.Blocks {
		copy(s.saved[b], blk.Value)
	}
	c.saved = s.saved
}

func (c *checker[T]) restoreAll() {
	// Within the blocks saved: a model that Loss or Gradient changed
	// (resized) may have more.
	for b := range min(len(c.m.Blocks), len(c.saved)) {
		copy(c.m.Blocks[b].Value, c.saved[b])
	}
}

// changed returns the first entry whose value differs from the saved one,
// bitwise (so a NaN written over a NaN is no change), or b = −1.
//
// It runs three times a check, over every parameter: the slices are taken
// out of c and the model before the loop, which the compiler does not do
// (loaded in the loop, they cost 2 ns an entry).
func (c *checker[T]) changed() (b, i int) {
	for b, blk := range c.m.Blocks {
		vals, saved := blk.Value, c.saved[b]
		for i, v := range vals[:min(len(vals), len(saved))] {
			if math.Float64bits(float64(v)) != math.Float64bits(float64(saved[i])) {
				return b, i
			}
		}
	}
	return -1, -1
}

// callLoss runs the model's Loss, turning a panic into a *PanicError
// naming the perturbed entry (b, i), set to perturbed, or none for b = −1.
// A runtime.Goexit, which recover does not stop, it leaves in c.exited for
// goexited.
func (c *checker[T]) callLoss(b, i int, perturbed T) (f float64, err error) {
	returned := false
	defer func() {
		if r := recover(); r != nil {
			err = c.panicError("Loss", r, b, i, perturbed)
		} else if !returned {
			c.exited = c.goexitError("Loss", b, i, perturbed)
		}
	}()
	if err = c.beforeLoss(); err == nil {
		f = c.m.loss()
	} else {
		f = math.NaN()
	}
	returned = true
	return f, err
}

// beforeLoss precedes every loss evaluation: it stops a cancelled check,
// reseeds the model (Model.Reseed) and counts the evaluation. A panic in
// Reseed is left to the caller's recover, which names it.
func (c *checker[T]) beforeLoss() error {
	if c.done != nil {
		// Checked before every evaluation, so that a cancelled check
		// stops within one evaluation, also in the middle of a
		// refinement ladder or a directional test.
		select {
		case <-c.done:
			return c.ctx.Err()
		default:
		}
	}
	if c.m.Reseed != nil {
		c.reseeding = true
		c.m.Reseed()
		c.reseeding = false
	}
	c.evals++
	return nil
}

func (c *checker[T]) callGradient() (err error) {
	returned := false
	defer func() {
		if r := recover(); r != nil {
			err = c.panicError("Gradient", r, -1, -1, 0)
		} else if !returned {
			c.exited = c.goexitError("Gradient", -1, -1, 0)
		}
	}()
	if c.m.Reseed != nil {
		c.reseeding = true
		c.m.Reseed()
		c.reseeding = false
	}
	c.gradEvals++
	c.m.gradient()
	returned = true
	return c.resized("Gradient")
}

// resized reports a model whose blocks fn changed in number or length
// (a Gradient that appends to Grad, a Loss that drops a block): the
// checker reads and writes the slices by the lengths it saved, and a
// longer Grad was an index-out-of-range panic outside any recover.
func (c *checker[T]) resized(fn string) error {
	if len(c.m.Blocks) != len(c.saved) {
		return fmt.Errorf("gradcheck: %s changed the model's blocks: it has %d, not %d; a model's blocks and their slices must not change during a check", fn, len(c.m.Blocks), len(c.saved))
	}
	for b, blk := range c.m.Blocks {
		n := len(c.saved[b])
		switch {
		case len(blk.Value) != n:
			return fmt.Errorf("gradcheck: %s resized block %q: its Value has %d entries, not %d; a model's blocks and their slices must not change during a check", fn, blk.Name, len(blk.Value), n)
		case len(blk.Grad) != n:
			return fmt.Errorf("gradcheck: %s resized block %q: its Grad has %d entries, not %d; write the gradient into the Grad slice the model had", fn, blk.Name, len(blk.Grad), n)
		}
	}
	return nil
}

func (c *checker[T]) panicError(fn string, r any, b, i int, perturbed T) *PanicError {
	if c.reseeding {
		fn, c.reseeding = "Reseed", false
	}
	e := &PanicError{Func: fn, Value: r}
	if b >= 0 {
		blk := c.m.Blocks[b]
		e.Entry = entryName(blk.Name, shapeOf(blk), i)
		e.Saved, e.Perturbed = float64(c.saved[b][i]), float64(perturbed)
	}
	return e
}

// goexitError is panicError for a runtime.Goexit in fn.
func (c *checker[T]) goexitError(fn string, b, i int, perturbed T) error {
	e := c.panicError(fn, nil, b, i, perturbed)
	e.Goexit = true
	return e
}

// lossAt returns the loss with entry i of block b set to v. The saved value
// is put back afterwards, also after a panic: restored, never recomputed by
// subtracting the step. Then, while c.polling, it reports progress if a
// report is due; on a worker with c.published, it publishes its
// evaluations for the goroutine that reports them (runEntries). The first
// pass's lossPair does neither.
func (c *checker[T]) lossAt(b, i int, v T) (float64, error) {
	vals := c.m.Blocks[b].Value
	vals[i] = v
	f, err := c.callLoss(b, i, v)
	vals[i] = c.saved[b][i]
	if c.polling {
		// With every parameter at its saved value, as between entries.
		c.prog.poll(c.pollDone, c.evals)
	}
	if c.published != nil {
		c.published.Store(int64(c.evals))
	}
	return f, err
}

// lossPair returns the loss with entry i of block b set to vp, then to vm,
// restoring the saved value after both: the first pass, which makes it for
// every entry. It recovers nothing itself, so that it costs no deferred
// call per entry: its callers run it under one recover for many entries
// (serial, entry, and runEntries' workers), and it leaves in c.live,
// c.curB, c.curI and c.curV what was being evaluated, for that recover to
// name the entry and put back its saved value (recovered).
//
// The value is set before beforeLoss, as lossAt sets it before callLoss:
// Reseed sees the parameters the loss is evaluated at on every path, and a
// panic in Reseed is named with the entry as it was set.
func (c *checker[T]) lossPair(b, i int, vp, vm T) (fp, fm float64, err error) {
	vals, x0 := c.m.Blocks[b].Value, c.saved[b][i]
	// beforeLoss, which is not inlined, only where it has more to do than
	// count. The two evaluations are written out: as a loop over [2]T they
	// cost 4 to 6 ns more per entry on a check of 100 entries of a 55 ns
	// loss (measured A/B).
	plain := c.done == nil && c.m.Reseed == nil
	c.curB, c.curI, c.curV, c.live = b, i, vp, true
	vals[i] = vp
	if plain {
		c.evals++
	} else if err = c.beforeLoss(); err != nil {
		vals[i], c.live = x0, false
		return
	}
	fp = c.m.loss()
	c.curV = vm
	vals[i] = vm
	if plain {
		c.evals++
	} else if err = c.beforeLoss(); err != nil {
		vals[i], c.live = x0, false
		return
	}
	fm = c.m.loss()
	vals[i] = x0
	c.live = false
	return fp, fm, nil
}

// recovered turns a panic recovered around lossPair into an error: a
// *PanicError naming the entry being evaluated, whose saved value it puts
// back, or, for a panic outside the caller's code, an internal error.
func (c *checker[T]) recovered(r any) error {
	if !c.live {
		return fmt.Errorf("gradcheck: internal error: %v", r)
	}
	c.live = false
	b, i := c.curB, c.curI
	c.m.Blocks[b].Value[i] = c.saved[b][i]
	return c.panicError("Loss", r, b, i, c.curV)
}

// goexited is recovered for a goroutine of the check's own (a worker, the
// directional helper) that is ending in runtime.Goexit, which recover does
// not see: the caller's code called it. It names the evaluation that
// lossPair or callLoss was making, and puts back lossPair's entry as
// recovered does.
func (c *checker[T]) goexited() error {
	if c.live {
		c.live = false
		b, i := c.curB, c.curI
		c.m.Blocks[b].Value[i] = c.saved[b][i]
		return c.goexitError("Loss", b, i, c.curV)
	}
	if c.exited != nil {
		return c.exited
	}
	return errors.New("gradcheck: a goroutine of the check ended in runtime.Goexit outside the caller's functions")
}

// lossStep evaluates the loss at x_i + h and returns it with the step
// actually taken, which rounding to T may have changed (it is never zero).
func (c *checker[T]) lossStep(b, i int, h float64) (f, step float64, err error) {
	v, step := c.perturbed(b, i, h)
	f, err = c.lossAt(b, i, v)
	return f, step, err
}

// perturbed returns entry i of block b moved by h in T's precision, and the
// step actually taken, never zero.
func (c *checker[T]) perturbed(b, i int, h float64) (v T, step float64) {
	x0 := c.saved[b][i]
	v = T(float64(x0) + h)
	if v == x0 {
		v = nextToward(x0, h)
	}
	return v, math.Abs(float64(v) - float64(x0))
}

// nextToward returns the neighbour of x in T's precision in the direction of
// the sign of dir.
func nextToward[T Float](x T, dir float64) T {
	if precisionOf[T]() == fdiff.Float32 {
		return T(math.Nextafter32(float32(x), float32(math.Copysign(math.Inf(1), dir))))
	}
	return T(math.Nextafter(float64(x), math.Copysign(math.Inf(1), dir)))
}

func shapeOf[T Float](b Block[T]) []int {
	if b.Shape != nil {
		return b.Shape
	}
	return []int{len(b.Value)}
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// nonFinite returns the index of the first NaN or ±Inf in vs, or −1. v − v
// is 0 for every finite v and NaN for the others: one subtraction and one
// comparison an entry, where isFinite, run over every parameter and every
// gradient entry of each check, kept its result on the stack between two
// tests (0.4 µs of a check of 100 entries).
func nonFinite[T Float](vs []T) int {
	for i, v := range vs {
		if v-v != 0 {
			return i
		}
	}
	return -1
}

func (c *checker[T]) run() (*Report, error) {
	rep, err := c.runStages()
	if err != nil && rep != nil {
		// Every error with a report stops the check: the report holds
		// what was judged before it. A panic in Progress, below, does
		// not stop it.
		rep.Partial = true
	}
	if err == nil {
		err = c.prog.err
	}
	return rep, err
}

func (c *checker[T]) runStages() (*Report, error) {
	m := c.m
	rep := newReport(m.Blocks)
	// The blocks are in the report from the first pass on: a check that
	// stops at the setup reports none.
	blocks := rep.Blocks
	rep.Blocks = nil
	rep.Precision, rep.Sampled, rep.Seed, rep.Shard, rep.Shards = c.s.prec.Name, c.s.sample > 0 && c.s.sample < m.size() && c.s.directions == 0, c.s.seed, c.s.shard, c.s.shards
	if rep.Sampled {
		rep.Sample = c.s.sample
	}
	rep.Judging = c.s.judging()
	defer func() { rep.Evals, rep.GradEvals = c.evals, c.gradEvals }()

	for _, blk := range m.Blocks {
		if i := nonFinite(blk.Value); i >= 0 {
			return nil, fmt.Errorf("gradcheck: parameter %s is %v", shownEntry(blk.Name, shapeOf(blk), i), blk.Value[i])
		}
	}
	fatal, err := c.firstEvaluations(rep)
	rep.SetupEvals, rep.SetupGradEvals = c.evals, c.gradEvals
	if err != nil || fatal {
		return rep, err
	}
	for b, blk := range m.Blocks {
		if i := nonFinite(c.analytic[b]); i >= 0 {
			return nil, fmt.Errorf("gradcheck: the analytic gradient at %s is %v", shownEntry(blk.Name, shapeOf(blk), i), c.analytic[b][i])
		}
	}
	c.flat = c.s.prec.TwoThirds * math.Abs(c.f0) // entry.go, resolved
	rep.Blocks = blocks
	if c.s.directions > 0 {
		// Directions move every parameter at once: measure the noise
		// first (noise.go, measureNoise).
		before := c.evals
		c.prog.stageOnly(StageDirections, c.s.directions)
		c.polling, c.pollDone = c.prog.fn != nil, 0
		err := c.measureNoise()
		c.polling = false
		if err != nil {
			return rep, err
		}
		rep.NoiseEvals = c.evals - before
		return rep, c.directional(rep)
	}

	// The gradient's scale is over every entry checked, in every shard, so
	// that shards judge alike (shard.go). The entries are finite here, so a
	// plain comparison serves as max, on a local: the field would be
	// written back on every entry.
	plan := c.plan()
	sizes := make([]int, len(m.Blocks))
	gscale := 0.0
	for b, blk := range m.Blocks {
		sizes[b] = len(blk.Value)
		if plan == nil {
			for _, g := range c.analytic[b] {
				if g := math.Abs(g); g > gscale {
					gscale = g
				}
			}
			continue
		}
		for _, i := range plan[b] {
			if g := math.Abs(c.analytic[b][i]); g > gscale {
				gscale = g
			}
		}
	}
	c.gscale = gscale
	scr := c.scratch()
	jobs := shardJobs(scr.jobs[:0], plan, sizes, c.s.shard, c.s.shards)
	scr.jobs = jobs
	results, complete, err := c.runEntries(jobs, StageEntries)
	if err == nil && c.workerCount(len(jobs)) > 1 {
		results, complete, err = c.raced(rep, jobs, results)
	}
	if err == nil {
		complete, err = c.settlePending(rep, jobs, results)
	} else {
		// The entries the first pass left pending before it stopped
		// have no verdict: a partial report leaves them out.
		first := complete
		complete = func(k int) bool { return first(k) && results[k].Verdict != pending }
	}
	var tied []tiedFailure
	if err == nil && complete != nil {
		// Kinks that tie by value, tested together (tied.go). Only a
		// refined entry can be a Kink, and settlePending returns a nil
		// complete where no entry was left to refine: a check whose
		// first pass accepted every entry does not look.
		tied, err = c.tiedInputs(jobs, results)
	}
	fillBlocks(rep, jobs, results, complete)
	c.diagnoseAll(rep) // diagnose.go: hypotheses about each failing block
	c.tiedDiagnoses(rep, jobs, tied)
	return rep, err
}

// newReport returns a report with a BlockReport, named and shaped, for
// each block. A model of one block of one axis, which every check by
// Gradient is, gets its report, block and shape in one allocation; one
// block of more axes in two, more blocks in three.
func newReport[T Float](blocks []Block[T]) *Report {
	axes := 0
	for _, blk := range blocks {
		axes += len(shapeOf(blk))
	}
	var (
		rep    *Report
		shapes []int
	)
	if len(blocks) == 1 {
		one := new(struct {
			r     Report
			b     [1]BlockReport
			shape [1]int
		})
		rep, one.r.Blocks = &one.r, one.b[:]
		if axes == 1 {
			shapes = one.shape[:0]
		}
	} else {
		rep = &Report{Blocks: make([]BlockReport, len(blocks))}
	}
	if shapes == nil {
		shapes = make([]int, 0, axes)
	}
	for b, blk := range blocks {
		lo := len(shapes)
		shapes = append(shapes, shapeOf(blk)...)
		rep.Blocks[b].Name, rep.Blocks[b].Shape = blk.Name, shapes[lo:len(shapes):len(shapes)]
	}
	return rep
}

// settlePending finishes the entries the first pass left pending: only
// then, and only if there are any, is the loss's noise measured (twelve
// evaluations, counted in rep.NoiseEvals), and each is judged again with it
// and refined if need be. A check whose first pass accepts every entry
// costs 2n evaluations plus the setup. The first pass never uses the
// measured noise, so which entries are pending does not depend on the
// order of the entries, the workers or the shard.
func (c *checker[T]) settlePending(rep *Report, jobs []job, results []Entry) (func(int) bool, error) {
	count := 0
	for k := range results {
		if results[k].Verdict == pending {
			count++
		}
	}
	if count == 0 {
		return nil, nil // every job complete, which fillBlocks need not ask
	}
	complete := func(k int) bool { return results[k].Verdict != pending }
	at := make([]int, 0, count) // the positions in jobs of the pending entries
	for k := range results {
		if results[k].Verdict == pending {
			at = append(at, k)
		}
	}
	before := c.evals
	// The noise measurement, up to 18 evaluations, is refinement's:
	// reported as StageRefine with none of its entries done.
	c.prog.stageOnly(StageRefine, count)
	c.polling, c.pollDone = c.prog.fn != nil, 0
	err := c.measureNoise()
	c.polling = false
	rep.NoiseEvals = c.evals - before
	if err == nil {
		before := c.gradEvals
		err = c.measureSensitivity(rep)
		rep.NoiseGradEvals = c.gradEvals - before
	}
	if err != nil {
		return complete, err
	}
	c.pending = make([]Entry, len(at))
	again := make([]job, len(at))
	for p, k := range at {
		c.pending[p] = results[k]
		again[p] = job{b: jobs[k].b, i: jobs[k].i, p: int32(p)}
	}
	settled, done, err := c.runEntries(again, StageRefine)
	for p, k := range at {
		if done(p) {
			results[k] = settled[p]
		}
	}
	if err == nil {
		// The last report says the check is done; not where refinement
		// stopped (cancelled, a panic), as the first pass's does not.
		c.prog.stageOnly(StageEntries, len(jobs))
		c.prog.send(len(jobs), c.evals)
	}
	return complete, err
}

// fillBlocks puts the entries of the complete jobs into their blocks, in
// job order (block, then index), and computes each block's RelErr. A nil
// complete means every job is.
func fillBlocks(rep *Report, jobs []job, results []Entry, complete func(k int) bool) {
	k := 0
	for b := range rep.Blocks {
		br := &rep.Blocks[b]
		lo := k
		for k < len(jobs) && int(jobs[k].b) == b {
			k++
		}
		n := k - lo
		if complete != nil {
			n = 0
			for j := lo; j < k; j++ {
				if complete(j) {
					n++
				}
			}
		}
		if n == k-lo {
			br.Entries = results[lo:k:k]
		} else {
			br.Entries = make([]Entry, 0, n)
			for j := lo; j < k; j++ {
				if complete(j) {
					br.Entries = append(br.Entries, results[j])
				}
			}
		}
		if br.Entries == nil {
			br.Entries = []Entry{}
		}
		br.RelErr = blockRelErr(br.Entries)
	}
}

func blockRelErr(es []Entry) float64 {
	// One pass of plain sums of squares, as most blocks allow; only where
	// they overflow, or may have lost terms to underflow, a second, scaled
	// computation. Entries without a finite estimate (NonFinite) take no
	// part.
	var d, na, nn float64
	for i := range es {
		a, n := es[i].Analytic, es[i].Numeric
		if n-n != 0 { // NaN or ±Inf
			continue
		}
		d += (a - n) * (a - n)
		na += a * a
		nn += n * n
	}
	// The sums of squares lose terms to underflow only where they are
	// below 2⁻⁸⁰⁰, or 0 (a term that is not, an entry above 2⁻⁴⁰⁰, makes
	// whatever subnormal squares lose less than 2⁻²²⁰ of the sum); a
	// block of zeros takes the scaled path too.
	if s := na + nn; math.IsInf(d+s, 0) || s < 0x1p-800 {
		return blockRelErrScaled(es)
	}
	if d == 0 {
		return 0
	}
	return math.Sqrt(d) / (math.Sqrt(na) + math.Sqrt(nn))
}

// blockRelErrScaled is blockRelErr in two passes, the second scaled by the
// largest magnitude, so that the sums of squares neither overflow nor
// underflow, without paying for a math.Hypot per term.
func blockRelErrScaled(es []Entry) float64 {
	big := 0.0
	for _, e := range es {
		if isFinite(e.Numeric) {
			big = max(big, math.Abs(e.Analytic), math.Abs(e.Numeric))
		}
	}
	if big == 0 {
		return 0
	}
	var d, na, nn float64
	for _, e := range es {
		if !isFinite(e.Numeric) {
			continue
		}
		a, n := e.Analytic/big, e.Numeric/big
		d += (a - n) * (a - n)
		na += a * a
		nn += n * n
	}
	if d == 0 {
		return 0
	}
	return math.Sqrt(d) / (math.Sqrt(na) + math.Sqrt(nn))
}
