package spago

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nlpodyssey/spago/ag"
	"github.com/nlpodyssey/spago/losses"
	"github.com/nlpodyssey/spago/mat"
)

// agree is how closely the hand-derived gradient must match gradcheck's
// numeric estimate, relative to the larger of 1 and its size: float64
// central differences and their extrapolation resolve derivatives to
// about 1e-10 here, and spaGO's wrong rules are off by far more.
const agree = 1e-9

// checkWrong asserts, for a case whose backward rule is wrong, that
// gradcheck rejects spaGO's gradient exactly at the entries where it
// differs from the case's hand-derived gradient, and that the
// hand-derived gradient agrees with gradcheck's numeric estimate at every
// entry.
func checkWrong(t *testing.T, c opCase, seed uint64) {
	t.Helper()
	checkWrongOf[float64](t, c, seed, agree)
}

// checkWrongOf is checkWrong in T, with agree the tolerance of T.
func checkWrongOf[T Float](t *testing.T, c opCase, seed uint64, agree float64) {
	t.Helper()
	rep, _ := checkOf[T](t, c, seed)
	if rep.OK() {
		t.Errorf("%s, seed %d: gradcheck accepts spaGO's gradient:\n%v", c.name, seed, rep)
	}
	vs := narrow[T](c.point(seed))
	w, wshape := cotangentOf(c, vs, seed)
	g := backwardOf(c, vs, w, wshape)
	var free [][]float64
	for k, in := range c.inputs {
		if !in.fixed {
			free = append(free, widen(vs[k : k+1])[0])
		}
	}
	want := c.want(free, w)
	wrong := 0
	for b, br := range rep.Blocks {
		for _, e := range br.Entries {
			a, r := g.value[b][e.Index], want[b][e.Index]
			tol := agree * math.Max(1, math.Abs(r))
			if d := math.Abs(e.Numeric - r); d > tol {
				t.Errorf("%s, seed %d, %s[%d]: the hand-derived %.12g and gradcheck's numeric %.12g differ by %.3g",
					c.name, seed, br.Name, e.Index, r, e.Numeric, d)
			}
			isWrong := math.Abs(a-r) > tol
			if isWrong {
				wrong++
			}
			if isWrong == e.Verdict.Pass() {
				t.Errorf("%s, seed %d, %s[%d]: spaGO %.12g, hand-derived %.12g, gradcheck's numeric %.12g: verdict %v",
					c.name, seed, br.Name, e.Index, a, r, e.Numeric, e.Verdict)
			}
		}
	}
	if wrong == 0 {
		t.Errorf("%s, seed %d: spaGO's gradient agrees with the hand-derived one everywhere", c.name, seed)
	}
}

// geluDeriv is the derivative of GELU's tanh approximation, as spaGO's
// forward computes it: with u = c·(x + 0.044715·x³) and c = √(2/π),
// GELU(x) = x·(1 + tanh u)/2 and
// GELU′(x) = (1 + tanh u)/2 + x·(1 − tanh² u)·c·(1 + 3·0.044715·x²)/2.
func geluDeriv(x float64) float64 {
	c := math.Sqrt(2 / math.Pi)
	th := math.Tanh(c * (x + 0.044715*x*x*x))
	return (1+th)/2 + x*(1-th*th)*c*(1+3*0.044715*x*x)/2
}

// TestGELU: spaGO's GELU rule is wrong by up to a few parts in 1e7.
// mat/gradfn/misc.go:503, geluDeriv, writes √(2/π) as 0.797885 and
// 0.044715·√(2/π) as 0.0356774, to six digits, while its forward
// (misc.go:499, gelu) computes with math.Sqrt(2/math.Pi): the rule is the
// derivative of another function than the one the forward computes.
func TestGELU(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		checkWrong(t, geluCase(), seed)
	}
}

// geluCase is GELU with its hand-derived gradient.
func geluCase() opCase {
	c := unary("GELU", ag.GELU, -3, 3)
	c.want = func(v [][]float64, w []float64) [][]float64 {
		g := make([]float64, len(v[0]))
		for i, x := range v[0] {
			g[i] = w[i] * geluDeriv(x)
		}
		return [][]float64{g}
	}
	return c
}

// negPool is a 4×4 input whose lower right 2×2 pool holds only negative
// entries; x[0,0] is the largest of its own pool.
var negPool = []float64{
	1.5, 0.2, 0.3, 0.4,
	0.1, 0.6, 0.7, 0.8,
	0.9, 1.1, -0.5, -0.3,
	1.2, 1.3, -0.2, -0.7,
}

