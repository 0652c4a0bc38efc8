package gradcheck_test

import (
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradcheck/gradcheck"
)

// TestRaceComparisonBudget: after a parallel first pass the checker
// evaluates pending entries again on the model alone to find a Loss not
// safe for concurrent use, uncounted in Report.Evals; it compares at most
// max(32, n/(4·workers)) of them, so that those serial evaluations stay
// within a quarter of the first pass's own time on the workers. A float32
// loss summed in float32 makes nearly every entry wait for the noise: on
// 3000 entries and two workers the comparison evaluated all 2976 pending
// entries twice, a third more time than the check without it. The loss's
// calls beyond Report.Evals are the clones' comparisons and this one.
func TestRaceComparisonBudget(t *testing.T) {
	const n, workers = 3000, 2
	// extra runs a check and returns the loss's calls beyond Report.Evals,
	// and how many entries were refined.
	extra := func(opts *gradcheck.Options) (int64, int) {
		var calls atomic.Int64
		rep, err := gradcheck.Check(sinSum32(n, &calls, nil), opts)
		if err != nil {
			t.Fatal(err)
		}
		return calls.Load() - int64(rep.Evals), refinedCount(rep)
	}
	// Without the hazard checks no comparison is made: what is left is the
	// clones' own comparison, two evaluations a stage.
	clones, _ := extra(&gradcheck.Options{Workers: workers, SkipHazards: true})
	all, refined := extra(&gradcheck.Options{Workers: workers})
	if refined < n/2 {
		t.Fatalf("only %d of %d entries waited for the noise: the test needs most of them to", refined, n)
	}
	budget := max(32, n/(4*workers))
	if compared := all - clones; compared > int64(2*budget) {
		t.Errorf("the comparison made %d loss evaluations beyond Report.Evals (%d entries refined), want at most %d: two for each of %d pending entries", compared, refined, 2*budget, budget)
	}
}

// TestNotConcurrentAmongWaiting32: a Loss not safe for concurrent use is
// still named where most entries wait for the noise and only some of the
// comparison's budget can be spent on them: the entries whose worker
// values interfered are compared first (raceOrder). A float32 sum whose
// Loss copies its parameters into a scratch buffer shared by the model
// and its clones, and yields between writing and reading it.
func TestNotConcurrentAmongWaiting32(t *testing.T) {
	if raceDetector {
		t.Skip("the loss races on purpose, which the race detector fails")
	}
	const n = 1000
	for run := range 3 {
		rep, err := gradcheck.Check(sinSum32(n, nil, make([]float32, n)), &gradcheck.Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if hzHazard(rep, gradcheck.NotConcurrent) == nil {
			t.Errorf("run %d: the loss not safe for concurrent use was not named (%d of %d entries refined, the budget %d):\n%s", run, refinedCount(rep), n, max(32, n/8), rep)
		}
	}
}

// sinSum32 is a float32 model of n entries whose loss is Σ c_i·sin(x_i)
// summed in float32, with a correct gradient and a Clone: nearly every
// entry waits for the noise. Its Loss counts its calls in calls, where
// not nil, and, where scratch is not nil, copies its parameters into
// scratch, shared by the model and its clones, and yields between
// writing and reading it: two workers' evaluations interfere.
func sinSum32(n int, calls *atomic.Int64, scratch []float32) *gradcheck.Model[float32] {
	mk := func(x []float32) *gradcheck.Model[float32] {
		g := make([]float32, n)
		m := &gradcheck.Model[float32]{Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}}}
		m.Loss = func() float64 {
			if calls != nil {
				calls.Add(1)
			}
			v := x
			if scratch != nil {
				copy(scratch, x)
				runtime.Gosched()
				v = scratch
			}
			var s float32
			for i, xi := range v {
				s += float32(math.Sin(float64(xi))) * float32(1+i%7)
			}
			return float64(s)
		}
		m.Gradient = func() {
			for i, v := range x {
				g[i] = float32(math.Cos(float64(v))) * float32(1+i%7)
			}
		}
		return m
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.3 + 0.01*float64(i%100))
	}
	m := mk(x)
	m.Clone = func() *gradcheck.Model[float32] { return mk(append([]float32(nil), x...)) }
	return m
}

func refinedCount(rep *gradcheck.Report) int {
	n := 0
	for _, e := range rep.Blocks[0].Entries {
		if e.Refined {
			n++
		}
	}
	return n
}

// TestProgressWithinRaceComparison: the comparison after a parallel first
// pass (a Loss not safe for concurrent use?) evaluates pending entries
// again on the caller's goroutine, and reports progress meanwhile: the
// first pass's stage with all its entries done, and Evals as before the
// comparison, whose evaluations Report.Evals does not count either. Before,
// the one report with the first pass's evaluations came as it ended, and
// the next only once the loss's noise was being measured.
func TestProgressWithinRaceComparison(t *testing.T) {
	const n = 3000
	var reports []gradcheck.Progress
	rep, err := gradcheck.Check(sinSum32(n, nil, nil), &gradcheck.Options{
		Workers:          2,
		ProgressInterval: 50 * time.Microsecond,
		Progress:         func(p gradcheck.Progress) { reports = append(reports, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	// The first pass's last report, then the comparison's, all with its
	// Evals; the noise measurement's, which follow, count on.
	between, evals := 0, -1
	for _, p := range reports {
		if p.Stage != gradcheck.StageEntries || p.Done != p.Total {
			continue
		}
		if evals < 0 {
			evals = p.Evals
		}
		if p.Evals == evals {
			between++
		}
	}
	if between < 6 {
		t.Errorf("%d reports at the first pass's evaluations, %d (%d entries refined): want the comparison's too", between, evals, refinedCount(rep))
	}
	for k := 1; k < len(reports); k++ {
		if reports[k].Evals < reports[k-1].Evals {
			t.Errorf("report %d: Evals fell from %d to %d", k, reports[k-1].Evals, reports[k].Evals)
		}
	}
}
