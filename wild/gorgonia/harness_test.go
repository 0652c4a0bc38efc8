package gorgonia

import (
	"fmt"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradcheck/gradcheck"
)

// input is one differentiable input of an operation: its name, shape and
// values.
type input struct {
	name  string
	shape []int
	value []float64
}

// opCase is one operation under test: build applies it to its inputs'
// nodes.
type opCase struct {
	name   string
	inputs []input
	build  func(in []*G.Node) (*G.Node, error)
}

// mode is one of Gorgonia's two ways to differentiate a graph.
type mode int

const (
	// symbolic differentiates the graph with G.Grad, which adds the
	// operations' derivative expressions (their DiffExpr) to the graph,
	// and runs it on a tape machine: what Gorgonia's examples train with.
	symbolic mode = iota
	// lisp runs the graph on a LispMachine, whose backward pass calls the
	// operations' automatic-differentiation rules (their DoDiff).
	lisp
)

func (m mode) String() string { return [...]string{"symbolic", "lisp"}[m] }

// float is the precision of a case's inputs, graph and gradient:
// tensor.Float64 or tensor.Float32.
type float interface{ ~float32 | ~float64 }

// narrow converts float64 values to T (a copy for float64).
func narrow[T float](v []float64) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}

// graph builds the case on a new graph with its inputs at the given values
// and returns the graph, the input nodes and the loss Σ out ⊙ w, with w the
// case's fixed cotangent (nil: the output's shape is not known yet, the
// loss is Σ out). The graph is of T's precision throughout.
func graph[T float](c opCase, values [][]T, w []T) (*G.ExprGraph, []*G.Node, *G.Node, []int, error) {
	g := G.NewGraph()
	nodes := make([]*G.Node, len(c.inputs))
	for k, in := range c.inputs {
		back := append([]T(nil), values[k]...)
		t := tensor.New(tensor.WithShape(in.shape...), tensor.WithBacking(back))
		nodes[k] = G.NodeFromAny(g, t, G.WithName(in.name))
	}
	out, err := c.build(nodes)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	shape := []int(out.Shape().Clone())
	if w == nil {
		loss, err := G.Sum(out)
		return g, nodes, loss, shape, err
	}
	if len(shape) == 0 {
		loss, err := G.Mul(out, G.NewConstant(w[0]))
		return g, nodes, loss, shape, err
	}
	wt := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]T(nil), w...)))
	prod, err := G.HadamardProd(out, G.NodeFromAny(g, wt, G.WithName("w")))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	loss, err := G.Sum(prod)
	return g, nodes, loss, shape, err
}

// model returns the case as a float64 gradcheck model: see newModel.
func (c opCase) model(md mode, seed uint64) (*gradcheck.Model[float64], error) {
	return newModel[float64](c, md, seed)
}

// newModel returns the case as a gradcheck model of T's precision: the
// inputs' values and the cotangent rounded to T, the graph built of T
// (tensor.Float32 for float32), the loss widened to float64 from the
// graph's T. Every Loss and Gradient builds the graph anew from the
// blocks' values, so that no state of a machine carries over between
// evaluations; Gradient is Gorgonia's symbolic differentiation (G.Grad)
// run on a tape machine, or the LispMachine's, as md says.
func newModel[T float](c opCase, md mode, seed uint64) (*gradcheck.Model[T], error) {
	values := make([][]T, len(c.inputs))
	for k, in := range c.inputs {
		values[k] = narrow[T](in.value)
	}
	_, _, _, shape, err := graph(c, values, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	w := narrow[T](cotangent(seed, n))
	m := &gradcheck.Model[T]{}
	for k, in := range c.inputs {
		m.Blocks = append(m.Blocks, gradcheck.Block[T]{
			Name: in.name, Shape: in.shape, Value: values[k], Grad: make([]T, len(values[k])),
		})
	}
	run := func(grad bool) (float64, error) {
		g, nodes, loss, _, err := graph(c, values, w)
		if err != nil {
			return 0, err
		}
		if md == lisp {
			var vm G.VM
			if grad {
				vm = G.NewLispMachine(g)
			} else {
				vm = G.NewLispMachine(g, G.ExecuteFwdOnly())
			}
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				return 0, err
			}
			if grad {
				for k, n := range nodes {
					gv, err := n.Grad()
					if err != nil {
						return 0, err
					}
					copy(m.Blocks[k].Grad, gv.Data().([]T))
				}
			}
			return float64(loss.Value().Data().(T)), nil
		}
		var grads G.Nodes
		if grad {
			if grads, err = G.Grad(loss, nodes...); err != nil {
				return 0, err
			}
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			return 0, err
		}
		for k, gn := range grads {
			copy(m.Blocks[k].Grad, gn.Value().Data().([]T))
		}
		return float64(loss.Value().Data().(T)), nil
	}
	setRun(m, run)
	return m, nil
}

// setRun makes m's Loss and Gradient run, which evaluates the graph and,
// with grad, writes Gorgonia's gradient into the blocks' Grad. An error of
// Gorgonia's panics, which gradcheck reports as an error naming the call.
func setRun[T float](m *gradcheck.Model[T], run func(grad bool) (float64, error)) {
	m.Loss = func() float64 {
		f, err := run(false)
		if err != nil {
			panic(err)
		}
		return f
	}
	m.Gradient = func() {
		if _, err := run(true); err != nil {
			panic(err)
		}
	}
}

// check checks the case's gradient at its inputs' values with default
// options, in float64.
func (c opCase) check(t *testing.T, md mode, seed uint64) *gradcheck.Report {
	t.Helper()
	return checkAs[float64](t, c, md, seed)
}

// checkAs checks the case's gradient at its inputs' values with default
// options, in T's precision.
func checkAs[T float](t *testing.T, c opCase, md mode, seed uint64) *gradcheck.Report {
	t.Helper()
	m, err := newModel[T](c, md, seed)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return rep
}

// cotangent returns the w of the loss Σ out ⊙ w that model draws for seed
// and an output of n entries, so that a test can write down the closed-form
// gradient it expects.
func cotangent(seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	w := make([]float64, n)
	for i := range w {
		w[i] = 2*rng.Float64() - 1
	}
	return w
}

// values returns n seeded values in [lo, hi).
func values(seed uint64, n int, lo, hi float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*rng.Float64()
	}
	return v
}
