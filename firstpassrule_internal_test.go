package gradcheck

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// referenceFirstPassVerdict is the first pass's rule written through the
// checker's own threshold, resolved, lossRoundoff and firstPassFloor, with the
// builtin max and min: firstPassRule works its constants out once and
// takes maxima and minima on bits (fdiff.MaxNonNeg), and must give the
// same values to the bit.
func referenceFirstPassVerdict[T Float](c *checker[T], a, fp, fm, hp, hm, scale float64) (n, round float64, ok bool) {
	r := c.lossRoundoff(max(math.Abs(fp), math.Abs(fm)), c.noise())
	if !(r <= math.MaxFloat64) {
		return math.NaN(), math.Inf(1), false
	}
	n = fdiff.Central(fm, c.f0, fp, hm, hp)
	round = r / min(hp, hm)
	m := max(math.Abs(a), math.Abs(n))
	thr := c.threshold(m, 0) + min(c.s.k*round, c.firstPassRel()*m+c.s.rtol*c.gscale)
	d := math.Abs(a - n)
	if d > thr {
		thr += c.firstPassFloor(fp, fm, r, hp, hm, scale) // not rewritten: shared
	}
	ok = d <= thr && c.resolved(round, m)
	if ok && !c.noiseKnown && math.Float64bits(fp) == math.Float64bits(fm) {
		ok = false
	}
	return n, round, ok
}

// firstPassGen draws the inputs of the first pass's rule: special values
// (signed zeros, subnormals, the normal range's ends, infinities, NaNs of
// either sign), random bit patterns, and values near one another and near
// f(x), where the rule's comparisons are close.
type firstPassGen struct{ r *rand.Rand }

var firstPassSpecial = []float64{
	0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
	0x1p-1022, -0x1p-1022, 0x1p-126, 1e-300, -1e-300, 1e-8, 0.5, 1, -1, 1 + 0x1p-52, 3, -3,
	1e8, 1e300, -1e300, math.MaxFloat64, -math.MaxFloat64, math.MaxFloat32, math.Inf(1), math.Inf(-1),
	math.NaN(), math.Float64frombits(0xfff8000000000000), math.Float64frombits(0x7ff0000000000001),
}

func (g firstPassGen) value() float64 {
	switch g.r.IntN(4) {
	case 0:
		return firstPassSpecial[g.r.IntN(len(firstPassSpecial))]
	case 1:
		return math.Float64frombits(g.r.Uint64())
	default:
		return (g.r.Float64()*2 - 1) * math.Pow(10, float64(g.r.IntN(40)-20))
	}
}

// near is v moved by a few ulps or a small relative amount, or v itself.
func (g firstPassGen) near(v float64) float64 {
	switch g.r.IntN(4) {
	case 0:
		return v
	case 1:
		return math.Float64frombits(math.Float64bits(v) + uint64(g.r.IntN(9)) - 4)
	case 2:
		return v * (1 + (g.r.Float64()*2-1)*math.Pow(10, -float64(g.r.IntN(16))))
	}
	return g.value()
}

// step is a positive step: the rule's callers pass |x ± h − x| with
// x ± h ≠ x, so above zero, +Inf where x + h overflows.
func (g firstPassGen) step() float64 {
	switch g.r.IntN(6) {
	case 0:
		return []float64{math.SmallestNonzeroFloat64, 0x1p-1022, 1e-300, 0x1p-149, math.MaxFloat64, math.Inf(1)}[g.r.IntN(6)]
	case 1:
		return math.Float64frombits(g.r.Uint64()%math.Float64bits(math.Inf(1)) | 1)
	}
	return math.Pow(10, -float64(g.r.IntN(12))) * (0.5 + g.r.Float64())
}

// nonNeg is a setting's value, finite and not negative as resolve leaves
// it, −0 included.
func (g firstPassGen) nonNeg() float64 {
	switch g.r.IntN(5) {
	case 0:
		return []float64{0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, 1e-300, math.MaxFloat64}[g.r.IntN(5)]
	case 1:
		return math.Float64frombits(g.r.Uint64() >> 1 % math.Float64bits(math.MaxFloat64))
	}
	return g.r.Float64() * math.Pow(10, float64(g.r.IntN(30)-20))
}

