package gradcheck_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gradcheck/gradcheck"
)

// quad is the cheap loss of the scale benchmarks: Σ_j ½·w_j·x_j² over four
// blocks, with planted errors in its gradient.
type quad struct {
	x, g, w [][]float64
	wrong   map[[2]int]float64
	scale   map[int]float64
}

func newQuad(seed uint64, n int) *quad {
	rng := rand.New(rand.NewPCG(seed, 7))
	q := &quad{wrong: map[[2]int]float64{}, scale: map[int]float64{}}
	sizes := []int{n / 2, n / 4, n / 8, n - n/2 - n/4 - n/8}
	for _, m := range sizes {
		x, w := make([]float64, m), make([]float64, m)
		for i := range x {
			x[i] = rng.NormFloat64()
			w[i] = 0.5 + rng.Float64()
		}
		q.x, q.w, q.g = append(q.x, x), append(q.w, w), append(q.g, make([]float64, m))
	}
	return q
}

func (q *quad) model() *gradcheck.Model[float64] {
	m := &gradcheck.Model[float64]{
		Loss: func() float64 {
			var f float64
			for b, x := range q.x {
				w := q.w[b]
				for i, v := range x {
					f += 0.5 * w[i] * v * v
				}
			}
			return f
		},
		Gradient: func() {
			for b, x := range q.x {
				k := 1.0
				if s, ok := q.scale[b]; ok {
					k = s
				}
				for i, v := range x {
					q.g[b][i] = k * q.w[b][i] * v
				}
			}
			for at, e := range q.wrong {
				q.g[at[0]][at[1]] += e
			}
		},
	}
	for b := range q.x {
		m.Blocks = append(m.Blocks, gradcheck.Block[float64]{Name: fmt.Sprintf("L%d", b), Value: q.x[b], Grad: q.g[b]})
	}
	m.Clone = func() *gradcheck.Model[float64] {
		c := &quad{w: q.w, wrong: q.wrong, scale: q.scale}
		for b := range q.x {
			c.x = append(c.x, slices.Clone(q.x[b]))
			c.g = append(c.g, make([]float64, len(q.x[b])))
		}
		cm := c.model()
		cm.Clone = nil
		return cm
	}
	return m
}

// plant spoils d random entries by errors from 0.1 to 1 of either sign.
// The gradient's entries are of order 1, and a directional check of this
// loss over 10⁶ parameters resolves errors down to about 0.05 at its
// default step (the loss sums 10⁶ terms, whose rounding grows like √n;
// BenchmarkDirectionalVsFull prints this resolution): errors below it are
// not "wrong" at the precision the check was asked for.
func (q *quad) plant(rng *rand.Rand, d int) {
	for len(q.wrong) < d {
		b := rng.IntN(len(q.x))
		q.wrong[[2]int{b, rng.IntN(len(q.x[b]))}] = math.Copysign(math.Pow(10, -rng.Float64()), rng.NormFloat64())
	}
}

// BenchmarkLocate plants 1 or 10 wrong entries at random positions among
// 10⁴, 10⁵ and 10⁶ parameters and runs a directional check with 4
// directions. It reports the loss evaluations of the whole check (setup,
// hazards and noise measurement included, setup-evals of them), their mean
// and maximum over the iterations (each with another seed), and the
// planted entries it missed and the correct ones it flagged (both must be
// 0).
func BenchmarkLocate(b *testing.B) {
	for _, n := range []int{1e4, 1e5, 1e6} {
		for _, d := range []int{1, 10} {
			b.Run(fmt.Sprintf("n=%d/wrong=%d", n, d), func(b *testing.B) {
				q := newQuad(1, n)
				var total, worst, missed, false_, setup int
				runs := 0
				for i := 0; b.Loop(); i++ {
					clear(q.wrong)
					q.plant(rand.New(rand.NewPCG(uint64(i), 5)), d)
					rep, err := gradcheck.Check(q.model(), &gradcheck.Options{Directions: 4, Seed: uint64(i)})
					if err != nil {
						b.Fatal(err)
					}
					runs++
					total += rep.Evals
					setup += rep.SetupEvals
					worst = max(worst, rep.Evals)
					got := map[[2]int]bool{}
					for bi := range rep.Blocks {
						for _, e := range rep.Blocks[bi].Failures() {
							got[[2]int{bi, e.Index}] = true
						}
					}
					for at := range q.wrong {
						if !got[at] {
							missed++
						}
					}
					for at := range got {
						if _, ok := q.wrong[at]; !ok {
							false_++
						}
					}
				}
				b.ReportMetric(float64(total)/float64(runs), "evals/check")
				b.ReportMetric(float64(worst), "max-evals")
				b.ReportMetric(float64(setup)/float64(runs), "setup-evals")
				b.ReportMetric(float64(missed), "missed")
				b.ReportMetric(float64(false_), "false")
			})
		}
	}
}

// BenchmarkLocateBlock spoils one whole block (a factor 1.5 on its
// gradient) among 10⁶ parameters and reports the evaluations, the entries
// given per-entry verdicts, and whether the block came back as one region.
func BenchmarkLocateBlock(b *testing.B) {
	q := newQuad(2, 1e6)
	q.scale[1] = 1.5
	var rep *gradcheck.Report
	for b.Loop() {
		var err error
		rep, err = gradcheck.Check(q.model(), &gradcheck.Options{Directions: 4})
		if err != nil {
			b.Fatal(err)
		}
	}
	whole := 0.0
	if len(rep.Regions) == 1 && rep.Regions[0].Block == "L1" && rep.Regions[0].Lo == 0 && rep.Regions[0].Hi == len(q.x[1]) {
		whole = 1
	}
	b.ReportMetric(float64(rep.Evals), "evals/check")
	b.ReportMetric(float64(rep.Checked()), "entries-verified")
	b.ReportMetric(whole, "block-as-region")
}

