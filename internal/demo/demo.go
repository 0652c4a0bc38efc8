// Package demo holds the small network that `gradcheck demo` checks: a
// two-layer perceptron with tanh, softmax cross-entropy and an L2 penalty,
// with backpropagation written by hand, as people write it.
package demo

import (
	"math"
	"math/rand/v2"

	"github.com/gradcheck/gradcheck"
)

// Sizes of the demo network: a batch of N samples of D features, H hidden
// units and C classes.
const (
	N, D, H, C = 8, 4, 6, 3
)

// Net is the network with its data. Parameters are row-major: W1 is D×H,
// W2 is H×C.
type Net struct {
	W1, B1, W2, B2     []float64
	DW1, DB1, DW2, DB2 []float64
	X                  []float64 // N×D inputs
	Y                  []int     // N labels
	Lambda             float64   // L2 penalty λ/2·(‖W1‖² + ‖W2‖²)

	// MissingL2 plants a bug: the backward pass forgets the penalty's
	// gradient λ·W1 for W1, the most common gradient bug there is.
	MissingL2 bool

	hid, pre []float64 // N×H activations
	prob     []float64 // N×C
}

// New returns the network with weights and data drawn from a fixed seed.
func New(missingL2 bool) *Net {
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(n int, s float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = s * r.NormFloat64()
		}
		return v
	}
	n := &Net{
		W1: fill(D*H, 0.5), B1: fill(H, 0.1), W2: fill(H*C, 0.5), B2: fill(C, 0.1),
		DW1: make([]float64, D*H), DB1: make([]float64, H), DW2: make([]float64, H*C), DB2: make([]float64, C),
		X: fill(N*D, 1), Y: make([]int, N), Lambda: 0.05, MissingL2: missingL2,
		hid: make([]float64, N*H), pre: make([]float64, N*H), prob: make([]float64, N*C),
	}
	for i := range n.Y {
		n.Y[i] = r.IntN(C)
	}
	return n
}

// forward computes the mean cross-entropy plus the penalty, keeping the
// activations for backward.
func (n *Net) forward() float64 {
	loss := 0.0
	for s := range N {
		for j := range H {
			z := n.B1[j]
			for i := range D {
				z += n.X[s*D+i] * n.W1[i*H+j]
			}
			n.pre[s*H+j] = z
			n.hid[s*H+j] = math.Tanh(z)
		}
		logits := n.prob[s*C : (s+1)*C]
		for k := range C {
			z := n.B2[k]
			for j := range H {
				z += n.hid[s*H+j] * n.W2[j*C+k]
			}
			logits[k] = z
		}
		Softmax(logits)
		loss -= math.Log(logits[n.Y[s]])
	}
	loss /= N
	return loss + n.Lambda/2*(sumSq(n.W1)+sumSq(n.W2))
}

func sumSq(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return s
}

// Loss returns the loss at the current parameters.
func (n *Net) Loss() float64 { return n.forward() }

// Gradient runs forward and backward, writing into DW1, DB1, DW2, DB2.
func (n *Net) Gradient() {
	n.forward()
	clear(n.DW1)
	clear(n.DB1)
	clear(n.DW2)
	clear(n.DB2)
	dh := make([]float64, H)
	for s := range N {
		clear(dh)
		for k := range C {
			g := n.prob[s*C+k] / N // d(mean CE)/dlogit = (p − onehot)/N
			if k == n.Y[s] {
				g -= 1.0 / N
			}
			n.DB2[k] += g
			for j := range H {
				n.DW2[j*C+k] += n.hid[s*H+j] * g
				dh[j] += n.W2[j*C+k] * g
			}
		}
		for j := range H {
			t := n.hid[s*H+j]
			dz := dh[j] * (1 - t*t)
			n.DB1[j] += dz
			for i := range D {
				n.DW1[i*H+j] += n.X[s*D+i] * dz
			}
		}
	}
	for i, w := range n.W2 {
		n.DW2[i] += n.Lambda * w
	}
	if !n.MissingL2 {
		for i, w := range n.W1 {
			n.DW1[i] += n.Lambda * w
		}
	}
}

// Model exposes the network's blocks to the checker.
func (n *Net) Model() *gradcheck.Model[float64] {
	return &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{
			{Name: "W1", Shape: []int{D, H}, Value: n.W1, Grad: n.DW1},
			{Name: "b1", Value: n.B1, Grad: n.DB1},
			{Name: "W2", Shape: []int{H, C}, Value: n.W2, Grad: n.DW2},
			{Name: "b2", Value: n.B2, Grad: n.DB2},
		},
		Loss:     n.Loss,
		Gradient: n.Gradient,
	}
}

// Softmax replaces z by softmax(z), computed stably: the largest entry is
// subtracted before exponentiating.
func Softmax(z []float64) {
	zmax := math.Inf(-1)
	for _, v := range z {
		zmax = math.Max(zmax, v)
	}
	sum := 0.0
	for k := range z {
		z[k] = math.Exp(z[k] - zmax)
		sum += z[k]
	}
	for k := range z {
		z[k] /= sum
	}
}
