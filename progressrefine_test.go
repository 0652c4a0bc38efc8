package gradcheck_test

import (
	"bytes"
	"errors"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// kinkModel is a smooth loss of five entries plus |x_j| for each of kinks
// entries at 1e-9: the first pass cannot accept those, and each one's
// refinement takes about 30 evaluations. Clone makes the model parallel.
func kinkModel(kinks int) *gradcheck.Model[float64] {
	x0 := []float64{0.3, -1.2, 0.7, 2.1, -0.4}
	for range kinks {
		x0 = append(x0, 1e-9)
	}
	var model func(x []float64) *gradcheck.Model[float64]
	model = func(x []float64) *gradcheck.Model[float64] {
		g := make([]float64, len(x))
		return &gradcheck.Model[float64]{
			Blocks: []gradcheck.Block[float64]{{Name: "x", Value: x, Grad: g}},
			Loss: func() float64 {
				f := 0.0
				for _, v := range x[:5] {
					f += math.Sin(v) + v*v
				}
				for _, v := range x[5:] {
					f += math.Abs(v)
				}
				return f
			},
			Gradient: func() {
				for i, v := range x[:5] {
					g[i] = math.Cos(v) + 2*v
				}
				for i := 5; i < len(x); i++ {
					g[i] = 1
				}
			},
			Clone: func() *gradcheck.Model[float64] { return model(slices.Clone(x)) },
		}
	}
	return model(x0)
}

// goroutineID is the number of the calling goroutine, from its stack's
// first line ("goroutine 7 [running]:").
func goroutineID() int {
	var buf [64]byte
	line := buf[:runtime.Stack(buf[:], false)]
	line = bytes.TrimPrefix(line, []byte("goroutine "))
	line, _, _ = bytes.Cut(line, []byte(" "))
	id, err := strconv.Atoi(string(line))
	if err != nil {
		panic(err)
	}
	return id
}

// TestProgressWithinRefinement: a serial check reports progress while it
// refines an entry, after its loss evaluations, with Done the entries
// finished (not the one being refined) and Evals growing, and while it
// measures the loss's noise before refining, in StageRefine with Done 0:
// a loss of a second left the reports silent for the 30 to 160
// evaluations of a refinement. The calls come from the goroutine that
// called the check, one at a time, with the parameters at their saved
// values, and the report is the one without Progress. A parallel
// refinement reports from the caller's goroutine only.
func TestProgressWithinRefinement(t *testing.T) {
	for _, tc := range []struct {
		kinks, workers int
	}{{1, 1}, {3, 1}, {3, 2}} {
		m := kinkModel(tc.kinks)
		saved := slices.Clone(m.Blocks[0].Value)
		want, err := gradcheck.Check(m, &gradcheck.Options{Workers: tc.workers})
		if err != nil {
			t.Fatal(err)
		}
		firstPass := want.SetupEvals + 2*want.Checked() // the evaluations when the first pass ends
		refineFrom := firstPass + want.NoiseEvals       // and when the noise is measured
		if want.Evals-refineFrom < 20*tc.kinks {
			t.Fatalf("%+v: refinement took %d evaluations, want a long one", tc, want.Evals-refineFrom)
		}

		caller := goroutineID()
		var (
			inside    atomic.Bool
			got       []gradcheck.Progress
			moved     int // calls that saw a parameter away from its saved value
			elsewhere int // calls from another goroutine
		)
		rep, err := gradcheck.Check(m, &gradcheck.Options{Workers: tc.workers, ProgressInterval: 1, Progress: func(p gradcheck.Progress) {
			if !inside.CompareAndSwap(false, true) {
				t.Errorf("%+v: Progress called while it runs", tc)
			}
			defer inside.Store(false)
			if goroutineID() != caller {
				elsewhere++
			}
			if tc.workers == 1 && !slices.Equal(m.Blocks[0].Value, saved) {
				moved++
			}
			got = append(got, p)
		}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.String() != want.String() || rep.Evals != want.Evals {
			t.Errorf("%+v: report with Progress\n%v\nwithout\n%v", tc, rep, want)
		}
		if elsewhere > 0 || moved > 0 {
			t.Errorf("%+v: %d calls from another goroutine, %d with a parameter perturbed", tc, elsewhere, moved)
		}
		noise, within := 0, map[int]int{} // calls during the noise measurement; per Done, calls within a refinement
		for k, p := range got {
			if k > 0 && (p.Evals < got[k-1].Evals || p.Stage == got[k-1].Stage && p.Done < got[k-1].Done) {
				t.Errorf("%+v: progress went back: %+v after %+v", tc, p, got[k-1])
			}
			if p.Stage != gradcheck.StageRefine {
				continue
			}
			if p.Total != tc.kinks || p.Done < 0 || p.Done > p.Total {
				t.Errorf("%+v: %+v, want Done of %d entries refined", tc, p, tc.kinks)
			}
			switch {
			case p.Evals > firstPass && p.Evals < refineFrom:
				noise++
				if p.Done != 0 {
					t.Errorf("%+v: %+v during the noise measurement, want Done 0", tc, p)
				}
			case p.Evals > refineFrom && k > 0 && got[k-1].Stage == p.Stage && got[k-1].Done == p.Done && got[k-1].Evals < p.Evals && p.Done < p.Total:
				within[p.Done]++
			}
		}
		if noise < want.NoiseEvals/2 {
			t.Errorf("%+v: %d calls during the noise measurement's %d evaluations", tc, noise, want.NoiseEvals)
		}
		if tc.workers == 1 {
			// Each refined entry's evaluations are reported as they go.
			for done := range tc.kinks {
				if within[done] < 10 {
					t.Errorf("%+v: %d calls within the refinement of entry %d of %d, want one an evaluation", tc, within[done], done+1, tc.kinks)
				}
			}
		}
		if !slices.Equal(m.Blocks[0].Value, saved) {
			t.Errorf("%+v: parameters %v after the check, want %v", tc, m.Blocks[0].Value, saved)
		}
	}
}

// TestProgressPanicWithinRefinement: a panic in Progress called within a
// refinement is returned as a *PanicError once the check is done, as one
// between entries is; the check completes with the report it makes
// without Progress, the parameters are restored, and Progress is not
// called again.
func TestProgressPanicWithinRefinement(t *testing.T) {
	m := kinkModel(2)
	saved := slices.Clone(m.Blocks[0].Value)
	want, err := gradcheck.Check(m, &gradcheck.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	refineFrom := want.SetupEvals + 2*want.Checked() + want.NoiseEvals
	calls, after := 0, 0
	var panicked *gradcheck.Progress
	rep, err := gradcheck.Check(m, &gradcheck.Options{Workers: 1, ProgressInterval: 1, Progress: func(p gradcheck.Progress) {
		calls++
		if panicked != nil {
			after++
			return
		}
		if p.Stage == gradcheck.StageRefine && p.Done == 0 && p.Evals > refineFrom+2 {
			panicked = &p
			panic("bar")
		}
	}})
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) || pe.Func != "Progress" || pe.Value != "bar" {
		t.Fatalf("error %v after %d calls, want the *PanicError of a Progress called within the refinement", err, calls)
	}
	if panicked == nil || after > 0 {
		t.Errorf("panicked at %+v, %d calls after", panicked, after)
	}
	if rep == nil || rep.Partial || rep.String() != want.String() {
		t.Errorf("report\n%v\nwant\n%v", rep, want)
	}
	if !slices.Equal(m.Blocks[0].Value, saved) {
		t.Errorf("parameters %v after the check, want %v", m.Blocks[0].Value, saved)
	}
}
