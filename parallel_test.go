package gradcheck_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradcheck/gradcheck"
)

// encode is a report's JSON, which holds every field with its bits: two
// reports are the same when their encodings are.
func encode(t *testing.T, r *gradcheck.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sameReports(t *testing.T, what string, got, want *gradcheck.Report) {
	t.Helper()
	g, w := encode(t, got), encode(t, want)
	if !bytes.Equal(g, w) {
		t.Errorf("%s: reports differ\n--- got:\n%s\n--- want:\n%s", what, got, want)
	}
}

// TestParallelEqualsSerial checks models with wrong entries, kinks and
// refinement on 1, 2, 3 and 8 workers: the reports must be equal bit for
// bit, and the parameters restored.
func TestParallelEqualsSerial(t *testing.T) {
	s := newSmooth(11, 40, 300, 7)
	s.wrong[[2]int{1, 5}] = 1e-3
	s.wrong[[2]int{1, 299}] = -0.5
	s.wrong[[2]int{2, 0}] = 1e-6
	before := slices.Clone(s.x[1])
	for _, opts := range []gradcheck.Options{{}, {Sample: 60, Seed: 3}, {Directions: 3, Seed: 4}} {
		serial := opts
		serial.Workers = 1
		want, err := gradcheck.Check(s.model(), &serial)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{2, 3, 8} {
			par := opts
			par.Workers = w
			got, err := gradcheck.Check(s.model(), &par)
			if err != nil {
				t.Fatal(err)
			}
			sameReports(t, fmt.Sprintf("%+v", par), got, want)
		}
	}
	for i := range before {
		if math.Float64bits(before[i]) != math.Float64bits(s.x[1][i]) {
			t.Fatalf("B1[%d] not restored", i)
		}
	}
}

// TestParallelGradient checks the flat API with Options.Concurrent: each
// worker gets its own x, and the report equals the serial one.
func TestParallelGradient(t *testing.T) {
	f := func(x []float64) float64 {
		var s float64
		for i, v := range x {
			s += math.Abs(v) + float64(i%3)*v*v*v
		}
		return s
	}
	grad := func(dst, x []float64) {
		for i, v := range x {
			dst[i] = math.Copysign(1, v) + 3*float64(i%3)*v*v
		}
		dst[17] *= 1.01
	}
	x := make([]float64, 64)
	for i := range x {
		x[i] = math.Sin(float64(i)) * 2
	}
	x[9] = 0 // a kink
	want, err := gradcheck.Gradient(f, grad, x, &gradcheck.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var seen atomic.Int32
	fc := func(xx []float64) float64 {
		if &xx[0] != &x[0] {
			seen.Add(1) // a worker's own copy
		} else if seen.Load() == 0 {
			// Slow on the caller's x until a copy is used: on a loss
			// this cheap the first worker could otherwise take every
			// entry before the second starts (under -race it did, in
			// half the runs), and the test would say nothing of it.
			time.Sleep(200 * time.Microsecond)
		}
		return f(xx)
	}
	got, err := gradcheck.Gradient(fc, grad, x, &gradcheck.Options{Workers: 2, Concurrent: true})
	if err != nil {
		t.Fatal(err)
	}
	sameReports(t, "Concurrent, 2 workers", got, want)
	if seen.Load() == 0 {
		t.Errorf("no evaluation used a copy of x: the check was not parallel")
	}
}

// TestParallelPanicSameReport checks that a panic in the loss gives the
// same error and the same partial report serial or parallel: the entries
// before the failing one.
func TestParallelPanicSameReport(t *testing.T) {
	run := func(workers int) (*gradcheck.Report, error) {
		s := newSmooth(2, 200)
		m := s.model()
		inner := m.Loss
		bad := s.x[0][120]
		wrap := func(loss func() float64, x []float64) func() float64 {
			return func() float64 {
				if x[120] != bad {
					panic(fmt.Sprintf("loss undefined near %v", bad))
				}
				return loss()
			}
		}
		m.Loss = wrap(inner, s.x[0])
		clone := m.Clone
		m.Clone = func() *gradcheck.Model[float64] {
			cm := clone()
			cm.Loss = wrap(cm.Loss, cm.Blocks[0].Value)
			return cm
		}
		return gradcheck.Check(m, &gradcheck.Options{Workers: workers})
	}
	want, werr := run(1)
	var pe *gradcheck.PanicError
	if !errors.As(werr, &pe) || pe.Entry != "B0[120]" {
		t.Fatalf("serial error %v, want a panic at B0[120]", werr)
	}
	for _, w := range []int{2, 4} {
		got, err := run(w)
		if err == nil || err.Error() != werr.Error() {
			t.Errorf("%d workers: error %v, want %v", w, err, werr)
		}
		sameReports(t, fmt.Sprintf("%d workers after a panic", w), got, want)
	}
	if n := want.Checked(); n != 120 {
		t.Errorf("serial report holds %d entries, want the 120 before the panic", n)
	}
}

// TestCancelStopsWorkers cancels a parallel check from inside the loss and
// checks that the workers stop within one evaluation each, the error is
// the context's, and the parameters are restored.
func TestCancelStopsWorkers(t *testing.T) {
	for _, workers := range []int{1, 2, 4} {
		s := newSmooth(3, 500)
		before := slices.Clone(s.x[0])
		ctx, cancel := context.WithCancel(context.Background())
		// late counts the calls that begin after cancel has returned:
		// the cancelling worker makes none, each other worker at most the
		// one whose check of the context it had passed. (A bound on the
		// total would race: between the call that cancels and its cancel,
		// the other workers may make any number of calls.)
		var calls, late atomic.Int64
		var cancelled atomic.Bool
		const at = 50
		m := s.model()
		wrap := func(loss func() float64) func() float64 {
			return func() float64 {
				if cancelled.Load() {
					late.Add(1)
				}
				if calls.Add(1) == at {
					cancel()
					cancelled.Store(true)
				}
				return loss()
			}
		}
		m.Loss = wrap(m.Loss)
		clone := m.Clone
		m.Clone = func() *gradcheck.Model[float64] {
			cm := clone()
			cm.Loss = wrap(cm.Loss)
			return cm
		}
		rep, err := gradcheck.CheckContext(ctx, m, &gradcheck.Options{Workers: workers})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%d workers: error %v, want context.Canceled", workers, err)
		}
		if n := late.Load(); n > int64(workers)-1 {
			t.Errorf("%d workers: %d loss calls began after the cancel at call %d", workers, n, at)
		}
		if rep == nil || rep.Checked() >= 500 {
			t.Errorf("%d workers: report %v after cancelling early", workers, rep)
		}
		for i := range before {
			if math.Float64bits(before[i]) != math.Float64bits(s.x[0][i]) {
				t.Fatalf("%d workers: B0[%d] not restored after cancellation", workers, i)
			}
		}
	}
}

// TestNoAllocPerEvaluation checks that the checker's own loop does not
// allocate per evaluation: checking ten times as many entries makes no
// more allocations, serial or parallel.
func TestNoAllocPerEvaluation(t *testing.T) {
	for _, workers := range []int{1, 2} {
		allocs := func(n int) float64 {
			s := newSmooth(4, n)
			m := s.model()
			opts := &gradcheck.Options{Workers: workers, SkipHazards: true}
			return testing.AllocsPerRun(5, func() {
				if _, err := gradcheck.Check(m, opts); err != nil {
					t.Fatal(err)
				}
			})
		}
		// Both sizes leave some entries to refinement (the settling
		// phase, which allocates a fixed number of times when it runs).
		small, large := allocs(1000), allocs(2000)
		t.Logf("%d workers: %.0f allocations for 1000 entries, %.0f for 2000", workers, small, large)
		// 2000 more evaluations in the large check; a few allocations of
		// a size that grows with n (the plan, the results) may differ
		// in number by rounding of the runtime's size classes, not 2000.
		if large-small > 4 {
			t.Errorf("%d workers: %.0f allocations for 1000 entries, %.0f for 2000: the loop allocates per evaluation", workers, small, large)
		}
	}
	// A directional check evaluates the loss with all parameters moved:
	// ten times the parameters, no more allocations.
	for _, workers := range []int{1, 2} {
		allocs := func(n int) float64 {
			s := newSmooth(4, n)
			m := s.model()
			opts := &gradcheck.Options{Workers: workers, SkipHazards: true, Directions: 8}
			return testing.AllocsPerRun(5, func() {
				if _, err := gradcheck.Check(m, opts); err != nil {
					t.Fatal(err)
				}
			})
		}
		small, large := allocs(1000), allocs(10000)
		t.Logf("directional, %d workers: %.0f allocations for 1000 parameters, %.0f for 10000", workers, small, large)
		if large-small > 4 {
			t.Errorf("directional, %d workers: %.0f allocations for 1000 parameters, %.0f for 10000: an evaluation allocates", workers, small, large)
		}
	}
}

// A loss safe to call from several goroutines at once (it reads only its
// argument) is checked on every core with Options.Concurrent: each worker
// perturbs its own copy of x, and the report is the serial one, bit for
// bit.
func Example_parallel() {
	f := func(x []float64) float64 {
		var s float64
		for i, v := range x {
			s += math.Sin(v) * float64(i+1)
		}
		return s
	}
	grad := func(dst, x []float64) {
		for i, v := range x {
			dst[i] = math.Cos(v) * float64(i+1)
		}
	}
	x := make([]float64, 50)
	for i := range x {
		x[i] = float64(i) / 10
	}
	serial, _ := gradcheck.Gradient(f, grad, x, &gradcheck.Options{Workers: 1})
	parallel, _ := gradcheck.Gradient(f, grad, x, &gradcheck.Options{Concurrent: true, Workers: 4})
	a, _ := serial.MarshalJSON()
	b, _ := parallel.MarshalJSON()
	fmt.Println("ok:", parallel.OK(), "entries:", parallel.Checked(), "same report:", bytes.Equal(a, b))
	// Output:
	// ok: true entries: 50 same report: true
}

// weightedSines is Σ (i+1)·sin(w_i) over w, with its gradient, a model for
// the tests of a clone's comparison with the model.
func weightedSines(w []float64) *gradcheck.Model[float64] {
	g := make([]float64, len(w))
	return &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "w", Value: w, Grad: g}},
		Loss:   func() float64 { return weightedSinesLoss(w) },
		Gradient: func() {
			for i, x := range w {
				g[i] = math.Cos(x) * float64(i+1)
			}
		},
	}
}

