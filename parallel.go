package gradcheck

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// A job is one entry to judge: block b, flat index i.
type job struct {
	b, i int32
	p    int32 // index into checker.pending when settling, else −1
}

// do judges job jb into *e: the first pass of its entry, or settling the
// entry the first pass left pending.
func (c *checker[T]) do(jb job, e *Entry) (err error) {
	if jb.p >= 0 {
		*e, err = c.settle(int(jb.b), int(jb.i), c.pending[jb.p])
		return err
	}
	return c.entryInto(int(jb.b), int(jb.i), e)
}

// allComplete is runEntries' answer when every job completed.
func allComplete(int) bool { return true }

// serial judges jobs in order on this goroutine, under one recover for
// all of them (see lossPair), and returns how many it completed.
func (c *checker[T]) serial(jobs []job, results []Entry) (k int, err error) {
	split := c.done == nil && c.m.Reseed == nil && c.prog.fn == nil && !c.noiseKnown
	// Progress also within an entry (lossAt), which a refinement of 160
	// evaluations of a slow loss would leave silent; this goroutine is
	// the caller's, and evaluates alone.
	c.polling, c.pollDone = c.prog.fn != nil, 0
	defer func() {
		c.polling = false
		if r := recover(); r != nil {
			live := c.live
			err = c.recovered(r)
			if split && live {
				// The caller's Loss panicked in evaluateThenJudge at
				// entry (curB, curI): the jobs before it were
				// evaluated but not yet judged.
				k = 0
				for k < len(jobs) && (int(jobs[k].b) != c.curB || int(jobs[k].i) != c.curI) {
					k++
				}
				if n, jerr := c.judgeEvaluated(jobs, results, k); jerr != nil {
					k, err = n, jerr
				}
			}
		}
	}()
	if split {
		return c.evaluateThenJudge(jobs, results)
	}
	for k = range jobs {
		if jb := jobs[k]; jb.p < 0 {
			err = c.entryInto(int(jb.b), int(jb.i), &results[k]) // do, one call fewer
		} else {
			err = c.do(jb, &results[k])
		}
		if err != nil {
			return k, err
		}
		if c.prog.fn != nil {
			c.prog.tick(k+1, c.evals)
			c.pollDone = k + 1
		}
	}
	return len(jobs), nil
}

