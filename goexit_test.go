package gradcheck_test

import (
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradcheck/gradcheck"
)

// goexitModel is Σ sin(x_j) with the gradient cos(x_j)·(1 + wrong), and a
// Clone whose Loss calls runtime.Goexit (as t.FailNow in a loss would)
// when exit says so for the clone's parameters. The model's own Loss calls
// hold before evaluating.
type goexitModel struct {
	x, saved []float64
	wrong    float64
	exit     func(calls int64, x []float64) bool
	hold     func(x []float64)
	calls    atomic.Int64 // the clones' Loss calls
	exited   atomic.Bool
}

func sumSinOf(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += math.Sin(v)
	}
	return s
}

func (g *goexitModel) model() *gradcheck.Model[float64] {
	grad := func(dst, x []float64) {
		for i, v := range x {
			dst[i] = math.Cos(v) * (1 + g.wrong)
		}
	}
	gr := make([]float64, len(g.x))
	m := &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "w", Value: g.x, Grad: gr}},
		Loss: func() float64 {
			g.hold(g.x)
			return sumSinOf(g.x)
		},
		Gradient: func() { grad(gr, g.x) },
	}
	m.Clone = func() *gradcheck.Model[float64] {
		xc := slices.Clone(g.x)
		gc := make([]float64, len(xc))
		return &gradcheck.Model[float64]{
			Blocks: []gradcheck.Block[float64]{{Name: "w", Value: xc, Grad: gc}},
			Loss: func() float64 {
				if g.exit(g.calls.Add(1), xc) {
					g.exited.Store(true)
					runtime.Goexit()
				}
				return sumSinOf(xc)
			},
			Gradient: func() { grad(gc, xc) },
		}
	}
	return m
}

func newGoexitModel(wrong float64, exit func(calls int64, x []float64) bool) *goexitModel {
	x := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}
	g := &goexitModel{x: x, saved: slices.Clone(x), wrong: wrong, exit: exit}
	// Slow on the model's own parameters until a clone is used: on a loss
	// this cheap the worker on the model could otherwise take every entry
	// before a clone's worker starts (under -race it did, in one run of
	// eight), and the test would test nothing.
	g.hold = func([]float64) {
		if g.calls.Load() == 0 {
			time.Sleep(200 * time.Microsecond)
		}
	}
	return g
}

// checkReturns runs check on a goroutine of its own and fails the test if
// it does not return: a check that waits for a goroutine that ended would
// otherwise hang the test binary until its timeout.
func checkReturns(t *testing.T, check func() (*gradcheck.Report, error)) (*gradcheck.Report, error) {
	t.Helper()
	type result struct {
		rep *gradcheck.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := check()
		done <- result{rep, err}
	}()
	select {
	case r := <-done:
		return r.rep, r.err
	case <-time.After(time.Minute):
		t.Fatal("the check did not return")
		return nil, nil
	}
}

// goexitError checks that err is the *PanicError of a runtime.Goexit in
// Loss, and that every entry rep holds was judged: a job whose worker
// ended in runtime.Goexit kept a zero Entry, which is Verdict OK at w[0].
func goexitError(t *testing.T, g *goexitModel, rep *gradcheck.Report, err error) *gradcheck.PanicError {
	t.Helper()
	if !g.exited.Load() {
		t.Fatal("no clone's Loss called runtime.Goexit: the test tested nothing")
	}
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) || !pe.Goexit || pe.Func != "Loss" || pe.Value != nil {
		t.Fatalf("error %v (%#v), want a *PanicError of Loss with Goexit set", err, err)
	}
	if !strings.Contains(err.Error(), "Loss called runtime.Goexit") {
		t.Errorf("error %q does not say that Loss called runtime.Goexit", err)
	}
	for i := range g.x {
		if math.Float64bits(g.x[i]) != math.Float64bits(g.saved[i]) {
			t.Errorf("w[%d] = %v after the check, saved %v", i, g.x[i], g.saved[i])
		}
	}
	if rep == nil {
		return pe
	}
	seen := map[int]bool{}
	for _, b := range rep.Blocks {
		for _, e := range b.Entries {
			if seen[e.Index] || e.Step == 0 || e.Analytic == 0 {
				t.Errorf("the report holds an entry that was never judged: %+v", e)
			}
			seen[e.Index] = true
		}
	}
	return pe
}

// TestGoexitOnWorker: a clone's Loss that calls runtime.Goexit on a worker
// fails the check with an error naming the entry. It once passed the
// check: recover does not see runtime.Goexit, so the worker's job kept its
// zero Entry, reported as w[0] with Verdict OK.
func TestGoexitOnWorker(t *testing.T) {
	// A clone's first Loss is the check's comparison of it with the model
	// (TestCloneReadsModel); the Goexit comes at its second, on a worker.
	g := newGoexitModel(0, func(calls int64, _ []float64) bool { return calls == 2 })
	rep, err := checkReturns(t, func() (*gradcheck.Report, error) {
		return gradcheck.Check(g.model(), &gradcheck.Options{Workers: 4})
	})
	pe := goexitError(t, g, rep, err)
	if !strings.HasPrefix(pe.Entry, "w[") || pe.Perturbed == pe.Saved {
		t.Errorf("error %v names no perturbed entry", err)
	}
}