func weightedSinesLoss(v []float64) float64 {
	s := 0.0
	for i, x := range v {
		s += math.Sin(x) * float64(i+1)
	}
	return s
}

// TestCloneReadsModel: a Model.Clone whose Loss reads the model's
// parameters rather than the clone's passes every other check of a clone
// (same blocks, same values, memory of its own), and with Workers above 1
// every entry a clone judged failed, reading the unperturbed loss, so that
// the parallel report differed from the serial one with no word of why.
// The check now compares the clone's loss with the model's at one
// perturbed entry, and says so.
func TestCloneReadsModel(t *testing.T) {
	w := []float64{0.3, -1.2, 0.7, 2.1, -0.4, 0.9}
	m := weightedSines(w)
	m.Clone = func() *gradcheck.Model[float64] {
		c := weightedSines(slices.Clone(w))
		c.Loss = func() float64 { return weightedSinesLoss(w) } // the model's w: the bug
		return c
	}
	saved := slices.Clone(w)
	_, err := gradcheck.Check(m, &gradcheck.Options{Workers: 4})
	if err == nil || !strings.Contains(err.Error(), "Loss does not follow its own parameters") {
		t.Errorf("a clone whose Loss reads the model: error %v, want one saying so", err)
	}
	if !slices.Equal(w, saved) {
		t.Errorf("w = %v after the check, saved %v", w, saved)
	}
	// A correct clone passes the comparison, and the report, evaluations
	// counted, is the serial one's: the comparison's are not counted.
	m.Clone = func() *gradcheck.Model[float64] { return weightedSines(slices.Clone(w)) }
	rep, err := gradcheck.Check(m, &gradcheck.Options{Workers: 4})
	serial, serr := gradcheck.Check(m, &gradcheck.Options{Workers: 1})
	if err != nil || serr != nil || !rep.OK() {
		t.Fatalf("a correct clone: %v, serial %v\n%v", err, serr, rep)
	}
	if rep.String() != serial.String() || rep.Evals != serial.Evals {
		t.Errorf("parallel report differs from the serial one:\n%s\n%s", rep, serial)
	}
}

