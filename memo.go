package gradcheck

import "math"

// memoSlots is the size of the table of loss values one entry's
// refinement keeps: a power of two, at least twice the most evaluations
// refinement can make along one entry (218 in float64 without the table:
// four ladders of sixteen rows, 18 for the noise along the entry, the
// Taylor remainder's 35 steps a side and its two secants), so that the
// table stays sparse and never fills.
const memoSlots = 512

// lossMemo holds the loss values refinement has evaluated along one entry,
// keyed by the perturbed value, so that a step that two ladders share is
// evaluated once. The ladders overlap by construction: the climbed
// ladder's steps 8·h0/2^j are the first ladder's h0/2^(j−3) from its
// fourth row on, the second ladder below the first starts at the first's
// last step, and a ladder judged again with the noise along the entry
// takes the first's steps to the bit. In float32 the first-pass step is
// 2^−8·scale and the Taylor remainder's steps are 2^−18·scale·2^k, so the
// remainder shares two points with the first pass and eight with the noise
// along the entry, at spacings a quarter and 1/256 of the first-pass step. A deterministic loss gives the same
// value at the same parameters, so reading it back changes no verdict;
// a loss with a stated noise (Options.Noise) does not, and is evaluated
// afresh as before.
type lossMemo struct {
	gen  uint32 // the generation of the current entry: slots of another are empty
	used int
	key  [memoSlots]uint64
	tag  [memoSlots]uint32
	f    [memoSlots]float64
}

// reset empties the table for a new entry.
func (m *lossMemo) reset() {
	m.gen++
	m.used = 0
	if m.gen == 0 { // wrapped: stale tags could match again
		m.tag = [memoSlots]uint32{}
		m.gen = 1
	}
}

// slot returns where the value of key is, or belongs.
func (m *lossMemo) slot(key uint64) (s int, found bool) {
	s = int((key * 0x9E3779B97F4A7C15) >> (64 - 9))
	for m.tag[s] == m.gen {
		if m.key[s] == key {
			return s, true
		}
		s = (s + 1) & (memoSlots - 1)
	}
	return s, false
}

// refineLoss is lossStep for refinement (memoLoss).
func (c *checker[T]) refineLoss(b, i int, h float64) (f, step float64, err error) {
	v, step := c.perturbed(b, i, h)
	f, err = c.memoLoss(b, i, v)
	return f, step, err
}

// memoLoss is lossAt, read back from the table where the refinement of
// this entry already evaluated the loss at v.
func (c *checker[T]) memoLoss(b, i int, v T) (float64, error) {
	m := c.memo
	if m == nil {
		return c.lossAt(b, i, v)
	}
	key := math.Float64bits(float64(v))
	s, found := m.slot(key)
	if found {
		return m.f[s], nil
	}
	f, err := c.lossAt(b, i, v)
	if err == nil && m.used < memoSlots/2 {
		m.key[s], m.tag[s], m.f[s] = key, m.gen, f
		m.used++
	}
	return f, err
}

// beginMemo starts the table for the refinement of entry i of block b,
// where the loss is deterministic, with the first pass's values fp and fm
// at x ± h; endMemo stops it.
func (c *checker[T]) beginMemo(b, i int, h, fp, fm float64) {
	if c.s.noise > 0 {
		return
	}
	if c.memoBuf == nil {
		c.memoBuf = new(lossMemo)
	}
	m := c.memoBuf
	m.reset()
	c.memo = m
	for _, p := range [2]struct{ h, f float64 }{{h, fp}, {-h, fm}} {
		v, _ := c.perturbed(b, i, p.h)
		key := math.Float64bits(float64(v))
		if s, found := m.slot(key); !found {
			m.key[s], m.tag[s], m.f[s] = key, m.gen, p.f
			m.used++
		}
	}
}

func (c *checker[T]) endMemo() { c.memo = nil }
