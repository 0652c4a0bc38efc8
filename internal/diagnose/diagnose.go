// Package diagnose names the kind of bug behind a wrong gradient block. It
// takes the analytic values a and the numeric estimates n over the checked
// entries of one block (all of them, or a sample) and tests hypotheses of
// the form "a is what n would be if …": zero, sign-flipped, scaled by c,
// transposed, shifted by one along an axis, off by β·x (a weight-decay
// term), wrong only at an edge, wrong only at a few entries, or wrong only
// at the level of the precision's round-off.
//
// One hypothesis is about n instead: when the numeric estimate is zero at
// every checked entry (to the bit, or within its estimated error, Block.Err)
// and the analytic gradient is not, the loss did not move at any
// perturbation, and LossUnmoved says so, first, whatever else fits: the
// Loss reads a cache or a copy rather than the parameters the check
// perturbs in place, or does not depend on them at all (then the analytic
// gradient is the bug); the values cannot tell which. Every other
// hypothesis would read a zero n as the truth. A zero at only some entries
// is not this pattern.
//
// # Evidence and acceptance
//
// A hypothesis predicts the analytic value â_k of each entry k of its
// domain P (the checked entries on which it says something). Its evidence
// is
//
//	Fit = 1 − Σ_P x(a − â)² / Σ_P x(a − n)²,  x(e) = max(|e| − τ_k, 0),
//
// the fraction of the discrepancy it explains, counting only what exceeds
// each entry's verdict threshold τ_k (within it, a difference is the
// estimate's own noise and explaining it is no evidence); and Explained of
// Of: of the
// failing entries in P, how many it explains, where an entry is explained
// when â brings it within its verdict threshold or removes at least
// nine tenths of its discrepancy.
//
// A hypothesis is accepted when all of these hold:
//
//   - Fit ≥ 0.9 and Explained ≥ 0.9·Of: it accounts for nine tenths of the
//     discrepancy, both in size and in count of entries;
//   - its domain holds at least two thirds of the block's discrepancy
//     ‖a − n‖², so it cannot choose the entries it is judged on;
//   - a hypothesis with a fitted parameter (scale, weight decay) is fitted
//     on at least eight entries. A one-parameter least-squares fit to a
//     structureless residual over m entries explains a fraction of it
//     distributed as Beta(1/2, (m−1)/2); at m = 8 the chance that this
//     reaches 0.9 is below 1e-4, so a random error is not given a pattern
//     by chance, even across the dozen hypotheses tried.
//
// A factor pinned within 1e-4 of a simple fraction (p/q or √(p/q) with
// p, q ≤ 16), and a loss term's weight pinned to 0, 2 or −1, are values
// from a small set rather than free fits, and need only the two entries
// of any hypothesis.
//
// The thresholds are the same for every pattern; none is tuned per case.
// When nothing is accepted the answer is PatternNone, "no pattern found".
//
// When the loss is given as named terms (Block.Terms), two more
// hypotheses are tried per term: the term's own gradient is wrong and its
// error is the block's (a − n = a_t − n_t), and the model's gradient
// includes the term w times instead of once (a − n = (w − 1)·n_t).
//
// Measured on the tests of this repository: every planted pattern is the
// top hypothesis; 0 of 400 structureless random errors get a pattern; and
// on the zoo's bug corpus 88 of 91 detected bugs with an expected pattern
// get it (the others get "no pattern": bias blocks of two to four entries
// whose one-parameter fit is too uncertain to accept).
package diagnose

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Pattern names; they are the values of gradcheck.Pattern.
const (
	TermPattern = "term"
	Zero        = "zero"
	Sign        = "sign"
	Scale       = "scale"
	Transpose   = "transpose"
	Shift       = "shift"
	WeightDecay = "weight-decay"
	Edge        = "edge"
	Few         = "few"
	Noise       = "noise"
	LossUnmoved = "loss-unmoved"
	None        = "no-pattern"
)

// Acceptance thresholds; see the package comment for why.
const (
	minFit      = 0.9     // fraction of ‖a − n‖² a hypothesis must explain
	minCount    = 0.9     // fraction of failing entries it must explain
	minCoverage = 2.0 / 3 // fraction of ‖a − n‖² its domain must hold
	minFitted   = 8       // entries a one-parameter fit needs
	entryRemove = 0.9     // an entry is explained if this much of its error goes
)