// TestCloneComparisonNamesReseed: a panic in Reseed while the check
// compares a clone with the model is named as Reseed's, on either side
// (it was named Loss's), and the parameters are restored.
func TestCloneComparisonNamesReseed(t *testing.T) {
	w := []float64{0.3, -1.2, 0.7, 2.1}
	saved := slices.Clone(w)
	for _, side := range []string{"model", "clone"} {
		m := weightedSines(w)
		if side == "model" {
			// The comparison is the first evaluation at a perturbed w.
			m.Reseed = func() {
				if !slices.Equal(w, saved) {
					panic("reseed")
				}
			}
		}
		m.Clone = func() *gradcheck.Model[float64] {
			c := weightedSines(slices.Clone(w))
			if side == "clone" {
				c.Reseed = func() { panic("reseed") }
			}
			return c
		}
		_, err := gradcheck.Check(m, &gradcheck.Options{Workers: 2})
		var pe *gradcheck.PanicError
		if !errors.As(err, &pe) || pe.Func != "Reseed" {
			t.Errorf("%s's Reseed panicking in the comparison: error %v, want a PanicError of Reseed", side, err)
		}
		if !slices.Equal(w, saved) {
			t.Errorf("%s: w = %v after the check, saved %v", side, w, saved)
		}
	}
}

