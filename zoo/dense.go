package zoo

import (
	"math"

	"github.com/gradcheck/gradcheck"
)

// Linear is y = x·W + b for a batch of N rows: x is N×In, W is In×Out.
type Linear[T gradcheck.Float] struct {
	N, In, Out int
	W, B       *Param[T]
	x          []T
	bug        Bug
}

func (l *Linear[T]) Params() []*Param[T] { return []*Param[T]{l.W, l.B} }

func (l *Linear[T]) Forward(x []T) []T {
	l.x = x
	y := make([]T, l.N*l.Out)
	for n := range l.N {
		for o := range l.Out {
			z := l.B.Value[o]
			for i := range l.In {
				z += x[n*l.In+i] * l.W.Value[i*l.Out+o]
			}
			y[n*l.Out+o] = z
		}
	}
	return y
}

func (l *Linear[T]) Backward(dy []T) []T {
	dx := make([]T, l.N*l.In)
	for n := range l.N {
		for o := range l.Out {
			g := dy[n*l.Out+o]
			if l.bug != BugBiasLastRow || n == l.N-1 {
				l.B.Grad[o] += g
			}
			for i := range l.In {
				if l.bug == BugTransposedDW {
					// dW computed as dyᵀ·x, Out×In, stored as if In×Out.
					l.W.Grad[o*l.In+i] += l.x[n*l.In+i] * g
				} else {
					l.W.Grad[i*l.Out+o] += l.x[n*l.In+i] * g
				}
				dx[n*l.In+i] += g * l.W.Value[i*l.Out+o]
			}
		}
	}
	return dx
}

// Activation kinds.
const (
	ReLU      = "relu"
	LeakyReLU = "leaky-relu"
	Tanh      = "tanh"
	Sigmoid   = "sigmoid"
	GELU      = "gelu"
)

// leakySlope is the slope of LeakyReLU for negative inputs.
const leakySlope = 0.1

// Act is an elementwise activation.
type Act[T gradcheck.Float] struct {
	Kind string
	x, y []T
	bug  Bug
}

func (a *Act[T]) Params() []*Param[T] { return nil }

func (a *Act[T]) Forward(x []T) []T {
	a.x = x
	a.y = make([]T, len(x))
	for i, v := range x {
		a.y[i] = act(a.Kind, v)
	}
	return a.y
}

func act[T gradcheck.Float](kind string, v T) T {
	switch kind {
	case ReLU:
		return max(v, 0)
	case LeakyReLU:
		if v > 0 {
			return v
		}
		return leakySlope * v
	case Tanh:
		return tanh(v)
	case Sigmoid:
		return sigmoid(v)
	case GELU:
		x := float64(v)
		return T(x * normCDF(x))
	}
	panic("zoo: unknown activation " + kind)
}

func normCDF(x float64) float64 { return 0.5 * (1 + math.Erf(x/math.Sqrt2)) }
func normPDF(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }

// geluPrime is d/dx x·Φ(x) = Φ(x) + x·φ(x).
func geluPrime[T gradcheck.Float](v T) T {
	x := float64(v)
	return T(normCDF(x) + x*normPDF(x))
}

func (a *Act[T]) Backward(dy []T) []T {
	dx := make([]T, len(dy))
	for i, g := range dy {
		x, y := a.x[i], a.y[i]
		var d T
		switch a.Kind {
		case ReLU:
			if x > 0 {
				d = 1
			}
			if a.bug == BugFromOutput {
				d = y // the output's value taken for the derivative
			}
		case LeakyReLU:
			d = leakySlope
			if x > 0 {
				d = 1
			}
		case Tanh:
			d = 1 - y*y
			if a.bug == BugFromOutput {
				d = 1 - x*x // the formula in terms of the output applied to the input
			}
		case Sigmoid:
			d = y * (1 - y)
			if a.bug == BugFromOutput {
				s := sigmoid(y) // σ applied once more: σ'(y) instead of σ'(x)
				d = s * (1 - s)
			}
		case GELU:
			d = geluPrime(x)
			switch a.bug {
			case BugFromOutput:
				d = geluPrime(y)
			case BugGELUNoXPhi:
				d = T(normCDF(float64(x))) // Φ(x) alone: the product rule's second term forgotten
			}
		}
		dx[i] = g * d
	}
	return dx
}

// Softmax normalises each row of width C.
type Softmax[T gradcheck.Float] struct {
	N, C int
	y    []T
	bug  Bug
}

func (s *Softmax[T]) Params() []*Param[T] { return nil }

func (s *Softmax[T]) Forward(x []T) []T {
	s.y = make([]T, len(x))
	for n := range s.N {
		softmaxRow(s.y[n*s.C:(n+1)*s.C], x[n*s.C:(n+1)*s.C])
	}
	return s.y
}

