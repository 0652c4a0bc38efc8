package gradcheck

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// raced looks for evaluations of a parallel first pass that interfered:
// a Loss not safe for concurrent use (a scratch buffer shared between the
// model and its clones, or a flat f that writes one at package level with
// Options.Concurrent) is right on each evaluation alone, which the clones'
// comparison (readsItself) sees, and wrong where two evaluations overlap.
// Those entries fail their first central difference and wait, pending,
// with the worker's loss values in Right and Left: raced evaluates the
// loss again at the same two points on the caller's model, alone, and
// compares the values bit for bit. A loss that is deterministic, as the
// hazard checks found it (the loss at the caller's parameters repeated to
// the bit, and Reseed, where the model has one, is called before every
// evaluation, on the model as on a clone), gives the same bits at the
// same point, and gives them again when evaluated once more on the model
// (firstRace); a difference means the evaluations interfered.
//
// On the first difference it records a NotConcurrent hazard, discards the
// first pass and runs it again on one worker, as every stage after it
// (checker.serialOnly): the verdicts are the serial check's. Otherwise it
// returns results as they are.
//
// The comparison costs two evaluations per pending entry compared, none
// for an entry the first pass accepted, and it runs on the caller's
// goroutine alone. Those are not counted in Report.Evals, as the clones'
// comparison is not, so that a parallel check's report is the serial
// one's. Where a difference is found, Report.Evals counts every
// evaluation made: the discarded first pass, the comparison's and the
// serial first pass's.
//
// It compares at most raceBudget of the pending entries, the most
// suspect first (raceOrder). A float32 model most of whose entries wait
// for the noise (a loss summed in float32) had every one of them
// evaluated twice more, serially: on 3000 entries and two workers that
// was a third more time than the check without the comparison (0.80 s
// against 0.60), none of it in Report.Evals.
//
// It makes no comparison where none is valid: without the hazard checks
// (Options.SkipHazards), which established that the loss repeats, or with
// a stated Options.Noise, a loss that does not.
func (c *checker[T]) raced(rep *Report, jobs []job, results []Entry) ([]Entry, func(int) bool, error) {
	if !c.s.hazards || c.s.noise > 0 {
		return results, allComplete, nil
	}
	before := c.evals
	k, fp, fm, err := c.firstRace(jobs, results, before)
	if err != nil {
		return results, allComplete, err
	}
	if k < 0 {
		c.evals = before
		return results, allComplete, nil
	}
	workers := c.workerCount(len(jobs))
	b, i := int(jobs[k].b), int(jobs[k].i)
	blk := c.m.Blocks[b]
	_, vp, vm, _, _ := c.firstSteps(b, i)
	v, fw, fs := vp, results[k].Right, fp
	if math.Float64bits(fp) == math.Float64bits(results[k].Right) {
		v, fw, fs = vm, results[k].Left, fm
	}
	what, fix := "Loss is not safe for concurrent use (a scratch buffer shared between the model and its clones?)",
		"give each clone memory of its own, or check with Options.Workers = 1"
	if c.m.vecLoss != nil {
		what, fix = "f is not safe for concurrent calls, as Options.Concurrent declared it (a scratch buffer shared between calls, at package level?)",
			"make f write only memory of its own call, or leave Options.Concurrent unset"
	}
	rep.Hazards = append(rep.Hazards, Hazard{Kind: NotConcurrent, Detail: fmt.Sprintf(
		"with %d workers the loss at %s = %v was %.17g on a worker and %.17g on the model alone: %s; the entries were checked again serially — %s",
		workers, shownEntry(blk.Name, shapeOf(blk), i), v, fw, fs, what, fix)})
	c.serialOnly = true
	return c.runEntries(jobs, StageEntries)
}

