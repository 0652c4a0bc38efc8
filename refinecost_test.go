package gradcheck_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/gradcheck/gradcheck"
)

// stairModel is sin(x0) rounded to sixteenths, plus 100·x1: a loss whose
// first entry lies on stairs far wider than any step refinement takes, so
// that no step resolves its derivative and refinement goes down every path
// it has (the first ladder, the second below it, the noise along the entry
// and the ladder judged again with it, the climbed ladder and the Taylor
// remainder), while the second entry, of the largest analytic value, is
// where the noise is first measured. Its gradient is the smooth cos(x0).
// seen[v] counts the evaluations with the first entry at v, made while it
// was perturbed.
func stairModel[T gradcheck.Float](x0 T, seen map[T]int) *gradcheck.Model[T] {
	x, g := []T{x0, 0.5}, make([]T, 2)
	return &gradcheck.Model[T]{
		Blocks: []gradcheck.Block[T]{{Name: "x", Value: x, Grad: g}},
		Loss: func() float64 {
			if x[0] != x0 {
				seen[x[0]]++
			}
			return float64(T(math.Round(16*math.Sin(float64(x[0])))/16) + 100*x[1])
		},
		Gradient: func() { g[0], g[1] = T(math.Cos(float64(x[0]))), 100 },
	}
}

// TestRefinementEvaluatesNoStepTwice: the refinement of one entry takes the
// loss at no parameter value twice. The climbed ladder's steps 8·h0/2^j are
// the first ladder's h0/2^(j−3) from its fourth row on, the second ladder
// starts at the first's last step, a ladder judged again with the noise
// along the entry repeats the first's steps to the bit, and in float32 the
// Taylor remainder's steps 2^−18·scale·2^k include the first-pass step
// 2^−8·scale and points of the noise along the entry: each of those was
// evaluated again, and this staircase entry took 218 evaluations in
// float64 (134 in float32) where 160 (84) give the same verdict. 160 is
// the most one entry can take in float64 on the ladders and the Taylor
// remainder: 2 for the first pass, 32 for the first ladder's sixteen rows,
// 30 for the second ladder's below it, 18 for the noise along the entry, 6
// for the climbed ladder's three rows above the first's, 72 for the Taylor
// remainder's 35 steps a side and a secant on each. In float32 it is 90:
// 2 + 20 + 10 + 18 + 6, and 34 of the remainder's 44 not made before. The
// probe of a stair's edge adds 2 at most, once an entry, where one side
// stayed at f(x) at every row (probeStair): this staircase moves on both
// sides and makes none.
func TestRefinementEvaluatesNoStepTwice(t *testing.T) {
	t.Run("float64", func(t *testing.T) { stairsOnce[float64](t, 160) })
	t.Run("float32", func(t *testing.T) { stairsOnce[float32](t, 84) })
}

func stairsOnce[T gradcheck.Float](t *testing.T, want int) {
	seen := map[T]int{}
	rep, err := gradcheck.Check(stairModel(T(0.7), seen), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := rep.Blocks[0].Entries[0]
	if e.Verdict != gradcheck.Inconclusive || !e.Refined {
		t.Fatalf("x[0]: verdict %v, refined %v; want a refined inconclusive entry (no step resolves a staircase)", e.Verdict, e.Refined)
	}
	total := 0
	for v, k := range seen {
		total += k
		if k > 1 {
			t.Errorf("x[0] = %v: evaluated %d times", v, k)
		}
	}
	if total != want {
		t.Errorf("x[0]: %d evaluations, want %d", total, want)
	}
}

// stairsModel is stairModel with n staircase entries, at 0.1 to 0.8.
func stairsModel(n int) *gradcheck.Model[float64] {
	x, g := make([]float64, n+1), make([]float64, n+1)
	for i := range n {
		x[i] = 0.1 + 0.7*float64(i)/float64(n)
	}
	x[n] = 0.5
	return &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "x", Value: x, Grad: g}},
		Loss: func() float64 {
			s := 100 * x[n]
			for _, v := range x[:n] {
				s += math.Round(16*math.Sin(v)) / 16
			}
			return s
		},
		Gradient: func() {
			for i, v := range x[:n] {
				g[i] = math.Cos(v)
			}
			g[n] = 100
		},
	}
}

// TestRefinementAllocations: refinement allocates a few times per entry,
// not per evaluation. Each staircase entry goes down every path of
// refinement (TestRefinementEvaluatesNoStepTwice), 160 evaluations; the
// Taylor remainder's series, appended to one step at a time, took about
// 75 allocations an entry, where one per side and one for the secants
// serve.
func TestRefinementAllocations(t *testing.T) {
	allocs := func(n int) float64 {
		m := stairsModel(n)
		return testing.AllocsPerRun(3, func() {
			rep, err := gradcheck.Check(m, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range rep.Blocks[0].Entries[:n] {
				if !e.Refined || e.Verdict != gradcheck.Inconclusive {
					t.Fatalf("x[%d]: verdict %v, refined %v; want a refined inconclusive entry", e.Index, e.Verdict, e.Refined)
				}
			}
		})
	}
	one, eleven := allocs(1), allocs(11)
	if per := (eleven - one) / 10; per > 4 {
		t.Errorf("%.1f allocations per refined entry (%v for 1 entry, %v for 11), want at most 4", per, one, eleven)
	}
}

// TestProgressCancelledInRefinement: a check that refines says so from
// the start of refinement, and one cancelled while it refines sends no
// report that says it is done. The refinement of one staircase entry takes
// 158 evaluations and sent nothing until it ended, so that the last report
// a cancelled check had sent was the first pass's, StageEntries with
// Done = Total; and the check sent that report again after the
// cancellation, as if it had finished.
func TestProgressCancelledInRefinement(t *testing.T) {
	{
		m := stairsModel(3)
		ctx, cancel := context.WithCancel(context.Background())
		loss, k := m.Loss, 0
		cancelled := false
		m.Loss = func() float64 {
			if k++; k == 60 { // the setup, the first pass and the noise take 23, the refinement of an entry 158
				cancel()
				cancelled = true
			}
			return loss()
		}
		var refining bool
		var after []gradcheck.Progress
		rep, err := gradcheck.CheckContext(ctx, m, &gradcheck.Options{ProgressInterval: time.Hour, Progress: func(p gradcheck.Progress) {
			refining = refining || p.Stage == gradcheck.StageRefine
			if cancelled {
				after = append(after, p)
			}
		}})
		cancel()
		if !errors.Is(err, context.Canceled) || !rep.Partial {
			t.Fatalf("error %v, partial %v; want a partial report cancelled", err, rep.Partial)
		}
		if !refining {
			t.Errorf("no report in stage %s before the cancellation, %d evaluations into it", gradcheck.StageRefine, 60-23)
		}
		for _, p := range after {
			if p.Total > 0 && p.Done == p.Total {
				t.Errorf("after the cancellation, a report says %s %d of %d done", p.Stage, p.Done, p.Total)
			}
		}
	}
}
