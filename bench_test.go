package gradcheck_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/optimize/functions"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/demo"
)

// BenchmarkFullCheckVsGonum times a full check of a gradient against
// gonum's diff/fd.Gradient with the Central formula on the same function,
// in one run, in alternating blocks of about 50 ms each (an iteration is
// a pair of blocks), so both see the same machine and each pays for its
// own garbage collection. It reports the median of the pairs' ratios of
// time per call (target ≤ 1.05, while gradcheck also gives verdicts); the
// median extra time per entry (what a check costs beyond gonum's
// differences: three loss and two gradient evaluations for the hazards,
// the verdicts, the report's n entries); the median times per call of the
// check (check-ns), of gonum (gonum-ns) and of bare central differences
// (bare-ns: the 2n evaluations alone, the floor under both); the median
// ratio to gonum's of a floor under any check with the checker's
// evaluations and report (floor/gonum-central: bare with the setup's
// evaluations and an Entry array, but no verdict); loss
// evaluations per entry; heap allocations per check (the report, the
// saved values: a constant number) and allocations per loss evaluation
// (target 0), from the same problem at half its size: the difference of
// the two checks' allocations over the difference of their evaluations.
// TestAllocationsDoNotGrow asserts the same.
//
// Where the loss is cheap, the ratio moves with where the linker puts the
// code: at n = 100 gonum's time differs by 5% between builds that differ
// only in the checker's code. A change to the checker is measured by
// check-ns, not by the ratio of two builds.
//
// The functions: the extended Rosenbrock function at n = 100, 1000 and
// 10000, a loss of about 0.5 ns per parameter, where the extra time per
// entry shows against a loss evaluation of 55 ns at n = 100; and softmax
// regression on a batch of 64 samples, a loss of a few microseconds as in a
// real model.
func BenchmarkFullCheckVsGonum(b *testing.B) {
	type problem struct {
		name string
		f    func([]float64) float64
		grad func(dst, x []float64)
		x    []float64
	}
	rosenbrock := func(n int) problem {
		f := functions.ExtendedRosenbrock{}
		x := make([]float64, n)
		for i := range x {
			x[i] = 1 + 0.5*math.Sin(float64(i))
		}
		return problem{fmt.Sprintf("rosenbrock/n=%d", n), f.Func, f.Grad, x}
	}
	softmax := func(classes int) problem {
		sm := newSoftmaxRegression(64, 10, classes)
		return problem{fmt.Sprintf("softmax/n=%d", 10*classes), sm.loss, sm.grad, sm.start()}
	}
	// Each problem, and one of half its size, for the allocations per
	// loss evaluation: the difference of the two checks' allocations over
	// the difference of their evaluations.
	var problems, halves []problem
	for _, n := range []int{100, 1000, 10000} {
		problems, halves = append(problems, rosenbrock(n)), append(halves, rosenbrock(n/2))
	}
	problems, halves = append(problems, softmax(10)), append(halves, softmax(5))

	for k, p := range problems {
		b.Run(p.name, func(b *testing.B) {
			n := len(p.x)
			dst := make([]float64, n)
			settings := &fd.Settings{Formula: fd.Central}
			checkOf := func(p problem) func() *gradcheck.Report {
				return func() *gradcheck.Report {
					rep, err := gradcheck.Gradient(p.f, p.grad, p.x, nil)
					if err != nil || !rep.OK() {
						b.Fatalf("check failed: %v\n%v", err, rep)
					}
					return rep
				}
			}
			check, half := checkOf(p), checkOf(halves[k])
			// Counted apart from the timed loop: reading the allocator's
			// statistics stops the world, which would be charged to
			// whichever call follows it.
			// Counted with the garbage collector off: a collection
			// during a run empties the pool that checks take their
			// scratch memory from (scratch.go), and at n = 10000, whose
			// report is 720 KB, that happened in every run, one
			// allocation more than at half the size.
			leastAllocs := func(fn func()) float64 {
				defer debug.SetGCPercent(debug.SetGCPercent(-1))
				return testing.AllocsPerRun(3, fn)
			}
			allocs := leastAllocs(func() { check() })
			evals := float64(check().Evals)
			perEval := (allocs - leastAllocs(func() { half() })) / (evals - float64(half().Evals))
			// Blocks of calls, alternating which side goes first, each
			// long enough to pay for the garbage collections its own
			// allocations cause: a collection runs concurrently with
			// whatever comes next, and with the two sides alternating
			// call by call, gonum's calls paid for part of the
			// checker's collections (n = 100, before the checker took
			// its working memory from a pool: 1.27 call by call, 1.40
			// in blocks, on an idle machine). A pair of blocks is one
			// iteration; the ratio is of their times per call.
			perCall := func(fn func()) time.Duration {
				t := time.Now()
				fn()
				return max(time.Since(t), time.Microsecond)
			}
			const blockTime = 50 * time.Millisecond
			gonumCalls := max(1, int(blockTime/perCall(func() { fd.Gradient(dst, p.f, p.x, settings) })))
			ourCalls := max(1, int(blockTime/perCall(func() { check() })))
			block := func(calls int, fn func()) float64 {
				t := time.Now()
				for range calls {
					fn()
				}
				return float64(time.Since(t)) / float64(calls)
			}
			// bare is the floor under both: the 2n evaluations of the
			// central differences, with no copy of x (gonum copies x
			// before every evaluation) and nothing else, timed in a
			// block of its own after each pair.
			bare := func() {
				x := p.x
				for i, x0 := range x {
					h := 6e-6 * max(math.Abs(x0), 1)
					x[i] = x0 + h
					fp := p.f(x)
					x[i] = x0 - h
					fm := p.f(x)
					x[i] = x0
					dst[i] = (fp - fm) / (2 * h)
				}
			}
			// floor is what a check with the checker's evaluations and
			// report cannot go below: bare, with the setup's three loss
			// and two gradient evaluations (the loss and the gradient
			// at x, and the hazard checks), and an Entry per entry in a
			// new array holding the analytic value, the central
			// difference and the step, with no verdict. Its loop is
			// bare's written out again, as the check's is, not called.
			g1, g2 := make([]float64, n), make([]float64, n)
			floor := func() {
				x := p.x
				p.f(x)
				p.f(x)
				p.grad(g1, x)
				p.f(x)
				p.grad(g2, x)
				es := make([]gradcheck.Entry, n)
				for i, x0 := range x {
					h := 6e-6 * max(math.Abs(x0), 1)
					x[i] = x0 + h
					fp := p.f(x)
					x[i] = x0 - h
					fm := p.f(x)
					x[i] = x0
					es[i] = gradcheck.Entry{Index: i, Analytic: g1[i], Numeric: (fp - fm) / (2 * h), Step: h}
				}
				floorSink = es
			}
			bareCalls := max(1, int(blockTime/perCall(bare)))
			floorCalls := max(1, int(blockTime/perCall(floor)))
			var ratios, extra, ours, theirs, bares, floors []float64
			odd := false
			for b.Loop() {
				var gonumTime, ourTime float64
				for k := range 2 {
					if (k == 0) == odd {
						gonumTime = block(gonumCalls, func() { fd.Gradient(dst, p.f, p.x, settings) })
					} else {
						ourTime = block(ourCalls, func() { check() })
					}
				}
				odd = !odd
				bares = append(bares, block(bareCalls, bare))
				floors = append(floors, block(floorCalls, floor)/gonumTime)
				ratios = append(ratios, ourTime/gonumTime)
				ours, theirs = append(ours, ourTime), append(theirs, gonumTime)
				extra = append(extra, (ourTime-gonumTime)/float64(n))
			}
			for _, s := range [][]float64{ratios, extra, ours, theirs, bares, floors} {
				slices.Sort(s)
			}
			b.ReportMetric(ratios[len(ratios)/2], "time/gonum-central")
			b.ReportMetric(floors[len(floors)/2], "floor/gonum-central")
			b.ReportMetric(extra[len(extra)/2], "extra-ns/entry")
			b.ReportMetric(ours[len(ours)/2], "check-ns")
			b.ReportMetric(theirs[len(theirs)/2], "gonum-ns")
			b.ReportMetric(bares[len(bares)/2], "bare-ns")
			b.ReportMetric(evals/float64(n), "evals/entry")
			b.ReportMetric(allocs, "allocs/check")
			b.ReportMetric(perEval, "allocs/eval")
		})
	}
}

