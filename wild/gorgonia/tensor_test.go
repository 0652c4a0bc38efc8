package gorgonia

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradcheck/gradcheck"
)

// This file checks Gorgonia's reductions, softmax family, linear algebra
// and shape operations. Every (operation, mode) lands in one of four
// tables or tests: the checks that pass (TestTensorCorrect), the wrong
// gradients pinned against a closed form derived by hand, the errors
// Gorgonia returns (TestTensorGorgoniaErrors), and the non-differentiable
// operations. At, on the LispMachine, is not checked at all: its forward
// pass panics on a goroutine of the machine (vm_genera.go:350,
// lispMachine.forward: "interface conversion: gorgonia.Value is nil, not
// *gorgonia.dualValue"), which no recover in the test can catch.

// tensorSeeds are the points at which every passing check is made.
var tensorSeeds = []uint64{1, 2, 3}

// wSeed is the seed of the cotangent w of every check in this file.
const wSeed = 7

// in returns an input of the given shape with seeded values in [lo, hi).
func in(name string, seed uint64, lo, hi float64, shape ...int) input {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return input{name: name, shape: shape, value: values(seed, n, lo, hi)}
}

// unary returns a case of one input.
func unary(name string, x input, f func(x *G.Node) (*G.Node, error)) opCase {
	return opCase{name: name, inputs: []input{x}, build: func(n []*G.Node) (*G.Node, error) { return f(n[0]) }}
}

// binary returns a case of two inputs.
func binary(name string, a, b input, f func(a, b *G.Node) (*G.Node, error)) opCase {
	return opCase{name: name, inputs: []input{a, b}, build: func(n []*G.Node) (*G.Node, error) { return f(n[0], n[1]) }}
}

// intConst returns a constant Int vector on g, for indices.
func intConst(g *G.ExprGraph, name string, v ...int) *G.Node {
	t := tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(append([]int(nil), v...)))
	return G.NodeFromAny(g, t, G.WithName(name))
}

// forward runs the case's forward pass on a tape machine and returns its
// output's values.
func forward(c opCase) ([]float64, error) { return forwardAs[float64](c) }

// forwardAs runs the case's forward pass in T's precision on a tape
// machine and returns its output's values, widened to float64.
func forwardAs[T float](c opCase) ([]float64, error) {
	g := G.NewGraph()
	nodes := make([]*G.Node, len(c.inputs))
	for k, in := range c.inputs {
		t := tensor.New(tensor.WithShape(in.shape...), tensor.WithBacking(narrow[T](in.value)))
		nodes[k] = G.NodeFromAny(g, t, G.WithName(in.name))
	}
	out, err := c.build(nodes)
	if err != nil {
		return nil, err
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		return nil, err
	}
	switch v := out.Value().Data().(type) {
	case T:
		return []float64{float64(v)}, nil
	case []T:
		w := make([]float64, len(v))
		for i, x := range v {
			w[i] = float64(x)
		}
		return w, nil
	}
	return nil, fmt.Errorf("%s: output of type %T", c.name, out.Value().Data())
}

// checkErr checks the case and returns the error that building its graph,
// its Loss or its Gradient ended with, panics included; nil if the check
// ran through.
func checkErr(c opCase, md mode) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	m, err := c.model(md, wSeed)
	if err != nil {
		return err
	}
	_, err = gradcheck.Check(m, nil)
	return err
}

// relClose reports whether a and b agree to a relative tol.
func relClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b))
}

// closedFormTol is how closely a closed form must agree with gradcheck's
// numeric estimate, relative.
const closedFormTol = 1e-6

// assertWrong asserts that the report fails and that the entries it fails
// in each block are those where Gorgonia's gradient (the report's
// Analytic) differs from the closed form ref[block], which must agree
// with the numeric estimate at every entry. It returns the entries
// Gorgonia has wrong.
func assertWrong(t *testing.T, rep *gradcheck.Report, ref [][]float64) []gradcheck.Entry {
	t.Helper()
	if rep.OK() {
		t.Errorf("gradcheck passes a gradient that differs from the closed form:\n%v", rep)
	}
	var wrong []gradcheck.Entry
	for b := range rep.Blocks {
		blk := &rep.Blocks[b]
		for _, e := range blk.Entries {
			r := ref[b][e.Index]
			if !relClose(e.Numeric, r, closedFormTol) {
				t.Errorf("%s: closed form %.10g, numeric estimate %.10g: the closed form is wrong", blk.EntryName(e.Index), r, e.Numeric)
			}
			differs := !relClose(e.Analytic, r, closedFormTol)
			if differs {
				wrong = append(wrong, e)
			}
			if differs == e.Verdict.Pass() {
				t.Errorf("%s: Gorgonia %.10g, closed form %.10g, verdict %v", blk.EntryName(e.Index), e.Analytic, r, e.Verdict)
			}
		}
	}
	if len(wrong) == 0 {
		t.Errorf("Gorgonia's gradient agrees with the closed form everywhere")
	}
	return wrong
}