// softmaxRow writes softmax(x) into dst, shifting by the maximum.
func softmaxRow[T gradcheck.Float](dst, x []T) {
	m := x[0]
	for _, v := range x {
		m = max(m, v)
	}
	var sum T
	for k, v := range x {
		dst[k] = exp(v - m)
		sum += dst[k]
	}
	for k := range dst {
		dst[k] /= sum
	}
}

func (s *Softmax[T]) Backward(dy []T) []T {
	dx := make([]T, len(dy))
	if s.bug == BugWrongAxis {
		// The dot product Σ dy·y taken down the columns (over the batch).
		for c := range s.C {
			var dot T
			for n := range s.N {
				dot += dy[n*s.C+c] * s.y[n*s.C+c]
			}
			for n := range s.N {
				dx[n*s.C+c] = s.y[n*s.C+c] * (dy[n*s.C+c] - dot)
			}
		}
		return dx
	}
	for n := range s.N {
		softmaxBackRow(dx[n*s.C:(n+1)*s.C], dy[n*s.C:(n+1)*s.C], s.y[n*s.C:(n+1)*s.C], s.bug)
	}
	return dx
}

// softmaxBackRow writes dx = y ⊙ (dy − Σ dy·y): the Jacobian of softmax is
// diag(y) − y·yᵀ, and its cross term −y·yᵀ is the Σ.
func softmaxBackRow[T gradcheck.Float](dx, dy, y []T, bug Bug) {
	var dot T
	for k := range y {
		dot += dy[k] * y[k]
	}
	for k := range y {
		if bug == BugNoCrossTerm {
			dx[k] = y[k] * (1 - y[k]) * dy[k] // the diagonal of the Jacobian only
		} else {
			dx[k] = y[k] * (dy[k] - dot)
		}
	}
}

// CrossEntropy is the head mean over rows of −log softmax(y)[label].
type CrossEntropy[T gradcheck.Float] struct {
	N, C   int
	Labels []int
	p      []T
	bug    Bug
}

func (h *CrossEntropy[T]) Forward(y []T) T {
	h.p = make([]T, len(y))
	var loss T
	for n := range h.N {
		row := h.p[n*h.C : (n+1)*h.C]
		softmaxRow(row, y[n*h.C:(n+1)*h.C])
		loss -= log(row[h.Labels[n]])
	}
	return loss / T(h.N)
}

func (h *CrossEntropy[T]) Backward() []T {
	d := make([]T, len(h.p))
	scale := 1 / T(h.N)
	if h.bug == BugSumNotMean {
		scale = 1 // the loss is a mean, the gradient a sum
	}
	for n := range h.N {
		for c := range h.C {
			g := h.p[n*h.C+c]
			if c == h.Labels[n] {
				g--
			}
			d[n*h.C+c] = g * scale
		}
	}
	return d
}

// MSE is the head mean((y − t)²).
type MSE[T gradcheck.Float] struct {
	Target []T
	r      []T
	bug    Bug
}

func (h *MSE[T]) Forward(y []T) T {
	h.r = make([]T, len(y))
	var s T
	for i, v := range y {
		h.r[i] = v - h.Target[i]
		s += h.r[i] * h.r[i]
	}
	return s / T(len(y))
}

func (h *MSE[T]) Backward() []T {
	d := make([]T, len(h.r))
	for i, r := range h.r {
		switch h.bug {
		case BugMissingTwo:
			d[i] = r / T(len(h.r))
		case BugResidualSign:
			d[i] = -2 * r / T(len(h.r)) // r = t − y in the backward, y − t in the forward
		default:
			d[i] = 2 * r / T(len(h.r))
		}
	}
	return d
}

// Huber is the head mean of r²/2 for |r| ≤ δ and δ(|r| − δ/2) beyond, with
// r = y − t.
type Huber[T gradcheck.Float] struct {
	Delta  T
	Target []T
	r      []T
	bug    Bug
}

func (h *Huber[T]) Forward(y []T) T {
	h.r = make([]T, len(y))
	var s T
	for i, v := range y {
		r := v - h.Target[i]
		h.r[i] = r
		if abs(r) <= h.Delta {
			s += r * r / 2
		} else {
			s += h.Delta * (abs(r) - h.Delta/2)
		}
	}
	return s / T(len(y))
}

func (h *Huber[T]) Backward() []T {
	d := make([]T, len(h.r))
	clip := h.Delta
	if h.bug == BugHuberClipOne {
		clip = 1 // the clip of the default δ = 1 kept after δ changed
	}
	for i, r := range h.r {
		d[i] = max(-clip, min(clip, r)) / T(len(h.r))
	}
	return d
}
