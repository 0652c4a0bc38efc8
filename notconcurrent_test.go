package gradcheck_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// sharedScratch is the experiment of docs/limits.md ("A Loss that is not
// safe for concurrent use"): a sum of cubes, with a correct gradient,
// whose Loss copies its parameters into a scratch buffer that the model
// and every clone share, and yields between writing it and reading it, so
// that two workers' evaluations interleave.
type sharedScratch struct {
	x0      []float64
	scratch []float64 // shared by the model and its clones
	// perturbed counts the evaluations, on the model and the clones, at
	// parameters other than x0; the model's Loss panics once it exceeds
	// panicAfter, where that is positive.
	perturbed  atomic.Int64
	panicAfter int64
}

func newSharedScratch(n int) *sharedScratch {
	rng := rand.New(rand.NewPCG(21, 2))
	s := &sharedScratch{x0: make([]float64, n), scratch: make([]float64, n)}
	for i := range s.x0 {
		s.x0[i] = 0.5 + rng.Float64()
	}
	return s
}

func (s *sharedScratch) loss(x []float64) float64 {
	copy(s.scratch, x)
	runtime.Gosched()
	f := 0.0
	for _, v := range s.scratch {
		f += v * v * v
	}
	return f
}

func cubesGrad(dst, x []float64) {
	for i, v := range x {
		dst[i] = 3 * v * v
	}
}

func (s *sharedScratch) model(x []float64, own bool) *gradcheck.Model[float64] {
	g := make([]float64, len(x))
	m := &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "W", Value: x, Grad: g}},
		Loss: func() float64 {
			if !slices.Equal(x, s.x0) {
				if n := s.perturbed.Add(1); own && s.panicAfter > 0 && n > s.panicAfter {
					panic("loss evaluated again")
				}
			}
			return s.loss(x)
		},
		Gradient: func() { cubesGrad(g, x) },
	}
	m.Clone = func() *gradcheck.Model[float64] { return s.model(slices.Clone(x), false) }
	return m
}

// blocksOf is the verdicts of a report, every field bit for bit, without
// its hazards and counts.
func blocksOf(t *testing.T, r *gradcheck.Report) string {
	t.Helper()
	return string(encode(t, &gradcheck.Report{Precision: r.Precision, Blocks: r.Blocks}))
}

func failures(r *gradcheck.Report) int {
	n := 0
	for i := range r.Blocks {
		n += len(r.Blocks[i].Failures())
	}
	return n
}

// notConcurrentRuns checks a model whose evaluations interfere on two
// workers, again and again: every run must give the serial check's
// verdicts, a run that names the hazard bit for bit (its verdicts are a
// serial check's), and at least one run must name it.
func notConcurrentRuns(t *testing.T, runs int, check func() (*gradcheck.Report, error), serial *gradcheck.Report) {
	t.Helper()
	if raceDetector {
		t.Skip("the loss races on purpose, which the race detector fails")
	}
	if !serial.OK() {
		t.Fatalf("the serial check of a correct gradient is not OK:\n%s", serial)
	}
	want := blocksOf(t, serial)
	named := 0
	for run := range runs {
		rep, err := check()
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if f := failures(rep); f > 0 {
			t.Errorf("run %d: %d false failures of a correct gradient on 2 workers, hazards %v:\n%s", run, f, rep.Hazards, rep)
		}
		h := hzHazard(rep, gradcheck.NotConcurrent)
		if h == nil {
			continue
		}
		named++
		if h.Fatal || len(rep.Hazards) != 1 || rep.OK() {
			t.Errorf("run %d: hazards %v, OK %v: want one non-fatal NotConcurrent hazard, and a report that is not OK", run, rep.Hazards, rep.OK())
		}
		if !strings.Contains(h.Detail, "with 2 workers the loss at ") || !strings.Contains(h.Detail, "checked again serially") {
			t.Errorf("run %d: detail %q", run, h.Detail)
		}
		if got := blocksOf(t, rep); got != want {
			t.Errorf("run %d: named the hazard, and its verdicts are not the serial check's:\n%s\nwant\n%s", run, rep, serial)
		}
		if rep.Evals <= serial.Evals {
			t.Errorf("run %d: %d evaluations, the serial check made %d and this one made a first pass more", run, rep.Evals, serial.Evals)
		}
	}
	t.Logf("%d of %d runs named the hazard", named, runs)
	if named == 0 {
		t.Errorf("no run of %d named the loss not safe for concurrent use", runs)
	}
}