// TestMaxPoolingNegativePool: spaGO's MaxPooling gives the gradient of a
// pool without a positive entry to x[0,0]. mat/gradfn/maxpooling.go:55,
// MaxPooling.Forward, starts each pool's maximum at
// math.SmallestNonzeroFloat64, a positive number, not at −∞: a pool of
// negative entries outputs 5e-324 and leaves its argmax at its zero value,
// row 0 and column 0 of the whole input, where Backward
// (maxpooling.go:97) writes its gradient. The forward computes
// max(5e-324, max of the pool), constant in a negative pool, whose
// derivative is 0 there; the pools that do hold a positive entry pass
// their gradient to their argmax.
func TestMaxPoolingNegativePool(t *testing.T) {
	c := negPoolCase()
	_, out := c.forward(c.point(1))
	if got := out.Value().Data().F64()[3]; got != math.SmallestNonzeroFloat64 {
		t.Errorf("MaxPooling of a pool of negative entries (largest −0.2) = %g, want spaGO's 5e-324", got)
	}
	for _, seed := range []uint64{1, 2} {
		checkWrong(t, c, seed)
	}
}

// negPoolCase is MaxPooling of negPool with its hand-derived gradient.
func negPoolCase() opCase {
	c := opCase{name: "MaxPooling", inputs: []input{{name: "x", shape: []int{4, 4}, value: negPool}},
		build: func(x []mat.Tensor) mat.Tensor { return ag.MaxPooling(x[0], 2, 2) }}
	c.want = func(v [][]float64, w []float64) [][]float64 {
		g := make([]float64, 16)
		for p := range 4 {
			pr, pc := p/2, p%2
			best, arg := math.SmallestNonzeroFloat64, -1
			for i := 2 * pr; i < 2*pr+2; i++ {
				for j := 2 * pc; j < 2*pc+2; j++ {
					if x := v[0][4*i+j]; x > best {
						best, arg = x, 4*i+j
					}
				}
			}
			if arg >= 0 {
				g[arg] += w[p]
			}
		}
		return [][]float64{g}
	}
	return c
}

// celuAlpha, eluAlpha and leakyAlpha are the derivatives of CELU, ELU and
// LeakyReLU in α: CELU(x) = α·(exp(x/α) − 1) for x ≤ 0, whose derivative
// in α is exp(x/α) − 1 − (x/α)·exp(x/α); ELU(x) = α·(exp(x) − 1), in α
// exp(x) − 1; LeakyReLU(x) = α·x, in α x. All three are 0 for x > 0.
func celuAlpha(x, a float64) float64 {
	if x > 0 {
		return 0
	}
	return math.Exp(x/a) - 1 - x/a*math.Exp(x/a)
}

func eluAlpha(x, _ float64) float64 {
	if x > 0 {
		return 0
	}
	return math.Exp(x) - 1
}

func leakyAlpha(x, _ float64) float64 {
	if x > 0 {
		return 0
	}
	return x
}

// TestAlphaDropped: CELU, ELU and LeakyReLU take α as a tensor operand,
// and an α that requires gradients makes the operator require them, but
// their Backward (mat/gradfn/celu.go:39, elu.go:40, leakyrelu.go:39)
// computes x's gradient only: α's is silently zero, where
// ∂/∂α Σ w ⊙ f(x; α) = Σ w ⊙ ∂f/∂α (the derivatives above). SwishB, whose
// β is a tensor operand too, does differentiate it (TestOps).
func TestAlphaDropped(t *testing.T) {
	for _, c := range alphaCases() {
		for _, seed := range []uint64{1, 2} {
			checkWrong(t, c, seed)
		}
	}
}