// randomize gives c random settings within what resolve accepts and a
// random state of the check: f(x), the gradient's scale, the noise.
func (g firstPassGen) randomize(c *checker[float64], p fdiff.Precision) {
	s, err := (*Options)(nil).resolve(p)
	if err != nil {
		panic(err)
	}
	if g.r.IntN(2) == 0 {
		s.atol = g.nonNeg()
	}
	if v := g.nonNeg(); v != 0 && g.r.IntN(2) == 0 {
		s.rtol = v
	}
	if v := g.nonNeg(); v != 0 && g.r.IntN(2) == 0 {
		s.k = v
	}
	if g.r.IntN(3) == 0 {
		s.noise = g.nonNeg()
	}
	c.s = s
	c.f0 = g.value()
	if g.r.IntN(3) == 0 {
		c.f0 = math.Abs(g.value()) * 0 // ±0 and NaN
	}
	c.gscale = math.Abs(g.value())
	if math.IsNaN(c.gscale) || math.IsInf(c.gscale, 0) {
		c.gscale = 0 // the gradient's entries are finite (runStages)
	}
	c.flat = p.TwoThirds * math.Abs(c.f0)
	// The measured noise is a square root of a sum of squares, +0 where
	// it is zero, never −0 (fdiff.NoiseCeiling).
	c.sigma = 0
	if g.r.IntN(2) == 0 {
		c.sigma = math.Abs(g.nonNeg())
	}
	c.noiseKnown = g.r.IntN(2) == 0
}

func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

// TestFirstPassRuleMatchesReference: firstPassVerdict, on firstPassRule,
// gives the reference rule's numeric value, error estimate and verdict to
// the bit, on random and hostile inputs: NaN and ±Inf loss values, ±0,
// subnormals, values near MaxFloat64, steps that differ on the two sides,
// the noise known or not, fp and fm equal to the bit, a zero gradient
// scale, both precisions.
func TestFirstPassRuleMatchesReference(t *testing.T) {
	g := firstPassGen{rand.New(rand.NewPCG(7, 11))}
	c := &checker[float64]{}
	cases := 400000
	if testing.Short() {
		cases = 40000
	}
	for k := range cases {
		if k%64 == 0 {
			p := fdiff.Float64
			if g.r.IntN(2) == 0 {
				p = fdiff.Float32
			}
			g.randomize(c, p)
		}
		a := g.value()
		if math.IsNaN(a) || math.IsInf(a, 0) {
			a = 0
		}
		fp := g.near(c.f0)
		fm := g.near(fp)
		if g.r.IntN(4) == 0 {
			fm = g.near(c.f0)
		}
		hp := g.step()
		hm := hp
		if g.r.IntN(3) == 0 {
			hm = g.step()
		}
		scale := fdiff.Scale(g.value())
		if g.r.IntN(3) == 0 && hp > 0 && !math.IsInf(hp, 0) {
			// a near the central difference, where d ≤ thr is close
			a = g.near(fdiff.Central(fm, c.f0, fp, hm, hp))
			if math.IsNaN(a) || math.IsInf(a, 0) {
				a = 0
			}
		}
		if g.r.IntN(3) == 0 {
			// a at the edge of the threshold, where one rounding of thr
			// decides the verdict
			a = thresholdEdge(c, g, fp, fm, hp, hm)
		}
		n, round, ok := c.firstPassVerdict(a, fp, fm, hp, hm, scale)
		wn, wround, wok := referenceFirstPassVerdict(c, a, fp, fm, hp, hm, scale)
		if !sameFloat(n, wn) || !sameFloat(round, wround) || ok != wok {
			t.Fatalf("case %d: a=%v fp=%v fm=%v hp=%v hm=%v scale=%v f0=%v gscale=%v sigma=%v noise=%v k=%v atol=%v rtol=%v known=%v %s:\n"+
				"firstPassVerdict (%v, %v, %v), reference (%v, %v, %v)",
				k, a, fp, fm, hp, hm, scale, c.f0, c.gscale, c.sigma, c.s.noise, c.s.k, c.s.atol, c.s.rtol, c.noiseKnown, c.s.prec.Name,
				n, round, ok, wn, wround, wok)
		}
	}
}

// TestJudgeEvaluatedMatchesJudgeInto: judgeEvaluated, which judges the
// serial first pass's entries with firstPassRule in one loop, writes each
// Entry as judgeInto does from the same loss values, to the bit, for
// parameters of every size in both precisions. The noise is unknown, as
// it is where judgeEvaluated runs, so an entry the rule does not accept
// is left pending without evaluating the loss.
func TestJudgeEvaluatedMatchesJudgeInto(t *testing.T) {
	t.Run("float64", func(t *testing.T) { judgeEvaluatedMatches[float64](t, fdiff.Float64) })
	t.Run("float32", func(t *testing.T) { judgeEvaluatedMatches[float32](t, fdiff.Float32) })
}

