package zoo

import (
	"math"
	"math/rand/v2"

	"github.com/gradcheck/gradcheck"
)

// A Bug names a mistake planted in a layer's code. The zero Bug is the
// layer as it should be.
type Bug string

// A Param is one named, shaped tensor with its gradient.
type Param[T gradcheck.Float] struct {
	Name  string
	Shape []int
	Value []T
	Grad  []T
}

func newParam[T gradcheck.Float](name string, r *rand.Rand, scale float64, shape ...int) *Param[T] {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return &Param[T]{Name: name, Shape: shape, Value: randn[T](r, n, scale), Grad: make([]T, n)}
}

// A Layer is one step of a network. Forward keeps what Backward needs;
// Backward takes dLoss/dy, adds the parameters' gradients into their Grad
// (the Net zeroes them first) and returns dLoss/dx.
type Layer[T gradcheck.Float] interface {
	Forward(x []T) []T
	Backward(dy []T) []T
	Params() []*Param[T]
}

// A Head turns the last layer's output into the loss.
type Head[T gradcheck.Float] interface {
	Forward(y []T) T
	// Backward returns dLoss/dy at the last Forward.
	Backward() []T
}

// A Net is a chain of layers, a loss head and penalties, with an input that
// is checked as a block when it is not nil.
type Net[T gradcheck.Float] struct {
	Input     *Param[T]
	Layers    []Layer[T]
	Head      Head[T]
	Penalties []*Penalty[T]
	// Reseed, if not nil, restores the random sources of the layers.
	Reseed func()

	// bug "accumulate": Gradient does not zero the gradients first.
	bug Bug
}

// forward returns the loss, in T's arithmetic, converted at the end.
func (n *Net[T]) forward() T {
	var x []T
	if n.Input != nil {
		x = n.Input.Value
	}
	for _, l := range n.Layers {
		x = l.Forward(x)
	}
	loss := n.Head.Forward(x)
	for _, p := range n.Penalties {
		loss += p.value()
	}
	return loss
}

// Loss returns the loss at the current parameters.
func (n *Net[T]) Loss() float64 { return float64(n.forward()) }

// Gradient runs a forward and a backward pass, writing every block's Grad.
func (n *Net[T]) Gradient() {
	if n.bug != BugAccumulate {
		for _, p := range n.Params() {
			clear(p.Grad)
		}
	}
	n.forward()
	dy := n.Head.Backward()
	for k := len(n.Layers) - 1; k >= 0; k-- {
		dy = n.Layers[k].Backward(dy)
	}
	if n.Input != nil {
		for i, g := range dy {
			n.Input.Grad[i] += g
		}
	}
	for _, p := range n.Penalties {
		p.gradient()
	}
}

// Params returns the input (if checked) and the layers' parameters.
func (n *Net[T]) Params() []*Param[T] {
	var ps []*Param[T]
	if n.Input != nil {
		ps = append(ps, n.Input)
	}
	for _, l := range n.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Model exposes the net to the checker.
func (n *Net[T]) Model() *gradcheck.Model[T] {
	m := &gradcheck.Model[T]{Loss: n.Loss, Gradient: n.Gradient, Reseed: n.Reseed}
	for _, p := range n.Params() {
		m.Blocks = append(m.Blocks, gradcheck.Block[T]{Name: p.Name, Shape: p.Shape, Value: p.Value, Grad: p.Grad})
	}
	return m
}

// A Penalty is a regularisation term of the loss over some parameters:
// λ/2·Σw² (L2) or λ·Σ|w| (L1).
type Penalty[T gradcheck.Float] struct {
	L1     bool
	Lambda T
	Params []*Param[T]
	bug    Bug
}

func (p *Penalty[T]) value() T {
	var s T
	for _, q := range p.Params {
		for _, w := range q.Value {
			if p.L1 {
				s += abs(w)
			} else {
				s += w * w
			}
		}
	}
	if p.L1 {
		return p.Lambda * s
	}
	return p.Lambda / 2 * s
}

func (p *Penalty[T]) gradient() {
	for _, q := range p.Params {
		for i, w := range q.Value {
			var g T
			switch {
			case p.L1 && p.bug == BugL1AsL2:
				g = p.Lambda * w
			case p.L1:
				g = p.Lambda * sign(w)
			default:
				g = p.Lambda * w
			}
			switch p.bug {
			case BugMissingL2:
				g = 0
			case BugDoubledL2:
				g *= 2
			}
			q.Grad[i] += g
		}
	}
}

// Probe is the head Σ y ⊙ R with fixed random R: a scalar loss that weights
// every output entry differently, so no error can cancel out.
type Probe[T gradcheck.Float] struct{ R []T }

func newProbe[T gradcheck.Float](r *rand.Rand, n int) *Probe[T] {
	return &Probe[T]{R: randn[T](r, n, 1)}
}

func (p *Probe[T]) Forward(y []T) T {
	var s T
	for i, v := range y {
		s += v * p.R[i]
	}
	return s
}

func (p *Probe[T]) Backward() []T { return append([]T(nil), p.R...) }

// newRand returns the random source of a constructor: fixed seeds, so the
// corpus is the same on every run.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9a7dc4ec)) }

func randn[T gradcheck.Float](r *rand.Rand, n int, scale float64) []T {
	v := make([]T, n)
	for i := range v {
		v[i] = T(scale * r.NormFloat64())
	}
	return v
}

func abs[T gradcheck.Float](x T) T {
	if x < 0 {
		return -x
	}
	return x
}

func sign[T gradcheck.Float](x T) T {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func exp[T gradcheck.Float](x T) T  { return T(math.Exp(float64(x))) }
func log[T gradcheck.Float](x T) T  { return T(math.Log(float64(x))) }
func tanh[T gradcheck.Float](x T) T { return T(math.Tanh(float64(x))) }
func sqrt[T gradcheck.Float](x T) T { return T(math.Sqrt(float64(x))) }

func sigmoid[T gradcheck.Float](x T) T { return T(1 / (1 + math.Exp(-float64(x)))) }