// logDiagnoses logs the first diagnosis of each failing block and the
// wrong entries: the figures the findings quote.
func logDiagnoses(t *testing.T, rep *gradcheck.Report, wrong []gradcheck.Entry) {
	t.Helper()
	for _, b := range rep.Blocks {
		if len(b.Diagnoses) > 0 {
			t.Logf("block %s: diagnosis: %s", b.Name, b.Diagnoses[0].Summary)
		}
	}
	for _, e := range wrong {
		t.Logf("entry %d: Gorgonia %.6g, closed form and numeric %.6g", e.Index, e.Analytic, e.Numeric)
	}
}

// tensorOp is an operation at a seeded point, checked in the given modes.
type tensorOp struct {
	name  string
	make  func(seed uint64) opCase
	modes []mode
	// point, where not nil, says what the point must be like (an error
	// if it is not), from the operation's output.
	point func(out []float64) error
}

var both = []mode{symbolic, lisp}

// mat34 is a 3×4 input in [−1.5, 1.5).
func mat34(seed uint64) input { return in("x", seed, -1.5, 1.5, 3, 4) }

// vec5 is a 5-vector in [−1.5, 1.5).
func vec5(seed uint64) input { return in("x", seed, -1.5, 1.5, 5) }

// pos34 is a 3×4 input in [0.2, 1.7), for powers with real exponents.
func pos34(seed uint64) input { return in("x", seed, 0.2, 1.7, 3, 4) }

// un and bin shorten the table.
func un(name string, x func(uint64) input, f func(*G.Node) (*G.Node, error)) func(uint64) opCase {
	return func(seed uint64) opCase { return unary(name, x(seed), f) }
}

func bin(name string, a, b []int, f func(a, b *G.Node) (*G.Node, error)) func(uint64) opCase {
	return func(seed uint64) opCase {
		return binary(name, in("a", seed, -1, 1, a...), in("b", seed+100, -1, 1, b...), f)
	}
}

// someZero and allPositive say whether a sparsemax output has exact zeros.
func someZero(out []float64) error {
	if !slices.Contains(out, 0) {
		return fmt.Errorf("no output is exactly 0: %v", out)
	}
	return nil
}

func allPositive(out []float64) error {
	for _, v := range out {
		if v <= 0 {
			return fmt.Errorf("an output is not positive: %v", out)
		}
	}
	return nil
}

