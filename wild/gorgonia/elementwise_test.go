package gorgonia

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

// The elementwise operations: unary functions, binary operations on
// tensors of one shape, on a scalar and a tensor, and Gorgonia's broadcast
// forms. Each is checked at two seeded points through both modes.

// elementwiseSeeds are the seeds of the points every operation is checked
// at: they seed both the inputs and the loss's cotangent.
var elementwiseSeeds = []uint64{1, 2}

// bothModes lists Gorgonia's two ways to differentiate.
var bothModes = []mode{symbolic, lisp}

// size is the number of entries of a shape.
func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// cotangent returns the w of the loss Σ out ⊙ w that opCase.model draws
// for seed, n entries, so that a closed-form gradient w ⊙ f⁽¹⁾(x) can be
// written down. The closed forms are compared with gradcheck's numeric
// estimates, so a w that drifted from the harness's would fail them.
func cotangent(seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	w := make([]float64, n)
	for i := range w {
		w[i] = 2*rng.Float64() - 1
	}
	return w
}

// unaryCase is the elementwise function f applied to one input of shape
// 3×4 drawn from [lo, hi) with seed.
func unaryCase(name string, f func(*G.Node) (*G.Node, error), seed uint64, lo, hi float64) opCase {
	return opCase{
		name:   name,
		inputs: []input{{"x", []int{3, 4}, values(seed, 12, lo, hi)}},
		build:  func(in []*G.Node) (*G.Node, error) { return f(in[0]) },
	}
}

// operand is one input of a binary case: its shape and the range its
// values are drawn from.
type operand struct {
	shape  []int
	lo, hi float64
}

// binaryCase is build applied to two inputs a and b; b's values are drawn
// with another seed than a's, so that the two differ.
func binaryCase(name string, build func(in []*G.Node) (*G.Node, error), seed uint64, a, b operand) opCase {
	return opCase{
		name: name,
		inputs: []input{
			{"a", a.shape, values(seed, size(a.shape), a.lo, a.hi)},
			{"b", b.shape, values(seed+100, size(b.shape), b.lo, b.hi)},
		},
		build: build,
	}
}

// pair applies a binary operation to the two inputs.
func pair(f func(a, b *G.Node) (*G.Node, error)) func(in []*G.Node) (*G.Node, error) {
	return func(in []*G.Node) (*G.Node, error) { return f(in[0], in[1]) }
}

// withScalar applies a binary operation to the tensor a and the scalar
// Σ b, b being a block of one entry: a gradcheck block has at least one
// axis, a Gorgonia scalar none, and Sum turns the one into the other.
// scalarLeft puts the scalar on the left.
func withScalar(f func(a, b *G.Node) (*G.Node, error), scalarLeft bool) func(in []*G.Node) (*G.Node, error) {
	return func(in []*G.Node) (*G.Node, error) {
		s, err := G.Sum(in[1])
		if err != nil {
			return nil, err
		}
		if scalarLeft {
			return f(s, in[0])
		}
		return f(in[0], s)
	}
}

// broadcast applies one of Gorgonia's broadcast operations with the
// patterns it documents: the axes of the left and of the right operand to
// repeat along.
func broadcast(f func(a, b *G.Node, left, right []byte) (*G.Node, error), left, right []byte) func(in []*G.Node) (*G.Node, error) {
	return func(in []*G.Node) (*G.Node, error) { return f(in[0], in[1], left, right) }
}

func leakyRelu(x *G.Node) (*G.Node, error) { return G.LeakyRelu(x, 0.1) }

