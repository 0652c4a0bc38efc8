package fdiff

import "math"

// MaxRows is the largest number of steps an extrapolation takes.
const MaxRows = 16

// Extrapolate runs Ridders' variant of Richardson extrapolation on estimates
// a[j] = A(h0/r^j) whose error expands in powers h^q, h^2q, h^3q, … (q = 2
// for central differences, q = 1 for one-sided ones). noise[j] bounds the
// round-off error of a[j]; it may be nil for exact inputs.
//
// Every tableau entry T[j][k] gets an error estimate: the larger of its
// distances to the two entries it was made from (Ridders' truncation
// estimate, Numerical Recipes §5.7), plus the round-off bound of the rows
// it combines, carried through the same linear combination. Extrapolate
// returns the entry with the smallest estimate, the estimate, and the row
// of the smallest step that entry used. With fewer than two rows the error
// is +Inf.
//
// Unlike Numerical Recipes' dfridr it does not stop when the diagonal
// starts to grow: the round-off term already penalizes small steps, and a
// stop would throw away good late rows after bad early ones, as happens
// when the largest steps straddle a sharp feature of the function.
//
// Extrapolate does not allocate: the tableau lives in fixed rows.
func Extrapolate(a, noise []float64, r float64, q int) (best, err float64, row int) {
	if len(a) == 0 {
		return math.NaN(), math.Inf(1), 0
	}
	if len(a) > MaxRows {
		a = a[:MaxRows]
	}
	nz := func(j int) float64 {
		if noise == nil {
			return 0
		}
		return noise[j]
	}
	var prev, cur, prevN, curN [MaxRows]float64
	prev[0], prevN[0] = a[0], nz(0)
	best, err = a[0], math.Inf(1)
	rq := math.Pow(r, float64(q))
	for j := 1; j < len(a); j++ {
		cur[0], curN[0] = a[j], nz(j)
		fac := rq
		for k := 1; k <= j; k++ {
			cur[k] = (cur[k-1]*fac - prev[k-1]) / (fac - 1)
			curN[k] = (curN[k-1]*fac + prevN[k-1]) / (fac - 1)
			fac *= rq
			e := math.Max(math.Abs(cur[k]-cur[k-1]), math.Abs(cur[k]-prev[k-1])) + curN[k]
			if e <= err {
				err, best, row = e, cur[k], j
			}
		}
		prev, prevN = cur, curN
	}
	return best, err, row
}
