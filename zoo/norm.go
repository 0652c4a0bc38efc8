package zoo

import (
	"math/rand/v2"

	"github.com/gradcheck/gradcheck"
)

// normEps is the ε under the square root of the normalisations.
const normEps = 1e-5

// BatchNorm normalises each of F features over a batch of N rows, in
// training mode, then scales by Gamma and shifts by Beta.
//
// The running statistics are state, but not state the loss reads: Forward
// keeps the batch's mean and variance, and only UpdateRunning folds them
// into RunMean and RunVar. A forward pass that updated them itself would
// make two evaluations at the same parameters disagree as soon as anything
// read them, and the checker would rightly name the hidden state.
type BatchNorm[T gradcheck.Float] struct {
	N, F            int
	Gamma, Beta     *Param[T]
	RunMean, RunVar []T

	mean, vr, invstd, xhat []T
	bug                    Bug
}

func (l *BatchNorm[T]) Params() []*Param[T] { return []*Param[T]{l.Gamma, l.Beta} }

func (l *BatchNorm[T]) Forward(x []T) []T {
	l.mean, l.vr, l.invstd = make([]T, l.F), make([]T, l.F), make([]T, l.F)
	l.xhat = make([]T, len(x))
	y := make([]T, len(x))
	for f := range l.F {
		var m, v T
		for n := range l.N {
			m += x[n*l.F+f]
		}
		m /= T(l.N)
		for n := range l.N {
			d := x[n*l.F+f] - m
			v += d * d
		}
		v /= T(l.N)
		if l.bug == BugBNRunningInForward {
			// The running statistics updated on every forward pass and
			// used in place of the batch's.
			l.RunMean[f] = 0.9*l.RunMean[f] + 0.1*m
			l.RunVar[f] = 0.9*l.RunVar[f] + 0.1*v
			m, v = l.RunMean[f], l.RunVar[f]
		}
		l.mean[f], l.vr[f] = m, v
		l.invstd[f] = 1 / sqrt(v+normEps)
		for n := range l.N {
			i := n*l.F + f
			l.xhat[i] = (x[i] - m) * l.invstd[f]
			y[i] = l.Gamma.Value[f]*l.xhat[i] + l.Beta.Value[f]
		}
	}
	return y
}

// UpdateRunning folds the statistics of the last Forward into the running
// ones with the given momentum, as a training step does after backward.
func (l *BatchNorm[T]) UpdateRunning(momentum T) {
	for f := range l.F {
		l.RunMean[f] = (1-momentum)*l.RunMean[f] + momentum*l.mean[f]
		l.RunVar[f] = (1-momentum)*l.RunVar[f] + momentum*l.vr[f]
	}
}

// Infer normalises x with the running statistics, as at inference.
func (l *BatchNorm[T]) Infer(x []T) []T {
	y := make([]T, len(x))
	for i, v := range x {
		f := i % l.F
		y[i] = l.Gamma.Value[f]*(v-l.RunMean[f])/sqrt(l.RunVar[f]+normEps) + l.Beta.Value[f]
	}
	return y
}

func (l *BatchNorm[T]) Backward(dy []T) []T {
	dx := make([]T, len(dy))
	for f := range l.F {
		var sd, sdx T // Σ dxhat and Σ dxhat·xhat over the batch
		for n := range l.N {
			i := n*l.F + f
			l.Gamma.Grad[f] += dy[i] * l.xhat[i]
			l.Beta.Grad[f] += dy[i]
			d := dy[i] * l.Gamma.Value[f]
			sd += d
			sdx += d * l.xhat[i]
		}
		for n := range l.N {
			i := n*l.F + f
			d := dy[i] * l.Gamma.Value[f]
			if l.bug == BugBNNoMeanTerms {
				dx[i] = d * l.invstd[f] // as if the mean and variance were constants
			} else {
				dx[i] = l.invstd[f] / T(l.N) * (T(l.N)*d - sd - l.xhat[i]*sdx)
			}
		}
	}
	return dx
}