// firstRace evaluates the loss again, on the caller's model, at the two
// points of each pending entry of the first pass that raceOrder names,
// and returns the first job whose values differ bitwise from the
// worker's, and repeat on a second evaluation on the model, with the
// values; or k = −1. A panic of the caller's Loss is named as in the first
// pass, and the entry's saved value put back.
//
// It calls Progress when a report is due, after an entry's evaluations,
// with the parameters at their saved values: the first pass's stage, all
// of its entries done, and Evals as before the comparison (evals), whose
// own evaluations Progress does not count, as Report.Evals does not: a
// later report would count fewer. With a loss of a second, the comparison
// of a few hundred entries had left the reports silent for minutes.
func (c *checker[T]) firstRace(jobs []job, results []Entry, evals int) (k int, fp, fm float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			k, err = -1, c.recovered(r)
		}
	}()
	for _, k := range c.raceOrder(jobs, results) {
		e := &results[k]
		b, i := int(jobs[k].b), int(jobs[k].i)
		_, vp, vm, _, _ := c.firstSteps(b, i)
		fp, fm, err := c.lossPair(b, i, vp, vm)
		if err != nil {
			return -1, 0, 0, err
		}
		c.prog.tick(len(jobs), evals)
		if math.Float64bits(fp) == math.Float64bits(e.Right) && math.Float64bits(fm) == math.Float64bits(e.Left) {
			continue
		}
		// Once more, alone: a loss that does not repeat itself even
		// so (state that only some calls update, beyond the hazard
		// checks' calls) is not shown to race, and its values
		// compare with nothing.
		gp, gm, err := c.lossPair(b, i, vp, vm)
		if err != nil {
			return -1, 0, 0, err
		}
		if math.Float64bits(gp) != math.Float64bits(fp) || math.Float64bits(gm) != math.Float64bits(fm) {
			return -1, 0, 0, nil
		}
		return k, fp, fm, nil
	}
	return -1, 0, 0, nil
}

// raceBudget is how many pending entries of a first pass of n entries on
// the given number of workers firstRace compares: all of them where they
// are few, and otherwise as many as keep the comparison's serial
// evaluations, two an entry, to a quarter of the first pass's own time
// on the workers, 2n/workers evaluations each: n/(4·workers) entries,
// and never fewer than raceMinCompared.
func raceBudget(n, workers int) int {
	return max(raceMinCompared, n/(4*max(workers, 1)))
}

// raceMinCompared is the fewest pending entries firstRace compares where
// there are more.
const raceMinCompared = 32

// raceOrder returns the positions of the pending entries of a parallel
// first pass that firstRace compares, in the order it compares them: all
// of them in job order where they are within raceBudget, and otherwise
// the raceBudget most suspect, by how far the worker's central difference
// is from the analytic value relative to the larger of the two (a
// non-finite difference first), in job order among equals. Evaluations
// that interfered give values far off, where an entry that waits for the
// loss's noise is most often off by little: with the shared scratch
// buffer of docs/limits.md every pending entry is one that interfered,
// and where a float32 sum makes most entries wait, the few that
// interfered come first.
func (c *checker[T]) raceOrder(jobs []job, results []Entry) []int {
	var ks []int
	for k := range results {
		if results[k].Verdict == pending {
			ks = append(ks, k)
		}
	}
	budget := raceBudget(len(jobs), c.workerCount(len(jobs)))
	if len(ks) <= budget {
		return ks
	}
	off := make([]float64, len(results))
	for _, k := range ks {
		b, i := int(jobs[k].b), int(jobs[k].i)
		_, vp, vm, _, _ := c.firstSteps(b, i)
		x := float64(c.saved[b][i])
		a := c.analytic[b][i]
		n := fdiff.Central(results[k].Left, c.f0, results[k].Right, math.Abs(float64(vm)-x), math.Abs(float64(vp)-x))
		switch {
		case !isFinite(n):
			off[k] = math.Inf(1)
		case a != n:
			off[k] = math.Abs(a-n) / max(math.Abs(a), math.Abs(n))
		}
	}
	slices.SortStableFunc(ks, func(x, y int) int { return cmp.Compare(off[y], off[x]) })
	return ks[:budget]
}
