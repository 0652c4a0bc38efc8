package zoo

import (
	"fmt"
	"math"

	"github.com/gradcheck/gradcheck"
)

// A Corruption is a systematic error applied to one block's gradient after
// a correct Gradient has written it: a bug with a known ground truth.
type Corruption struct {
	// Pattern is what is done, and what a diagnosis should say:
	//
	//	zero          g ← 0
	//	sign          g ← −g
	//	scale         g ← Factor·g
	//	transpose     the R×C gradient (axis 0 by the rest) computed as its
	//	              C×R transpose and stored in the R×C buffer
	//	shift         row r along axis 0 gets row r−1; row 0, whose source
	//	              lies outside the block, gets zero
	//	weight-decay  g ← g + Factor·w
	//	edge          the last index along axis 0 gets zero
	//	few           the entry of largest |g| is multiplied by 1 + Factor
	Pattern gradcheck.Pattern
	Factor  float64
}

// Corrupt returns m with its Gradient followed by the corruption c of the
// named block. m's own Gradient is called as before; m is changed in place
// and returned.
func Corrupt[T gradcheck.Float](m *gradcheck.Model[T], block string, c Corruption) *gradcheck.Model[T] {
	b := -1
	for k := range m.Blocks {
		if m.Blocks[k].Name == block {
			b = k
		}
	}
	if b < 0 {
		panic(fmt.Sprintf("zoo: Corrupt: no block %q", block))
	}
	blk := m.Blocks[b]
	rows := len(blk.Value)
	if len(blk.Shape) > 0 {
		rows = blk.Shape[0]
	}
	cols := len(blk.Value) / rows
	inner := m.Gradient
	tmp := make([]T, len(blk.Grad))
	m.Gradient = func() {
		inner()
		g, w := blk.Grad, blk.Value
		switch c.Pattern {
		case gradcheck.PatternZero:
			clear(g)
		case gradcheck.PatternSign:
			for i := range g {
				g[i] = -g[i]
			}
		case gradcheck.PatternScale:
			for i := range g {
				g[i] *= T(c.Factor)
			}
		case gradcheck.PatternTranspose:
			copy(tmp, g)
			for i := range rows {
				for j := range cols {
					g[j*rows+i] = tmp[i*cols+j]
				}
			}
		case gradcheck.PatternShift:
			copy(tmp, g)
			clear(g[:cols])
			copy(g[cols:], tmp[:len(g)-cols])
		case gradcheck.PatternWeightDecay:
			for i := range g {
				g[i] += T(c.Factor) * w[i]
			}
		case gradcheck.PatternEdge:
			clear(g[len(g)-cols:])
		case gradcheck.PatternFew:
			k := 0
			for i := range g {
				if math.Abs(float64(g[i])) > math.Abs(float64(g[k])) {
					k = i
				}
			}
			g[k] *= T(1 + c.Factor)
		default:
			panic(fmt.Sprintf("zoo: Corrupt: no corruption %q", c.Pattern))
		}
	}
	return m
}
