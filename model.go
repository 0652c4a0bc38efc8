package gradcheck

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
	"unsafe"
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
	// Shape is the row-major shape of Value, of at least one axis. nil
	// means a vector of len(Value). The product of Shape must equal
	// len(Value).
	Shape []int
	// Value holds the parameters. It is the caller's memory, not a copy.
	Value []T
	// Grad is where the model's Gradient function writes dLoss/dValue.
	// It must have the length of Value. No two of the slices of a model,
	// Values and Grads, may share memory: a parameter used in two places
	// (tied weights) is one block, whose Grad holds the sum of its uses.
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
	// check. Only Loss and Reseed are called on a clone. Before it uses a
	// clone, the checker compares the clone's loss with the model's at one
	// perturbed entry, and a clone whose Loss does not follow its own
	// parameters is an error (one that names the model's Loss where it is
	// the model's that stayed at the unperturbed loss to the bit, as a
	// loss memoized by its slice's address does); those two evaluations
	// are not counted in Report.Evals, so that the report is the serial
	// one's. Nor are those of the comparison after a parallel first pass
	// (Options.Workers), which names a Loss not safe for concurrent use:
	// a clone's Loss must not write memory the model or another clone
	// uses, as a shared scratch buffer.
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
	// the model itself. A check of a model with terms is not sharded
	// (Options.Shards).
	Terms []Term[T]

	// vecLoss and vecGrad stand in for Loss and Gradient in the one-block
	// model that Gradient builds: f and grad, called on the block's slices
	// directly. Closures over them cost two allocations per check and an
	// indirect call more per evaluation, which shows on a loss of 55 ns
	// (loss and gradient below).
	vecLoss func(x []T) float64
	vecGrad func(dst, x []T)
}

// loss evaluates the model's loss.
func (m *Model[T]) loss() float64 {
	if m.vecLoss != nil {
		return m.vecLoss(m.Blocks[0].Value)
	}
	return m.Loss()
}

// gradient evaluates the model's gradient into the blocks' Grad.
func (m *Model[T]) gradient() {
	if m.vecGrad != nil {
		m.vecGrad(m.Blocks[0].Grad, m.Blocks[0].Value)
		return
	}
	m.Gradient()
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
	if m.Loss == nil && m.vecLoss == nil {
		return errors.New("gradcheck: model has no Loss function")
	}
	if m.Gradient == nil && m.vecGrad == nil {
		return errors.New("gradcheck: model has no Gradient function")
	}
	if len(m.Blocks) == 0 {
		return errors.New("gradcheck: model has no parameter blocks")
	}
	if err := m.validateTerms(); err != nil {
		return err
	}
	// Duplicate names by a map only for models of many blocks: a map
	// costs an allocation per check, more than comparing a few names.
	var seen map[string]int
	if len(m.Blocks) > 16 {
		seen = make(map[string]int, len(m.Blocks))
	}
	for k, b := range m.Blocks {
		name := b.Name
		if name == "" {
			return fmt.Errorf("gradcheck: block %d has no name", k)
		}
		if !utf8.ValidString(name) {
			// JSON would carry it as U+FFFD, and the report read back
			// would name another block (Report.Block, SweepWorst).
			return fmt.Errorf("gradcheck: block %d is named %q, which is not valid UTF-8", k, name)
		}
		if j := m.firstNamed(name, k, seen); j >= 0 {
			return fmt.Errorf("gradcheck: blocks %d and %d are both named %q", j, k, name)
		}
		if len(b.Value) == 0 {
			return fmt.Errorf("gradcheck: block %q has no values", name)
		}
		if len(b.Grad) != len(b.Value) {
			return fmt.Errorf("gradcheck: block %q has %d values but a Grad of length %d", name, len(b.Value), len(b.Grad))
		}
		if b.Shape != nil {
			if len(b.Shape) == 0 {
				// Its one entry would be named w[], and the report's
				// JSON, whose shapes have at least one axis, would not
				// read back.
				return fmt.Errorf("gradcheck: block %q has shape []: a block has at least one axis (a scalar is shape [1], or nil)", name)
			}
			for axis, d := range b.Shape {
				if d <= 0 {
					return fmt.Errorf("gradcheck: block %q has shape %v: axis %d is %d", name, b.Shape, axis, d)
				}
			}
			p, ok := shapeSize(b.Shape)
			if !ok {
				return fmt.Errorf("gradcheck: block %q has shape %v, whose number of entries overflows an int, but %d values", name, b.Shape, len(b.Value))
			}
			if p != len(b.Value) {
				return fmt.Errorf("gradcheck: block %q has shape %v (%d entries) but %d values", name, b.Shape, p, len(b.Value))
			}
		}
	}
	return m.validateDisjoint()
}

