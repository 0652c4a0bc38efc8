package gorgonia

import (
	"fmt"
	"math"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gradcheck/gradcheck"
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

// unaryCorrect are the unary operations whose gradient is right in the
// modes named, with the domain [lo, hi) each is checked on.
var unaryCorrect = []struct {
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

// TestElementwiseUnaryCorrect checks the unary operations whose gradient
// is right in the mode named, on domains where each is defined: gradcheck
// must pass them.
func TestElementwiseUnaryCorrect(t *testing.T) {
	for _, tc := range unaryCorrect {
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

// binaryOp is a binary operation checked in the modes named, with the
// operands its inputs are drawn as.
type binaryOp struct {
	name  string
	build func(in []*G.Node) (*G.Node, error)
	a, b  operand
	modes []mode
}

// binaryCorrect are the binary operations whose gradient is right in the
// modes named: tensors of one shape, a scalar with a tensor, and the
// broadcast forms of a 3×4 tensor with a 3×1 or a 1×4 one.
var binaryCorrect = func() []binaryOp {
	m34 := func(lo, hi float64) operand { return operand{[]int{3, 4}, lo, hi} }
	m31 := func(lo, hi float64) operand { return operand{[]int{3, 1}, lo, hi} }
	m14 := func(lo, hi float64) operand { return operand{[]int{1, 4}, lo, hi} }
	one := func(lo, hi float64) operand { return operand{[]int{1}, lo, hi} }
	return []binaryOp{
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
}()

// TestElementwiseBinaryCorrect checks the binary operations whose gradient
// is right in the mode named: tensors of one shape, a scalar with a
// tensor, and the broadcast forms of a 3×4 tensor with a 3×1 or a 1×4 one.
// gradcheck must pass them.
func TestElementwiseBinaryCorrect(t *testing.T) {
	for _, tc := range binaryCorrect {
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

// agree reports whether two derivatives agree to a relative 1e-6, absolute
// near zero.
func agree(x, y float64) bool {
	return math.Abs(x-y) <= 1e-6*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
}

// wrongCase is an (operation, mode) whose gradient gradcheck fails, with
// the closed form of the gradient it should have.
type wrongCase struct {
	name string
	md   mode
	// make builds the case at a seed.
	make func(seed uint64) opCase
	// closed is the gradient of Σ out ⊙ w with respect to each input,
	// derived by hand.
	closed func(c opCase, w []float64) [][]float64
	// scale, when not 0, is the factor c of the scale diagnosis that
	// the block's analytic gradient must be: c times the true one.
	scale float64
	// inconclusive says why an entry may be Inconclusive rather than a
	// Mismatch; nil: none may be. None of the rules here needs one: the
	// max and min entries whose other input lies within the step, on a
	// flat stretch of the loss, were Inconclusive (3 of 24 at seed 1)
	// until the stair probe (refine.go, probeStair) told that stretch
	// from a staircase.
	inconclusive func(c opCase, block int, e gradcheck.Entry) bool
}

// elementwiseWrong are the elementwise (operation, mode) pairs whose
// gradient is wrong, with their closed forms.
var elementwiseWrong = func() []wrongCase {
	unaryClosed := func(d func(x float64) float64) func(c opCase, w []float64) [][]float64 {
		return func(c opCase, w []float64) [][]float64 {
			x := c.inputs[0].value
			g := make([]float64, len(x))
			for i := range x {
				g[i] = w[i] * d(x[i])
			}
			return [][]float64{g}
		}
	}
	// between is the gradient of max(a, b) (or of min(a, b) with less)
	// with respect to a and b: w goes to the input that is the output,
	// to a at a tie, as Gorgonia's symbolic rule routes it.
	between := func(aWins func(a, b float64) bool) func(c opCase, w []float64) [][]float64 {
		return func(c opCase, w []float64) [][]float64 {
			a, b := c.inputs[0].value, c.inputs[1].value
			ga, gb := make([]float64, len(a)), make([]float64, len(b))
			for i := range a {
				if aWins(a[i], b[i]) {
					ga[i] = w[i]
				} else {
					gb[i] = w[i]
				}
			}
			return [][]float64{ga, gb}
		}
	}
	m34 := operand{[]int{3, 4}, -2, 2}
	return []wrongCase{
		// operatorPointwise_unary.go:263, log2DiffExpr: it returns
		// gradY/(x/ln 2) = gradY·ln 2/x, where d log₂x/dx = 1/(x·ln 2):
		// it divides x by ln 2 instead of multiplying, and the gradient is
		// ln²2 = 0.480 times the true one. (log2Diff, the lisp rule,
		// multiplies and is right.)
		{
			name:   "Log2",
			md:     symbolic,
			make:   func(seed uint64) opCase { return unaryCase("Log2", G.Log2, seed, 0.2, 3) },
			closed: unaryClosed(func(x float64) float64 { return 1 / (x * math.Ln2) }),
			scale:  math.Ln2 * math.Ln2,
		},
		// operatorPointwise_unary.go:463, inverseSqrtDiffExpr: it returns
		// −gradY/(2y³) with y = x^(−1/2), where dy/dx = −½x^(−3/2) = −y³/2:
		// it divides by 2y³ instead of multiplying by y³/2, a gradient
		// 1/y⁶ = x³ times the true one.
		{
			name:   "InverseSqrt",
			md:     symbolic,
			make:   func(seed uint64) opCase { return unaryCase("InverseSqrt", G.InverseSqrt, seed, 0.2, 3) },
			closed: unaryClosed(func(x float64) float64 { return -0.5 * math.Pow(x, -1.5) }),
		},
		// op_minmaxBetween.go:170, minmaxAutoDiff (the DoDiff of both
		// MaxBetween and MinBetween): its mask is a < out (ltOpType, line
		// 175) where it should be a = out. For max(a, b), a < out holds
		// where b is the maximum, so a gets w where b won and b gets
		// w − that where a won: the two inputs' gradients are swapped.
		// The right one is ∂/∂a = w·[a ≥ b], ∂/∂b = w·[a < b].
		{
			name: "MaxBetween",
			md:   lisp,
			make: func(seed uint64) opCase {
				return binaryCase("MaxBetween", pair(G.MaxBetween), seed, m34, m34)
			},
			closed: between(func(a, b float64) bool { return a >= b }),
		},
		// op_minmaxBetween.go:170, minmaxAutoDiff again: for min(a, b),
		// a < out never holds, so a gets 0 and b all of w. The right one
		// is ∂/∂a = w·[a ≤ b], ∂/∂b = w·[a > b]: wrong wherever a < b.
		{
			name: "MinBetween",
			md:   lisp,
			make: func(seed uint64) opCase {
				return binaryCase("MinBetween", pair(G.MinBetween), seed, m34, m34)
			},
			closed: between(func(a, b float64) bool { return a <= b }),
		},
	}
}()

// TestElementwiseWrongGradient pins the elementwise gradients that
// Gorgonia gets wrong. At every entry it compares Gorgonia's value (the
// report's Analytic) with a closed form derived by hand: where they differ
// gradcheck must fail the entry, where they agree it must pass it, and the
// closed form must agree with gradcheck's numeric estimate, so that the
// closed form, and not Gorgonia, is what the loss says. The test fails
// if a rule turns out to be right.
func TestElementwiseWrongGradient(t *testing.T) {
	for _, tc := range elementwiseWrong {
		for _, seed := range elementwiseSeeds {
			c := tc.make(seed)
			rep := c.check(t, tc.md, seed)
			where := fmt.Sprintf("%s, %v, seed %d", tc.name, tc.md, seed)
			if rep.OK() {
				t.Errorf("%s: gradcheck passes a gradient that differs from the closed form", where)
			}
			// The output has the shape of the first input.
			closed := tc.closed(c, cotangent(seed, len(c.inputs[0].value)))
			wrong := 0
			for k, b := range rep.Blocks {
				for _, e := range b.Entries {
					want := closed[k][e.Index]
					name := b.EntryName(e.Index)
					if !agree(e.Analytic, want) {
						wrong++
						if wrong == 1 {
							t.Logf("%s: %s: Gorgonia %.6g, closed form %.6g, numeric %.6g (%v)", where, name, e.Analytic, want, e.Numeric, e.Verdict)
						}
						if e.Verdict.Pass() {
							t.Errorf("%s: %s: gradcheck passes (%v) Gorgonia's %g, the closed form is %g", where, name, e.Verdict, e.Analytic, want)
						}
					} else if !e.Verdict.Pass() {
						t.Errorf("%s: %s: gradcheck fails (%v) Gorgonia's %g, which agrees with the closed form %g", where, name, e.Verdict, e.Analytic, want)
					}
					if e.Verdict == gradcheck.Inconclusive {
						if tc.inconclusive == nil || !tc.inconclusive(c, k, e) {
							t.Errorf("%s: %s: inconclusive (analytic %g, numeric %g, step %g) with no reason for it", where, name, e.Analytic, e.Numeric, e.Step)
						}
						continue
					}
					if !agree(e.Numeric, want) {
						t.Errorf("%s: %s: the closed form %g disagrees with gradcheck's numeric estimate %g", where, name, want, e.Numeric)
					}
				}
				for _, d := range b.Diagnoses {
					t.Logf("%s: block %s: %s", where, b.Name, d.Summary)
				}
			}
			if wrong == 0 {
				t.Errorf("%s: Gorgonia's gradient agrees with the closed form at every entry: the rule is right", where)
			}
			if tc.scale != 0 {
				d := rep.Blocks[0].Diagnoses
				if len(d) == 0 || d[0].Pattern != gradcheck.PatternScale || !agree(d[0].Factor, tc.scale) {
					t.Errorf("%s: the first diagnosis is not a scale by %g: %+v", where, tc.scale, d)
				}
			}
		}
	}
}

// TestElementwiseGorgoniaError pins the elementwise operations whose
// gradient Gorgonia does not compute: gradcheck.Check returns the error,
// with Gorgonia's message.
func TestElementwiseGorgoniaError(t *testing.T) {
	powConst := func(x *G.Node) (*G.Node, error) { return G.Pow(x, G.NewConstant(2.5)) }
	one := operand{[]int{1}, -2, 2}
	cases := []struct {
		name string
		md   mode
		make func(seed uint64) opCase
		want string
	}{
		// Sign, Ceil and Floor have the derivative 0 wherever they have
		// one, but Gorgonia declares them non-differentiable
		// (operatorPointwise_unary.go:110, nondiffUnaryOpExpr, and :113,
		// nondiffUnaryOp): G.Grad refuses the graph
		// (differentiation.go:183) and the LispMachine's DoDiff fails.
		{"Sign", symbolic, func(s uint64) opCase { return unaryCase("Sign", G.Sign, s, -2, 2) }, "Non Differentiable WRTs"},
		{"Sign", lisp, func(s uint64) opCase { return unaryCase("Sign", G.Sign, s, -2, 2) }, "Failed to differentiate sign: AutoDiffError"},
		{"Ceil", symbolic, func(s uint64) opCase { return unaryCase("Ceil", G.Ceil, s, -2, 2) }, "Non Differentiable WRTs"},
		{"Ceil", lisp, func(s uint64) opCase { return unaryCase("Ceil", G.Ceil, s, -2, 2) }, "Failed to differentiate ceil: AutoDiffError"},
		{"Floor", symbolic, func(s uint64) opCase { return unaryCase("Floor", G.Floor, s, -2, 2) }, "Non Differentiable WRTs"},
		{"Floor", lisp, func(s uint64) opCase { return unaryCase("Floor", G.Floor, s, -2, 2) }, "Failed to differentiate floor: AutoDiffError"},
		// operatorPointwise_unary.go:480, inverseSqrtDiff: the op at line
		// 493 is typed for two tensors and is given the scalar constant 2
		// (line 494). Past it the rule would still be wrong: it divides by
		// 2y³ as inverseSqrtDiffExpr does, and drops the result of its
		// last subtraction (line 504) instead of storing it in x's
		// derivative.
		{"InverseSqrt", lisp, func(s uint64) opCase { return unaryCase("InverseSqrt", G.InverseSqrt, s, 0.2, 3) },
			"Failed to differentiate invSqrt: Doing ⊙ false failed: Expected left value to be Tensor"},
		// operatorPointwise_binary.go:931, hadamardPowDiff: the product at
		// line 963 is typed (type of y, type of x) and called with
		// (x^(y−1), y) at line 964; for a scalar exponent y its right
		// operand is then the scalar where a tensor is expected.
		{"Pow(a, scalar)", lisp, func(s uint64) opCase {
			return binaryCase("Pow(a, scalar)", withScalar(G.Pow, false), s, operand{[]int{3, 4}, 0.3, 2}, one)
		}, "Failed to differentiate ^: Expected right value to be Tensor"},
		{"Pow(x, 2.5)", lisp, func(s uint64) opCase { return unaryCase("Pow(x, 2.5)", powConst, s, 0.3, 2) },
			"Failed to differentiate ^: Expected right value to be Tensor. Got 2.5"},
	}
	for _, tc := range cases {
		for _, seed := range elementwiseSeeds {
			m, err := tc.make(seed).model(tc.md, seed)
			if err != nil {
				t.Fatalf("%s, %v: %v", tc.name, tc.md, err)
			}
			_, err = gradcheck.Check(m, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s, %v, seed %d: gradcheck.Check returned the error %v, want one containing %q", tc.name, tc.md, seed, err, tc.want)
			}
		}
	}
}

// TestElementwiseKink checks the piecewise operations at their kinks: an
// entry of Abs, Rectify and LeakyRelu exactly at 0, and MaxBetween and
// MinBetween at a tie a = b. gradcheck checks a kink as a subgradient: the
// analytic value must lie between the one-sided slopes.
func TestElementwiseKink(t *testing.T) {
	const at = 1 // the entry put at the kink
	unary := func(name string, f func(*G.Node) (*G.Node, error)) func(seed uint64) opCase {
		return func(seed uint64) opCase {
			c := opCase{
				name:   name,
				inputs: []input{{"x", []int{2, 3}, values(seed, 6, -2, 2)}},
				build:  func(in []*G.Node) (*G.Node, error) { return f(in[0]) },
			}
			c.inputs[0].value[at] = 0
			return c
		}
	}
	tie := func(name string, f func(a, b *G.Node) (*G.Node, error)) func(seed uint64) opCase {
		return func(seed uint64) opCase {
			m23 := operand{[]int{2, 3}, -2, 2}
			c := binaryCase(name, pair(f), seed, m23, m23)
			c.inputs[1].value[at] = c.inputs[0].value[at]
			return c
		}
	}
	cases := []struct {
		name string
		md   mode
		make func(seed uint64) opCase
		// want is the verdict of each block's entry at the kink.
		want []gradcheck.Verdict
		// ok says whether the whole report passes.
		ok bool
	}{
		// Abs's rules give sign(0)·w = 0 at 0, and the central difference
		// of |x| about 0 is 0 too: the entry agrees at once, and the kink
		// is never seen.
		{"Abs", symbolic, unary("Abs", G.Abs), []gradcheck.Verdict{gradcheck.OK}, true},
		{"Abs", lisp, unary("Abs", G.Abs), []gradcheck.Verdict{gradcheck.OK}, true},
		// Rectify multiplies by x ≥ 0, so it gives w at 0, one of the
		// one-sided slopes 0 and w.
		{"Rectify", symbolic, unary("Rectify", G.Rectify), []gradcheck.Verdict{gradcheck.Kink}, true},
		{"Rectify", lisp, unary("Rectify", G.Rectify), []gradcheck.Verdict{gradcheck.Kink}, true},
		// LeakyRelu gives w at 0 (its x ≥ 0 branch), between 0.1·w and w.
		{"LeakyRelu", symbolic, unary("LeakyRelu", leakyRelu), []gradcheck.Verdict{gradcheck.Kink}, true},
		{"LeakyRelu", lisp, unary("LeakyRelu", leakyRelu), []gradcheck.Verdict{gradcheck.Kink}, true},
		// At a tie the symbolic rule gives all of w to a and none to b,
		// each between its one-sided slopes 0 and w.
		{"MaxBetween", symbolic, tie("MaxBetween", G.MaxBetween), []gradcheck.Verdict{gradcheck.Kink, gradcheck.Kink}, true},
		{"MinBetween", symbolic, tie("MinBetween", G.MinBetween), []gradcheck.Verdict{gradcheck.Kink, gradcheck.Kink}, true},
		// The lisp rule, wrong away from the tie
		// (TestElementwiseWrongGradient), gives w to b and 0 to a at the
		// tie: a subgradient there too, so the tied entries pass while
		// the others fail.
		{"MaxBetween", lisp, tie("MaxBetween", G.MaxBetween), []gradcheck.Verdict{gradcheck.Kink, gradcheck.Kink}, false},
		{"MinBetween", lisp, tie("MinBetween", G.MinBetween), []gradcheck.Verdict{gradcheck.Kink, gradcheck.Kink}, false},
	}
	for _, tc := range cases {
		for _, seed := range elementwiseSeeds {
			c := tc.make(seed)
			rep := c.check(t, tc.md, seed)
			where := fmt.Sprintf("%s, %v, seed %d", tc.name, tc.md, seed)
			if rep.OK() != tc.ok {
				t.Errorf("%s: report OK %v, want %v:\n%v", where, rep.OK(), tc.ok, rep)
			}
			for k, b := range rep.Blocks {
				e := b.Entries[at]
				t.Logf("%s: %s: %v, analytic %.6g, one-sided slopes [%.6g, %.6g]", where, b.EntryName(at), e.Verdict, e.Analytic, e.Left, e.Right)
				if e.Verdict != tc.want[k] {
					t.Errorf("%s: %s: verdict %v, want %v", where, b.EntryName(at), e.Verdict, tc.want[k])
				}
			}
		}
	}
}