// TestCloneSharedBetweenClones: each clone was compared with the model
// alone, so a Clone that returned the same copy on every call (memoized)
// passed, and its workers perturbed one memory at once: each loss saw
// another worker's step, and the check raced. A clone whose two blocks
// were one copy was blamed for a Loss that does not follow its
// parameters. Both are now named before any clone is used, and the
// parameters are restored.
func TestCloneSharedBetweenClones(t *testing.T) {
	w := []float64{0.3, -1.2, 0.7, 2.1, -0.4, 0.9, 1.3, -0.2}
	saved := slices.Clone(w)
	m := weightedSines(w)
	var memo *gradcheck.Model[float64]
	m.Clone = func() *gradcheck.Model[float64] {
		if memo == nil {
			memo = weightedSines(slices.Clone(w))
		}
		return memo
	}
	_, err := gradcheck.Check(m, &gradcheck.Options{Workers: 3})
	if err == nil || !strings.Contains(err.Error(), `block "w" of one call sharing memory with block "w" of another`) {
		t.Errorf("a memoized clone: error %v, want one naming the shared block", err)
	}
	if !slices.Equal(w, saved) {
		t.Errorf("w = %v after the check, saved %v", w, saved)
	}

	// Two blocks of equal values, which a clone makes one copy of.
	a, b := []float64{0.5, -0.3, 1.1}, []float64{0.5, -0.3, 1.1}
	two := func(a, b []float64) *gradcheck.Model[float64] {
		ga, gb := make([]float64, 3), make([]float64, 3)
		return &gradcheck.Model[float64]{
			Blocks: []gradcheck.Block[float64]{{Name: "a", Value: a, Grad: ga}, {Name: "b", Value: b, Grad: gb}},
			Loss:   func() float64 { return weightedSinesLoss(a) + 2*weightedSinesLoss(b) },
			Gradient: func() {
				for i := range a {
					ga[i] = math.Cos(a[i]) * float64(i+1)
					gb[i] = 2 * math.Cos(b[i]) * float64(i+1)
				}
			},
		}
	}
	m2 := two(a, b)
	m2.Clone = func() *gradcheck.Model[float64] {
		c := slices.Clone(a)
		return two(c, c)
	}
	_, err = gradcheck.Check(m2, &gradcheck.Options{Workers: 2})
	if err == nil || !strings.Contains(err.Error(), `blocks "a" and "b" sharing memory`) {
		t.Errorf("a clone whose blocks share a copy: error %v, want one naming both blocks", err)
	}
	if !slices.Equal(a, []float64{0.5, -0.3, 1.1}) || !slices.Equal(b, a) {
		t.Errorf("a = %v, b = %v after the check", a, b)
	}
}