// memSpan is the memory of one of a model's slices: the Value or the Grad
// of block b, as addresses [lo, hi); w tells the models of a parallel
// check apart (disjointClones).
type memSpan struct {
	lo, hi uintptr
	w, b   int
	grad   bool
}

func spanOf[T Float](s []T, b int, grad bool) memSpan {
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return memSpan{lo: lo, hi: lo + uintptr(len(s))*unsafe.Sizeof(s[0]), b: b, grad: grad}
}

// validateDisjoint reports slices of m that share memory. The checker
// zeroes each Grad before calling Gradient and reads it as the analytic
// gradient, and it perturbs each Value on its own: a Grad that is a
// Value's memory zeroed the parameters (which a hazard then blamed on
// Gradient), two blocks sharing a Grad read each other's gradient, and two
// blocks sharing values (tied weights listed once per use, each with the
// gradient of its own use) were each judged against the derivative of
// every use, a Mismatch at every entry. Models of up to 16 blocks compare
// every pair, without allocating; larger ones sort the spans.
func (m *Model[T]) validateDisjoint() error {
	nb := len(m.Blocks)
	if nb <= 16 {
		for a := range 2 * nb {
			sa := spanOf(m.blockSlice(a))
			for b := range a {
				if sb := spanOf(m.blockSlice(b)); sa.lo < sb.hi && sb.lo < sa.hi {
					return m.overlapError(sb, sa)
				}
			}
		}
		return nil
	}
	spans := make([]memSpan, 0, 2*nb)
	for a := range 2 * nb {
		spans = append(spans, spanOf(m.blockSlice(a)))
	}
	if x, y, ok := overlapping(spans); ok {
		return m.overlapError(x, y)
	}
	return nil
}

// overlapping sorts spans by their start and returns two that overlap, if
// any, in O(m log m): sorted so, a span overlaps some earlier one exactly
// when it starts before the furthest end so far.
func overlapping(spans []memSpan) (x, y memSpan, ok bool) {
	slices.SortFunc(spans, func(x, y memSpan) int { return cmp.Compare(x.lo, y.lo) })
	far := 0
	for k := 1; k < len(spans); k++ {
		if spans[k].lo < spans[far].hi {
			return spans[far], spans[k], true
		}
		if spans[k].hi > spans[far].hi {
			far = k
		}
	}
	return memSpan{}, memSpan{}, false
}

// blockSlice is the a-th slice of the model, in the order b0.Value,
// b0.Grad, b1.Value, …, with its block and whether it is a Grad.
func (m *Model[T]) blockSlice(a int) ([]T, int, bool) {
	blk := &m.Blocks[a/2]
	if a%2 == 1 {
		return blk.Grad, a / 2, true
	}
	return blk.Value, a / 2, false
}

// overlapError names two overlapping spans of m and the first entry of
// each that they share.
func (m *Model[T]) overlapError(x, y memSpan) error {
	lo := max(x.lo, y.lo)
	size := uintptr(unsafe.Sizeof(T(0)))
	name := func(s memSpan) string {
		field := "Value"
		if s.grad {
			field = "Grad"
		}
		blk := m.Blocks[s.b]
		return fmt.Sprintf("%s of block %q at %s", field, blk.Name, shownEntry(blk.Name, shapeOf(blk), int((lo-s.lo)/size)))
	}
	why := "each block's Value and Grad must be memory of its own"
	switch {
	case !x.grad && !y.grad:
		why = "a parameter used in two places (tied weights) is one block, whose Grad holds the sum of its uses"
	case x.grad != y.grad:
		why = "the checker zeroes Grad before calling Gradient, which would zero the parameters"
	}
	return fmt.Errorf("gradcheck: the %s and the %s share memory: %s", name(x), name(y), why)
}

// shapeSize returns the number of entries of a shape, the product of its
// axes, and false where an axis is not positive or the product overflows
// an int: a product that wraps (4·(2⁶²+1) is 4 in int64) would pass for
// any length. Model validation, ReadJSON and BlockReport.Size (and through
// it the report package) all count a shape's entries with it.
func shapeSize(shape []int) (n int, ok bool) {
	n = 1
	for _, d := range shape {
		if d <= 0 || n > math.MaxInt/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// firstNamed returns the first of the blocks before k named name, or −1,
// from seen where it is not nil (and adds name to it), else by comparing.
func (m *Model[T]) firstNamed(name string, k int, seen map[string]int) int {
	if seen == nil {
		for j := range k {
			if m.Blocks[j].Name == name {
				return j
			}
		}
		return -1
	}
	if j, dup := seen[name]; dup {
		return j
	}
	seen[name] = k
	return -1
}