// tensorCorrect are the (operation, mode) pairs whose gradient is right:
// gradcheck must pass them at every seed.
var tensorCorrect = []tensorOp{
	{name: "Sum", make: un("Sum", mat34, func(x *G.Node) (*G.Node, error) { return G.Sum(x) }), modes: both},
	{name: "Sum/0", make: un("Sum0", mat34, func(x *G.Node) (*G.Node, error) { return G.Sum(x, 0) }), modes: both},
	{name: "Sum/1", make: un("Sum1", mat34, func(x *G.Node) (*G.Node, error) { return G.Sum(x, 1) }), modes: both},
	{name: "Mean", make: un("Mean", mat34, func(x *G.Node) (*G.Node, error) { return G.Mean(x) }), modes: both},
	{name: "Mean/0", make: un("Mean0", mat34, func(x *G.Node) (*G.Node, error) { return G.Mean(x, 0) }), modes: both},
	{name: "Mean/1", make: un("Mean1", mat34, func(x *G.Node) (*G.Node, error) { return G.Mean(x, 1) }), modes: both},
	{name: "Max", make: un("Max", mat34, func(x *G.Node) (*G.Node, error) { return G.Max(x) }), modes: []mode{symbolic}},
	{name: "Max/0", make: un("Max0", mat34, func(x *G.Node) (*G.Node, error) { return G.Max(x, 0) }), modes: []mode{symbolic}},
	{name: "Max/1", make: un("Max1", mat34, func(x *G.Node) (*G.Node, error) { return G.Max(x, 1) }), modes: []mode{symbolic}},
	{name: "Norm2/0", make: un("Norm2", mat34, func(x *G.Node) (*G.Node, error) { return G.Norm(x, 0, 2) }), modes: both},
	{name: "Norm2/1", make: un("Norm2", mat34, func(x *G.Node) (*G.Node, error) { return G.Norm(x, 1, 2) }), modes: both},
	{name: "Norm1/0", make: un("Norm1", pos34, func(x *G.Node) (*G.Node, error) { return G.Norm(x, 0, 1) }), modes: []mode{symbolic}},
	{name: "Norm3/1", make: un("Norm3", pos34, func(x *G.Node) (*G.Node, error) { return G.Norm(x, 1, 3) }), modes: []mode{symbolic}},
	{name: "LogSumExp/vector", make: un("LogSumExp", vec5, func(x *G.Node) (*G.Node, error) { return G.LogSumExp(x, 0) }), modes: []mode{symbolic}},
	{name: "SoftMax", make: un("SoftMax", mat34, func(x *G.Node) (*G.Node, error) { return G.SoftMax(x) }), modes: both},
	{name: "SoftMax/0", make: un("SoftMax", mat34, func(x *G.Node) (*G.Node, error) { return G.SoftMax(x, 0) }), modes: both},
	{name: "SoftMax/1", make: un("SoftMax", mat34, func(x *G.Node) (*G.Node, error) { return G.SoftMax(x, 1) }), modes: both},
	{name: "SoftMax/vector", make: un("SoftMax", vec5, func(x *G.Node) (*G.Node, error) { return G.SoftMax(x) }), modes: both},
	{name: "LogSoftMax", make: un("LogSoftMax", mat34, func(x *G.Node) (*G.Node, error) { return G.LogSoftMax(x) }), modes: both},
	{name: "LogSoftMax/0", make: un("LogSoftMax", mat34, func(x *G.Node) (*G.Node, error) { return G.LogSoftMax(x, 0) }), modes: both},
	{name: "LogSoftMax/1", make: un("LogSoftMax", mat34, func(x *G.Node) (*G.Node, error) { return G.LogSoftMax(x, 1) }), modes: both},
	{name: "LogSoftMax/vector", make: un("LogSoftMax", vec5, func(x *G.Node) (*G.Node, error) { return G.LogSoftMax(x) }), modes: both},
	{name: "Sparsemax/zeros", make: un("Sparsemax", mat34, func(x *G.Node) (*G.Node, error) { return G.Sparsemax(x) }), modes: []mode{symbolic}, point: someZero},
	{
		name: "Sparsemax/positive", modes: []mode{symbolic}, point: allPositive,
		make: un("Sparsemax", func(seed uint64) input { return in("x", seed, -0.1, 0.1, 5) }, func(x *G.Node) (*G.Node, error) { return G.Sparsemax(x) }),
	},
	{name: "Mul/matrix×matrix", make: bin("MatMul", []int{2, 3}, []int{3, 4}, G.Mul), modes: both},
	{name: "Mul/matrix×vector", make: bin("MatVec", []int{2, 3}, []int{3}, G.Mul), modes: both},
	{name: "Mul/vector×matrix", make: bin("VecMat", []int{2}, []int{2, 3}, G.Mul), modes: both},
	{name: "Mul/vector·vector", make: bin("VecDot", []int{3}, []int{3}, G.Mul), modes: both},
	{name: "BatchedMatMul", make: bin("BMM", []int{2, 2, 3}, []int{2, 3, 4}, func(a, b *G.Node) (*G.Node, error) { return G.BatchedMatMul(a, b) }), modes: both},
	{name: "BatchedMatMul/transA", make: bin("BMM", []int{2, 3, 2}, []int{2, 3, 4}, func(a, b *G.Node) (*G.Node, error) { return G.BatchedMatMul(a, b, true) }), modes: both},
	{name: "BatchedMatMul/transB", make: bin("BMM", []int{2, 2, 3}, []int{2, 4, 3}, func(a, b *G.Node) (*G.Node, error) { return G.BatchedMatMul(a, b, false, true) }), modes: both},
	{name: "BatchedMatMul/transAB", make: bin("BMM", []int{2, 3, 2}, []int{2, 4, 3}, func(a, b *G.Node) (*G.Node, error) { return G.BatchedMatMul(a, b, true, true) }), modes: both},
	{name: "Tensordot/1axis", make: bin("Tensordot", []int{2, 3}, []int{3, 4}, func(a, b *G.Node) (*G.Node, error) { return G.Tensordot([]int{1}, []int{0}, a, b) }), modes: both},
	{name: "Tensordot/2axes", make: bin("Tensordot", []int{2, 3, 4}, []int{3, 4, 2}, func(a, b *G.Node) (*G.Node, error) { return G.Tensordot([]int{1, 2}, []int{0, 1}, a, b) }), modes: both},
	{name: "Tensordot/swapped", make: bin("Tensordot", []int{3, 2}, []int{4, 3}, func(a, b *G.Node) (*G.Node, error) { return G.Tensordot([]int{0}, []int{1}, a, b) }), modes: both},
	{name: "Transpose", make: un("Transpose", mat34, func(x *G.Node) (*G.Node, error) { return G.Transpose(x) }), modes: both},
	{
		name: "Transpose/3d", modes: both,
		make: un("Transpose", func(seed uint64) input { return in("x", seed, -1, 1, 2, 3, 4) }, func(x *G.Node) (*G.Node, error) { return G.Transpose(x, 1, 2, 0) }),
	},
	{name: "Reshape", make: un("Reshape", mat34, func(x *G.Node) (*G.Node, error) { return G.Reshape(x, tensor.Shape{2, 6}) }), modes: both},
	{name: "Ravel", make: un("Ravel", mat34, G.Ravel), modes: both},
	{name: "Slice/row", make: un("Slice", mat34, func(x *G.Node) (*G.Node, error) { return G.Slice(x, G.S(1)) }), modes: both},
	{name: "Slice/column", make: un("Slice", mat34, func(x *G.Node) (*G.Node, error) { return G.Slice(x, nil, G.S(2)) }), modes: both},
	{name: "Slice/range", make: un("Slice", mat34, func(x *G.Node) (*G.Node, error) { return G.Slice(x, G.S(1, 3)) }), modes: both},
	{name: "Slice/step", make: un("Slice", mat34, func(x *G.Node) (*G.Node, error) { return G.Slice(x, nil, G.S(0, 4, 2)) }), modes: both},
	{name: "Concat/0", make: bin("Concat", []int{2, 3}, []int{1, 3}, func(a, b *G.Node) (*G.Node, error) { return G.Concat(0, a, b) }), modes: both},
	{name: "Concat/1", make: bin("Concat", []int{2, 3}, []int{2, 2}, func(a, b *G.Node) (*G.Node, error) { return G.Concat(1, a, b) }), modes: []mode{symbolic}},
	{
		name: "ByIndices/0", modes: []mode{symbolic},
		make: un("ByIndices", mat34, func(x *G.Node) (*G.Node, error) { return G.ByIndices(x, intConst(x.Graph(), "i", 2, 0, 2), 0) }),
	},
	{
		name: "KeepDims/Sum1", modes: both,
		make: un("KeepDims", mat34, func(x *G.Node) (*G.Node, error) {
			return G.KeepDims(x, false, func(a *G.Node) (*G.Node, error) { return G.Sum(a, 1) })
		}),
	},
}