// alphaCases are CELU, ELU and LeakyReLU with α differentiated, each with
// its hand-derived gradient.
func alphaCases() []opCase {
	tests := []struct {
		name  string
		op    func(x, a mat.Tensor) mat.Tensor
		xGrad func(x, a float64) float64
		aGrad func(x, a float64) float64
	}{
		{"CELU", ag.CELU, func(x, a float64) float64 {
			if x > 0 {
				return 1
			}
			return math.Exp(x / a)
		}, celuAlpha},
		{"ELU", ag.ELU, func(x, a float64) float64 {
			if x > 0 {
				return 1
			}
			return a * math.Exp(x)
		}, eluAlpha},
		{"LeakyReLU", ag.LeakyReLU, func(x, a float64) float64 {
			if x > 0 {
				return 1
			}
			return a
		}, leakyAlpha},
	}
	var cs []opCase
	for _, tt := range tests {
		c := binary(tt.name, in("x", m23, -2, 1), in("alpha", s, 0.5, 2), tt.op)
		c.want = func(v [][]float64, w []float64) [][]float64 {
			a := v[1][0]
			gx := make([]float64, len(v[0]))
			var ga float64
			for i, x := range v[0] {
				gx[i] = w[i] * tt.xGrad(x, a)
				ga += w[i] * tt.aGrad(x, a)
			}
			return [][]float64{gx, {ga}}
		}
		cs = append(cs, c)
	}
	return cs
}

// TestWrongShape: these rules give the right values in a gradient of the
// wrong shape, which a leaf input stores as its gradient as it is (its
// first AccGrad clones it) and any operator between them rejects
// (TestReduceSumThenTanh). Max and Min (mat/gradfn/max.go:59 and :69,
// min.go:59 and :69) build the gradient with mat.WithBacking and no shape,
// a column of n; ReduceSum (reducesum.go:42) and ReduceMean
// (reducemean.go:45) with mat.WithShape(size), a column too; AppendRows
// (appendrows.go:58) passes a row of gy, 1×n, to a vector stored n×1.
func TestWrongShape(t *testing.T) { checkWrongShape[float64](t) }

// wrongShapeCase is a case whose gradients have the shapes want.
type wrongShapeCase struct {
	c    opCase
	want map[string][]int
}

// wrongShapeCases are the cases of TestWrongShape.
func wrongShapeCases() []wrongShapeCase {
	return []wrongShapeCase{
		{binary("Max", in("x1", m23, -2, 2), in("x2", m23, -2, 2), ag.Max), map[string][]int{"x1": {6, 1}, "x2": {6, 1}}},
		{binary("Min", in("x1", m23, -2, 2), in("x2", m23, -2, 2), ag.Min), map[string][]int{"x1": {6, 1}, "x2": {6, 1}}},
		{unary("ReduceSum", ag.ReduceSum, -2, 2), map[string][]int{"x": {6, 1}}},
		{unary("ReduceMean", ag.ReduceMean, -2, 2), map[string][]int{"x": {6, 1}}},
		{binary("AppendRows", in("x", []int{2, 4}, -2, 2), in("v", []int{4}, -2, 2),
			func(a, b mat.Tensor) mat.Tensor { return ag.AppendRows(a, b) }), map[string][]int{"v": {1, 4}}},
	}
}

// checkWrongShape runs the wrong-shape cases in T and asserts that
// gradcheck accepts their values and that their shapes are spaGO's.
func checkWrongShape[T Float](t *testing.T) {
	t.Helper()
	for _, tt := range wrongShapeCases() {
		for _, seed := range []uint64{1, 2} {
			rep, p := checkOf[T](t, tt.c, seed)
			if !rep.OK() {
				t.Errorf("%s, seed %d: gradcheck rejects the gradient's values:\n%v", tt.c.name, seed, rep)
			}
			for name, shape := range tt.want {
				if got := p.wrongShape[name]; !slices.Equal(got, shape) {
					t.Errorf("%s, seed %d: the gradient of %s has shape %v, want spaGO's %v", tt.c.name, seed, name, got, shape)
				}
			}
			if len(p.wrongShape) != len(tt.want) {
				t.Errorf("%s, seed %d: gradients of the wrong shape %v, want %v", tt.c.name, seed, p.wrongShape, tt.want)
			}
		}
	}
}

// crashCase runs fn's backward pass in a child process and asserts that
// it ends the process with msg.
func crashCase(t *testing.T, msg string, fn func() mat.Tensor) {
	t.Helper()
	out, failed := inChild(t, func() {
		y := fn()
		if err := ag.Backward(y); err != nil {
			panic(err)
		}
	})
	if !failed || !strings.Contains(out, msg) {
		t.Errorf("backward: failed %v, output\n%s\nwant a failure with %q", failed, out, msg)
	}
}

// x23 is a 2×3 input that requires gradients.
func x23() *mat.Dense[float64] {
	return mat.NewDense[float64](mat.WithShape(2, 3), mat.WithBacking([]float64{0.1, -0.2, 0.3, 0.4, -0.5, 0.6}), mat.WithGrad(true))
}

