package gorgonia

import (
	"fmt"
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// The same corpus in float32: every (operation, mode) that the float64
// tables pass (TestElementwiseUnaryCorrect, TestElementwiseBinaryCorrect,
// TestTensorCorrect, TestNNPasses, TestNNSymbolicOnlyPasses) is built of
// tensor.Float32 and checked as a gradcheck.Model[float32], at the same
// seeds: its inputs and cotangent are the float64 ones rounded to float32,
// and the loss is the float32 output widened. A right float32 gradient
// must pass; gradcheck's steps and thresholds follow the precision.

// check32 is one check of the float32 corpus: a case whose gradient is
// right in float64, in one mode, at one seed, with its cotangent's seed.
type check32 struct {
	group string // unary, binary, tensor or nn
	pair  string // the (operation, mode) it is a check of
	seed  uint64
	c     opCase
	md    mode
	wseed uint64
	// point, where not nil, says what the point must be like, from the
	// operation's float32 output.
	point func(out []float64) error
}

// corpus32 lists the checks of the float64 tables that pass, with their
// seeds and cotangents.
func corpus32() []check32 {
	var cs []check32
	add := func(group, name string, seed uint64, c opCase, md mode, wseed uint64, point func([]float64) error) {
		cs = append(cs, check32{group, fmt.Sprintf("%s %v", name, md), seed, c, md, wseed, point})
	}
	for _, tc := range unaryCorrect {
		for _, md := range tc.modes {
			for _, seed := range elementwiseSeeds {
				add("unary", tc.name, seed, unaryCase(tc.name, tc.f, seed, tc.lo, tc.hi), md, seed, nil)
			}
		}
	}
	for _, tc := range binaryCorrect {
		for _, md := range tc.modes {
			for _, seed := range elementwiseSeeds {
				add("binary", tc.name, seed, binaryCase(tc.name, tc.build, seed, tc.a, tc.b), md, seed, nil)
			}
		}
	}
	for _, op := range tensorCorrect {
		for _, seed := range tensorSeeds {
			for _, md := range op.modes {
				add("tensor", op.name, seed, op.make(seed), md, wSeed, op.point)
			}
		}
	}
	for _, seed := range []uint64{1, 2} {
		// The nn cases share names (four Conv2d): the index tells them
		// apart.
		for i, c := range nnPassing(seed) {
			for _, md := range both {
				add("nn", fmt.Sprintf("%s#%d", c.name, i), seed, c, md, 10+seed, nil)
			}
		}
		for i, c := range nnSymbolicOnly(seed) {
			add("nn", fmt.Sprintf("%s#s%d", c.name, i), seed, c, symbolic, 10+seed, nil)
		}
	}
	return cs
}

// widened returns the case with its inputs' values rounded to float32
// and widened back: the float64 case at the float32 case's point.
func widened(c opCase) opCase {
	w := c
	w.inputs = make([]input, len(c.inputs))
	for k, in := range c.inputs {
		v := make([]float64, len(in.value))
		for i, x := range in.value {
			v[i] = float64(float32(x))
		}
		w.inputs[k] = input{in.name, in.shape, v}
	}
	return w
}

// float32Tol is how closely Gorgonia's float32 gradient must agree with
// its float64 gradient at the same point, relative to the block's largest
// entry: a few hundred float32 roundings.
const float32Tol = 1e-5

// TestFloat32Correct checks every right gradient of the float64 corpus
// again in float32: gradcheck must pass each (no Inconclusive entry, no
// Mismatch), and Gorgonia's float32 gradient must agree with its float64
// gradient at the same point, so that a pass is that of a right float32
// rule and not of a wrong one gradcheck is too coarse to see.
func TestFloat32Correct(t *testing.T) {
	quietLog(t)
	type tally struct {
		pairs, checks, ok, inconclusiveOnly, mismatch int
		// worst is the largest difference between Gorgonia's float32
		// and float64 gradients, relative to the block's scale.
		worst float64
	}
	counts := map[string]*tally{}
	seen := map[string]bool{}
	var groups []string
	for _, k := range corpus32() {
		where := fmt.Sprintf("%s, seed %d (float32)", k.pair, k.seed)
		n := counts[k.group]
		if n == nil {
			n = &tally{}
			counts[k.group] = n
			groups = append(groups, k.group)
		}
		if !seen[k.group+" "+k.pair] {
			seen[k.group+" "+k.pair] = true
			n.pairs++
		}
		n.checks++
		if k.point != nil {
			out, err := forwardAs[float32](k.c)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			if err := k.point(out); err != nil {
				t.Errorf("%s: not the point meant: %v", where, err)
			}
		}
		rep := checkAs[float32](t, k.c, k.md, k.wseed)
		if rep.Precision != "float32" {
			t.Fatalf("%s: checked in %s", where, rep.Precision)
		}
		var inconclusive, mismatch int
		for _, b := range rep.Blocks {
			for _, e := range b.Entries {
				switch e.Verdict {
				case gradcheck.Inconclusive:
					inconclusive++
				case gradcheck.Mismatch:
					mismatch++
				}
			}
		}
		switch {
		case rep.OK():
			n.ok++
		case mismatch > 0:
			n.mismatch++
		case inconclusive > 0:
			n.inconclusiveOnly++
		}
		if !rep.OK() {
			t.Errorf("%s: gradcheck fails a gradient right in float64 (%d inconclusive, %d mismatch):\n%v", where, inconclusive, mismatch, rep)
		}

		// Gorgonia's float64 gradient at the float32 point (its
		// cotangent is the float64 one, which the float32 one rounds:
		// a relative 6e-8 apart).
		m64, err := widened(k.c).model(k.md, k.wseed)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		m64.Gradient()
		for b, blk := range rep.Blocks {
			ref := m64.Blocks[b].Grad
			scale := 0.0
			for _, g := range ref {
				scale = math.Max(scale, math.Abs(g))
			}
			for _, e := range blk.Entries {
				d := math.Abs(e.Analytic - ref[e.Index])
				n.worst = math.Max(n.worst, d/scale)
				if d > float32Tol*scale {
					t.Errorf("%s: %s: Gorgonia's float32 gradient %.8g, its float64 one %.8g: a difference of %.2g of the block's scale", where, blk.EntryName(e.Index), e.Analytic, ref[e.Index], d/scale)
				}
			}
		}
	}
	for _, g := range groups {
		n := counts[g]
		t.Logf("%s: %d (operation, mode) pairs, %d checks: %d OK, %d inconclusive only, %d with a mismatch; float32 and float64 gradients within %.2g of the block's scale", g, n.pairs, n.checks, n.ok, n.inconclusiveOnly, n.mismatch, n.worst)
	}
}

// wrong32 is a wrong rule checked in float32, with the closed form of its
// gradient.
type wrong32 struct {
	name  string
	md    mode
	seed  uint64
	c     opCase
	wseed uint64
	// outputs is the number of entries of the output, for the cotangent.
	outputs int
	closed  func(c opCase, w []float64) [][]float64
	// inconclusive says why an entry may be Inconclusive; nil: none may.
	inconclusive func(c opCase, block int, e gradcheck.Entry) bool
}

// agree32 reports whether two float32 derivatives agree to a relative
// tol, absolute near zero.
func agree32(x, y, tol float64) bool {
	return math.Abs(x-y) <= tol*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
}

const (
	// gorgonia32Tol is how closely Gorgonia's float32 gradient must
	// agree with the closed form at the float32 point to be taken as
	// right there: a few float32 roundings.
	gorgonia32Tol = 1e-5
	// numeric32Tol is how closely gradcheck's float32 estimate must
	// agree with the closed form.
	numeric32Tol = 1e-4
)

// TestFloat32WrongGradient checks the wrong rules in float32: symbolic
// Log2 and InverseSqrt, lisp MaxBetween and MinBetween
// (TestElementwiseWrongGradient) and AveragePool2D in both modes
// (TestNNAveragePool2DWrong). As in float64, at every entry Gorgonia's
// float32 value is compared with the closed form at the float32 point:
// where they differ gradcheck must fail the entry, where they agree it
// must pass it, and gradcheck's estimate must agree with the closed form
// wherever it is not Inconclusive. An Inconclusive entry needs a reason
// the float64 test gives for it, and none gives one now: the max and min
// entries whose other input lies within the step, on a flat stretch of
// the loss, were Inconclusive until the stair probe (refine.go,
// probeStair) told that stretch from a staircase.
func TestFloat32WrongGradient(t *testing.T) {
	var cs []wrong32
	for _, tc := range elementwiseWrong {
		for _, seed := range elementwiseSeeds {
			c := tc.make(seed)
			cs = append(cs, wrong32{tc.name, tc.md, seed, c, seed, len(c.inputs[0].value), tc.closed, tc.inconclusive})
		}
	}
	avg := func(_ opCase, w []float64) [][]float64 { return [][]float64{averagePool2DRef(w)} }
	for _, md := range both {
		cs = append(cs, wrong32{"AveragePool2D", md, 1, averagePool2DCase(1), 5, 8, avg, nil})
	}
	for _, k := range cs {
		where := fmt.Sprintf("%s, %v, seed %d (float32)", k.name, k.md, k.seed)
		rep := checkAs[float32](t, k.c, k.md, k.wseed)
		if rep.OK() {
			t.Errorf("%s: gradcheck passes a gradient that differs from the closed form", where)
		}
		// The closed form at the float32 point, for the float32
		// cotangent, in float64.
		c := widened(k.c)
		w := cotangent(k.wseed, k.outputs)
		for i := range w {
			w[i] = float64(float32(w[i]))
		}
		closed := k.closed(c, w)
		wrong, inconclusive, worst := 0, 0, 0.0
		for b, blk := range rep.Blocks {
			for _, e := range blk.Entries {
				want := closed[b][e.Index]
				name := blk.EntryName(e.Index)
				if !agree32(e.Analytic, want, gorgonia32Tol) {
					wrong++
					if e.Verdict.Pass() {
						t.Errorf("%s: %s: gradcheck passes (%v) Gorgonia's %g, the closed form is %g", where, name, e.Verdict, e.Analytic, want)
					}
				} else if !e.Verdict.Pass() {
					t.Errorf("%s: %s: gradcheck fails (%v) Gorgonia's %g, which agrees with the closed form %g", where, name, e.Verdict, e.Analytic, want)
				}
				if e.Verdict == gradcheck.Inconclusive {
					inconclusive++
					if k.inconclusive == nil || !k.inconclusive(c, b, e) {
						t.Errorf("%s: %s: inconclusive (analytic %g, numeric %g, step %g) with no reason for it", where, name, e.Analytic, e.Numeric, e.Step)
					}
					continue
				}
				worst = math.Max(worst, math.Abs(e.Numeric-want)/math.Max(1, math.Abs(want)))
				if !agree32(e.Numeric, want, numeric32Tol) {
					t.Errorf("%s: %s: the closed form %.8g disagrees with gradcheck's numeric estimate %.8g", where, name, want, e.Numeric)
				}
			}
		}
		if wrong == 0 {
			t.Errorf("%s: Gorgonia's gradient agrees with the closed form at every entry: the rule is right in float32", where)
		}
		t.Logf("%s: %d entries wrong, %d inconclusive; the numeric estimate within %.2g of the closed form; %s", where, wrong, inconclusive, worst, firstDiagnosis(&rep.Blocks[0]))
	}
}