// TestTensorCorrect checks that gradcheck passes every right gradient:
// real code on which it raises no false alarm.
func TestTensorCorrect(t *testing.T) {
	for _, op := range tensorCorrect {
		for _, seed := range tensorSeeds {
			c := op.make(seed)
			if op.point != nil {
				out, err := forward(c)
				if err != nil {
					t.Fatalf("%s seed %d: %v", op.name, seed, err)
				}
				if err := op.point(out); err != nil {
					t.Errorf("%s seed %d: not the point meant: %v", op.name, seed, err)
				}
			}
			for _, md := range op.modes {
				if rep := c.check(t, md, wSeed); !rep.OK() {
					t.Errorf("%s %v seed %d: gradcheck fails a right gradient:\n%v", op.name, md, seed, rep)
				}
			}
		}
	}
}

// maxSlice returns, for a 3×4 input reduced by Max along axes, the index
// of the output entry (the slice) that entry i of the input belongs to.
func maxSlice(axes []int) func(i int) int {
	switch {
	case len(axes) == 0:
		return func(int) int { return 0 }
	case axes[0] == 0:
		return func(i int) int { return i % 4 }
	default:
		return func(i int) int { return i / 4 }
	}
}

// maxOutputs returns the number of entries of Max along axes of a 3×4
// input.
func maxOutputs(axes []int) int {
	if len(axes) == 0 {
		return 1
	}
	return []int{4, 3}[axes[0]]
}

// maxRef returns the closed form of ∂(Σ_s w_s·max_{i∈s} x_i)/∂x for a
// 3×4 x without ties: w_s at the maximum of slice s, 0 elsewhere.
func maxRef(x, w []float64, axes []int) []float64 {
	slice := maxSlice(axes)
	top := map[int]int{}
	for i, v := range x {
		if j, ok := top[slice(i)]; !ok || v > x[j] {
			top[slice(i)] = i
		}
	}
	ref := make([]float64, len(x))
	for s, i := range top {
		ref[i] = w[s]
	}
	return ref
}