func judgeEvaluatedMatches[T Float](t *testing.T, p fdiff.Precision) {
	g := firstPassGen{rand.New(rand.NewPCG(3, 5))}
	const n = 64
	rounds := 2000
	if testing.Short() {
		rounds = 200
	}
	x := make([]T, n)
	m := &Model[T]{
		Blocks: []Block[T]{{Name: "x", Value: x, Grad: make([]T, n)}},
		Loss: func() float64 {
			t.Fatal("the loss was evaluated")
			return 0
		},
		Gradient: func() {},
	}
	jobs := make([]job, n)
	for i := range jobs {
		jobs[i] = job{b: 0, i: int32(i), p: -1}
	}
	for range rounds {
		fc := &checker[float64]{}
		g.randomize(fc, p)
		c := &checker[T]{m: m, s: fc.s, ctx: context.Background(), f0: fc.f0, gscale: fc.gscale, flat: fc.flat, sigma: fc.sigma}
		if g.r.IntN(2) == 0 {
			c.s.step = g.nonNeg()
			if c.s.step >= 1 || c.s.step == 0 {
				c.s.step = p.Cbrt
			}
		}
		for i := range x {
			v := g.value()
			if g.r.IntN(3) == 0 {
				v = g.near(float64(x[(i+n-1)%n]))
			}
			if T(v)-T(v) != 0 {
				v = 0 // the parameters are finite (runStages)
			}
			x[i] = T(v)
		}
		c.saveAll()
		c.analytic = [][]float64{make([]float64, n)}
		results := make([]Entry, n)
		for i := range x {
			a := g.value()
			if math.IsNaN(a) || math.IsInf(a, 0) {
				a = 0
			}
			fp, fm := g.near(c.f0), g.near(c.f0)
			if g.r.IntN(2) == 0 {
				// a central difference that agrees with a
				_, vp, vm, _, _ := c.firstSteps(0, i)
				hp, hm := math.Abs(float64(vp)-float64(x[i])), math.Abs(float64(vm)-float64(x[i]))
				fp, fm = c.f0+a*hp, c.f0-a*hm
				if g.r.IntN(2) == 0 {
					fm = g.near(fm)
				}
			}
			c.analytic[0][i] = a
			results[i].Right, results[i].Left = fp, fm
		}
		want := make([]Entry, n)
		for i := range want {
			if err := c.judgeInto(0, i, results[i].Right, results[i].Left, &want[i]); err != nil {
				t.Fatal(err)
			}
		}
		if k, err := c.judgeEvaluated(jobs, results, n); k != n || err != nil {
			t.Fatalf("judgeEvaluated judged %d of %d: %v", k, n, err)
		}
		for i := range want {
			if !sameEntry(results[i], want[i]) {
				t.Fatalf("entry %d (x = %v, f0 = %v): judgeEvaluated wrote\n%+v\njudgeInto\n%+v", i, x[i], c.f0, results[i], want[i])
			}
		}
	}
}

func sameEntry(a, b Entry) bool {
	return a.Index == b.Index && a.Verdict == b.Verdict && sameFloat(a.Analytic, b.Analytic) &&
		sameFloat(a.Numeric, b.Numeric) && sameFloat(a.ErrEst, b.ErrEst) && sameFloat(a.Step, b.Step) &&
		sameFloat(a.Left, b.Left) && sameFloat(a.Right, b.Right) && a.Refined == b.Refined &&
		a.Side == b.Side && a.Jumped == b.Jumped && math.Float32bits(a.TaylorOrder) == math.Float32bits(b.TaylorOrder)
}

// thresholdEdge is an analytic value a whose disagreement with the central
// difference n is about the threshold: n ± thr, thr worked out for
// m = |n| as the reference does, moved by a few ulps or a small fraction.
func thresholdEdge(c *checker[float64], g firstPassGen, fp, fm, hp, hm float64) float64 {
	n := fdiff.Central(fm, c.f0, fp, hm, hp)
	r := c.lossRoundoff(max(math.Abs(fp), math.Abs(fm)), c.noise())
	round := r / min(hp, hm)
	m := math.Abs(n)
	thr := c.threshold(m, 0) + min(c.s.k*round, c.firstPassRel()*m+c.s.rtol*c.gscale)
	if g.r.IntN(2) == 0 {
		thr = -thr
	}
	a := g.near(n + thr)
	if math.IsNaN(a) || math.IsInf(a, 0) {
		return 0
	}
	return a
}