// A Block is what the checker knows of one block. Index, X, A, N, Tol and
// Fail have one element per checked entry.
type Block struct {
	Shape []int // row-major shape; nil means a vector
	Index []int // flat index of each checked entry, increasing

	X   []float64 // parameter value
	A   []float64 // analytic gradient
	N   []float64 // numeric estimate
	Tol []float64 // verdict threshold: the entry passes when |A − N| ≤ Tol
	// Fail marks the failing entries (mismatches). Entries whose numeric
	// value could not be judged (inconclusive, non-finite) should be left
	// out of the Block altogether.
	Fail []bool

	// Eps is the unit round-off of the precision the model computes in.
	Eps float64

	// Terms, when the loss is given as named terms, hold each term's own
	// check on the same entries; NaN where the term has no usable value.
	Terms []Term

	// Err, when not nil, is the estimated error of each N (the checker's
	// ErrEst); an N within it of zero counts as zero for LossUnmoved. nil
	// means zero to the bit.
	Err []float64

	// Func names the function whose derivatives N estimates, in messages;
	// "" means the model's Loss.
	Func string

	// Checked is how many of the block's entries were checked, those left
	// out for want of a numeric value among them; 0 means len(Index). A
	// summary that asks for the whole block says which it lacks: entries
	// that were not checked, or checked entries without a value to fit.
	Checked int
}

// A Term is the check of one loss term on the block's entries.
type Term struct {
	Name string
	A, N []float64 // the term's analytic gradient and numeric estimate
}

// A Hypothesis is one explanation of a block's discrepancy with its
// evidence; see the package comment.
type Hypothesis struct {
	Pattern string
	Summary string
	// Factor is c for Scale, and for WeightDecay the λ with
	// n − a = λ·x: positive when the analytic gradient lacks a weight-decay
	// term λ·x, negative when it has one too many.
	Factor        float64
	Axis          int // for Shift and Edge; −1 otherwise
	Fit           float64
	Explained, Of int
	Entries       []int // flat indices, for Few and Edge
	params        int   // fitted parameters, or free entries: fewer ranks first
}

// Diagnose returns the accepted hypotheses about b, best first; a single
// None hypothesis when the block fails and none is accepted; and nil when
// no entry fails. It never panics on finite input and skips entries with a
// non-finite value.
func Diagnose(b Block) []Hypothesis {
	d, ok := prepare(b)
	if !ok {
		return nil
	}
	unmoved, isUnmoved := d.unmoved(b)
	var acc []Hypothesis
	try := func(h Hypothesis, ok bool) {
		if ok {
			acc = append(acc, h)
		}
	}
	for t := range b.Terms {
		try(d.termWrong(b.Terms[t]))
		try(d.termWeight(b.Terms[t]))
	}
	try(d.zero())
	try(d.sign())
	try(d.scale())
	try(d.weightDecay())
	acc = append(acc, d.permutations()...)
	acc = append(acc, d.shifts()...)
	try(d.edge())
	if len(acc) == 0 {
		try(d.noise())
	}
	try(d.few())
	if len(acc) == 0 && !isUnmoved {
		return []Hypothesis{d.none()}
	}
	slices.SortStableFunc(acc, func(x, y Hypothesis) int {
		if c := cmp.Compare(y.Fit, x.Fit); math.Abs(x.Fit-y.Fit) > 1e-3 && c != 0 {
			return c
		}
		return cmp.Compare(x.params, y.params)
	})
	if isUnmoved {
		// Every other hypothesis reads n as the truth; here n is the
		// suspect, so this one comes first whatever they fit.
		acc = append([]Hypothesis{unmoved}, acc...)
	}
	return acc
}

// data is a Block with the unusable entries dropped and the residual
// r = a − n at hand.
type data struct {
	shape        []int
	idx          []int
	x, a, n, tol []float64
	err          []float64 // the estimated error of n; 0 when not given
	r            []float64
	fail         []bool
	stride       []int       // row-major stride of each axis
	pos          map[int]int // flat index → position in idx
	src          []int       // the Block's Index, before unusable entries were dropped
	keep         []int       // position in the Block of each kept entry
	total        float64     // ‖r‖² over all entries
	nfail        int
	eps          float64
	checked      int // Block.Checked, at least len(Block.Index)
}

