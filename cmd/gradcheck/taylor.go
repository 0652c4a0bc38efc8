package main

import (
	"github.com/gradcheck/gradcheck"
)

// taylorBlocks runs the Taylor-remainder test of each block of m on its
// own, along dirs seeded random directions within the block, with the other
// blocks held at their values. The per-block remainders are what the HTML
// report plots beside the block's other evidence: order 2 where the
// block's gradient is right, 1 where it is wrong.
//
// The model's parameters are restored, bit for bit, before it returns.
func taylorBlocks(m *gradcheck.Model[float64], dirs int) (map[string]*gradcheck.TaylorReport, error) {
	saved := make([][]float64, len(m.Blocks))
	for b, blk := range m.Blocks {
		saved[b] = append([]float64(nil), blk.Value...)
	}
	defer func() {
		for b, blk := range m.Blocks {
			copy(blk.Value, saved[b])
		}
	}()
	out := make(map[string]*gradcheck.TaylorReport, len(m.Blocks))
	for b := range m.Blocks {
		blk := m.Blocks[b]
		f := func(x []float64) float64 {
			copy(blk.Value, x)
			if m.Reseed != nil {
				m.Reseed()
			}
			return m.Loss()
		}
		grad := func(dst, x []float64) {
			copy(blk.Value, x)
			if m.Reseed != nil {
				m.Reseed()
			}
			for _, o := range m.Blocks {
				clear(o.Grad)
			}
			m.Gradient()
			copy(dst, blk.Grad)
		}
		tr, err := gradcheck.Taylor(f, grad, saved[b], &gradcheck.TaylorOptions{Directions: dirs})
		copy(blk.Value, saved[b])
		if err != nil {
			return nil, err
		}
		out[blk.Name] = tr
	}
	return out, nil
}