// TestReduceSumThenTanh: ReduceSum's gradient of a 2×3 matrix is a 6×1
// column (mat/gradfn/reducesum.go:42), which the elementwise rule below it
// rejects (unaryelementwise.go:32, "fn: matrices have incompatible
// dimensions"), and spaGO ends the process on it (ag/operator.go:296,
// log.Fatalf).
func TestReduceSumThenTanh(t *testing.T) {
	crashCase(t, "ag: error during backward pass: fn: matrices have incompatible dimensions",
		func() mat.Tensor { return ag.ReduceSum(ag.Tanh(x23())) })
}

// TestMSEOfMatrices: losses.MSE of two 2×3 matrices ends the process in
// its backward pass, for the same 6×1 gradient of ReduceSum reaching
// ProdScalar.
func TestMSEOfMatrices(t *testing.T) {
	crashCase(t, "incompatible dimensions", func() mat.Tensor {
		y := mat.NewDense[float64](mat.WithShape(2, 3), mat.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
		return losses.MSE(x23(), y, false)
	})
}

// TestSwishBMatrix: SwishB's β gradient reads gy with one index
// (mat/gradfn/swishb.go:56, gy.ScalarAt(i)), which mat.Dense allows for
// vectors only: with a matrix input and a β that requires gradients the
// backward pass panics in its goroutine and ends the process.
func TestSwishBMatrix(t *testing.T) {
	crashCase(t, "Dense structure is not a 1-dimensional array", func() mat.Tensor {
		beta := mat.Scalar(1.5, mat.WithGrad(true))
		w := mat.NewDense[float64](mat.WithShape(2, 3), mat.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
		return ag.Dot(ag.SwishB(x23(), beta), w)
	})
}

// sparseMaxAsComputed is the gradient of Σ w ⊙ y for the function spaGO's
// SparseMax computes: y = clip(x − m − τ, 0, m) with m = max x and τ
// sparsemax's threshold of x − m. With K the k entries of sparsemax's
// support, an entry inside (0, m) is y_i = x_i − Σ_K x_j/k + 1/k, whose
// derivative in x_j is δ_ij − 1/k for j in K; an entry clipped at m is
// y_i = x_a, a the argmax, whose derivative is δ_ja; the others are 0.
func sparseMaxAsComputed(x, w []float64) []float64 {
	a := 0
	for i, v := range x {
		if v > x[a] {
			a = i
		}
	}
	m := x[a]
	z := slices.Clone(x)
	slices.SortFunc(z, func(p, q float64) int { return -cmpFloat(p, q) })
	var sum, support float64
	k := 0
	for i, v := range z {
		sum += v
		if 1+float64(i+1)*v > sum {
			k, support = i+1, sum
		}
	}
	tau := (support - 1) / float64(k)
	g := make([]float64, len(x))
	inK := func(v float64) bool { return v > tau }
	for i, v := range x {
		y := v - tau
		switch {
		case y > m:
			g[a] += w[i]
		case y > 0:
			g[i] += w[i]
			for j, u := range x {
				if inK(u) {
					g[j] -= w[i] / float64(k)
				}
			}
		}
	}
	return g
}

// cmpFloat orders two floats.
func cmpFloat(p, q float64) int {
	switch {
	case p < q:
		return -1
	case p > q:
		return 1
	}
	return 0
}

// TestSparseMaxClip: spaGO's SparseMax clips its output to [0, max x]
// (mat/gradfn/sparsemax.go:42, SparseMax.Forward,
// v.SubScalarInPlace(tau).ClipInPlace(0, xMax)) where sparsemax is
// max(x − τ, 0), whose entries can exceed max x when it is below 1: the
// output then no longer sums to 1, and Backward (sparsemax.go:49), the
// Jacobian of sparsemax itself, diag(s) − s·sᵀ/k on the support s, is not
// that of the clipped function the forward computes. Below the entries
// are in [−1, 1] and the clip binds at the first point.
func TestSparseMaxClip(t *testing.T) {
	c := vector("SparseMax", ag.SparseMax, -1, 1)
	c.want = func(v [][]float64, w []float64) [][]float64 {
		return [][]float64{sparseMaxAsComputed(v[0], w)}
	}
	vs := c.point(1)
	_, out := c.forward(vs)
	var sum float64
	for _, y := range out.Value().Data().F64() {
		sum += y
	}
	if math.Abs(sum-1) < 0.01 {
		t.Errorf("SparseMax(%v) sums to %g: the clip does not bind", vs[0], sum)
	}
	checkWrong(t, c, 1)
}

// TestSparseMaxNegative: SparseMax of a vector whose entries are all
// negative panics in its forward pass (mat/gradfn/sparsemax.go:42): it
// clips to [0, max x], and mat.Dense.ClipInPlace refuses max < min.
func TestSparseMaxNegative(t *testing.T) {
	defer func() {
		r := recover()
		if s, _ := r.(string); s != "mat: cannot clip values with max < min" {
			t.Errorf("SparseMax of negative entries: recovered %v, want spaGO's panic", r)
		}
	}()
	ag.SparseMax(mat.NewDense[float64](mat.WithBacking([]float64{-0.5, -1, -2}), mat.WithGrad(true)))
}

// TestMaxSelf: Max and Min of a tensor with itself, max(x, x) = x, whose
// gradient is w, get 0 from spaGO: mat/gradfn/max.go:55 and :65 (Max)
// and min.go:55 and :65 (Min) give the gradient to x1 where x1 > x2 and to
// x2 where x2 > x1, strictly, and so to neither where they tie. 0 is
// between the one-sided slopes of each input on its own, 0 and w, but the
// two gradients must add up to w, the slope along both moved together.
func TestMaxSelf(t *testing.T) {
	for _, c := range maxSelfCases() {
		for _, seed := range []uint64{1, 2} {
			checkWrong(t, c, seed)
		}
	}
}

// maxSelfCases are Max(x, x) and Min(x, x) with their gradient, w.
func maxSelfCases() []opCase {
	var cs []opCase
	for _, op := range []struct {
		name string
		f    func(a, b mat.Tensor) mat.Tensor
	}{{"Max", ag.Max}, {"Min", ag.Min}} {
		c := opCase{name: op.name + "(x, x)", inputs: []input{in("x", v5, -2, 2)},
			build: func(x []mat.Tensor) mat.Tensor { return op.f(x[0], x[0]) }}
		c.want = func(_ [][]float64, w []float64) [][]float64 { return [][]float64{slices.Clone(w)} }
		cs = append(cs, c)
	}
	return cs
}

// hyperCases are SELU, SoftPlus, SoftShrink and Threshold with their
// tensor hyperparameters differentiated, each with its hand-derived
// gradient. Their Backward computes x's gradient only
// (mat/gradfn/selu.go:44, softplus.go:44, softshrink.go:38,
// threshold.go:45), as CELU's, ELU's and LeakyReLU's do (TestAlphaDropped):
// the gradient of every other operand is silently zero, where
// ∂/∂p Σ w ⊙ f(x; p) = Σ w ⊙ ∂f/∂p. With s the scale:
//
//   - SELU(x) = s·α·(eˣ − 1) for x ≤ 0 and s·x above: in α s·(eˣ − 1) for
//     x ≤ 0, 0 above; in s α·(eˣ − 1) for x ≤ 0, x above.
//   - SoftPlus(x) = log(1 + e^{βx})/β for x ≤ t and x above: in β
//     x·σ(βx)/β − log(1 + e^{βx})/β² for x ≤ t, 0 above.
//   - SoftShrink(x) = x + λ for x < −λ, x − λ for x > λ, 0 between: in λ
//     1, −1 and 0.
//   - Threshold(x) = k for x ≤ t and x above: in k 1 for x ≤ t, 0 above.
//
// SoftPlus's and Threshold's threshold t is not differentiable by design:
// each output jumps where x crosses t (by log(1 + e^{−βt})/β, by t − k),
// so that its derivative in t is a delta at x = t and 0 at every other x.
// spaGO's 0 is that derivative wherever it is defined; the points here
// hold no x within gradcheck's steps of t, and t is differentiated with
// the rest, where it must pass. SwishB's β is differentiated
// (swishb.go:51) and passes on vectors (TestOps).
func hyperCases() []opCase {
	// free is a scalar hyperparameter of value v that is differentiated.
	free := func(name string, v float64) input {
		return input{name: name, shape: s, value: []float64{v}}
	}
	x := in("x", m23, -2, 2)
	selu := opCase{name: "SELU", inputs: []input{x, free("alpha", 1.6732632423543772), free("scale", 1.0507009873554805)},
		build: func(x []mat.Tensor) mat.Tensor { return ag.SELU(x[0], x[1], x[2]) }}
	selu.want = func(v [][]float64, w []float64) [][]float64 {
		a, sc := v[1][0], v[2][0]
		gx := make([]float64, len(v[0]))
		var ga, gs float64
		for i, x := range v[0] {
			if x > 0 {
				gx[i] = w[i] * sc
				gs += w[i] * x
				continue
			}
			gx[i] = w[i] * sc * a * math.Exp(x)
			ga += w[i] * sc * (math.Exp(x) - 1)
			gs += w[i] * a * (math.Exp(x) - 1)
		}
		return [][]float64{gx, {ga}, {gs}}
	}
	softPlus := opCase{name: "SoftPlus", inputs: []input{x, free("beta", 2), free("threshold", 0.3)},
		build: func(x []mat.Tensor) mat.Tensor { return ag.SoftPlus(x[0], x[1], x[2]) }}
	softPlus.want = func(v [][]float64, w []float64) [][]float64 {
		b, t := v[1][0], v[2][0]
		gx := make([]float64, len(v[0]))
		var gb float64
		for i, x := range v[0] {
			if x > t {
				gx[i] = w[i]
				continue
			}
			sig := 1 / (1 + math.Exp(-b*x))
			gx[i] = w[i] * sig
			gb += w[i] * (x*sig/b - math.Log1p(math.Exp(b*x))/(b*b))
		}
		return [][]float64{gx, {gb}, {0}}
	}
	softShrink := opCase{name: "SoftShrink", inputs: []input{in("x", []int{3, 4}, -2, 2), free("lambda", 0.6)},
		build: func(x []mat.Tensor) mat.Tensor { return ag.SoftShrink(x[0], x[1]) }}
	softShrink.want = func(v [][]float64, w []float64) [][]float64 {
		l := v[1][0]
		gx := make([]float64, len(v[0]))
		var gl float64
		for i, x := range v[0] {
			switch {
			case x < -l:
				gx[i], gl = w[i], gl+w[i]
			case x > l:
				gx[i], gl = w[i], gl-w[i]
			}
		}
		return [][]float64{gx, {gl}}
	}
	threshold := opCase{name: "Threshold", inputs: []input{x, free("threshold", 0.3), free("k", -1)},
		build: func(x []mat.Tensor) mat.Tensor { return ag.Threshold(x[0], x[1], x[2]) }}
	threshold.want = func(v [][]float64, w []float64) [][]float64 {
		t := v[1][0]
		gx := make([]float64, len(v[0]))
		var gk float64
		for i, x := range v[0] {
			if x > t {
				gx[i] = w[i]
				continue
			}
			gk += w[i]
		}
		return [][]float64{gx, {0}, {gk}}
	}
	return []opCase{selu, softPlus, softShrink, threshold}
}

// TestHyperDropped: the hyperparameters of SELU (α and scale), SoftPlus
// (β), SoftShrink (λ) and Threshold (k) get no gradient (hyperCases);
// SoftPlus's and Threshold's threshold, whose derivative is 0 away from
// the jump at x = t, pass. Each point has entries of x in every interval
// between the points where a closed form changes branch, so that every
// branch is taken.
func TestHyperDropped(t *testing.T) {
	cuts := map[string]func(v [][]float64) []float64{
		"SELU":       func([][]float64) []float64 { return []float64{0} },
		"SoftPlus":   func(v [][]float64) []float64 { return []float64{v[2][0]} },
		"SoftShrink": func(v [][]float64) []float64 { return []float64{-v[1][0], v[1][0]} },
		"Threshold":  func(v [][]float64) []float64 { return []float64{v[1][0]} },
	}
	for _, c := range hyperCases() {
		for _, seed := range []uint64{1, 2} {
			vs := c.point(seed)
			cs := cuts[c.name](vs)
			for j := 0; j <= len(cs); j++ {
				lo, hi := math.Inf(-1), math.Inf(1)
				if j > 0 {
					lo = cs[j-1]
				}
				if j < len(cs) {
					hi = cs[j]
				}
				if !slices.ContainsFunc(vs[0], func(x float64) bool { return x > lo && x < hi }) {
					t.Errorf("%s, seed %d: no entry of x = %v in (%g, %g)", c.name, seed, vs[0], lo, hi)
				}
			}
			checkWrong(t, c, seed)
		}
	}
}