// TestNotConcurrentClones: clones that share a scratch buffer with the
// model, checked on two workers, are named, and the verdicts are the
// serial check's, where they were false Mismatches, Kinks and
// Inconclusive entries.
func TestNotConcurrentClones(t *testing.T) {
	const n = 400
	s := newSharedScratch(n)
	x := slices.Clone(s.x0)
	serial, err := gradcheck.Check(s.model(x, true), &gradcheck.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	notConcurrentRuns(t, 10, func() (*gradcheck.Report, error) {
		rep, err := gradcheck.Check(s.model(x, true), &gradcheck.Options{Workers: 2})
		if !slices.Equal(x, s.x0) {
			t.Fatal("the parameters were not restored")
		}
		if err == nil && hzHazard(rep, gradcheck.NotConcurrent) != nil && !strings.Contains(rep.Hazards[0].Detail, "W[") {
			t.Errorf("the detail does not name the entry: %q", rep.Hazards[0].Detail)
		}
		return rep, err
	}, serial)
}

// TestNotConcurrentGradient: Options.Concurrent on a flat f that writes a
// scratch buffer of its closure is named, and the verdicts are the serial
// check's.
func TestNotConcurrentGradient(t *testing.T) {
	const n = 400
	s := newSharedScratch(n)
	x := slices.Clone(s.x0)
	serial, err := gradcheck.Gradient(s.loss, cubesGrad, x, &gradcheck.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	notConcurrentRuns(t, 10, func() (*gradcheck.Report, error) {
		rep, err := gradcheck.Gradient(s.loss, cubesGrad, x, &gradcheck.Options{Workers: 2, Concurrent: true})
		if !slices.Equal(x, s.x0) {
			t.Fatal("x was not restored")
		}
		if h := hzHazard(rep, gradcheck.NotConcurrent); err == nil && h != nil && !strings.Contains(h.Detail, "Options.Concurrent") {
			t.Errorf("the detail does not name Options.Concurrent: %q", h.Detail)
		}
		return rep, err
	}, serial)
}

// TestNotConcurrentPanicNamed: a Loss that panics when the model is
// evaluated again at a point a worker evaluated (the comparison of a
// parallel first pass with the model alone) is named as a panic of Loss
// at that entry, nothing escapes, and the parameters are restored.
func TestNotConcurrentPanicNamed(t *testing.T) {
	if raceDetector {
		t.Skip("the loss races on purpose, which the race detector fails")
	}
	const n = 400
	panicked := 0
	for run := range 10 {
		s := newSharedScratch(n)
		// The perturbed evaluations of a parallel first pass: the
		// clone's comparison with the model (two) and two per entry.
		s.panicAfter = 2*n + 2
		x := slices.Clone(s.x0)
		rep, err := gradcheck.Check(s.model(x, true), &gradcheck.Options{Workers: 2})
		if !slices.Equal(x, s.x0) {
			t.Fatalf("run %d: the parameters were not restored", run)
		}
		if err == nil {
			continue // no entry was left pending: nothing evaluated again
		}
		panicked++
		var pe *gradcheck.PanicError
		if !errors.As(err, &pe) || pe.Func != "Loss" || !strings.HasPrefix(pe.Entry, "W[") || pe.Value != "loss evaluated again" {
			t.Fatalf("run %d: error %v, want a PanicError of Loss naming an entry", run, err)
		}
		if rep == nil || !rep.Partial || rep.OK() {
			t.Fatalf("run %d: report %v with the error, want a partial report", run, rep)
		}
		// At the first pass's x + h of the entry, where the worker
		// evaluated it: not at a point of the noise measurement.
		if h := rep.Judging.Step * max(math.Abs(pe.Saved), 1); pe.Perturbed != pe.Saved+h {
			t.Errorf("run %d: the panic names %s set to %v, saved %v: want the first pass's step %v", run, pe.Entry, pe.Perturbed, pe.Saved, h)
		}
	}
	if panicked == 0 {
		t.Error("no run evaluated a pending entry again on the model")
	}
}

// TestNotConcurrentReseedEqualsSerial: a loss with a random mask redrawn by Reseed before every
// evaluation, from a generator of the model's (and each clone's) own, and
// a gradient wrong at two entries: a race-free parallel check compares
// its pending entries with the model alone and must still report the
// serial check bit for bit, evaluations included.
func TestNotConcurrentReseedEqualsSerial(t *testing.T) {
	const n = 120
	x0 := make([]float64, n)
	for i := range x0 {
		x0[i] = math.Sin(float64(i)) + 0.1
	}
	var build func(x []float64) *gradcheck.Model[float64]
	build = func(x []float64) *gradcheck.Model[float64] {
		g := make([]float64, n)
		mask := make([]float64, n)
		rng := rand.New(rand.NewPCG(1, 1))
		m := &gradcheck.Model[float64]{
			Blocks: []gradcheck.Block[float64]{{Name: "x", Value: x, Grad: g}},
			Reseed: func() {
				rng = rand.New(rand.NewPCG(1, 1))
				for i := range mask {
					mask[i] = 0.5 + rng.Float64()
				}
			},
			Loss: func() float64 {
				f := 0.0
				for i, v := range x {
					f += mask[i] * math.Cosh(v)
				}
				return f
			},
			Gradient: func() {
				for i, v := range x {
					g[i] = mask[i] * math.Sinh(v)
				}
				g[7] += 1e-3
				g[90] *= 1.01
			},
		}
		m.Clone = func() *gradcheck.Model[float64] { return build(slices.Clone(x)) }
		return m
	}
	x := slices.Clone(x0)
	want, err := gradcheck.Check(build(x), &gradcheck.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if failures(want) == 0 {
		t.Fatalf("the serial check finds no wrong entry:\n%s", want)
	}
	for _, w := range []int{2, 3} {
		got, err := gradcheck.Check(build(x), &gradcheck.Options{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		sameReports(t, fmt.Sprintf("Workers %d", w), got, want)
		if !slices.Equal(x, x0) {
			t.Fatal("the parameters were not restored")
		}
	}
}

// TestNotConcurrentShardsMerge: a NotConcurrent hazard is found by the
// shard whose workers raced, on its own entries: Merge keeps it, after the
// hazards every shard shares, rather than refusing shards whose hazards
// differ.
func TestNotConcurrentShardsMerge(t *testing.T) {
	s := newSmooth(5, 30)
	var shards []*gradcheck.Report
	for i := range 3 {
		r, err := gradcheck.Check(s.model(), &gradcheck.Options{Shard: i, Shards: 3})
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, r)
	}
	raced := gradcheck.Hazard{Kind: gradcheck.NotConcurrent, Detail: "with 2 workers the loss at x[0,12] = 0.5 was 1 on a worker and 2 on the model alone"}
	shards[1].Hazards = append(shards[1].Hazards, raced)
	got, err := gradcheck.Merge(shards[2], shards[1], shards[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Hazards) != 1 || got.Hazards[0] != raced || got.OK() {
		t.Errorf("merged hazards %v, OK %v: want shard 1's NotConcurrent hazard, and not OK", got.Hazards, got.OK())
	}
	if len(shards[0].Hazards) != 0 {
		t.Error("Merge changed a shard's hazards")
	}
}