// TestElementwiseUnaryCorrect checks the unary operations whose gradient
// is right in the mode named, on domains where each is defined: gradcheck
// must pass them.
func TestElementwiseUnaryCorrect(t *testing.T) {
	cases := []struct {
		name   string
		f      func(*G.Node) (*G.Node, error)
		lo, hi float64
		modes  []mode
	}{
		{"Abs", G.Abs, -2, 2, bothModes},
		{"Sin", G.Sin, -2, 2, bothModes},
		{"Cos", G.Cos, -2, 2, bothModes},
		{"Exp", G.Exp, -2, 2, bothModes},
		{"Log", G.Log, 0.2, 3, bothModes},
		{"Log2", G.Log2, 0.2, 3, []mode{lisp}},
		{"Log1p", G.Log1p, -0.5, 2, bothModes},
		{"Expm1", G.Expm1, -2, 2, bothModes},
		{"Neg", G.Neg, -2, 2, bothModes},
		{"Square", G.Square, -2, 2, bothModes},
		{"Sqrt", G.Sqrt, 0.2, 3, bothModes},
		{"Inverse", G.Inverse, 0.2, 3, bothModes},
		{"Cube", G.Cube, -2, 2, bothModes},
		{"Tanh", G.Tanh, -2, 2, bothModes},
		{"Sigmoid", G.Sigmoid, -2, 2, bothModes},
		{"Softplus", G.Softplus, -2, 2, bothModes},
		{"Rectify", G.Rectify, -2, 2, bothModes},
		{"LeakyRelu", leakyRelu, -2, 2, bothModes},
		{"Mish", G.Mish, -2, 2, bothModes},
	}
	for _, tc := range cases {
		for _, md := range tc.modes {
			for _, seed := range elementwiseSeeds {
				c := unaryCase(tc.name, tc.f, seed, tc.lo, tc.hi)
				if rep := c.check(t, md, seed); !rep.OK() {
					t.Errorf("%s, %v, seed %d: gradcheck flags a correct gradient:\n%v", tc.name, md, seed, rep)
				}
			}
		}
	}
}