// TestTensorMaxLisp pins down the LispMachine's gradient of Max, which is
// zero at the maxima. maxOp (op_reduction.go:101) has a SymDiff but no
// DoDiff, so it is no ADOp, and lispMachine.forward (vm_genera.go:491)
// queues a backward instruction only for ADOps: the gradient stops at the
// max without an error. By hand, ∂(Σ_s w_s·max_{i∈s} x_i)/∂x_i is w_s
// where x_i is the unique maximum of its slice s, and 0 elsewhere.
func TestTensorMaxLisp(t *testing.T) {
	for _, axes := range [][]int{nil, {0}, {1}} {
		for _, seed := range []uint64{1, 2} {
			x := mat34(seed)
			c := unary("Max", x, func(x *G.Node) (*G.Node, error) { return G.Max(x, axes...) })
			n := maxOutputs(axes)
			ref := maxRef(x.value, cotangent(wSeed, n), axes)
			rep := c.check(t, lisp, wSeed)
			wrong := assertWrong(t, rep, [][]float64{ref})
			if len(wrong) != n {
				t.Errorf("Max along %v, seed %d: %d wrong entries, want the %d maxima", axes, seed, len(wrong), n)
			}
			for _, e := range wrong {
				if e.Analytic != 0 {
					t.Errorf("Max along %v, seed %d: entry %d: Gorgonia %g, want the zero of a dropped gradient", axes, seed, e.Index, e.Analytic)
				}
			}
			if seed == 1 {
				logDiagnoses(t, rep, wrong)
			}
		}
	}
}

// TestTensorMaxTie checks Max at a point where maxima tie exactly (a kink):
// x[0,1] = x[0,2] = x[1,2] = 2, the largest values, so that the three tie
// for the maximum of x, x[0,2] and x[1,2] for that of column 2, and x[0,1]
// and x[0,2] for that of row 0. Moved alone, a tied entry moves the max at
// the rate w_s one way and not at all the other (a Kink of slopes 0 and
// w_s); moved together, the k tied entries of slice s move it at w_s, so
// a subgradient's entries over them sum to w_s. Symbolic differentiation
// gives each tied entry w_s (maxOp.SymDiff, op_reduction.go:150, routes
// the gradient through the mask x = max(x)), k·w_s in all; the
// LispMachine gives 0 (TestTensorMaxLisp). Both are wrong there, and
// gradcheck tests the tied entries together to say so. The entries that
// do not tie keep the closed form of maxRef.
func TestTensorMaxTie(t *testing.T) {
	x := mat34(1)
	for _, i := range []int{1, 2, 6} {
		x.value[i] = 2
	}
	for _, md := range both {
		for _, axes := range [][]int{nil, {0}, {1}} {
			c := unary("Max", x, func(x *G.Node) (*G.Node, error) { return G.Max(x, axes...) })
			slice := maxSlice(axes)
			w := cotangent(wSeed, maxOutputs(axes))
			// groups are the tied maxima of each slice.
			groups := map[int][]int{}
			for i := range x.value {
				if x.value[i] == 2 {
					groups[slice(i)] = append(groups[slice(i)], i)
				}
			}
			ref := maxRef(x.value, w, axes)
			rep := c.check(t, md, wSeed)
			if rep.OK() {
				t.Errorf("%v Max along %v at a tie: gradcheck passes:\n%v", md, axes, rep)
			}
			entries := map[int]gradcheck.Entry{}
			for _, e := range rep.Blocks[0].Entries {
				entries[e.Index] = e
			}
			tied := 0
			for s, g := range groups {
				if len(g) < 2 {
					continue
				}
				tied++
				var analytic, numeric float64
				for _, i := range g {
					analytic += entries[i].Analytic
					numeric += entries[i].Numeric
				}
				if !relClose(numeric, w[s], closedFormTol) {
					t.Errorf("%v Max along %v, tie %v: the joint slope is %.10g, gradcheck's shares sum to %.10g", md, axes, g, w[s], numeric)
				}
				if want := map[mode]float64{symbolic: float64(len(g)) * w[s], lisp: 0}[md]; !relClose(analytic, want, closedFormTol) {
					t.Errorf("%v Max along %v, tie %v: Gorgonia's entries sum to %.10g, the bug found gives %.10g", md, axes, g, analytic, want)
				}
				for _, i := range g {
					if entries[i].Verdict.Pass() {
						t.Errorf("%v Max along %v: tied entry %d passes", md, axes, i)
					}
				}
				t.Logf("%v Max along %v, tie %v: Gorgonia's entries sum to %.6g, joint slope %.6g", md, axes, g, analytic, w[s])
			}
			if tied == 0 {
				t.Errorf("Max along %v: no tie at the point", axes)
			}
			for i, e := range entries {
				if g := groups[slice(i)]; len(g) > 1 && slices.Contains(g, i) {
					continue
				}
				if !relClose(e.Numeric, ref[i], closedFormTol) {
					t.Errorf("%v Max along %v: entry %d: closed form %.10g, numeric %.10g", md, axes, i, ref[i], e.Numeric)
				}
				if differs := !relClose(e.Analytic, ref[i], closedFormTol); differs == e.Verdict.Pass() {
					t.Errorf("%v Max along %v: entry %d: Gorgonia %.10g, closed form %.10g, verdict %v", md, axes, i, e.Analytic, ref[i], e.Verdict)
				}
			}
			for _, b := range rep.Blocks {
				if len(b.Diagnoses) > 0 {
					t.Logf("%v Max along %v: diagnosis: %s", md, axes, b.Diagnoses[0].Summary)
				}
			}
		}
	}
}

