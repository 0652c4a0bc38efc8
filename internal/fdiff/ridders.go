package fdiff

import "math"

// MaxRows is the largest number of steps an extrapolation takes.
const MaxRows = 16

// safe is Ridders' stopping factor: once the newest diagonal element moves
// by more than safe times the best error so far, round-off has taken over
// and smaller steps only make the estimate worse (Numerical Recipes §5.7).
const safe = 2

// Extrapolate runs Ridders' variant of Richardson extrapolation on estimates
// a[j] = A(h0/r^j) whose error expands in powers h^q, h^2q, h^3q, … (q = 2
// for central differences, q = 1 for one-sided ones). It returns the
// tableau entry with the smallest error estimate, that estimate (the larger
// of its distances to the two entries it was made from), and the number of
// rows used. With fewer than two usable rows the error is +Inf.
//
// Extrapolate does not allocate: the tableau lives in two fixed rows.
func Extrapolate(a []float64, r float64, q int) (best, err float64, rows int) {
	if len(a) == 0 {
		return math.NaN(), math.Inf(1), 0
	}
	if len(a) > MaxRows {
		a = a[:MaxRows]
	}
	var prev, cur [MaxRows]float64
	prev[0] = a[0]
	best, err = a[0], math.Inf(1)
	rq := math.Pow(r, float64(q))
	rows = 1
	for j := 1; j < len(a); j++ {
		cur[0] = a[j]
		fac := rq
		for k := 1; k <= j; k++ {
			cur[k] = (cur[k-1]*fac - prev[k-1]) / (fac - 1)
			fac *= rq
			e := math.Max(math.Abs(cur[k]-cur[k-1]), math.Abs(cur[k]-prev[k-1]))
			if e <= err {
				err, best = e, cur[k]
			}
		}
		rows = j + 1
		if math.Abs(cur[j]-prev[j-1]) >= safe*err {
			break
		}
		prev = cur
	}
	return best, err, rows
}
