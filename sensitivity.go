package gradcheck

import (
	"fmt"
	"math"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// sensitivityProbes is the number of gradient evaluations that measure the
// gradient's sensitivity to its inputs (measureSensitivity).
const sensitivityProbes = 2

// measureSensitivity measures, for every entry i, how far the gradient
// moves when every parameter moves by its own scale:
//
//	S_i ≈ Σ_j |∂²f/∂x_i∂x_j|·max(|x_j|, 1)
//
// from sensitivityProbes evaluations of the gradient with every parameter
// moved at once by ±t·max(|x_j|, 1), t the first-pass step, the signs
// pseudo-random and different in each probe: |g_i(x + δ) − g_i(x)|/t is
// |Σ_j H_ij·s_j·scale_j|, and the larger of two such sums with independent
// signs is seldom far below the sum of the magnitudes.
//
// S_i·ε is what the rounding of the parameters, and of intermediates of
// their size, can move entry i of any gradient evaluated at them, analytic
// or numeric: inputFloor, for the entry's own coordinate, is the term
// j = i of it. The other terms matter where an entry's derivative depends
// on another parameter through a quantity rounded at that parameter's
// scale: in float32, x2·sin(c + (x0 − c)) with c = 1.9998 and x0 = 6.1e-5
// computes its slope along x2 as sin of x0 rounded to 1.2e-7, a relative
// 1e-3 from sin(x0), the exact derivative, which the loss cannot show
// (float32 property seed 36). The refinement adds K·ε·S_i to the entry's
// threshold (ladder.floor).
//
// It runs with the noise measurement, where some entry's first pass did
// not accept it (whether refinement follows or not: only the ladder uses
// S_i), and is skipped where the gradient was seen to keep state
// between calls (a NotReentrant hazard): its values at the probes would
// not be the gradient's. The parameters are restored bit for bit after
// each probe, and the blocks' Grad set back to the gradient at x.
func (c *checker[T]) measureSensitivity(rep *Report) error {
	for _, h := range rep.Hazards {
		if h.Kind == NotReentrant {
			return nil
		}
	}
	scr := c.scratch()
	scr.sens, scr.sensBuf = split(scr.sens, scr.sensBuf, c.m.Blocks, func(blk Block[T]) int { return len(blk.Value) })
	clear(scr.sensBuf)
	c.sens = scr.sens
	t := c.s.step
	for p := range sensitivityProbes {
		k := 0
		for b, blk := range c.m.Blocks {
			for i, x0 := range c.saved[b] {
				blk.Value[i], _ = c.perturbed(b, i, t*probeSign(uint64(k), uint64(p))*fdiff.Scale(float64(x0)))
				k++
			}
			clear(blk.Grad)
		}
		err := c.callGradient()
		c.restoreAll()
		if err != nil {
			if pe, ok := err.(*PanicError); ok {
				pe.Along = fmt.Sprintf("a probe of the gradient's sensitivity: every parameter moved by ±%.3g of its scale", t)
			}
			c.restoreGrad()
			c.sens = nil
			return err
		}
		for b, blk := range c.m.Blocks {
			for i, g := range blk.Grad {
				if d := math.Abs(float64(g)-c.analytic[b][i]) / t; d > c.sens[b][i] && d <= math.MaxFloat64 {
					c.sens[b][i] = d
				}
			}
		}
	}
	c.restoreGrad()
	return nil
}

// restoreGrad sets the blocks' Grad back to the gradient at the caller's
// parameters.
func (c *checker[T]) restoreGrad() {
	for b, blk := range c.m.Blocks {
		for i, g := range c.analytic[b] {
			blk.Grad[i] = T(g)
		}
	}
}

// sensFloor is K·ε·S_i for entry i of block b (measureSensitivity), or 0
// where S is not measured.
func (c *checker[T]) sensFloor(b, i int) float64 {
	if c.sens == nil {
		return 0
	}
	return c.s.k * c.s.prec.Eps * c.sens[b][i]
}

// probeSign returns ±1 for entry k of probe p, hashed by mix64
// (directional.go): deterministic, so that a check is reproducible, and
// unrelated between entries and between probes.
func probeSign(k, p uint64) float64 {
	if mix64(k*0x9e3779b97f4a7c15+(p+1)*0xbf58476d1ce4e5b9)&1 == 0 {
		return 1
	}
	return -1
}