// TestTensorLogSumExpLisp pins down the LispMachine's gradient of
// LogSumExp of a vector, wrong at the maximum because the gradient of the
// Max inside it is dropped (TestTensorMaxLisp). Gorgonia's LogSumExp
// (operations.go:168) computes f = log(S + m) with m = max x and
// S = Σ_j exp(x_j − m) (TestTensorLogSumExpForward). By hand,
// ∂f/∂x_j = exp(x_j − m)/(S + m) for j not the maximum k, and at k, where
// ∂m/∂x_k = 1 and ∂S/∂x_k = −(S − 1), ∂f/∂x_k = (2 − S)/(S + m); the
// LispMachine gives 1/(S + m) there.
func TestTensorLogSumExpLisp(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		x := vec5(seed)
		c := unary("LogSumExp", x, func(x *G.Node) (*G.Node, error) { return G.LogSumExp(x, 0) })
		w := cotangent(wSeed, 1)[0]
		k := 0
		for i, v := range x.value {
			if v > x.value[k] {
				k = i
			}
		}
		m := x.value[k]
		var s float64
		for _, v := range x.value {
			s += math.Exp(v - m)
		}
		ref := make([]float64, len(x.value))
		for i, v := range x.value {
			ref[i] = w * math.Exp(v-m) / (s + m)
		}
		ref[k] = w * (2 - s) / (s + m)
		rep := c.check(t, lisp, wSeed)
		wrong := assertWrong(t, rep, [][]float64{ref})
		if len(wrong) != 1 || wrong[0].Index != k || !relClose(wrong[0].Analytic, w/(s+m), closedFormTol) {
			t.Errorf("seed %d: wrong entries %v, want x[%d] alone, at w/(S + m) = %g", seed, wrong, k, w/(s+m))
		}
		if seed == 1 {
			logDiagnoses(t, rep, wrong)
		}
	}
}

// TestTensorLogSumExpForward records that Gorgonia's LogSumExp of a vector
// is not log Σ exp(x): operations.go:176 adds the max m inside the log,
// log(Σ_j exp(x_j − m) + m), where m + log Σ_j exp(x_j − m) is meant. The
// gradients above are those of the function Gorgonia computes.
func TestTensorLogSumExpForward(t *testing.T) {
	x := vec5(1)
	out, err := forward(unary("LogSumExp", x, func(x *G.Node) (*G.Node, error) { return G.LogSumExp(x, 0) }))
	if err != nil {
		t.Fatal(err)
	}
	m := slices.Max(x.value)
	var s float64
	for _, v := range x.value {
		s += math.Exp(v - m)
	}
	if got, want := out[0], math.Log(s+m); !relClose(got, want, 1e-12) {
		t.Errorf("LogSumExp = %.10g, want log(S + m) = %.10g", got, want)
	}
	if got, lse := out[0], m+math.Log(s); relClose(got, lse, 1e-6) {
		t.Errorf("LogSumExp = %.10g is log Σ exp(x) = %.10g: the forward pass is right", got, lse)
	}
}

