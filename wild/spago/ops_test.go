package spago

import (
	"testing"

	"github.com/nlpodyssey/spago/ag"
	"github.com/nlpodyssey/spago/mat"
)

// m23 is the shape of the matrices of most cases, v5 that of the vectors,
// s that of a scalar.
var (
	m23 = []int{2, 3}
	v5  = []int{5}
	s   = []int{1}
)

// in is an input of the given shape drawn from [lo, hi).
func in(name string, shape []int, lo, hi float64) input {
	return input{name: name, shape: shape, lo: lo, hi: hi}
}

// hyper is a fixed scalar hyperparameter.
func hyper(name string, v float64) input {
	return input{name: name, shape: s, value: []float64{v}, fixed: true}
}

// unary is an elementwise operation on a 2×3 matrix drawn from [lo, hi).
func unary(name string, f func(mat.Tensor) mat.Tensor, lo, hi float64) opCase {
	return opCase{name: name, inputs: []input{in("x", m23, lo, hi)},
		build: func(x []mat.Tensor) mat.Tensor { return f(x[0]) }}
}

// vector is an operation on a vector of five drawn from [lo, hi).
func vector(name string, f func(mat.Tensor) mat.Tensor, lo, hi float64) opCase {
	return opCase{name: name, inputs: []input{in("x", v5, lo, hi)},
		build: func(x []mat.Tensor) mat.Tensor { return f(x[0]) }}
}

// binary is an operation on two inputs.
func binary(name string, a, b input, f func(a, b mat.Tensor) mat.Tensor) opCase {
	return opCase{name: name, inputs: []input{a, b},
		build: func(x []mat.Tensor) mat.Tensor { return f(x[0], x[1]) }}
}