// BenchmarkDirectionalVsFull compares a directional check (4 directions)
// with the full entry-by-entry check of a correct model: evaluations and
// time. The full check of 10⁵ parameters is left out: 2·10⁵ evaluations of
// a loss over 10⁵ parameters take minutes.
func BenchmarkDirectionalVsFull(b *testing.B) {
	for _, n := range []int{1e3, 1e4, 1e5, 1e6} {
		for _, mode := range []string{"directional", "full"} {
			if mode == "full" && n > 1e4 {
				continue
			}
			b.Run(fmt.Sprintf("n=%d/%s", n, mode), func(b *testing.B) {
				q := newQuad(3, n)
				opts := &gradcheck.Options{Workers: 1} // serial: the comparison is of evaluations
				if mode == "directional" {
					opts.Directions = 4
				}
				var rep *gradcheck.Report
				for b.Loop() {
					var err error
					if rep, err = gradcheck.Check(q.model(), opts); err != nil {
						b.Fatal(err)
					}
				}
				if !rep.OK() {
					b.Fatalf("correct model fails:\n%s", rep)
				}
				b.ReportMetric(float64(rep.Evals), "evals/check")
				if mode == "directional" {
					// The smallest error of one entry (of scale 1) that the
					// first direction would have seen: its threshold plus
					// K·ErrEst.
					d := rep.Directions[0]
					b.ReportMetric(d.Threshold+4*d.ErrEst, "resolution")
				}
			})
		}
	}
}

// BenchmarkDirectionalParallel runs the directional check of 10⁶
// parameters with one wrong entry serially and with the two evaluations
// of every central difference on two goroutines (the model and a clone),
// and reports the speedup and whether the reports were equal.
func BenchmarkDirectionalParallel(b *testing.B) {
	q := newQuad(5, 1e6)
	q.plant(rand.New(rand.NewPCG(5, 5)), 1)
	var serial, parallel time.Duration
	equal := 1.0
	for b.Loop() {
		t0 := time.Now()
		r1, err := gradcheck.Check(q.model(), &gradcheck.Options{Directions: 4, Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		r2, err := gradcheck.Check(q.model(), &gradcheck.Options{Directions: 4, Workers: 2})
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		serial += t1.Sub(t0)
		parallel += t2.Sub(t1)
		j1, _ := r1.MarshalJSON()
		j2, _ := r2.MarshalJSON()
		if !slices.Equal(j1, j2) {
			equal = 0
		}
	}
	b.ReportMetric(float64(serial)/float64(parallel), "speedup")
	b.ReportMetric(equal, "equal")
}

// slowLoss costs a millisecond or more an evaluation (the benchmark prints
// ms/eval): a fixed amount of arithmetic, not a sleep, so that it keeps a
// core busy.
type slowLoss struct {
	work int
}

func (s *slowLoss) loss(x []float64) float64 {
	var f float64
	for k := range s.work {
		v := x[k%len(x)]
		f += math.Sin(v*float64(k%7+1)) * 1e-4
	}
	for _, v := range x {
		f += v * v
	}
	return f
}

func (s *slowLoss) grad(g, x []float64) {
	for i := range g {
		g[i] = 2 * x[i]
		for k := i; k < s.work; k += len(x) {
			c := float64(k%7 + 1)
			g[i] += math.Cos(x[i]*c) * c * 1e-4
		}
	}
}

// BenchmarkParallelSpeedup checks 128 parameters of a loss that costs a
// millisecond or more, serially and on GOMAXPROCS workers (Options.Concurrent, each worker
// with its own x), and reports the cost of one loss evaluation, the
// speedup (serial time over parallel time, within the same iteration), and
// whether the reports were equal (1) or not (0).
func BenchmarkParallelSpeedup(b *testing.B) {
	s := &slowLoss{work: 300000}
	// 128 entries: the setup (hazards, the noise measurement: about 17
	// evaluations) is serial, which caps the speedup on 2 cores at
	// (17 + 256)/(17 + 128) ≈ 1.88 (Amdahl); with 32 entries it would be
	// 1.65.
	x := make([]float64, 128)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	var serial, parallel time.Duration
	equal := 1.0
	var evals int
	for b.Loop() {
		t0 := time.Now()
		r1, err := gradcheck.Gradient(s.loss, s.grad, x, &gradcheck.Options{Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		r2, err := gradcheck.Gradient(s.loss, s.grad, x, &gradcheck.Options{Concurrent: true})
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		serial += t1.Sub(t0)
		parallel += t2.Sub(t1)
		evals += r1.Evals
		j1, _ := r1.MarshalJSON()
		j2, _ := r2.MarshalJSON()
		if !slices.Equal(j1, j2) {
			equal = 0
		}
	}
	b.ReportMetric(float64(serial.Microseconds())/1e3/float64(evals), "ms/eval")
	b.ReportMetric(float64(serial)/float64(parallel), "speedup")
	b.ReportMetric(equal, "equal")
}

// BenchmarkCheckLoop measures the checker's own loop on a trivial loss, for
// allocations per check: they do not grow with the entries (see
// TestNoAllocPerEvaluation).
func BenchmarkCheckLoop(b *testing.B) {
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			q := newQuad(4, 1000)
			m := q.model()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := gradcheck.Check(m, &gradcheck.Options{Workers: workers, SkipHazards: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