// TestTensorByIndicesAxis1 pins down the symbolic gradient of ByIndices
// along the last axis, which lands at the wrong column for an index
// beyond the output's width. byIndicesOpDiffOp.Do (op_by_indices.go:232)
// calls tensor.ByIndicesB, whose StdEng.selectByIndicesB (gorgonia.org/
// tensor v0.9.24, defaultengine_selbyidx.go:219) locates the destination
// column idx in the input's gradient with the out gradient's shape and
// strides (apB where apRet is meant): Ltoi fails for idx ≥ the output's
// width, its error is dropped, and the column becomes 0. By hand, with
// y[r,j] = x[r, idx[j]], ∂L/∂x[r,c] = Σ_{j: idx[j] = c} w[r,j].
func TestTensorByIndicesAxis1(t *testing.T) {
	idx := []int{3, 1}
	for _, seed := range []uint64{1, 2} {
		x := mat34(seed)
		c := unary("ByIndices", x, func(x *G.Node) (*G.Node, error) { return G.ByIndices(x, intConst(x.Graph(), "i", idx...), 1) })
		w := cotangent(wSeed, 3*len(idx))
		ref := make([]float64, 12)
		for r := range 3 {
			for j, col := range idx {
				ref[r*4+col] += w[r*len(idx)+j]
			}
		}
		rep := c.check(t, symbolic, wSeed)
		wrong := assertWrong(t, rep, [][]float64{ref})
		for _, e := range wrong {
			if col := e.Index % 4; col != 0 && col != 3 {
				t.Errorf("seed %d: entry %d is wrong, in column %d: want columns 0 and 3 only", seed, e.Index, col)
			}
		}
		if seed == 1 {
			logDiagnoses(t, rep, wrong)
		}
	}
}

// TestTensorConcatAxis1Lisp pins down the LispMachine's gradient of
// Concat along axis 1 where the shapes let it run (3×2 and 3×1; with 2×3
// and 2×2 it fails, TestTensorGorgoniaErrors). concatOp.DoDiff
// (op_tensor.go:1107) slices the output's gradient along axis 0 whatever
// the axis, and drops the error of the Add that should accumulate it
// (op_tensor.go:1117): a gets nothing, b gets row 2 of the output's
// gradient. By hand, with y = [a | b], ∂L/∂a[r,c] = w[r,c] and
// ∂L/∂b[r,0] = w[r,2].
func TestTensorConcatAxis1Lisp(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		c := binary("Concat", in("a", seed, -1, 1, 3, 2), in("b", seed+100, -1, 1, 3, 1), func(a, b *G.Node) (*G.Node, error) { return G.Concat(1, a, b) })
		w := cotangent(wSeed, 9)
		ra, rb := make([]float64, 6), make([]float64, 3)
		for r := range 3 {
			ra[r*2], ra[r*2+1], rb[r] = w[r*3], w[r*3+1], w[r*3+2]
		}
		rep := c.check(t, lisp, wSeed)
		wrong := assertWrong(t, rep, [][]float64{ra, rb})
		if seed == 1 {
			logDiagnoses(t, rep, wrong)
		}
	}
}