// TestElementwiseBinaryCorrect checks the binary operations whose gradient
// is right in the mode named: tensors of one shape, a scalar with a
// tensor, and the broadcast forms of a 3×4 tensor with a 3×1 or a 1×4 one.
// gradcheck must pass them.
func TestElementwiseBinaryCorrect(t *testing.T) {
	m34 := func(lo, hi float64) operand { return operand{[]int{3, 4}, lo, hi} }
	m31 := func(lo, hi float64) operand { return operand{[]int{3, 1}, lo, hi} }
	m14 := func(lo, hi float64) operand { return operand{[]int{1, 4}, lo, hi} }
	one := func(lo, hi float64) operand { return operand{[]int{1}, lo, hi} }
	cases := []struct {
		name  string
		build func(in []*G.Node) (*G.Node, error)
		a, b  operand
		modes []mode
	}{
		{"Add", pair(G.Add), m34(-2, 2), m34(-2, 2), bothModes},
		{"Sub", pair(G.Sub), m34(-2, 2), m34(-2, 2), bothModes},
		{"HadamardProd", pair(G.HadamardProd), m34(-2, 2), m34(-2, 2), bothModes},
		{"HadamardDiv", pair(G.HadamardDiv), m34(-2, 2), m34(0.5, 2), bothModes},
		{"Pow", pair(G.Pow), m34(0.3, 2), m34(-2, 2), bothModes},
		{"Div", pair(G.Div), m34(-2, 2), m34(0.5, 2), bothModes},
		{"MaxBetween", pair(G.MaxBetween), m34(-2, 2), m34(-2, 2), []mode{symbolic}},
		{"MinBetween", pair(G.MinBetween), m34(-2, 2), m34(-2, 2), []mode{symbolic}},

		// A scalar with a tensor, on either side.
		{"Add(a, scalar)", withScalar(G.Add, false), m34(-2, 2), one(-2, 2), bothModes},
		{"Add(scalar, a)", withScalar(G.Add, true), m34(-2, 2), one(-2, 2), bothModes},
		{"Sub(a, scalar)", withScalar(G.Sub, false), m34(-2, 2), one(-2, 2), bothModes},
		{"Sub(scalar, a)", withScalar(G.Sub, true), m34(-2, 2), one(-2, 2), bothModes},
		{"HadamardProd(a, scalar)", withScalar(G.HadamardProd, false), m34(-2, 2), one(-2, 2), bothModes},
		{"HadamardProd(scalar, a)", withScalar(G.HadamardProd, true), m34(-2, 2), one(-2, 2), bothModes},
		{"HadamardDiv(a, scalar)", withScalar(G.HadamardDiv, false), m34(-2, 2), one(0.5, 2), bothModes},
		{"HadamardDiv(scalar, a)", withScalar(G.HadamardDiv, true), m34(0.5, 2), one(-2, 2), bothModes},
		{"Div(a, scalar)", withScalar(G.Div, false), m34(-2, 2), one(0.5, 2), bothModes},
		{"Div(scalar, a)", withScalar(G.Div, true), m34(0.5, 2), one(-2, 2), bothModes},
		// A scalar exponent fails in lisp mode: TestElementwiseGorgoniaError.
		{"Pow(a, scalar)", withScalar(G.Pow, false), m34(0.3, 2), one(-2, 2), []mode{symbolic}},
		{"Pow(scalar, a)", withScalar(G.Pow, true), m34(-2, 2), one(0.3, 2), bothModes},

		// The broadcast forms, the smaller operand on either side.
		{"BroadcastAdd(3×4, 3×1)", broadcast(G.BroadcastAdd, nil, []byte{1}), m34(-2, 2), m31(-2, 2), bothModes},
		{"BroadcastAdd(3×4, 1×4)", broadcast(G.BroadcastAdd, nil, []byte{0}), m34(-2, 2), m14(-2, 2), bothModes},
		{"BroadcastAdd(3×1, 3×4)", broadcast(G.BroadcastAdd, []byte{1}, nil), m31(-2, 2), m34(-2, 2), bothModes},
		{"BroadcastSub(3×4, 3×1)", broadcast(G.BroadcastSub, nil, []byte{1}), m34(-2, 2), m31(-2, 2), bothModes},
		{"BroadcastSub(1×4, 3×4)", broadcast(G.BroadcastSub, []byte{0}, nil), m14(-2, 2), m34(-2, 2), bothModes},
		{"BroadcastHadamardProd(3×4, 3×1)", broadcast(G.BroadcastHadamardProd, nil, []byte{1}), m34(-2, 2), m31(-2, 2), bothModes},
		{"BroadcastHadamardProd(3×4, 1×4)", broadcast(G.BroadcastHadamardProd, nil, []byte{0}), m34(-2, 2), m14(-2, 2), bothModes},
		{"BroadcastHadamardDiv(3×4, 3×1)", broadcast(G.BroadcastHadamardDiv, nil, []byte{1}), m34(-2, 2), m31(0.5, 2), bothModes},
		{"BroadcastHadamardDiv(1×4, 3×4)", broadcast(G.BroadcastHadamardDiv, []byte{0}, nil), m14(-2, 2), m34(0.5, 2), bothModes},
		{"BroadcastPow(3×4, 3×1)", broadcast(G.BroadcastPow, nil, []byte{1}), m34(0.3, 2), m31(-2, 2), bothModes},
		{"BroadcastPow(1×4, 3×4)", broadcast(G.BroadcastPow, []byte{0}, nil), m14(0.3, 2), m34(-2, 2), bothModes},
	}
	for _, tc := range cases {
		for _, md := range tc.modes {
			for _, seed := range elementwiseSeeds {
				c := binaryCase(tc.name, tc.build, seed, tc.a, tc.b)
				if rep := c.check(t, md, seed); !rep.OK() {
					t.Errorf("%s, %v, seed %d: gradcheck flags a correct gradient:\n%v", tc.name, md, seed, rep)
				}
			}
		}
	}
}

// TestElementwiseConstantOperand checks operations with a constant
// operand, as models write them (x to a fixed power, x over a fixed
// number): gradcheck must pass those whose gradient is right.
func TestElementwiseConstantOperand(t *testing.T) {
	cases := []struct {
		name   string
		f      func(*G.Node) (*G.Node, error)
		lo, hi float64
		modes  []mode
	}{
		// Pow with a constant exponent fails in lisp mode:
		// TestElementwiseGorgoniaError.
		{"Pow(x, 2.5)", func(x *G.Node) (*G.Node, error) { return G.Pow(x, G.NewConstant(2.5)) }, 0.3, 2, []mode{symbolic}},
		{"Div(x, 1.7)", func(x *G.Node) (*G.Node, error) { return G.Div(x, G.NewConstant(1.7)) }, -2, 2, bothModes},
	}
	for _, tc := range cases {
		for _, md := range tc.modes {
			for _, seed := range elementwiseSeeds {
				c := unaryCase(tc.name, tc.f, seed, tc.lo, tc.hi)
				if rep := c.check(t, md, seed); !rep.OK() {
					t.Errorf("%s, %v, seed %d: gradcheck flags a correct gradient:\n%v", tc.name, md, seed, rep)
				}
			}
		}
	}
}
