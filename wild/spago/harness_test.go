package spago

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/nlpodyssey/spago/ag"
	"github.com/nlpodyssey/spago/mat"

	"github.com/gradcheck/gradcheck"
)

// input is one input of an operation: its name, shape and values. Values
// are value where it is set, else drawn from [lo, hi) with the point's
// seed. A fixed input is a hyperparameter (an ELU's α, a SoftPlus's
// threshold): it is no block of the model and asks for no gradient.
type input struct {
	name   string
	shape  []int
	lo, hi float64
	value  []float64
	fixed  bool
}

// opCase is one operation under test: build applies it to its inputs'
// tensors, in the order of inputs.
type opCase struct {
	name   string
	inputs []input
	build  func(x []mat.Tensor) mat.Tensor
	// want is the hand-derived gradient of Σ out ⊙ w with respect to each
	// input that is not fixed, for the cases whose rule is wrong; nil
	// where gradcheck accepts spaGO's.
	want func(v [][]float64, w []float64) [][]float64
}

// size is the number of entries of a shape.
func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// values returns n values in [lo, hi) drawn from the seed's stream.
func values(seed, stream uint64, n int, lo, hi float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x5eed+stream))
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*rng.Float64()
	}
	return v
}

// point returns the case's input values at the seeded point.
func (c opCase) point(seed uint64) [][]float64 {
	vs := make([][]float64, len(c.inputs))
	for k, in := range c.inputs {
		if in.value != nil {
			vs[k] = slices.Clone(in.value)
			continue
		}
		vs[k] = values(seed, uint64(k), size(in.shape), in.lo, in.hi)
	}
	return vs
}

// Float is the element type a case runs in: spaGO's tensors and
// gradcheck's models are generic in it.
type Float interface{ float32 | float64 }

// narrow returns vs rounded to T, each slice a copy; for float64 the
// values are vs's.
func narrow[T Float](vs [][]float64) [][]T {
	ts := make([][]T, len(vs))
	for k, v := range vs {
		ts[k] = make([]T, len(v))
		for i, x := range v {
			ts[k][i] = T(x)
		}
	}
	return ts
}

// widen returns vs as float64, each slice a copy.
func widen[T Float](vs [][]T) [][]float64 {
	ws := make([][]float64, len(vs))
	for k, v := range vs {
		ws[k] = make([]float64, len(v))
		for i, x := range v {
			ws[k][i] = float64(x)
		}
	}
	return ws
}

// tensorsOf builds the inputs in T anew from values, each with its own
// copy of them; every input that is not fixed requires gradients.
func tensorsOf[T Float](c opCase, vs [][]T) []*mat.Dense[T] {
	xs := make([]*mat.Dense[T], len(c.inputs))
	for k, in := range c.inputs {
		xs[k] = mat.NewDense[T](mat.WithShape(in.shape...),
			mat.WithBacking(slices.Clone(vs[k])), mat.WithGrad(!in.fixed))
	}
	return xs
}

// forward runs the case on vs and returns its inputs and its output.
func (c opCase) forward(vs [][]float64) ([]*mat.Dense[float64], mat.Tensor) {
	return forwardOf(c, vs)
}

// forwardOf is forward in T.
func forwardOf[T Float](c opCase, vs [][]T) ([]*mat.Dense[T], mat.Tensor) {
	xs := tensorsOf(c, vs)
	ts := make([]mat.Tensor, len(xs))
	for k, x := range xs {
		ts[k] = x
	}
	return xs, c.build(ts)
}

// cotangent returns the seeded random cotangent w for the case's output at
// vs, and the output's shape.
func (c opCase) cotangent(vs [][]float64, seed uint64) ([]float64, []int) {
	return cotangentOf(c, vs, seed)
}

// cotangentOf is cotangent in T: w is drawn as in float64 and rounded to
// T, so that the loss and the output's gradient seeded with it use the
// same values.
func cotangentOf[T Float](c opCase, vs [][]T, seed uint64) ([]float64, []int) {
	_, out := forwardOf(c, vs)
	shape := slices.Clone(out.Value().Shape())
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	w := make([]float64, size(shape))
	for i := range w {
		w[i] = float64(T(2*rng.Float64() - 1))
	}
	return w, shape
}

// loss is Σ out ⊙ w summed in plain Go, in float64 whatever the output's
// type.
func loss[T Float](out mat.Tensor, w []float64) float64 {
	data := mat.Data[T](out.Value())
	if len(data) != len(w) {
		panic(fmt.Sprintf("output has %d entries, cotangent %d", len(data), len(w)))
	}
	var s float64
	for i, v := range data {
		s += float64(v) * w[i]
	}
	return s
}

// grads is the gradient spaGO gives each input that is not fixed, with the
// gradient's shape: the output's gradient is seeded with w and ag.Backward
// propagates it. An input that got no gradient (nil) has zeros and shape
// nil. Values are float64 whatever the case's type.
type grads struct {
	value  [][]float64
	shapes [][]int
}