// opCases are the operators of spaGO's ag/operators.go whose backward
// rules gradcheck accepts, at points away from their kinks. The findings
// (findings_test.go) are the cases left out: GELU, MaxPooling over a
// pool without a positive entry, Max, Min and AppendRows on matrices,
// ReduceSum and ReduceMean of matrices, SwishB's β with a matrix input,
// SparseMax of inputs below 1. CELU, ELU, LeakyReLU, SELU, SoftPlus,
// SoftShrink and Threshold take their hyperparameters fixed here, whose
// gradients they drop (TestAlphaDropped, TestHyperDropped).
func opCases() []opCase {
	return []opCase{
		unary("Abs", ag.Abs, -2, 2),
		unary("Cos", ag.Cos, -3, 3),
		unary("Exp", ag.Exp, -2, 2),
		unary("HardSigmoid", ag.HardSigmoid, -2.4, 2.4),
		unary("HardTanh", ag.HardTanh, -2, 2),
		unary("Log", ag.Log, 0.5, 3),
		unary("Mish", ag.Mish, -3, 3),
		unary("Neg", ag.Neg, -2, 2),
		unary("Reciprocal", ag.Reciprocal, 0.5, 2),
		unary("ReLU", ag.ReLU, -2, 2),
		unary("Sigmoid", ag.Sigmoid, -3, 3),
		unary("SiLU", ag.SiLU, -3, 3),
		unary("Sin", ag.Sin, -3, 3),
		unary("Softsign", ag.Softsign, -3, 3),
		unary("Sqrt", ag.Sqrt, 0.5, 3),
		unary("Square", ag.Square, -2, 2),
		unary("Swish", ag.Swish, -3, 3),
		unary("Tan", ag.Tan, -1.2, 1.2),
		unary("Tanh", ag.Tanh, -2, 2),
		unary("Flatten", ag.Flatten, -2, 2),
		unary("T", ag.T, -2, 2),
		unary("PositiveELU", ag.PositiveELU, -2, 2),
		unary("Pow", func(x mat.Tensor) mat.Tensor { return ag.Pow(x, 2.5) }, 0.5, 2),
		unary("Reshape", func(x mat.Tensor) mat.Tensor { return ag.Reshape(x, 3, 2) }, -2, 2),
		unary("At", func(x mat.Tensor) mat.Tensor { return ag.At(x, 1, 2) }, -2, 2),
		unary("ColView", func(x mat.Tensor) mat.Tensor { return ag.ColView(x, 1) }, -2, 2),
		unary("RowView", func(x mat.Tensor) mat.Tensor { return ag.RowView(x, 1) }, -2, 2),
		unary("Slice", func(x mat.Tensor) mat.Tensor { return ag.Slice(x, 0, 1, 2, 3) }, -2, 2),
		vector("Softmax", ag.Softmax, -2, 2),
		vector("LogSoftmax", ag.LogSoftmax, -2, 2),
		vector("LogSumExp", func(x mat.Tensor) mat.Tensor { return ag.LogSumExp(x) }, -2, 2),
		// SparseMax's inputs here are at least 1, above any of its outputs:
		// see TestSparseMaxClip for those that are not.
		vector("SparseMax", ag.SparseMax, 1, 2),
		vector("SparseMaxLoss", ag.SparseMaxLoss, -1, 1),
		vector("ReduceMax", ag.ReduceMax, -2, 2),
		vector("ReduceMean", ag.ReduceMean, -2, 2),
		vector("ReduceSum", ag.ReduceSum, -2, 2),
		vector("RotateR", func(x mat.Tensor) mat.Tensor { return ag.RotateR(x, 2) }, -2, 2),
		binary("CELU", in("x", m23, -2, 2), hyper("alpha", 1.7), ag.CELU),
		binary("ELU", in("x", m23, -2, 2), hyper("alpha", 1.3), ag.ELU),
		binary("LeakyReLU", in("x", m23, -2, 2), hyper("alpha", 0.1), ag.LeakyReLU),
		binary("SoftShrink", in("x", m23, -2, 2), hyper("lambda", 0.5), ag.SoftShrink),
		binary("SwishB", in("x", v5, -2, 2), in("beta", s, 0.5, 2), ag.SwishB),
		{name: "SELU", inputs: []input{in("x", m23, -2, 2), hyper("alpha", 1.6732632423543772), hyper("scale", 1.0507009873554805)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.SELU(x[0], x[1], x[2]) }},
		{name: "SoftPlus", inputs: []input{in("x", m23, -2, 2), hyper("beta", 2), hyper("threshold", 20)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.SoftPlus(x[0], x[1], x[2]) }},
		{name: "Threshold", inputs: []input{in("x", m23, -2, 2), hyper("threshold", 0.3), hyper("k", -1)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.Threshold(x[0], x[1], x[2]) }},
		binary("Add", in("x1", m23, -2, 2), in("x2", m23, -2, 2), ag.Add),
		binary("Sub", in("x1", m23, -2, 2), in("x2", m23, -2, 2), ag.Sub),
		binary("Prod", in("x1", m23, -2, 2), in("x2", m23, -2, 2), ag.Prod),
		binary("Div", in("x1", m23, -2, 2), in("x2", m23, 0.5, 2), ag.Div),
		binary("AddScalar", in("x", m23, -2, 2), in("s", s, -2, 2), ag.AddScalar),
		binary("SubScalar", in("x", m23, -2, 2), in("s", s, -2, 2), ag.SubScalar),
		binary("ReverseSub", in("x", m23, -2, 2), in("s", s, -2, 2), ag.ReverseSub),
		binary("DivScalar", in("x", m23, -2, 2), in("s", s, 0.5, 2), ag.DivScalar),
		binary("ProdScalar", in("x", m23, -2, 2), in("s", s, -2, 2), ag.ProdScalar),
		binary("Dot", in("x1", v5, -2, 2), in("x2", v5, -2, 2), ag.Dot),
		binary("Dot/matrices", in("x1", m23, -2, 2), in("x2", m23, -2, 2), ag.Dot),
		binary("Mul", in("a", []int{3, 4}, -2, 2), in("b", []int{4, 2}, -2, 2), ag.Mul),
		binary("Mul/vector", in("a", []int{3, 4}, -2, 2), in("x", []int{4}, -2, 2), ag.Mul),
		binary("MulT", in("a", []int{4, 3}, -2, 2), in("x", []int{4}, -2, 2), ag.MulT),
		binary("Concat", in("x1", []int{3}, -2, 2), in("x2", []int{4}, -2, 2), func(a, b mat.Tensor) mat.Tensor { return ag.Concat(a, b) }),
		binary("Stack", in("x1", []int{4}, -2, 2), in("x2", []int{4}, -2, 2), func(a, b mat.Tensor) mat.Tensor { return ag.Stack(a, b) }),
		binary("Max/vectors", in("x1", v5, -2, 2), in("x2", v5, -2, 2), ag.Max),
		binary("Min/vectors", in("x1", v5, -2, 2), in("x2", v5, -2, 2), ag.Min),
		// MaxPooling's pools here all hold a positive entry: see
		// TestMaxPoolingNegativePool for those that do not.
		{name: "MaxPooling", inputs: []input{in("x", []int{4, 4}, 0.1, 2)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.MaxPooling(x[0], 2, 2) }},
		{name: "ScalarMax", inputs: []input{in("a", s, 0.1, 2), in("b", s, 0.1, 2), in("c", s, 0.1, 2)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.ScalarMax(x) }},
		{name: "LogSumExp/scalars", inputs: []input{in("a", s, -2, 2), in("b", s, -2, 2), in("c", s, -2, 2)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.LogSumExp(x...) }},
		{name: "Affine", inputs: []input{in("b", []int{3}, -2, 2), in("w", []int{3, 4}, -2, 2), in("x", []int{4}, -2, 2)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.Affine(x[0], x[1], x[2]) }},
		{name: "BiLinear", inputs: []input{in("w", []int{3, 4}, -2, 2), in("x1", []int{3}, -2, 2), in("x2", []int{4}, -2, 2)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.BiLinear(x[0], x[1], x[2]) }},
		{name: "BiAffine", inputs: []input{in("w", []int{3, 4}, -2, 2), in("u", []int{3}, -2, 2), in("v", []int{4}, -2, 2),
			in("b", s, -2, 2), in("x1", []int{3}, -2, 2), in("x2", []int{4}, -2, 2)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.BiAffine(x[0], x[1], x[2], x[3], x[4], x[5]) }},
	}
}

// TestOps checks every operator case at two seeded points.
func TestOps(t *testing.T) { checkOK(t, opCases()) }

// checkOK asserts that gradcheck accepts every case's gradient at two
// seeded points, and that each gradient has its input's shape.
func checkOK(t *testing.T, cases []opCase) {
	t.Helper()
	for _, c := range cases {
		for _, seed := range []uint64{1, 2} {
			rep, p := c.check(t, seed)
			if !rep.OK() {
				t.Errorf("%s, seed %d: gradcheck rejects spaGO's gradient:\n%v", c.name, seed, rep)
			}
			for name, shape := range p.wrongShape {
				t.Errorf("%s, seed %d: the gradient of %s has shape %v", c.name, seed, name, shape)
			}
		}
	}
}