// TestGoexitInRefinementOnWorker: the same in refinement, where the clone's
// Loss is called through the checker's recover (callLoss), not the first
// pass's. Every entry is wrong, so every entry is refined, and the model's
// own Loss waits in refinement until a clone has exited, so that a clone
// refines an entry.
func TestGoexitInRefinementOnWorker(t *testing.T) {
	far := func(x, saved []float64) bool { // a step of the ladder, not of the first pass or the noise
		for i := range x {
			if math.Abs(x[i]-saved[i]) > 1e-2 {
				return true
			}
		}
		return false
	}
	var g *goexitModel
	g = newGoexitModel(0.01, func(_ int64, x []float64) bool { return far(x, g.saved) })
	g.hold = func(x []float64) {
		for deadline := time.Now().Add(5 * time.Second); far(x, g.saved) && !g.exited.Load() && time.Now().Before(deadline); {
			time.Sleep(100 * time.Microsecond)
		}
	}
	rep, err := checkReturns(t, func() (*gradcheck.Report, error) {
		return gradcheck.Check(g.model(), &gradcheck.Options{Workers: 4})
	})
	pe := goexitError(t, g, rep, err)
	if !strings.HasPrefix(pe.Entry, "w[") || math.Abs(pe.Perturbed-pe.Saved) <= 1e-2 {
		t.Errorf("error %v does not name the entry at its ladder step", err)
	}
}

// TestGoexitConcurrentGradient: Gradient with Options.Concurrent runs f on
// workers too.
func TestGoexitConcurrentGradient(t *testing.T) {
	x := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}
	saved := slices.Clone(x)
	var exited atomic.Bool
	f := func(xx []float64) float64 {
		if &xx[0] != &x[0] {
			if exited.CompareAndSwap(false, true) {
				runtime.Goexit()
			}
		} else if !exited.Load() {
			time.Sleep(200 * time.Microsecond) // slow on the caller's x until a copy is used, as in TestParallelGradient
		}
		return sumSinOf(xx)
	}
	rep, err := checkReturns(t, func() (*gradcheck.Report, error) {
		return gradcheck.Gradient(f, func(dst, x []float64) {
			for i, v := range x {
				dst[i] = math.Cos(v)
			}
		}, x, &gradcheck.Options{Workers: 4, Concurrent: true})
	})
	if !exited.Load() {
		t.Fatal("f was never called on a copy of x: the test tested nothing")
	}
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) || !pe.Goexit {
		t.Fatalf("error %v, want a *PanicError with Goexit set", err)
	}
	if !bitsEqual(x, saved) {
		t.Errorf("x = %v after the check, saved %v", x, saved)
	}
	if rep != nil {
		for _, e := range rep.Blocks[0].Entries {
			if e.Step == 0 {
				t.Errorf("the report holds an entry that was never judged: %+v", e)
			}
		}
	}
}

// TestGoexitOnDirectionalHelper: in a directional check with a clone, the
// − side of each pair is evaluated on a helper goroutine, which the check
// waits for. A clone's Loss that called runtime.Goexit there once left the
// check waiting forever.
func TestGoexitOnDirectionalHelper(t *testing.T) {
	// The clone's first Loss is the check's comparison of it with the
	// model; the Goexit comes at its second, on the helper.
	g := newGoexitModel(0, func(calls int64, _ []float64) bool { return calls == 2 })
	rep, err := checkReturns(t, func() (*gradcheck.Report, error) {
		return gradcheck.Check(g.model(), &gradcheck.Options{Workers: 2, Directions: 3})
	})
	pe := goexitError(t, g, rep, err)
	if !strings.HasPrefix(pe.Along, "direction 0 over all parameters") {
		t.Errorf("error %v does not say along which direction the parameters were moved", err)
	}
}

// TestGoexitInCloneComparison: a clone's Loss that calls runtime.Goexit at
// its first call, the check's comparison of the clone with the model, is
// an error naming the entry, and the check returns.
func TestGoexitInCloneComparison(t *testing.T) {
	g := newGoexitModel(0, func(calls int64, _ []float64) bool { return calls == 1 })
	rep, err := checkReturns(t, func() (*gradcheck.Report, error) {
		return gradcheck.Check(g.model(), &gradcheck.Options{Workers: 4})
	})
	if pe := goexitError(t, g, rep, err); pe.Entry == "" {
		t.Errorf("error %v names no entry", err)
	}
}