// TestTensorGorgoniaErrors asserts the errors Gorgonia returns (or the
// panics it raises) where it cannot differentiate an operation, with
// their messages.
func TestTensorGorgoniaErrors(t *testing.T) {
	tests := []struct {
		name string
		c    opCase
		md   mode
		want string
	}{
		// hadamardPowDiff (operatorPointwise_binary.go:964) multiplies
		// with an operator typed (y, x) on the operands (x^(y−1), y): a
		// tensor raised to a scalar power cannot be differentiated.
		{"Norm1", unary("Norm", pos34(1), func(x *G.Node) (*G.Node, error) { return G.Norm(x, 0, 1) }), lisp, "Expected right value to be Tensor"},
		{"Norm3", unary("Norm", pos34(1), func(x *G.Node) (*G.Node, error) { return G.Norm(x, 1, 3) }), lisp, "Expected right value to be Tensor"},
		// LogSumExp (operations.go:173) subtracts the reduced max from
		// the matrix without broadcasting it: no axis of a matrix works.
		{"LogSumExp/0", unary("LogSumExp", mat34(1), func(x *G.Node) (*G.Node, error) { return G.LogSumExp(x, 0) }), symbolic, "Shape mismatch: (3, 4) and (4)"},
		{"LogSumExp/0", unary("LogSumExp", mat34(1), func(x *G.Node) (*G.Node, error) { return G.LogSumExp(x, 0) }), lisp, "Shape mismatch: (3, 4) and (4)"},
		{"LogSumExp/1", unary("LogSumExp", mat34(1), func(x *G.Node) (*G.Node, error) { return G.LogSumExp(x, 1) }), symbolic, "Shape mismatch: (3, 4) and (3)"},
		{"LogSumExp/1", unary("LogSumExp", mat34(1), func(x *G.Node) (*G.Node, error) { return G.LogSumExp(x, 1) }), lisp, "Shape mismatch: (3, 4) and (3)"},
		// sparsemaxOp.DoDiff (op_sparsemax.go:312) wants two inputs of a
		// unary operation.
		{"Sparsemax", unary("Sparsemax", mat34(1), func(x *G.Node) (*G.Node, error) { return G.Sparsemax(x) }), lisp, "SparsemaxOp.DoDiff needs 2 arguments"},
		{"Sparsemax/vector", unary("Sparsemax", vec5(1), func(x *G.Node) (*G.Node, error) { return G.Sparsemax(x) }), lisp, "SparsemaxOp.DoDiff needs 2 arguments"},
		// outerProdDiffExpr (operatorLinAlg.go:264) and outerProdDiff
		// (operatorLinAlg.go:276) multiply an input by the 2×3 gradient,
		// x·gradZ where gradZ·y is meant: the shapes do not fit.
		{"OuterProd", binary("OuterProd", in("a", 1, -1, 1, 2), in("b", 101, -1, 1, 3), G.OuterProd), symbolic, "Failed to execute instruction Aᵀ × b"},
		{"OuterProd", binary("OuterProd", in("a", 1, -1, 1, 2), in("b", 101, -1, 1, 3), G.OuterProd), lisp, "Mul failed: Shape mismatch. Expected (2, 3). Got (3)"},
		// tensordotOp's derivatives (op_math.go:916, DoDiff, and
		// op_math.go:1097, SymDiff) fail where one operand is contracted
		// whole.
		{"Tensordot/b contracted whole", binary("Tensordot", in("a", 1, -1, 1, 2, 3, 4), in("b", 101, -1, 1, 4, 3), func(a, b *G.Node) (*G.Node, error) { return G.Tensordot([]int{1, 2}, []int{1, 0}, a, b) }), symbolic, "Tensordot(aAxes=[], bAxes=[])"},
		{"Tensordot/b contracted whole", binary("Tensordot", in("a", 1, -1, 1, 2, 3, 4), in("b", 101, -1, 1, 4, 3), func(a, b *G.Node) (*G.Node, error) { return G.Tensordot([]int{1, 2}, []int{1, 0}, a, b) }), lisp, "Shape mismatch. Expected (12, 1). Got (1, 2)"},
		// concatOp.DoDiff (op_tensor.go:1107) slices along axis 0.
		{"Concat/1", binary("Concat", in("a", 1, -1, 1, 2, 3), in("b", 101, -1, 1, 2, 2), func(a, b *G.Node) (*G.Node, error) { return G.Concat(1, a, b) }), lisp, "Start 3 is greater than"},
		// byIndicesOp.DoDiff (op_by_indices.go:106) calls its derivative
		// operation of three inputs with two.
		{"ByIndices/0", unary("ByIndices", mat34(1), func(x *G.Node) (*G.Node, error) { return G.ByIndices(x, intConst(x.Graph(), "i", 2, 0, 2), 0) }), lisp, "has an arity of 3. Got 2"},
		{"ByIndices/1", unary("ByIndices", mat34(1), func(x *G.Node) (*G.Node, error) { return G.ByIndices(x, intConst(x.Graph(), "i", 3, 1), 1) }), lisp, "has an arity of 3. Got 2"},
		// DiagFlat is documented as non-differentiable; its type
		// (op_nondiff.go:19) makes a matrix of its input's type, a Matrix
		// of Vectors, and summing its output panics.
		{"DiagFlat", unary("DiagFlat", vec5(1), G.DiagFlat), symbolic, "has 1 dimensions(Shape: ())"},
		{"DiagFlat", unary("DiagFlat", vec5(1), G.DiagFlat), lisp, "has 1 dimensions(Shape: ())"},
	}
	for _, tt := range tests {
		err := checkErr(tt.c, tt.md)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %v: error %v, want one containing %q", tt.name, tt.md, err, tt.want)
		}
	}
}

// TestTensorAtNonDifferentiable asserts that At is non-differentiable:
// atOp.SymDiff (op_tensor.go:39) returns a non-differentiability error.
// The harness cannot check it: the scalar At returns cannot be multiplied
// by a float64 constant in its loss ("Type Mismatch: Matrix float64 !=
// float64"), and on the LispMachine it panics (see the top of this file).
func TestTensorAtNonDifferentiable(t *testing.T) {
	x := mat34(1)
	g := G.NewGraph()
	n := G.NodeFromAny(g, tensor.New(tensor.WithShape(x.shape...), tensor.WithBacking(x.value)), G.WithName("x"))
	a, err := G.At(n, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(a, n); err == nil || !strings.Contains(err.Error(), "Non Differentiable") {
		t.Errorf("G.Grad of At: error %v, want Non Differentiable", err)
	}
}