// floorSink keeps BenchmarkFullCheckVsGonum's floor from being optimized
// away.
var floorSink []gradcheck.Entry

// softmaxRegression is the mean cross-entropy of a linear classifier with
// C classes on N samples of D features, with its gradient by hand.
type softmaxRegression struct {
	n, d, c int
	x       []float64 // n×d
	y       []int
	p       []float64 // scratch, c
}

func newSoftmaxRegression(n, d, c int) *softmaxRegression {
	r := rand.New(rand.NewPCG(3, 4))
	s := &softmaxRegression{n: n, d: d, c: c, x: make([]float64, n*d), y: make([]int, n), p: make([]float64, c)}
	for i := range s.x {
		s.x[i] = r.NormFloat64()
	}
	for i := range s.y {
		s.y[i] = r.IntN(c)
	}
	return s
}

func (s *softmaxRegression) start() []float64 {
	w := make([]float64, s.d*s.c)
	for i := range w {
		w[i] = 0.3 * math.Sin(float64(i)+0.5)
	}
	return w
}

// probs fills s.p with the class probabilities of sample i.
func (s *softmaxRegression) probs(w []float64, i int) {
	for k := range s.c {
		z := 0.0
		for j := range s.d {
			z += s.x[i*s.d+j] * w[j*s.c+k]
		}
		s.p[k] = z
	}
	demo.Softmax(s.p)
}

func (s *softmaxRegression) loss(w []float64) float64 {
	l := 0.0
	for i := range s.n {
		s.probs(w, i)
		l -= math.Log(s.p[s.y[i]])
	}
	return l / float64(s.n)
}

func (s *softmaxRegression) grad(dst, w []float64) {
	clear(dst)
	for i := range s.n {
		s.probs(w, i)
		for k := range s.c {
			g := s.p[k]
			if k == s.y[i] {
				g--
			}
			g /= float64(s.n)
			for j := range s.d {
				dst[j*s.c+k] += s.x[i*s.d+j] * g
			}
		}
	}
}