func prepare(b Block) (*data, bool) {
	m := len(b.Index)
	if len(b.X) != m || len(b.A) != m || len(b.N) != m || len(b.Tol) != m || len(b.Fail) != m {
		return nil, false
	}
	shape := b.Shape
	size := 1
	for _, s := range shape {
		if s <= 0 {
			return nil, false
		}
		size *= s
	}
	if shape == nil {
		size = 0
		for _, i := range b.Index {
			size = max(size, i+1)
		}
		shape = []int{size}
	}
	d := &data{shape: shape, pos: make(map[int]int, m), eps: b.Eps, src: b.Index, checked: max(b.Checked, m)}
	d.stride = make([]int, len(shape))
	st := 1
	for ax := len(shape) - 1; ax >= 0; ax-- {
		d.stride[ax] = st
		st *= shape[ax]
	}
	for k, i := range b.Index {
		if i < 0 || i >= size || !finite(b.X[k]) || !finite(b.A[k]) || !finite(b.N[k]) || !(b.Tol[k] >= 0) {
			continue
		}
		if _, dup := d.pos[i]; dup {
			continue
		}
		d.pos[i] = len(d.idx)
		d.keep = append(d.keep, k)
		d.idx = append(d.idx, i)
		d.x = append(d.x, b.X[k])
		d.a = append(d.a, b.A[k])
		d.n = append(d.n, b.N[k])
		d.tol = append(d.tol, b.Tol[k])
		e := 0.0
		if len(b.Err) == m && b.Err[k] >= 0 {
			e = b.Err[k]
		}
		d.err = append(d.err, e)
		r := b.A[k] - b.N[k]
		d.r = append(d.r, r)
		d.fail = append(d.fail, b.Fail[k])
		rx := excess(r, b.Tol[k])
		d.total += rx * rx
		if b.Fail[k] {
			d.nfail++
		}
	}
	return d, d.nfail > 0 && d.total > 0 && finite(d.total)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// excess is the part of an error e beyond the verdict threshold tol: what
// a hypothesis has to explain. Errors within the threshold are the
// estimate's own noise, and explaining them is no evidence.
func excess(e, tol float64) float64 { return math.Max(math.Abs(e)-tol, 0) }

// judge computes the evidence of a prediction pred over its domain (the
// positions where it returns ok) and whether it is accepted. fitted is the
// number of fitted parameters.
func (d *data) judge(h *Hypothesis, fitted int, pred func(k int) (float64, bool)) bool {
	var rP, eP float64
	dom := 0
	for k := range d.idx {
		p, ok := pred(k)
		if !ok {
			continue
		}
		dom++
		e := d.a[k] - p
		rx, ex := excess(d.r[k], d.tol[k]), excess(e, d.tol[k])
		rP += rx * rx
		eP += ex * ex
		if d.fail[k] {
			h.Of++
			if math.Abs(e) <= d.tol[k] || math.Abs(e) <= (1-entryRemove)*math.Abs(d.r[k]) {
				h.Explained++
			}
		}
	}
	if rP > 0 {
		h.Fit = 1 - eP/rP
	} else {
		h.Fit = math.Inf(-1)
	}
	h.Fit = math.Max(h.Fit, -1) // a fit worse than −1 says no more than −1
	if fitted > 0 && dom < minFitted {
		return false
	}
	if dom < 2 || h.Of == 0 {
		return false
	}
	return rP >= minCoverage*d.total && h.Fit >= minFit && float64(h.Explained) >= minCount*float64(h.Of)
}

func (d *data) coords(i int) []int {
	c := make([]int, len(d.shape))
	for ax := len(d.shape) - 1; ax >= 0; ax-- {
		c[ax] = i % d.shape[ax]
		i /= d.shape[ax]
	}
	return c
}

func flat(shape, c []int) int {
	f := 0
	for ax, s := range shape {
		f = f*s + c[ax]
	}
	return f
}

// zero: the analytic gradient is zero where the numeric one is not.
//
// A block of one entry is no exception where its analytic value is zero
// to the bit: no hypothesis is fitted from one entry (judge), but a zero
// against a numeric value that is not is what was measured, not a fit.
// It is the one diagnosis a scalar parameter's dropped gradient can get
// (an activation's α that the backward pass leaves out).
func (d *data) zero() (Hypothesis, bool) {
	h := Hypothesis{Pattern: Zero, Axis: -1}
	ok := d.judge(&h, 0, func(int) (float64, bool) { return 0, true })
	exact := true
	for _, a := range d.a {
		exact = exact && a == 0
	}
	if !ok && exact && len(d.idx) == 1 && d.fail[0] {
		ok, h.Fit, h.Explained, h.Of = true, 1, 1, 1
	}
	if exact {
		h.Summary = "the analytic gradient is zero and the numeric one is not: the gradient of this block is never computed or never propagated to it"
	} else {
		h.Summary = fmt.Sprintf("the analytic gradient is nearly zero (‖a‖ = %.2g·‖n‖): the gradient of this block is mostly not propagated to it", norm(d.a)/norm(d.n))
	}
	return h, ok
}

// unmoved: the numeric gradient is zero at every checked entry, to the
// bit or within its estimated error, while the analytic one is not (prepare
// has found failing entries). The loss did not measurably move at any
// step of any entry: it does not read the parameters as the check perturbs
// them in place (it returns a cache, or a value memoized by the
// parameters' address, or reads a copy), or it does not depend on them at
// all, and then the analytic gradient is the bug. The values alone cannot
// tell these apart. A cache that Gradient refills now and then (the check
// calls Gradient at perturbed points too) leaves estimates of a few ulps
// of the loss over the step rather than zeros, hence the estimated error.
// A zero at only some entries is none of this: a loss that reads a stale
// value reads it at every entry, and a few zero estimates are the other
// hypotheses' to explain. Two checked entries at least, as for any
// hypothesis.
func (d *data) unmoved(b Block) (Hypothesis, bool) {
	if len(d.idx) < 2 {
		return Hypothesis{}, false
	}
	exact := true
	for k, n := range d.n {
		if math.Abs(n) > d.err[k] {
			return Hypothesis{}, false
		}
		exact = exact && n == 0
	}
	fn := b.Func
	if fn == "" {
		fn = "Loss"
	}
	zero := "zero to the bit"
	if !exact {
		zero = "zero, within its estimated error,"
	}
	// It explains every failing entry, by saying that n is not evidence.
	h := Hypothesis{Pattern: LossUnmoved, Axis: -1, Fit: 1, Explained: d.nfail, Of: d.nfail}
	h.Summary = fmt.Sprintf("%s did not move: the numeric gradient is %s at all %d checked entries while the analytic gradient is not. Either %s does not read these parameters as they are perturbed in place (it returns a cache, for example one filled by Gradient, or a value memoized by the parameters' address, or reads a copy), or it does not depend on them at all and their analytic gradient should be zero; the check cannot tell which", fn, zero, len(d.idx), fn)
	return h, true
}

// sign: the analytic gradient is the negative of the numeric one.
func (d *data) sign() (Hypothesis, bool) {
	h := Hypothesis{Pattern: Sign, Axis: -1, Summary: "sign flipped: the analytic gradient is the negative of the numeric one (a gradient of −loss, or a subtraction written the wrong way round)"}
	ok := d.judge(&h, 0, func(k int) (float64, bool) { return -d.n[k], true })
	return h, ok
}

// scale: a = c·n with c fitted by least squares.
func (d *data) scale() (Hypothesis, bool) {
	c, tol, ok := fitThrough(d.n, d.a, d.tol)
	if !ok || math.Abs(c-1) <= tol || math.Abs(c+1) <= tol || math.Abs(c) <= tol {
		// 1: no scale error; −1 and 0 are the sign and zero patterns.
		return Hypothesis{}, false
	}
	fitted := 1
	if simple(c, tol) {
		// A factor pinned to a simple fraction is one value of a small
		// set, not a free fit: a structureless residual lands that close to
		// one of them with a chance of about (number of fractions)·tol/|c|.
		fitted = 0
	}
	h := Hypothesis{Pattern: Scale, Axis: -1, Factor: c, params: fitted}
	if !d.judge(&h, fitted, func(k int) (float64, bool) { return c * d.n[k], true }) {
		return h, false
	}
	h.Summary = fmt.Sprintf("scaled: the analytic gradient is c = %s times the numeric one%s", num(c), d.nameScale(c, tol))
	return h, true
}

// weightDecay: a = n − λ·x, λ fitted on the residual.
func (d *data) weightDecay() (Hypothesis, bool) {
	beta, tol, ok := fitThrough(d.x, d.r, d.tol)
	if !ok || math.Abs(beta) <= tol {
		return Hypothesis{}, false
	}
	lambda := -beta
	h := Hypothesis{Pattern: WeightDecay, Axis: -1, Factor: lambda, params: 1}
	if !d.judge(&h, 1, func(k int) (float64, bool) { return d.n[k] + beta*d.x[k], true }) {
		return h, false
	}
	if lambda > 0 {
		h.Summary = fmt.Sprintf("off by a term proportional to the parameters: the analytic gradient lacks λ·x with λ = %s, the gradient of an L2 penalty λ/2·‖x‖² (missing weight decay)", num(lambda))
	} else {
		h.Summary = fmt.Sprintf("off by a term proportional to the parameters: the analytic gradient has an extra λ·x with λ = %s (weight decay counted twice, or added to a gradient whose loss has no such penalty)", num(-lambda))
	}
	return h, true
}

// fitThrough fits y ≈ c·x by least squares through the origin and returns
// c with a tolerance: four standard errors of c plus the verdict
// thresholds projected on x, so that a c within tol of a value v cannot be
// told from v by this check.
func fitThrough(x, y, thr []float64) (c, tol float64, ok bool) {
	var xx, xy, xt float64
	for k := range x {
		xx += x[k] * x[k]
		xy += x[k] * y[k]
		xt += math.Abs(x[k]) * thr[k]
	}
	if len(x) < 2 || !(xx > 0) || !finite(xx) {
		return 0, 0, false
	}
	c = xy / xx
	var ss float64
	for k := range x {
		e := y[k] - c*x[k]
		ss += e * e
	}
	se := math.Sqrt(ss / float64(len(x)-1) / xx)
	return c, 4*se + xt/xx, finite(c)
}

// simpleDen bounds the numerators and denominators of the simple
// fractions p/q and √(p/q) that pin a scale factor; with tol ≤ 1e-4·|c|
// there are fewer than 300 of them, so a chance match has probability
// below 0.06, and the fit must still explain nine tenths of the error at
// every failing entry.
const simpleDen = 16

// simple reports whether c is, within tol ≤ 1e-4·|c|, ±p/q or ±√(p/q)
// with p, q ≤ simpleDen.
func simple(c, tol float64) bool {
	if !(tol <= 1e-4*math.Abs(c)) {
		return false
	}
	for q := 1; q <= simpleDen; q++ {
		for p := 1; p <= simpleDen; p++ {
			v := float64(p) / float64(q)
			if math.Abs(math.Abs(c)-v) <= tol || math.Abs(math.Abs(c)-math.Sqrt(v)) <= tol {
				return true
			}
		}
	}
	return false
}

// nameScale recognises c as a simple fraction p/q, or as √(p/q), and says
// what such a factor usually comes from.
func (d *data) nameScale(c, tol float64) string {
	if tol > 0.01*math.Abs(c) {
		return " (too uncertain to name as a fraction)"
	}
	near := func(v float64) bool { return math.Abs(c-v) <= tol+1e-12*math.Abs(c) }
	axisOf := func(q int) string {
		for ax, s := range d.shape {
			if s == q && q > 1 {
				return fmt.Sprintf(", the length of axis %d", ax)
			}
		}
		return ""
	}
	// rootOf mentions a 1/√d reading of an integer k when d = k² is the
	// length of an axis (attention's 1/√d_k).
	rootOf := func(k int, recip bool) string {
		for ax, s := range d.shape {
			if s == k*k && k > 1 {
				if recip {
					return fmt.Sprintf("; or 1/√%d, %d being the length of axis %d: a 1/√d scaling applied where it does not belong", s, s, ax)
				}
				return fmt.Sprintf("; or √%d, %d being the length of axis %d: a 1/√d scaling missing from the gradient", s, s, ax)
			}
		}
		return ""
	}
	sign := ""
	if c < 0 {
		sign = "−"
	}
	const maxDen = 4096
	for q := 1; q <= maxDen; q++ {
		p := math.Round(math.Abs(c) * float64(q))
		if p < 1 || p > maxDen || !near(math.Copysign(p/float64(q), c)) {
			continue
		}
		pi := int(p)
		switch {
		case q == 1 && pi == 2:
			return fmt.Sprintf(" (%s2: a term counted twice, or the derivative of x² without its ½)", sign)
		case pi == 1 && q == 2:
			return fmt.Sprintf(" (%s1/2: the derivative of x² written as x, or a term counted once that appears twice)", sign)
		case q == 1:
			return fmt.Sprintf(" (%s%d: a loss averaged over %d items whose gradient sums them, a missing 1/N%s%s)", sign, pi, pi, axisOf(pi), rootOf(pi, false))
		case pi == 1:
			return fmt.Sprintf(" (%s1/%d: a gradient divided by N = %d once too often, or a summed loss whose gradient averages%s%s)", sign, q, q, axisOf(q), rootOf(q, true))
		}
		return fmt.Sprintf(" (%s%d/%d)", sign, pi, q)
	}
	c2, tol2 := c*c, 2*math.Abs(c)*tol
	for q := 1; q <= maxDen; q++ {
		p := math.Round(c2 * float64(q))
		if p < 1 || p > maxDen || math.Abs(c2-p/float64(q)) > tol2+1e-12*c2 {
			continue
		}
		pi := int(p)
		switch {
		case pi == 1:
			return fmt.Sprintf(" (%s1/√%d: a 1/√d scaling with d = %d applied where it does not belong, or twice%s)", sign, q, q, axisOf(q))
		case q == 1:
			return fmt.Sprintf(" (%s√%d: a 1/√d scaling with d = %d missing from the gradient%s)", sign, pi, pi, axisOf(pi))
		}
		return fmt.Sprintf(" (%s√(%d/%d))", sign, pi, q)
	}
	return ""
}

// permutations: the analytic gradient is laid out with its axes permuted
// (for a matrix, transposed), read back in the block's own shape.
func (d *data) permutations() []Hypothesis {
	nd := len(d.shape)
	if nd < 2 || nd > 4 {
		return nil
	}
	var out []Hypothesis
	perm := make([]int, nd)
	for i := range perm {
		perm[i] = i
	}
	for permute(perm) {
		// The analytic buffer holds G stored as an array of shape
		// S_p = (S[p0], S[p1], …) with T[u] = G[c], c[p[j]] = u[j].
		sp := make([]int, nd)
		for j, p := range perm {
			sp[j] = d.shape[p]
		}
		src := make([]int, len(d.idx))
		c := make([]int, nd)
		for k, i := range d.idx {
			u := i
			for j := nd - 1; j >= 0; j-- {
				c[perm[j]] = u % sp[j]
				u /= sp[j]
			}
			if s, ok := d.pos[flat(d.shape, c)]; ok {
				src[k] = s
			} else {
				src[k] = -1
			}
		}
		h := Hypothesis{Pattern: Transpose, Axis: -1}
		if !d.judge(&h, 0, func(k int) (float64, bool) {
			if src[k] < 0 {
				return 0, false
			}
			return d.n[src[k]], true
		}) {
			continue
		}
		if nd == 2 && d.shape[0] == d.shape[1] {
			h.Summary = "transposed: analytic[i,j] holds the numeric gradient of [j,i] (a gradient computed for Wᵀ, or indexed [j][i])"
		} else if nd == 2 {
			h.Summary = fmt.Sprintf("transposed: the analytic gradient is laid out as a %v array (Wᵀ) and read back as %v", sp, d.shape)
		} else {
			h.Summary = fmt.Sprintf("laid out in the wrong order: the analytic gradient holds the axes in the order %v (shape %v) and is read back as %v", perm, sp, d.shape)
		}
		out = append(out, h)
	}
	return out
}

// permute advances p to the next permutation in lexicographic order and
// reports whether there was one.
func permute(p []int) bool {
	i := len(p) - 2
	for i >= 0 && p[i] >= p[i+1] {
		i--
	}
	if i < 0 {
		return false
	}
	j := len(p) - 1
	for p[j] <= p[i] {
		j--
	}
	p[i], p[j] = p[j], p[i]
	slices.Reverse(p[i+1:])
	return true
}

// shifts: analytic[c] holds the numeric gradient of c − s along an axis,
// s = ±1. The entries whose source lies outside the block are free (the
// hypothesis says nothing of what they hold, a zero or garbage); an axis
// needs at least three entries, so that they are at most a third of it.
// Entries whose source was not checked (a sample) are outside the domain,
// and at least two failing entries must be explained by their source, not
// freely.
func (d *data) shifts() []Hypothesis {
	var out []Hypothesis
	for ax, size := range d.shape {
		if size < 3 {
			continue
		}
		for _, s := range []int{1, -1} {
			src := make([]int, len(d.idx))
			for k, i := range d.idx {
				c := (i/d.stride[ax])%size - s
				src[k] = -1
				if c >= 0 && c < size {
					src[k] = -2
					if p, ok := d.pos[i-s*d.stride[ax]]; ok {
						src[k] = p
					}
				}
			}
			// The free entries explain whatever they hold, so they are
			// no evidence of a shift: it must explain at least two
			// failing entries by the neighbours it reads them from. A
			// sample holds every corner of the block and few pairs of
			// neighbours, so that its domain can be the free first (or
			// last) index alone, and a bug at that edge was named a
			// shift.
			predicted := 0
			for k := range d.idx {
				if src[k] < 0 || !d.fail[k] {
					continue
				}
				e := math.Abs(d.a[k] - d.n[src[k]])
				if e <= d.tol[k] || e <= (1-entryRemove)*math.Abs(d.r[k]) {
					predicted++
				}
			}
			if predicted < 2 {
				continue
			}
			h := Hypothesis{Pattern: Shift, Axis: ax}
			if !d.judge(&h, 0, func(k int) (float64, bool) {
				if src[k] == -2 {
					return 0, false // the source was not checked
				}
				if src[k] < 0 {
					return d.a[k], true // free: the source lies outside the block
				}
				return d.n[src[k]], true
			}) {
				continue
			}
			from := "previous"
			if s < 0 {
				from = "next"
			}
			h.Summary = fmt.Sprintf("shifted by one along axis %d: each analytic entry holds the numeric gradient of the %s index (an off-by-one index)", ax, from)
			out = append(out, h)
		}
	}
	return out
}

// edge: wrong only where the index along one axis is first, last, or
// either. The slice must be a proper part of the block (an axis of at least
// three), and at least half of its checked entries must fail: otherwise the
// failures merely lie on an edge and Few says it better.
func (d *data) edge() (Hypothesis, bool) {
	var best Hypothesis
	found := false
	for ax, size := range d.shape {
		if size < 3 && len(d.shape) > 1 || size < 2 {
			continue
		}
		for _, which := range []string{"first", "last", "first and last"} {
			in := func(i int) bool {
				c := (i / d.stride[ax]) % size
				return (c == 0 && which != "last") || (c == size-1 && which != "first")
			}
			var entries []int
			inE, failE, outside := 0, 0, 0
			for k, i := range d.idx {
				if !in(i) {
					outside++
					continue
				}
				inE++
				if d.fail[k] {
					failE++
					entries = append(entries, i)
				}
			}
			if inE == 0 || outside < 2 || 2*failE < inE {
				continue
			}
			h := Hypothesis{Pattern: Edge, Axis: ax, Entries: entries, params: inE}
			if !d.judge(&h, 0, func(k int) (float64, bool) {
				if in(d.idx[k]) {
					return d.a[k], true // free: the hypothesis says these are wrong
				}
				return d.n[k], true
			}) {
				continue
			}
			h.Summary = fmt.Sprintf("wrong only at the %s index along axis %d (%s): a loop bound or a boundary case", which, ax, d.list(entries))
			if !found || h.params < best.params {
				best, found = h, true
			}
		}
	}
	return best, found
}

// few: only a few entries are wrong; they are listed. A few is at most
// three, or one in twenty of the checked entries, and never more than a
// quarter of them.
func (d *data) few() (Hypothesis, bool) {
	limit := max(3, len(d.idx)/20)
	if d.nfail > limit || 4*d.nfail > len(d.idx) {
		return Hypothesis{}, false
	}
	var entries []int
	for k, i := range d.idx {
		if d.fail[k] {
			entries = append(entries, i)
		}
	}
	h := Hypothesis{Pattern: Few, Axis: -1, Entries: entries, params: len(entries) + len(d.idx)}
	ok := d.judge(&h, 0, func(k int) (float64, bool) {
		if d.fail[k] {
			return d.a[k], true
		}
		return d.n[k], true
	})
	h.Summary = fmt.Sprintf("wrong only at %d of %d checked entries: %s", len(entries), len(d.idx), d.list(entries))
	return h, ok
}

// noise: every failing entry disagrees by at most √ε of the block's
// gradient scale. A sum of L products computed in precision ε carries an
// error of up to about L·ε of the sum of their magnitudes, so in float32
// (√ε = 2.4e-4) a layer of a few thousand inputs reaches this level without
// a bug. The verdicts are left as they are: a real bug of this size cannot
// be told from round-off, and calling it a pass could hide it.
func (d *data) noise() (Hypothesis, bool) {
	if !(d.eps > 0) {
		return Hypothesis{}, false
	}
	var scale, worst float64
	for k := range d.idx {
		scale = math.Max(scale, math.Max(math.Abs(d.a[k]), math.Abs(d.n[k])))
	}
	level := math.Sqrt(d.eps) * scale
	var entries []int
	for k, i := range d.idx {
		if d.fail[k] {
			worst = math.Max(worst, math.Abs(d.r[k]))
			entries = append(entries, i)
		}
	}
	if !(scale > 0) || worst > level {
		return Hypothesis{}, false
	}
	prec := "this precision"
	switch d.eps {
	case 0x1p-24:
		prec = "float32"
	case 0x1p-53:
		prec = "float64"
	}
	// A check in float64 tells round-off from a bug only where the block
	// is in a coarser precision.
	advice := ""
	if d.eps > 0x1p-53 {
		advice = ": check in float64 to be sure"
	}
	h := Hypothesis{Pattern: Noise, Axis: -1, Fit: 1, Explained: len(entries), Of: len(entries), Entries: entries, params: len(d.idx)}
	h.Summary = fmt.Sprintf("disagreement at the level of %s round-off: the largest error is %.2g of the gradient's scale, below √ε = %.2g; likely precision, not a bug, but the verdicts stand%s", prec, worst/scale, math.Sqrt(d.eps), advice)
	return h, true
}

// none reports that nothing was accepted, naming the best candidate that
// came closest so that a person has somewhere to look.
func (d *data) none() Hypothesis {
	h := Hypothesis{Pattern: None, Axis: -1, Of: d.nfail}
	h.Summary = fmt.Sprintf("no pattern found: the errors at %d failing entries fit none of zero, sign, scale, weight decay, transpose, shift, edge or few entries", d.nfail)
	size := 1
	for _, s := range d.shape {
		size *= s
	}
	unchecked, unfit := size-d.checked, d.checked-len(d.idx)
	switch {
	case unchecked > 0 && unfit > 0:
		h.Summary += fmt.Sprintf("; only %d of its %d entries were checked and %d of those gave no numeric value to fit (inconclusive or non-finite), and transpose and shift need the partners of the failing entries: check the whole block to test them", d.checked, size, unfit)
	case unchecked > 0:
		h.Summary += fmt.Sprintf("; only %d of its %d entries were checked, and transpose and shift need the partners of the failing entries: check the whole block to test them", d.checked, size)
	case unfit > 0:
		h.Summary += fmt.Sprintf("; %d of its %d entries gave no numeric value to fit (inconclusive or non-finite), and transpose and shift need the partners of the failing entries", unfit, size)
	}
	return h
}

// list names up to eight flat indices by their coordinates.
func (d *data) list(entries []int) string {
	var sb strings.Builder
	for j, i := range entries {
		if j == 8 {
			fmt.Fprintf(&sb, " and %d more", len(entries)-j)
			break
		}
		if j > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('[')
		for ax, c := range d.coords(i) {
			if ax > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprint(&sb, c)
		}
		sb.WriteByte(']')
	}
	return sb.String()
}

func norm(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s = math.Hypot(s, x)
	}
	return s
}

