package gradcheck

import (
	"errors"
	"fmt"
)

// Float is the element type of a parameter block. The step and the
// thresholds follow it: a float32 model is perturbed and judged at float32
// precision.
type Float interface{ ~float32 | ~float64 }

// A Block is one named, shaped parameter tensor of a model, such as the
// weights W1 of a layer. The checker perturbs Value in place, one entry at a
// time, and restores the saved value bit for bit after every evaluation.
type Block[T Float] struct {
	// Name names the block in reports: entries are shown as Name[i,j].
	Name string
	// Shape is the row-major shape of Value. nil means a vector of
	// len(Value). The product of Shape must equal len(Value).
	Shape []int
	// Value holds the parameters. It is the caller's memory, not a copy.
	Value []T
	// Grad is where the model's Gradient function writes dLoss/dValue.
	// It must have the length of Value.
	Grad []T
}

// A Model is a loss over named parameter blocks, with its hand-written
// gradient. It is the form a network written from scratch already has:
// weights in slices, a forward pass, a backward pass.
type Model[T Float] struct {
	Blocks []Block[T]

	// Loss returns the loss at the blocks' current values.
	Loss func() float64

	// Gradient writes the gradient of Loss at the blocks' current values
	// into each block's Grad. It runs its own forward pass if it needs one.
	// The checker zeroes Grad before calling it, once; a Gradient that adds
	// into Grad without zeroing it is named as a hazard.
	Gradient func()

	// Reseed, if not nil, is called before every call of Loss and Gradient.
	// A stochastic model (dropout, sampling) that re-seeds its random
	// source here is checked as it is: every evaluation sees the same
	// random draws.
	Reseed func()

	// Clone, if not nil, returns an independent copy of the model: blocks
	// of the same names and lengths with their own Value (holding the same
	// values, bit for bit) and Grad slices, and a Loss and Reseed that read
	// the copy only. The checker then evaluates the loss on
	// Options.Workers models at once, one goroutine each, and the report
	// is the same as a serial check's. Clones are perturbed and restored
	// like the model, never written back to it, and dropped after the
	// check. Only Loss and Reseed are called on a clone.
	Clone func() *Model[T]

	// Terms, if not empty, name the parts the loss is made of (a data
	// loss, an L2 penalty, an auxiliary loss), each with its own
	// gradient. Loss and Gradient stay required and are still what is
	// checked: they are what training uses, and Loss must be the sum of
	// the terms' losses. The checker also checks each term's Gradient
	// against finite differences of its Loss on the same entries, and
	// then names the culprit: a term whose own gradient is wrong (a
	// TermWrong hazard, and a diagnosis of the blocks it spoils), or a
	// term that Gradient leaves out or counts twice (a PatternTerm
	// diagnosis). A Loss that is not the sum of the terms is a
	// TermsDontSum hazard. Each term costs about as many evaluations as
	// the model itself.
	Terms []Term[T]
}

// size returns the number of parameters of the model.
func (m *Model[T]) size() int {
	n := 0
	for _, b := range m.Blocks {
		n += len(b.Value)
	}
	return n
}

// validate reports the first structural mistake in m, naming the block.
func (m *Model[T]) validate() error {
	if m == nil {
		return errors.New("gradcheck: nil model")
	}
	if m.Loss == nil {
		return errors.New("gradcheck: model has no Loss function")
	}
	if m.Gradient == nil {
		return errors.New("gradcheck: model has no Gradient function")
	}
	if len(m.Blocks) == 0 {
		return errors.New("gradcheck: model has no parameter blocks")
	}
	if err := m.validateTerms(); err != nil {
		return err
	}
	seen := make(map[string]int, len(m.Blocks))
	for k, b := range m.Blocks {
		name := b.Name
		if name == "" {
			return fmt.Errorf("gradcheck: block %d has no name", k)
		}
		if j, dup := seen[name]; dup {
			return fmt.Errorf("gradcheck: blocks %d and %d are both named %q", j, k, name)
		}
		seen[name] = k
		if len(b.Value) == 0 {
			return fmt.Errorf("gradcheck: block %q has no values", name)
		}
		if len(b.Grad) != len(b.Value) {
			return fmt.Errorf("gradcheck: block %q has %d values but a Grad of length %d", name, len(b.Value), len(b.Grad))
		}
		if b.Shape != nil {
			p := 1
			for axis, d := range b.Shape {
				if d <= 0 {
					return fmt.Errorf("gradcheck: block %q has shape %v: axis %d is %d", name, b.Shape, axis, d)
				}
				p *= d
			}
			if p != len(b.Value) {
				return fmt.Errorf("gradcheck: block %q has shape %v (%d entries) but %d values", name, b.Shape, p, len(b.Value))
			}
		}
	}
	return nil
}
