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
// Ridders' estimate holds only where column k−1 is in its asymptotic
// regime. T[j][k] = (R·T[j][k−1] − T[j−1][k−1])/(R − 1), R = r^(kq),
// removes the leading term of the error of column k−1 on the assumption
// that it is C·h^(kq), so that successive errors of that column are in
// the ratio R. With δ_j = T[j][k−1] − T[j−1][k−1], Ridders' estimate is
// then |δ_j|·R/(R − 1), the error of T[j−1][k−1] as that ratio implies it,
// and with it a bound on the better T[j][k]. Where the terms in h^(kq) and
// h^((k+1)q) of column k−1 nearly cancel between rows j−1 and j, δ_j is
// small by chance and so is the estimate, while the entry keeps the error
// of its parents (1/(1 + u²) at u = 0.0056, steps 0.2 to 0.05: estimate
// 1.6e-14, error 1.2e-13). The next row shows it: by the same ratio the
// error of T[j][k−1] is |δ_(j+1)|·R/(R − 1), and the estimate of T[j][k]
// is raised to that. In the regime δ_(j+1) ≈ δ_j/R and this changes
// nothing; it binds exactly where column k−1's correction grows from row
// j to row j+1, which no rows in the regime of that column show. Only the
// part of δ_(j+1) above its round-off bound counts, since round-off is
// carried separately. The entries of the last row have no next row and
// keep Ridders' estimate.
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
	// prevE[k] is the truncation estimate of T[j−1][k], settled only
	// once row j has shown the next correction of column k−1.
	var prev, cur, prevN, curN, prevE, curE [MaxRows]float64
	prev[0], prevN[0] = a[0], nz(0)
	best, err = a[0], math.Inf(1)
	rq := math.Pow(r, float64(q))
	settle := func(t, n, e *[MaxRows]float64, j int) {
		for k := 1; k <= j; k++ {
			if v := e[k] + n[k]; v <= err {
				err, best, row = v, t[k], j
			}
		}
	}
	for j := 1; j < len(a); j++ {
		cur[0], curN[0] = a[j], nz(j)
		fac := rq
		for k := 1; k <= j; k++ {
			cur[k] = (cur[k-1]*fac - prev[k-1]) / (fac - 1)
			curN[k] = (curN[k-1]*fac + prevN[k-1]) / (fac - 1)
			curE[k] = math.Max(math.Abs(cur[k]-cur[k-1]), math.Abs(cur[k]-prev[k-1]))
			if k < j {
				// This row's correction of column k−1 shows the error
				// of T[j−1][k−1], and so of T[j−1][k] (see above).
				next := math.Abs(cur[k-1]-prev[k-1]) - (curN[k-1] + prevN[k-1])
				prevE[k] = math.Max(prevE[k], next*fac/(fac-1))
			}
			fac *= rq
		}
		settle(&prev, &prevN, &prevE, j-1)
		prev, prevN, prevE = cur, curN, curE
	}
	settle(&prev, &prevN, &prevE, len(a)-1)
	return best, err, row
}