// num prints a factor with four significant digits.
func num(v float64) string { return fmt.Sprintf("%.4g", v) }

// termWrong: the term's own gradient is wrong, and its error is the
// block's: the prediction is the numeric gradient plus the term's own
// error a_t − n_t.
func (d *data) termWrong(t Term) (Hypothesis, bool) {
	at, nt, ok := d.align(t)
	if !ok {
		return Hypothesis{}, false
	}
	h := Hypothesis{Pattern: TermPattern, Axis: -1}
	if !d.judge(&h, 0, func(k int) (float64, bool) {
		if math.IsNaN(at[k]) || math.IsNaN(nt[k]) {
			return 0, false
		}
		return d.n[k] + (at[k] - nt[k]), true
	}) {
		return h, false
	}
	h.Summary = fmt.Sprintf("the gradient of loss term %q is wrong: its own error accounts for this block's", t.Name)
	return h, true
}

// termWeight: the model's Gradient includes the term's gradient w times
// instead of once: a − n = (w − 1)·n_t, with n_t the term's numeric
// gradient (right even when the term's own Gradient is not). w near 0, 2
// or −1 (left out, counted twice, subtracted) is tested as that value,
// with nothing fitted; another w is a one-parameter fit.
func (d *data) termWeight(t Term) (Hypothesis, bool) {
	_, nt, ok := d.align(t)
	if !ok {
		return Hypothesis{}, false
	}
	var x, y, thr []float64
	for k := range d.idx {
		if !math.IsNaN(nt[k]) {
			x, y, thr = append(x, nt[k]), append(y, d.r[k]), append(thr, d.tol[k])
		}
	}
	beta, tol, ok := fitThrough(x, y, thr)
	if !ok || math.Abs(beta) <= tol {
		return Hypothesis{}, false
	}
	fitted := 1
	for _, w := range []float64{0, 2, -1} {
		if math.Abs(beta-(w-1)) <= tol {
			beta, fitted = w-1, 0
			break
		}
	}
	w := 1 + beta
	h := Hypothesis{Pattern: TermPattern, Axis: -1, Factor: w, params: fitted}
	if !d.judge(&h, fitted, func(k int) (float64, bool) {
		if math.IsNaN(nt[k]) {
			return 0, false
		}
		return d.n[k] + beta*nt[k], true
	}) {
		return h, false
	}
	switch {
	case fitted == 0 && w == 0:
		h.Summary = fmt.Sprintf("the model's Gradient leaves out the gradient of loss term %q, which its Loss includes", t.Name)
	case fitted == 0 && w == 2:
		h.Summary = fmt.Sprintf("the model's Gradient counts the gradient of loss term %q twice (or its Loss leaves the term out)", t.Name)
	case fitted == 0 && w == -1:
		h.Summary = fmt.Sprintf("the model's Gradient subtracts the gradient of loss term %q instead of adding it", t.Name)
	default:
		h.Summary = fmt.Sprintf("the model's Gradient weighs the gradient of loss term %q by %s instead of 1", t.Name, num(w))
	}
	return h, true
}

// align maps a term's arrays, given over the Block's entries, onto the
// usable entries kept in d.
func (d *data) align(t Term) (at, nt []float64, ok bool) {
	if len(t.A) != len(d.src) || len(t.N) != len(d.src) {
		return nil, nil, false
	}
	at, nt = make([]float64, len(d.idx)), make([]float64, len(d.idx))
	for k, j := range d.keep {
		at[k], nt[k] = t.A[j], t.N[j]
		if !finite(at[k]) || !finite(nt[k]) {
			at[k], nt[k] = math.NaN(), math.NaN()
		}
	}
	return at, nt, true
}