// backward runs spaGO's backward pass on vs with cotangent w.
func (c opCase) backward(vs [][]float64, w []float64, wshape []int) grads {
	return backwardOf(c, vs, w, wshape)
}

// backwardOf is backward in T; w is rounded to T.
func backwardOf[T Float](c opCase, vs [][]T, w []float64, wshape []int) grads {
	xs, out := forwardOf(c, vs)
	out.AccGrad(mat.NewDense[T](mat.WithShape(wshape...), mat.WithBacking(narrow[T]([][]float64{w})[0])))
	if err := ag.Backward(out); err != nil {
		panic(err)
	}
	var g grads
	for k, in := range c.inputs {
		if in.fixed {
			continue
		}
		v := make([]float64, size(in.shape))
		var shape []int
		if xs[k].HasGrad() {
			gr := xs[k].Grad()
			shape = slices.Clone(gr.Shape())
			for i, x := range mat.Data[T](gr) {
				v[i] = float64(x)
			}
		}
		g.value = append(g.value, v)
		g.shapes = append(g.shapes, shape)
	}
	return g
}

// probe records what the model's gradient evaluations saw beyond values:
// the gradients whose shape is not their input's.
type probe struct {
	wrongShape map[string][]int
}

// modelOf returns the case at the seeded point as a gradcheck model in T:
// every Loss and Gradient builds the tensors anew from the blocks' values,
// so that no gradient accumulated in one evaluation carries over to the
// next. The point's values are drawn as in float64 and rounded to T.
func modelOf[T Float](c opCase, seed uint64) (*gradcheck.Model[T], *probe) {
	vs := narrow[T](c.point(seed))
	w, wshape := cotangentOf(c, vs, seed)
	m := &gradcheck.Model[T]{}
	var blocks []int
	for k, in := range c.inputs {
		if in.fixed {
			continue
		}
		blocks = append(blocks, k)
		m.Blocks = append(m.Blocks, gradcheck.Block[T]{
			Name: in.name, Shape: in.shape, Value: vs[k], Grad: make([]T, len(vs[k])),
		})
	}
	p := &probe{wrongShape: map[string][]int{}}
	m.Loss = func() float64 {
		_, out := forwardOf(c, vs)
		return loss[T](out, w)
	}
	m.Gradient = func() {
		g := backwardOf(c, vs, w, wshape)
		for b, k := range blocks {
			for i, x := range g.value[b] {
				m.Blocks[b].Grad[i] = T(x)
			}
			want := c.inputs[k].shape
			if g.shapes[b] != nil && !sameShape(g.shapes[b], want) {
				p.wrongShape[c.inputs[k].name] = g.shapes[b]
			}
		}
	}
	return m, p
}

// sameShape reports whether a gradient of shape got fits an input of
// shape want; spaGO stores a vector of n entries as n×1.
func sameShape(got, want []int) bool {
	if len(want) == 1 {
		want = []int{want[0], 1}
	}
	return slices.Equal(got, want)
}

// check checks the case's gradient at the seeded point with default
// options, and asserts that gradcheck found no hazard.
func (c opCase) check(t *testing.T, seed uint64) (*gradcheck.Report, *probe) {
	t.Helper()
	return checkOf[float64](t, c, seed)
}

// checkOf is check in T.
func checkOf[T Float](t *testing.T, c opCase, seed uint64) (*gradcheck.Report, *probe) {
	t.Helper()
	m, p := modelOf[T](c, seed)
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatalf("%s, seed %d: %v", c.name, seed, err)
	}
	// spaGO runs the backward rules in goroutines and accumulates the
	// gradients of a tensor used twice in whatever order they finish: a
	// gradient that changes from call to call would show as a hazard.
	for _, h := range rep.Hazards {
		t.Errorf("%s, seed %d: hazard %v: %s", c.name, seed, h.Kind, h.Detail)
	}
	return rep, p
}

// childEnv names the case a child process of the test binary runs.
const childEnv = "SPAGO_WILD_CHILD"

// inChild runs fn in a child process of the test binary when the test is
// called as the parent, and returns the child's combined output and
// whether it exited with an error. In the child (childEnv set to the
// test's name) it runs fn and exits 0: spaGO reports a backward rule's
// error with log.Fatalf and runs rules in goroutines, where a panic cannot
// be recovered, so that only a process of its own can watch either.
func inChild(t *testing.T, fn func()) (string, bool) {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		fn()
		// A panic in one of the backward pass's goroutines runs that
		// goroutine's deferred calls, which let ag.Backward return, before
		// it ends the process: give it the time to.
		time.Sleep(time.Second)
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("running the child: %v", err)
		}
		return string(out), true
	}
	return string(out), false
}