// runEntries judges the entries of jobs, serially or on several workers,
// and returns the verdicts in job order with a function telling which jobs
// completed. On an error it returns the error of the first failing job in
// job order, and reports exactly the jobs before it as complete, with the
// evaluations a serial check would have made: the report of a failed check
// is the same serial or parallel too.
func (c *checker[T]) runEntries(jobs []job, stage string) ([]Entry, func(int) bool, error) {
	results := make([]Entry, len(jobs))
	c.prog.begin(stage, len(jobs))
	if stage == StageRefine {
		// Refining one entry can take 160 evaluations, and the first
		// report of the stage would come only once one has ended.
		c.prog.send(0, c.evals)
	}
	workers := c.workerCount(len(jobs))
	if workers <= 1 {
		if k, err := c.serial(jobs, results); err != nil {
			return results, func(j int) bool { return j < k }, err
		}
		c.prog.send(len(jobs), c.evals)
		return results, allComplete, nil
	}

	ws, err := c.workers(workers)
	if err != nil {
		return results, func(int) bool { return false }, err
	}
	var published []evalCount
	if c.prog.fn != nil {
		// Each worker's evaluations as it makes them, for the reports
		// of this goroutine (waitWithProgress): during one refinement
		// of a slow loss, the entries finished do not move.
		published = make([]evalCount, len(ws))
		for k, w := range ws {
			w.published = &published[k].n
		}
	}
	var (
		next     atomic.Int64 // the next job to hand out
		finished atomic.Int64 // jobs done, for progress
		stop     atomic.Bool
		mu       sync.Mutex
		failed   = len(jobs) // the first failing job
		failErr  error
		jobEvals = make([]int32, len(jobs))
		wg       sync.WaitGroup
	)
	fail := func(k int, err error) {
		mu.Lock()
		if k < failed {
			failed, failErr = k, err
		}
		mu.Unlock()
		stop.Store(true)
	}
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, before, returned := -1, 0, false
			defer func() {
				// A panic of the caller's Loss in the first pass (see
				// lossPair), or a bug of the checker's own, which must
				// not kill the program from a goroutine the caller
				// cannot recover in. Or a runtime.Goexit in the
				// caller's code, which recover does not see, and which
				// left job k unjudged: it fails the check as a panic
				// does, or the job's zero Entry would count as judged.
				r := recover()
				if r == nil && returned {
					return
				}
				if k >= 0 {
					jobEvals[k] = int32(w.evals - before)
				}
				if r != nil {
					fail(max(k, 0), w.recovered(r))
				} else {
					fail(max(k, 0), w.goexited())
				}
			}()
			for !stop.Load() {
				k = int(next.Add(1) - 1)
				if k >= len(jobs) {
					break
				}
				before = w.evals
				err := w.do(jobs[k], &results[k])
				jobEvals[k] = int32(w.evals - before)
				if err != nil {
					fail(k, err)
					break
				}
				if w.published != nil {
					w.published.Store(int64(w.evals))
				}
				finished.Add(1)
			}
			returned = true
		}()
	}
	base := c.evals
	c.waitWithProgress(&wg, func() (int, int) {
		// Each count only grows, and each is read after the previous
		// report's read of it: the sum never goes back. It counts every
		// evaluation made, also those of a job a worker is in the middle
		// of, and so, once the workers stop, no more than c.evals below
		// unless a job failed (see Progress.Evals).
		n := base
		for k := range published {
			n += int(published[k].n.Load())
		}
		return int(finished.Load()), n
	})
	n := failed
	for k := range n {
		c.evals += int(jobEvals[k])
	}
	if failErr != nil {
		c.evals += int(jobEvals[n]) // the evaluations of the failing entry up to its failure
		return results, func(j int) bool { return j < n }, failErr
	}
	c.prog.send(len(jobs), c.evals)
	return results, allComplete, nil
}

// An evalCount is a worker's evaluations so far, as it publishes them
// (checker.published), alone on its cache line: the workers store to their
// counts at every evaluation of a refinement, and two counts on one line
// would have their workers' stores contend for it.
type evalCount struct {
	n atomic.Int64
	_ [64 - 8]byte
}

// waitWithProgress waits for wg, calling Progress from this goroutine
// meanwhile, so that the callback never runs on two goroutines at once.
func (c *checker[T]) waitWithProgress(wg *sync.WaitGroup, state func() (done, evals int)) {
	if c.prog.fn == nil {
		wg.Wait()
		return
	}
	end := make(chan struct{})
	go func() { wg.Wait(); close(end) }()
	t := time.NewTicker(c.prog.interval)
	defer t.Stop()
	for {
		select {
		case <-end:
			return
		case <-t.C:
			c.prog.send(state())
		}
	}
}

// workerCount is the number of workers for n jobs: 1 unless the model can
// be evaluated concurrently, and 1 once a parallel first pass raced
// (raced).
func (c *checker[T]) workerCount(n int) int {
	if c.m.Clone == nil || c.serialOnly {
		return 1
	}
	return max(1, min(c.s.workers, n))
}

