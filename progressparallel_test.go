package gradcheck_test

import (
	"errors"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradcheck/gradcheck"
)

// slowed is m with each loss evaluation taking at least d more, its
// clones too.
func slowed(m *gradcheck.Model[float64], d time.Duration) *gradcheck.Model[float64] {
	s := *m
	loss, clone := m.Loss, m.Clone
	s.Loss = func() float64 { time.Sleep(d); return loss() }
	if clone != nil {
		s.Clone = func() *gradcheck.Model[float64] { return slowed(clone(), d) }
	}
	return &s
}

// TestProgressWithinParallelRefinement: a parallel check reports its
// workers' loss evaluations as they are made, not only as they finish an
// entry: while the entries being refined take 30 evaluations each of a
// slow loss, Progress is called with Done the same and Evals growing.
// Evals never goes back, never exceeds the report's Evals, and the calls
// come from the goroutine that called the check, one at a time; the
// report is the serial one, Evals included.
func TestProgressWithinParallelRefinement(t *testing.T) {
	const kinks = 3
	flat := func(x []float64) float64 {
		time.Sleep(300 * time.Microsecond)
		f := 0.0
		for i, v := range x {
			if i%2 == 0 {
				f += math.Abs(v)
			} else {
				f += math.Sin(v) * v
			}
		}
		return f
	}
	grad := func(dst, x []float64) {
		for i, v := range x {
			if i%2 == 0 {
				dst[i] = math.Copysign(1, v)
			} else {
				dst[i] = math.Cos(v)*v + math.Sin(v)
			}
		}
	}
	x0 := []float64{1e-9, 0.4, -1e-9, 1.3, 1e-9, -0.8}

	for _, tc := range []struct {
		name  string
		check func(*gradcheck.Options) (*gradcheck.Report, error)
	}{
		{"Clone", func(o *gradcheck.Options) (*gradcheck.Report, error) {
			return gradcheck.Check(slowed(kinkModel(kinks), 300*time.Microsecond), o)
		}},
		{"Concurrent", func(o *gradcheck.Options) (*gradcheck.Report, error) {
			o.Concurrent = true
			return gradcheck.Gradient(flat, grad, slices.Clone(x0), o)
		}},
	} {
		want, err := tc.check(&gradcheck.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		refineFrom := want.SetupEvals + 2*want.Checked() + want.NoiseEvals
		if want.Evals-refineFrom < 20*kinks {
			t.Fatalf("%s: refinement took %d evaluations, want a long one", tc.name, want.Evals-refineFrom)
		}
		caller := goroutineID()
		var (
			inside    atomic.Bool
			got       []gradcheck.Progress
			elsewhere int
		)
		rep, err := tc.check(&gradcheck.Options{Workers: 2, ProgressInterval: 50 * time.Microsecond, Progress: func(p gradcheck.Progress) {
			if !inside.CompareAndSwap(false, true) {
				t.Errorf("%s: Progress called while it runs", tc.name)
			}
			defer inside.Store(false)
			if goroutineID() != caller {
				elsewhere++
			}
			got = append(got, p)
		}})
		if err != nil {
			t.Fatal(err)
		}
		sameReports(t, tc.name, rep, want)
		if rep.Evals != want.Evals || rep.String() != want.String() {
			t.Errorf("%s: %d evaluations, serial %d", tc.name, rep.Evals, want.Evals)
		}
		if elsewhere > 0 {
			t.Errorf("%s: %d calls from another goroutine", tc.name, elsewhere)
		}
		within := 0 // calls of StageRefine with Done as before and Evals grown
		for k, p := range got {
			if p.Evals > rep.Evals {
				t.Errorf("%s: %+v counts more than the report's %d evaluations", tc.name, p, rep.Evals)
			}
			if k == 0 {
				continue
			}
			q := got[k-1]
			if p.Evals < q.Evals || p.Stage == q.Stage && p.Done < q.Done {
				t.Errorf("%s: progress went back: %+v after %+v", tc.name, p, q)
			}
			if p.Stage == gradcheck.StageRefine && q.Stage == p.Stage && q.Done == p.Done && p.Done < p.Total && p.Evals > q.Evals && q.Evals > refineFrom {
				within++
			}
		}
		if within < 10 {
			t.Errorf("%s: %d calls with Evals growing within a parallel refinement (of %d calls), want one about every evaluation", tc.name, within, len(got))
		}
	}
}

// panicsInRefinement is m whose Loss panics with x[6] at 0.000781251, a
// point of its refinement ladder (kinkModel), its clones' too.
func panicsInRefinement(m *gradcheck.Model[float64]) *gradcheck.Model[float64] {
	s := *m
	loss, clone, x := m.Loss, m.Clone, m.Blocks[0].Value
	s.Loss = func() float64 {
		if x[6] > 5e-4 && x[6] < 1e-3 {
			panic("undefined")
		}
		return loss()
	}
	s.Clone = func() *gradcheck.Model[float64] { return panicsInRefinement(clone()) }
	return &s
}

// TestProgressParallelRefinementPanics: a parallel check whose loss
// panics within the refinement of an entry while another worker refines
// the next one returns the serial check's error and partial report, Evals
// included, and its Progress, called within the refinements, never went
// back. Its last Evals may count evaluations of the entry after the
// failing one, which the report leaves out (Progress.Evals).
func TestProgressParallelRefinementPanics(t *testing.T) {
	model := func() *gradcheck.Model[float64] {
		return slowed(panicsInRefinement(kinkModel(3)), 20*time.Microsecond)
	}
	want, werr := gradcheck.Check(model(), &gradcheck.Options{Workers: 1})
	var pe *gradcheck.PanicError
	if !errors.As(werr, &pe) || pe.Entry != "x[6]" {
		t.Fatalf("serial error %v, want a panic at x[6]", werr)
	}
	caller := goroutineID()
	var (
		inside    atomic.Bool
		got       []gradcheck.Progress
		elsewhere int
	)
	rep, err := gradcheck.Check(model(), &gradcheck.Options{Workers: 2, ProgressInterval: 50 * time.Microsecond, Progress: func(p gradcheck.Progress) {
		if !inside.CompareAndSwap(false, true) {
			t.Errorf("Progress called while it runs")
		}
		defer inside.Store(false)
		if goroutineID() != caller {
			elsewhere++
		}
		got = append(got, p)
	}})
	if err == nil || err.Error() != werr.Error() {
		t.Errorf("error %v, want %v", err, werr)
	}
	sameReports(t, "after a panic", rep, want)
	if elsewhere > 0 {
		t.Errorf("%d calls from another goroutine", elsewhere)
	}
	for k := 1; k < len(got); k++ {
		if p, q := got[k], got[k-1]; p.Evals < q.Evals || p.Stage == q.Stage && p.Done < q.Done {
			t.Errorf("progress went back: %+v after %+v", p, q)
		}
	}
	if len(got) > 0 {
		t.Logf("last progress %+v, report %d evaluations", got[len(got)-1], rep.Evals)
	}
}

// BenchmarkParallelRefineProgress is a parallel check of 200 entries at
// a kink, each refined, of a cheap loss: without Progress, and with one
// (seldom called), whose workers publish their evaluations at each of
// them. ns/eval is the time per loss evaluation of the check.
func BenchmarkParallelRefineProgress(b *testing.B) {
	for _, name := range []string{"nil", "Progress"} {
		b.Run(name, func(b *testing.B) {
			opts := &gradcheck.Options{Workers: 2}
			if name == "Progress" {
				opts.Progress, opts.ProgressInterval = func(gradcheck.Progress) {}, time.Hour
			}
			m := kinkModel(200)
			evals := 0
			for b.Loop() {
				rep, err := gradcheck.Check(m, opts)
				if err != nil {
					b.Fatal(err)
				}
				evals += rep.Evals
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(evals), "ns/eval")
		})
	}
}