// LayerNorm normalises each row of width F, then scales by Gamma and
// shifts by Beta.
type LayerNorm[T gradcheck.Float] struct {
	N, F        int
	Gamma, Beta *Param[T]
	invstd      []T
	xhat        []T
	bug         Bug
}

func (l *LayerNorm[T]) Params() []*Param[T] { return []*Param[T]{l.Gamma, l.Beta} }

func (l *LayerNorm[T]) Forward(x []T) []T {
	l.invstd = make([]T, l.N)
	l.xhat = make([]T, len(x))
	y := make([]T, len(x))
	for n := range l.N {
		row := x[n*l.F : (n+1)*l.F]
		var m, v T
		for _, u := range row {
			m += u
		}
		m /= T(l.F)
		for _, u := range row {
			v += (u - m) * (u - m)
		}
		v /= T(l.F)
		l.invstd[n] = 1 / sqrt(v+normEps)
		for f, u := range row {
			i := n*l.F + f
			l.xhat[i] = (u - m) * l.invstd[n]
			y[i] = l.Gamma.Value[f]*l.xhat[i] + l.Beta.Value[f]
		}
	}
	return y
}

func (l *LayerNorm[T]) Backward(dy []T) []T {
	dx := make([]T, len(dy))
	d := make([]T, len(dy)) // dxhat
	for i, g := range dy {
		f := i % l.F
		l.Gamma.Grad[f] += g * l.xhat[i]
		l.Beta.Grad[f] += g
		d[i] = g * l.Gamma.Value[f]
	}
	// The means of dxhat and of dxhat·xhat over the normalised axis.
	md, mdx := make([]T, len(dy)), make([]T, len(dy))
	if l.bug == BugWrongAxis {
		for f := range l.F { // taken over the batch, the axis BatchNorm normalises
			var s, sx T
			for n := range l.N {
				s += d[n*l.F+f]
				sx += d[n*l.F+f] * l.xhat[n*l.F+f]
			}
			for n := range l.N {
				md[n*l.F+f], mdx[n*l.F+f] = s/T(l.N), sx/T(l.N)
			}
		}
	} else {
		for n := range l.N {
			var s, sx T
			for f := range l.F {
				s += d[n*l.F+f]
				sx += d[n*l.F+f] * l.xhat[n*l.F+f]
			}
			for f := range l.F {
				md[n*l.F+f], mdx[n*l.F+f] = s/T(l.F), sx/T(l.F)
			}
		}
	}
	for i := range dx {
		n := i / l.F
		if l.bug == BugLNNoVarTerm {
			dx[i] = l.invstd[n] * (d[i] - md[i]) // the variance's dependence on x forgotten
		} else {
			dx[i] = l.invstd[n] * (d[i] - md[i] - l.xhat[i]*mdx[i])
		}
	}
	return dx
}

// Dropout zeroes each entry with probability P and scales the others by
// 1/(1 − P). The mask is drawn from a source seeded with Seed; Reseed
// restores it, and the checker calls Reseed before every evaluation, so
// every evaluation draws the same mask.
type Dropout[T gradcheck.Float] struct {
	P    float64
	Seed uint64
	rng  *rand.Rand
	mask []T
	bug  Bug
}

func (l *Dropout[T]) Params() []*Param[T] { return nil }

// Reseed restores the random source to its seed.
func (l *Dropout[T]) Reseed() { l.rng = rand.New(rand.NewPCG(l.Seed, 0xd209)) }

func (l *Dropout[T]) Forward(x []T) []T {
	if l.rng == nil {
		l.Reseed()
	}
	l.mask = make([]T, len(x))
	y := make([]T, len(x))
	for i, v := range x {
		if l.rng.Float64() >= l.P {
			l.mask[i] = T(1 / (1 - l.P))
		}
		y[i] = v * l.mask[i]
	}
	return y
}

func (l *Dropout[T]) Backward(dy []T) []T {
	dx := make([]T, len(dy))
	for i, g := range dy {
		if l.bug == BugDropoutNoRescale {
			if l.mask[i] != 0 {
				dx[i] = g // the mask's 0/1 pattern without its 1/(1 − P)
			}
			continue
		}
		dx[i] = g * l.mask[i]
	}
	return dx
}