// workers returns n checkers: one on the caller's model and n − 1 on
// clones of it, each counting its own evaluations. Each clone is checked to
// be a copy: the same blocks, the same values bit for bit, memory shared
// with neither the model nor another clone, and a Loss that reads it.
func (c *checker[T]) workers(n int) ([]*checker[T], error) {
	w0 := *c
	w0.evals, w0.gradEvals, w0.memo, w0.memoBuf, w0.polling, w0.published = 0, 0, nil, nil, false, nil
	ws := []*checker[T]{&w0}
	var p cloneProbe[T]
	if n > 1 {
		var err error
		if p, err = c.probe(); err != nil {
			return nil, err
		}
	}
	for range n - 1 {
		cm, err := c.clone(p)
		if err != nil {
			return nil, err
		}
		w := *c
		w.m, w.evals, w.gradEvals, w.memo, w.memoBuf, w.polling, w.published = cm, 0, 0, nil, nil, false, nil
		ws = append(ws, &w)
	}
	if n > 1 {
		if err := disjointClones(ws); err != nil {
			return nil, err
		}
	}
	for _, w := range ws[1:] {
		if err := c.readsItself(w.m, p); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

// disjointClones reports Values of the workers' models that share memory:
// a clone's with the model's, with another block of its own, or with
// another clone's. clone compares each clone with the model alone, one
// at a time, and a Clone that returned the same copy on every call (a
// memoized clone) passed it: its workers perturbed one memory at once,
// each loss saw the others' steps, and the check raced
// (TestCloneSharedBetweenClones). The spans are sorted and swept once,
// O(m log m) for the m Values of all the workers.
func disjointClones[T Float](ws []*checker[T]) error {
	var spans []memSpan
	for k, w := range ws {
		for b, blk := range w.m.Blocks {
			s := spanOf(blk.Value, b, false)
			s.w = k
			spans = append(spans, s)
		}
	}
	x, y, ok := overlapping(spans)
	if !ok {
		return nil
	}
	if y.w < x.w {
		x, y = y, x
	}
	name := func(s memSpan) string { return ws[s.w].m.Blocks[s.b].Name }
	switch {
	case x.w == 0:
		return fmt.Errorf("gradcheck: Model.Clone returned block %q sharing memory with the model's block %q: a clone needs memory of its own", name(y), name(x))
	case x.w == y.w:
		return fmt.Errorf("gradcheck: Model.Clone returned blocks %q and %q sharing memory: each block of a clone needs memory of its own", name(x), name(y))
	}
	return fmt.Errorf("gradcheck: Model.Clone returned block %q of one call sharing memory with block %q of another (the same copy returned twice, or memory reused between calls): each call must return memory of its own, since each clone is perturbed on a goroutine of its own", name(x), name(y))
}

func (c *checker[T]) clone(p cloneProbe[T]) (cm *Model[T], err error) {
	defer func() {
		if r := recover(); r != nil {
			cm, err = nil, &PanicError{Func: "Clone", Value: r}
		}
	}()
	cm = c.m.Clone()
	if cm == nil {
		return nil, fmt.Errorf("gradcheck: Model.Clone returned nil")
	}
	if cm.Loss == nil {
		return nil, fmt.Errorf("gradcheck: Model.Clone returned a model without Loss")
	}
	if len(cm.Blocks) != len(c.m.Blocks) {
		return nil, fmt.Errorf("gradcheck: Model.Clone returned %d blocks, the model has %d", len(cm.Blocks), len(c.m.Blocks))
	}
	for b, blk := range c.m.Blocks {
		cb := cm.Blocks[b]
		if cb.Name != blk.Name || len(cb.Value) != len(blk.Value) {
			return nil, fmt.Errorf("gradcheck: Model.Clone returned block %d as %q of %d values, the model has %q of %d", b, cb.Name, len(cb.Value), blk.Name, len(blk.Value))
		}
		if &cb.Value[0] == &blk.Value[0] {
			return nil, fmt.Errorf("gradcheck: Model.Clone returned block %q sharing the model's Value: a clone needs memory of its own", blk.Name)
		}
		for i, v := range cb.Value {
			if math.Float64bits(float64(v)) != math.Float64bits(float64(c.saved[b][i])) {
				return nil, fmt.Errorf("gradcheck: Model.Clone returned %s = %v, the model has %v: a clone must hold the same values",
					shownEntry(blk.Name, shapeOf(blk), i), v, c.saved[b][i])
			}
		}
	}
	return cm, nil
}

// A cloneProbe is the model's side of the comparison readsItself makes:
// entry i of block b set to v gave the loss f. b < 0: no comparison.
type cloneProbe[T Float] struct {
	b, i int
	v    T
	f    float64
}

// probe evaluates the model's loss at the entry of the largest analytic
// value moved by its first-pass step, once for all the clones a stage
// makes (readsItself), and puts the entry back.
func (c *checker[T]) probe() (p cloneProbe[T], err error) {
	p.b, p.i = -1, -1
	best := -1.0
	for b := range c.m.Blocks {
		for i, a := range c.analytic[b] {
			if math.Abs(a) > best {
				p.b, p.i, best = b, i, math.Abs(a)
			}
		}
	}
	if p.b < 0 {
		return p, nil
	}
	b, i := p.b, p.i
	x0 := c.saved[b][i]
	p.v, _ = c.perturbed(b, i, c.s.step*fdiff.Scale(float64(x0)))
	model := c.m.Blocks[b].Value
	defer func() {
		model[i] = x0
		if r := recover(); r != nil {
			err = c.panicError("Loss", r, b, i, p.v) // "Reseed" while c.reseeding
		}
	}()
	model[i] = p.v
	if c.m.Reseed != nil {
		c.reseeding = true
		c.m.Reseed()
		c.reseeding = false
	}
	p.f = c.m.loss()
	return p, nil
}

// readsItself checks that a clone's Loss reads the clone's parameters: with
// the probe's entry moved in the clone as it was in the model (probe), the
// two losses must agree (within the stated noise). A Clone whose Loss read
// the model's parameters gave the unperturbed loss at every step its
// worker took: each of those entries failed, and the parallel report
// differed from the serial one with no word of why (TestCloneReadsModel).
// The clone's Loss runs on a goroutine of its own, as it would on a worker,
// so that a runtime.Goexit there ends only that goroutine. These
// evaluations are not counted in Report.Evals, so that a parallel check
// reports what a serial one does.
func (c *checker[T]) readsItself(cm *Model[T], p cloneProbe[T]) error {
	if p.b < 0 {
		return nil
	}
	b, i, v, fm := p.b, p.i, p.v, p.f
	x0 := c.saved[b][i]
	type result struct {
		f         float64
		returned  bool
		reseeding bool // the clone's Reseed was running when it stopped
		panicked  any
	}
	done := make(chan result, 1)
	go func() {
		var r result
		clone := cm.Blocks[b].Value
		defer func() {
			r.panicked = recover()
			clone[i] = x0
			done <- r
		}()
		clone[i] = v
		if cm.Reseed != nil {
			r.reseeding = true
			cm.Reseed()
			r.reseeding = false
		}
		r.f = cm.loss()
		r.returned = true
	}()
	r := <-done
	fn := "Loss"
	if r.reseeding {
		fn = "Reseed"
	}
	switch {
	case r.panicked != nil:
		return c.panicError(fn, r.panicked, b, i, v)
	case !r.returned:
		return c.goexitError(fn, b, i, v)
	case !c.sameLoss(fm, r.f) && math.Float64bits(fm) == math.Float64bits(c.f0) && !c.sameLoss(r.f, c.f0):
		// The probe's entry has the largest analytic value and moved by
		// a first-pass step: a loss that reads it moves. The model's
		// staying at f0 to the bit while the clone's moved says the
		// model's Loss is the one that does not read its parameters
		// (a memo keyed on the slice's address, a forward cache); the
		// clone was blamed for it.
		return fmt.Errorf("gradcheck: the model's Loss did not move when %s was set to %v (it stayed at %.17g) and its clone's did (%.17g): the model's Loss does not read its parameters as they are perturbed in place (a value memoized by the slice's address, a forward cache); make Loss compute from the blocks' current values",
			shownEntry(c.m.Blocks[b].Name, shapeOf(c.m.Blocks[b]), i), v, fm, r.f)
	case !c.sameLoss(fm, r.f):
		return fmt.Errorf("gradcheck: Model.Clone returned a model whose Loss does not follow its own parameters: with %s set to %v the model's loss is %.17g and the clone's %.17g; a clone's Loss must read the clone only",
			shownEntry(c.m.Blocks[b].Name, shapeOf(c.m.Blocks[b]), i), v, fm, r.f)
	}
	return nil
}

// concurrentClone makes the Clone of the model that Gradient builds when
// Options.Concurrent declares f and grad safe for concurrent calls.
func concurrentClone(f func(x []float64) float64, grad func(dst, x []float64), x []float64) func() *Model[float64] {
	return func() *Model[float64] {
		xc := append([]float64(nil), x...)
		g := make([]float64, len(x))
		return &Model[float64]{
			Blocks:   []Block[float64]{{Name: "x", Value: xc, Grad: g}},
			Loss:     func() float64 { return f(xc) },
			Gradient: func() { grad(g, xc) },
		}
	}
}
