package gorgonia

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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

// cotangent returns the w that opCase.model draws for an output of n
// entries: the closed forms below need it. It must follow harness_test.go;
// if it did not, every closed form would disagree with the numeric
// estimates and the tests that compare them would fail.
func cotangent(seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	w := make([]float64, n)
	for i := range w {
		w[i] = 2*rng.Float64() - 1
	}
	return w
}

// forward runs the case's forward pass on a tape machine and returns its
// output's values.
func forward(c opCase) ([]float64, error) {
	g := G.NewGraph()
	nodes := make([]*G.Node, len(c.inputs))
	for k, in := range c.inputs {
		t := tensor.New(tensor.WithShape(in.shape...), tensor.WithBacking(append([]float64(nil), in.value...)))
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
	case float64:
		return []float64{v}, nil
	case []float64:
		return append([]float64(nil), v...), nil
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

// logDiagnoses logs the diagnoses of the failing blocks and the wrong
// entries, as the findings quote them.
func logDiagnoses(t *testing.T, rep *gradcheck.Report, wrong []gradcheck.Entry, ref [][]float64) {
	t.Helper()
	for _, b := range rep.Blocks {
		for _, d := range b.Diagnoses {
			t.Logf("block %s: %s", b.Name, d.Summary)
		}
	}
	_ = ref
	for _, e := range wrong {
		t.Logf("index %d: Gorgonia %.6g, numeric %.6g", e.Index, e.Analytic, e.Numeric)
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
