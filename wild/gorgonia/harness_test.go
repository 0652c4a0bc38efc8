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

// graph builds the case on a new graph with its inputs at the given values
// and returns the graph, the input nodes and the loss Σ out ⊙ w, with w the
// case's fixed cotangent (nil: the output's shape is not known yet, the
// loss is Σ out).
func (c opCase) graph(values [][]float64, w []float64) (*G.ExprGraph, []*G.Node, *G.Node, []int, error) {
	g := G.NewGraph()
	nodes := make([]*G.Node, len(c.inputs))
	for k, in := range c.inputs {
		back := append([]float64(nil), values[k]...)
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
	wt := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), w...)))
	prod, err := G.HadamardProd(out, G.NodeFromAny(g, wt, G.WithName("w")))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	loss, err := G.Sum(prod)
	return g, nodes, loss, shape, err
}

// model returns the case as a gradcheck model: every Loss and Gradient
// builds the graph anew from the blocks' values, so that no state of a
// machine carries over between evaluations, and Gradient is Gorgonia's
// symbolic differentiation (G.Grad) run on a tape machine.
func (c opCase) model(md mode, seed uint64) (*gradcheck.Model[float64], error) {
	values := make([][]float64, len(c.inputs))
	for k, in := range c.inputs {
		values[k] = append([]float64(nil), in.value...)
	}
	_, _, _, shape, err := c.graph(values, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	w := cotangent(seed, n)
	m := &gradcheck.Model[float64]{}
	for k, in := range c.inputs {
		m.Blocks = append(m.Blocks, gradcheck.Block[float64]{
			Name: in.name, Shape: in.shape, Value: values[k], Grad: make([]float64, len(values[k])),
		})
	}
	run := func(grad bool) (float64, error) {
		g, nodes, loss, _, err := c.graph(values, w)
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
					copy(m.Blocks[k].Grad, gv.Data().([]float64))
				}
			}
			return loss.Value().Data().(float64), nil
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
			copy(m.Blocks[k].Grad, gn.Value().Data().([]float64))
		}
		return loss.Value().Data().(float64), nil
	}
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
	return m, nil
}

// check checks the case's gradient at its inputs' values with default
// options.
func (c opCase) check(t *testing.T, md mode, seed uint64) *gradcheck.Report {
	t.Helper()
	m, err := c.model(md, seed)
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
