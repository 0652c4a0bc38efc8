package gradcheck_test

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestScratchNotShared: checks reuse their scratch memory (the saved
// parameters, the analytic gradient, the jobs, the checker) from a pool,
// so a report must hold none of it, and checks running at once must each
// have their own. A report is compared with a deep copy of itself after
// other checks ran, and concurrent checks of different functions must each
// report their own analytic values.
func TestScratchNotShared(t *testing.T) {
	check := func(k int, bug bool) (*gradcheck.Report, []float64) {
		n := 20 + k%7
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Sin(float64(i + k))
		}
		scale := float64(k + 1)
		f := func(x []float64) float64 {
			s := 0.0
			for _, v := range x {
				s += scale * math.Sin(v)
			}
			return s
		}
		want := make([]float64, n)
		grad := func(dst, x []float64) {
			for i, v := range x {
				dst[i] = scale * math.Cos(v)
			}
			if bug {
				dst[n-1] *= 2
			}
		}
		grad(want, x)
		rep, err := gradcheck.Gradient(f, grad, x, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rep, want
	}
	first, _ := check(3, true)
	snapshot := cloneReport(first)
	for k := range 10 {
		check(k, k%2 == 0)
	}
	// Compared as text, in which NaN (Left and Right of an unrefined
	// entry) equals itself, as it does not under reflect.DeepEqual.
	if fmt.Sprintf("%+v", *first) != fmt.Sprintf("%+v", *snapshot) {
		t.Errorf("a report changed after other checks ran:\nbefore %v\nafter %v", snapshot, first)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 30 {
				k := 100*w + j
				rep, want := check(k, false)
				for i, e := range rep.Blocks[0].Entries {
					if e.Analytic != want[i] || e.Index != i {
						errs <- fmt.Errorf("check %d: entry %d reports analytic %v at index %d, want %v", k, i, e.Analytic, e.Index, want[i])
						return
					}
				}
				if !rep.OK() {
					errs <- fmt.Errorf("check %d of a right gradient failed:\n%v", k, rep)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// cloneReport copies the parts of a report a later check could overwrite.
func cloneReport(r *gradcheck.Report) *gradcheck.Report {
	c := *r
	c.Blocks = append([]gradcheck.BlockReport(nil), r.Blocks...)
	for b := range c.Blocks {
		c.Blocks[b].Entries = append([]gradcheck.Entry(nil), r.Blocks[b].Entries...)
		c.Blocks[b].Shape = append([]int(nil), r.Blocks[b].Shape...)
		c.Blocks[b].Diagnoses = append([]gradcheck.Diagnosis(nil), r.Blocks[b].Diagnoses...)
	}
	c.Hazards = append([]gradcheck.Hazard(nil), r.Hazards...)
	return &c
}
