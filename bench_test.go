package gradcheck_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/optimize/functions"

	"github.com/gradcheck/gradcheck"
)

// BenchmarkFullCheckVsGonum times a full check of the extended Rosenbrock
// gradient against gonum's diff/fd.Gradient with the Central formula on the
// same function, interleaved in one run so both see the same machine. It
// reports the median of the per-iteration time ratios (target ≤ 1.05, while
// gradcheck also gives verdicts), loss evaluations per entry, and heap
// allocations per loss evaluation (target 0).
func BenchmarkFullCheckVsGonum(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			f := functions.ExtendedRosenbrock{}
			x := make([]float64, n)
			for i := range x {
				x[i] = 1 + 0.5*math.Sin(float64(i))
			}
			dst := make([]float64, n)
			settings := &fd.Settings{Formula: fd.Central}
			var ratios []float64
			var evals, allocs float64
			var ms0, ms1 runtimeMem
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				fd.Gradient(dst, f.Func, x, settings)
				gonumTime := time.Since(t0)
				ms0.read()
				t1 := time.Now()
				rep, err := gradcheck.Gradient(f.Func, f.Grad, x, nil)
				ourTime := time.Since(t1)
				ms1.read()
				if err != nil || !rep.OK() {
					b.Fatalf("check failed: %v\n%v", err, rep)
				}
				ratios = append(ratios, float64(ourTime)/float64(gonumTime))
				evals = float64(rep.Evals)
				allocs = float64(ms1.mallocs - ms0.mallocs)
			}
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "time/gonum-central")
			b.ReportMetric(evals/float64(n), "evals/entry")
			// The allocations of a whole check (report, saved values) are
			// a constant; per loss evaluation they round to 0.
			b.ReportMetric(allocs/evals, "allocs/eval")
		})
	}
}
