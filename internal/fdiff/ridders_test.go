package fdiff

import (
	"math"
	"testing"
)

// TestExtrapolateOutsideRegime: central differences c(h) = h² + B·h⁴ + h⁶
// of a function whose derivative is 0. Once extrapolated, T[j][1] =
// (4c(h) − c(2h))/3 errs by −4B·h⁴ − 20h⁶, which is the same at h = 0.1
// and h = 0.05 when B = −21·0.05² = −0.0525: the correction of that column
// there vanishes, and Ridders' estimate of the twice-extrapolated entry
// from steps 0.2 to 0.05 with it, while that entry still errs by about the
// column's error, 1.0e-6. The next row (h = 0.025) shows the column's
// correction growing; with it, whatever entry Extrapolate picks, its error
// estimate must cover its error. (From three rows the error cannot be
// seen: the last row's entries have no next row.)
func TestExtrapolateOutsideRegime(t *testing.T) {
	const b = -21 * 0.05 * 0.05
	var a []float64
	for j := range 5 {
		h := 0.2 / float64(uint(1)<<j)
		a = append(a, h*h+b*h*h*h*h+h*h*h*h*h*h)
	}
	for rows := 4; rows <= len(a); rows++ {
		best, err, row := Extrapolate(a[:rows], nil, 2, 2)
		if math.Abs(best) > err {
			t.Errorf("%d rows: estimate %.3g (up to row %d) has error bound %.3g but errs by %.3g", rows, best, row, err, math.Abs(best))
		}
	}
}
