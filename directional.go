package gradcheck

import (
	"fmt"
	"math"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// The directional check: see Options.Directions for what it computes and
// the inequality a direction must satisfy, and localize.go for the search
// that follows a disagreement.
//
// Why λ = 6 and ‖·‖₂: a gradient whose every entry is within the per-entry
// tolerance τ_j = Atol + Rtol·|g_j| of the truth differs from it along v by
// Σ e_j·r_j·w_j·s_j with |e_j| ≤ τ_j, magnitudes w_j and independent random
// signs r_j, which by Hoeffding's inequality exceeds λ·‖τ∘w∘s‖₂ with
// probability at most 2·exp(−λ²/2) < 3·10⁻⁸. The worst-case bound ‖τ∘w∘s‖₁
// (Cauchy–Schwarz gives ‖τ‖₂·‖v‖₂, no better) grows like n where the
// typical size grows like √n.
//
// Why √m in the round-off: a loss summed over m perturbed parameters
// carries round-off that grows like √m (a random walk of roundings); on
// 10⁶ parameters one rounding of |f| would underestimate it a thousandfold
// and send every correct direction into the search.
//
// A directional check assumes the loss is differentiable along the
// directions: a kink within a step of x shows as a disagreement, which
// localization traces to entries whose per-entry verdict (Kink) passes.

// Constants of the directional check.
const (
	// hoeffding is λ above.
	hoeffding = 6

	// dirLadderTop, dirLadderClimb, dirMinRows and dirDecisive play the
	// roles of ladderTop, ladderClimb, minRows and decisive of the
	// per-entry refinement.
	dirLadderTop   = 0.1
	dirLadderClimb = 8
	dirMinRows     = 4
	dirDecisive    = 8

	// dirResolve: an agreement is a verdict only if K·e is below
	// dirResolve of the largest |g_j|·s_j, the most any single entry
	// contributes to g·v. A direction passes a gradient whose entries
	// are wrong by less than about K·e each, so K·e must be small on the
	// scale of single entries; the scale of g·v itself, √n times larger,
	// would let a direction pass an entry wrong by half its value on a
	// float32 loss of a few thousand terms. A direction that cannot
	// resolve single entries is Inconclusive, and says so.
	dirResolve = 1e-2

	// sumRounding bounds the rounding of a compensated sum relative to the
	// sum of the magnitudes of its terms.
	sumRounding = 8 * fdiff.Eps64
)

// A DirectionResult is the verdict on the gradient along one random
// direction of a directional check (Options.Directions).
type DirectionResult struct {
	// Index numbers the direction from 0; with Report.Seed it reproduces
	// the direction.
	Index int
	// Verdict is OK, Mismatch, Inconclusive or NonFinite, by the
	// inequality of the package documentation on directional checks.
	Verdict Verdict
	// Analytic is the directional derivative g·v of the caller's gradient.
	Analytic float64
	// Numeric is its finite-difference estimate and ErrEst that
	// estimate's error; Threshold is the tolerance share of the pass
	// inequality, λ·‖(Atol + Rtol·|g|)∘|v|‖₂ plus the rounding of the sum,
	// to which K·ErrEst is added.
	Numeric, ErrEst, Threshold float64
	// Step is the step t along v the verdict rests on.
	Step float64
	// Refined reports that the first central difference was not enough.
	Refined bool
	// Located reports that localization accounted for a disagreement:
	// restricted to the parameters not located, the direction agrees.
	Located bool
	// Excluded is the number of entries that earlier directions had
	// located, which this direction leaves out: each direction is tested
	// on the parameters not yet located. Analytic and Numeric are over
	// the rest.
	Excluded int
}

// dirCheck is the state of a directional check.
type dirCheck[T Float] struct {
	c    *checker[T]
	n    int
	off  []int   // off[b]: global index of the first entry of block b; off[len] = n
	key  uint64  // the current direction's key for weight
	excl []span  // excluded global ranges, sorted and disjoint
	gmax float64 // max_j |g_j|·s_j over all entries

	found   map[int]Entry // per-entry verdicts by global index
	regions []Region
	tests   int
	done    int     // the directions finished, Progress.Done of StageDirections
	kids    [2]node // expand's result buffer

	helper *pairHelper[T] // evaluates the − side of each pair on a clone; nil when serial
}

// pairHelper evaluates one side of a central difference on a clone of the
// model, on a goroutine of its own that lives as long as the check, so that
// no evaluation starts a goroutine or allocates.
type pairHelper[T Float] struct {
	w   *checker[T]
	req chan pairReq
	res chan pairRes
}

type pairReq struct {
	d, lo, hi int
	t         float64
}

type pairRes struct {
	f, gdx float64
	evals  int
	err    error
	exited bool // the helper's goroutine has ended (runtime.Goexit)
}

// startHelper starts the helper when the model can clone itself and more
// than one worker is allowed. stop ends it.
func (dc *dirCheck[T]) startHelper() (stop func(), err error) {
	c := dc.c
	if c.m.Clone == nil || c.s.workers < 2 {
		return func() {}, nil
	}
	ws, err := c.workers(2)
	if err != nil {
		return func() {}, err
	}
	h := &pairHelper[T]{w: ws[1], req: make(chan pairReq), res: make(chan pairRes)}
	go func() {
		for r := range h.req {
			var out pairRes
			func() {
				before, returned := h.w.evals, false
				defer func() {
					if p := recover(); p != nil {
						out.err = fmt.Errorf("gradcheck: internal error in a directional evaluation: %v", p)
					} else if !returned {
						// runtime.Goexit in the clone's Loss or Reseed:
						// this goroutine ends here, and pair waits for
						// its answer, which it must still get.
						err := h.w.goexited()
						if pe, ok := err.(*PanicError); ok {
							pe.Along = dc.alongText(r.d, r.lo, r.hi, r.t)
						}
						h.res <- pairRes{evals: h.w.evals - before, err: err, exited: true}
					}
				}()
				out.f, out.gdx, out.err = dc.along(h.w, r.d, r.lo, r.hi, r.t)
				out.evals = h.w.evals - before
				returned = true
			}()
			h.res <- out
		}
	}()
	dc.helper = h
	return func() { close(h.req); dc.helper = nil }, nil
}

// span is a range [lo, hi) of global indices.
type span struct{ lo, hi int }

// dirTest is the outcome of one test along a direction restricted to a set.
type dirTest struct {
	verdict  Verdict
	analytic float64 // g·v over the set
	delta    float64 // N − A
	err      float64 // estimated error of delta, K not applied
	thr      float64 // the tolerance share of the threshold
	step     float64
	refined  bool
	count    int // entries in the set
	// outside reports that a ladder's rows were outside the Taylor
	// regime: corrections that did not shrink as the step halved, by
	// more than their round-off.
	outside bool
	// first is the set's first estimate of δ, at the first-pass step,
	// with its round-off bound: measured, or inferred from a parent's
	// and a sibling's. A ladder's early Mismatch needs its agreement
	// (ladder); the fields above then hold the ladder's estimate.
	first witness
}

// disagrees reports whether the test counts against the set.
func (t dirTest) disagrees() bool { return t.count > 0 && t.verdict != OK }

func (c *checker[T]) directional(rep *Report) (err error) {
	dc := &dirCheck[T]{c: c, found: make(map[int]Entry)}
	defer func() {
		// The caller's panics are recovered where they are called; this
		// is for a bug of the checker's own, which must not escape.
		if r := recover(); r != nil {
			err = fmt.Errorf("gradcheck: internal error in the directional check: %v", r)
		}
	}()
	dc.off = make([]int, len(c.m.Blocks)+1)
	for b, blk := range c.m.Blocks {
		dc.off[b+1] = dc.off[b] + len(blk.Value)
		for i := range blk.Value {
			s := fdiff.Scale(float64(c.saved[b][i]))
			g := c.analytic[b][i]
			dc.gmax = math.Max(dc.gmax, math.Abs(g)*s)
			c.gscale = math.Max(c.gscale, math.Abs(g))
		}
	}
	dc.n = dc.off[len(c.m.Blocks)]
	k := c.s.directions

	stop, err := dc.startHelper()
	if err != nil {
		return err
	}
	defer func() { stop() }()

	// Directions are tested in turn, each on the parameters that earlier
	// directions did not locate: once a wrong entry is found, the next
	// direction asks whether anything else is wrong.
	c.prog.begin(StageDirections, k)
	for d := range k {
		dc.direction(d)
		dc.done = d
		excluded := dc.excluded()
		// With localization on, a decisive first estimate starts the
		// search at once; the direction's Mismatch then rests on the
		// refined per-entry verdicts of what the search finds, and is
		// refined itself only if the search finds nothing wrong.
		t, terr := dc.test(d, 0, dc.n, c.s.localize)
		if terr != nil {
			err = terr
			break
		}
		res := t.result(d)
		res.Excluded = excluded
		if t.verdict == Mismatch && c.s.localize {
			c.prog.stageOnly(StageLocalize, 0)
			before, fails := dc.excl, dc.failures()
			res.Located, terr = dc.locate(d, t)
			c.prog.stageOnly(StageDirections, k)
			if terr == nil && !t.refined && dc.failures() == fails {
				after := dc.excl
				dc.excl = before
				t, terr = dc.refine(d, 0, dc.n, t)
				dc.excl = after
				located := res.Located
				res = t.result(d)
				res.Excluded, res.Located = excluded, located && t.verdict != OK
			}
		}
		rep.Directions = append(rep.Directions, res)
		if terr != nil {
			err = terr
			break
		}
		c.prog.tick(d+1, c.evals)
	}
	if err == nil {
		c.prog.send(k, c.evals)
	}
	dc.fill(rep)
	return err
}

// failures counts the findings so far that show a disagreement: per-entry
// Mismatches and regions. An Inconclusive entry is not one: a search that
// finds only such entries (a float32 loss whose first estimates cross
// kinks of ReLU units) leaves the direction's own Mismatch resting on its
// first, unrefined estimate, so the direction is refined as if the search
// had found nothing.
func (dc *dirCheck[T]) failures() int {
	n := len(dc.regions)
	for _, e := range dc.found {
		if e.Verdict == Mismatch {
			n++
		}
	}
	return n
}

// excluded counts the entries located so far.
func (dc *dirCheck[T]) excluded() int {
	n := 0
	for _, s := range dc.excl {
		n += s.hi - s.lo
	}
	return n
}

func (t dirTest) result(d int) DirectionResult {
	return DirectionResult{
		Index: d, Verdict: t.verdict, Analytic: t.analytic, Numeric: t.analytic + t.delta,
		ErrEst: t.err, Threshold: t.thr, Step: t.step, Refined: t.refined,
	}
}

// direction makes d the current direction, from Options.Seed and d.
func (dc *dirCheck[T]) direction(d int) {
	dc.key = mix64(dc.c.s.seed ^ mix64(uint64(d)+0x9e3779b97f4a7c15))
}

// weight returns u_j = r_j·w_j of the current direction: a random sign r_j
// and a random magnitude w_j, uniform in [1, 2), hashed from the
// direction's key and j, so that any entry's weight is at hand without
// storing a direction.
//
// Why not ±1 (Rademacher): equal errors at several entries of scale 1 — a
// constant offset along a row, a common bug — cancel exactly in every part
// that holds two of them with opposite signs, and a search guided by that
// direction walks past them. Continuous magnitudes make exact cancellation
// a probability-zero event. Why not Gaussian: a weight near 0 would hide
// its entry along the whole search path; w_j ≥ 1 shows every wrong entry at
// least at its own size.
func (dc *dirCheck[T]) weight(j int) float64 {
	h := mix64(dc.key + uint64(j)*0xd1b54a32d192ed03)
	w := 1 + float64(h>>11)*0x1p-53
	if h&1 != 0 {
		return -w
	}
	return w
}

// mix64 is the finalizer of SplitMix64: a bijection of uint64 whose
// outputs for consecutive inputs look independent.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// blockOf returns the block holding global index j.
func (dc *dirCheck[T]) blockOf(j int) int {
	lo, hi := 0, len(dc.off)-1 // off[lo] <= j < off[hi]
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if dc.off[mid] <= j {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// segments calls fn for each run [i0, i1) of block b inside [lo, hi) that
// is not excluded, in increasing order.
func (dc *dirCheck[T]) segments(lo, hi int, fn func(b, i0, i1 int)) {
	k := 0
	for k < len(dc.excl) && dc.excl[k].hi <= lo {
		k++
	}
	pos := lo
	for pos < hi {
		end := hi
		if k < len(dc.excl) && dc.excl[k].lo < end {
			if dc.excl[k].lo <= pos {
				pos = max(pos, dc.excl[k].hi)
				k++
				continue
			}
			end = dc.excl[k].lo
		}
		for pos < end {
			b := dc.blockOf(pos)
			bend := min(end, dc.off[b+1])
			fn(b, pos-dc.off[b], bend-dc.off[b])
			pos = bend
		}
	}
}

// neumaier is a compensated sum.
type neumaier struct{ sum, comp float64 }

func (s *neumaier) add(x float64) {
	t := s.sum + x
	if math.Abs(s.sum) >= math.Abs(x) {
		s.comp += (s.sum - t) + x
	} else {
		s.comp += (x - t) + s.sum
	}
	s.sum = t
}

func (s *neumaier) value() float64 { return s.sum + s.comp }

// measure returns g·v over the set, the tolerance λ·‖τ∘|v|‖₂ plus the
// rounding allowance of the sum, and the number of entries.
func (dc *dirCheck[T]) measure(d, lo, hi int) (analytic, thr float64, count int) {
	c := dc.c
	var dot neumaier
	var tau2, tmax, abs float64
	dc.segments(lo, hi, func(b, i0, i1 int) {
		g, x := c.analytic[b], c.saved[b]
		base := dc.off[b]
		for i := i0; i < i1; i++ {
			su := fdiff.Scale(float64(x[i])) * dc.weight(base+i)
			dot.add(g[i] * su)
			t := dc.tau(g[i], su)
			tau2 += t * t
			if t > tmax {
				tmax = t
			}
			abs += math.Abs(g[i] * su)
		}
		count += i1 - i0
	})
	norm := math.Sqrt(tau2)
	// The sum of squares overflows where the gradient is above about
	// 1e154 (a tolerance of +Inf, which passed every direction, a wrong
	// gradient too), and loses terms to underflow where it is far below
	// 1: there it is summed again, scaled by a power of two, which is
	// exact, so that the norm is what it would be in unbounded range.
	if math.IsInf(tau2, 1) || (tau2 < 0x1p-800 && tmax > 0) {
		_, e := math.Frexp(tmax)
		tau2 = 0
		dc.segments(lo, hi, func(b, i0, i1 int) {
			g, x := c.analytic[b], c.saved[b]
			base := dc.off[b]
			for i := i0; i < i1; i++ {
				su := fdiff.Scale(float64(x[i])) * dc.weight(base+i)
				t := math.Ldexp(dc.tau(g[i], su), -e)
				tau2 += t * t
			}
		})
		norm = math.Ldexp(math.Sqrt(tau2), e)
	}
	return dot.value(), hoeffding*norm + sumRounding*abs, count
}

// tau is the tolerance τ_j·|v_j| of an entry whose analytic value is g and
// whose direction entry is su: (Atol + Rtol·|g|)·|su|.
func (dc *dirCheck[T]) tau(g, su float64) float64 {
	return math.Abs((dc.c.s.atol + dc.c.s.rtol*math.Abs(g)) * su)
}

// along sets every entry of the set to x_j + t·v_j as stored in T, calls
// the loss, and restores the entries from the saved copy, also after a
// panic. It returns the loss and Σ g_j·(x⁺_j − x_j) over the set.
//
// w is the checker whose model is perturbed: dc.c, or the helper's clone.
func (dc *dirCheck[T]) along(w *checker[T], d, lo, hi int, t float64) (f, gdx float64, err error) {
	c := w
	var dot neumaier
	dc.segments(lo, hi, func(b, i0, i1 int) {
		g, x, vals := c.analytic[b], c.saved[b], c.m.Blocks[b].Value
		base := dc.off[b]
		for i := i0; i < i1; i++ {
			x0 := x[i]
			h := t * fdiff.Scale(float64(x0)) * dc.weight(base+i)
			v := T(float64(x0) + h)
			if v == x0 {
				v = nextToward(x0, h)
			}
			vals[i] = v
			dot.add(g[i] * (float64(v) - float64(x0)))
		}
	})
	f, err = c.callLoss(-1, -1, 0)
	dc.segments(lo, hi, func(b, i0, i1 int) {
		copy(c.m.Blocks[b].Value[i0:i1], c.saved[b][i0:i1])
	})
	if pe, ok := err.(*PanicError); ok {
		pe.Along = dc.alongText(d, lo, hi, t)
	}
	return f, dot.value(), err
}

// alongText is PanicError.Along for the parameters along moves.
func (dc *dirCheck[T]) alongText(d, lo, hi int, t float64) string {
	return fmt.Sprintf("direction %d over %s with step %.3g", d, dc.describe(lo, hi), t)
}

// describe names the set [lo, hi) for people.
func (dc *dirCheck[T]) describe(lo, hi int) string {
	if lo == 0 && hi == dc.n && len(dc.excl) == 0 {
		return "all parameters"
	}
	b0, b1 := dc.blockOf(lo), dc.blockOf(hi-1)
	first := dc.entryName(b0, lo-dc.off[b0])
	last := dc.entryName(b1, hi-1-dc.off[b1])
	s := first + " to " + last
	if len(dc.excl) > 0 {
		s += " (less the entries already located)"
	}
	return s
}

func (dc *dirCheck[T]) entryName(b, i int) string {
	blk := dc.c.m.Blocks[b]
	return entryName(blk.Name, shapeOf(blk), i)
}

// pair evaluates the central difference along direction d over the set at
// step t and returns δ = N − A_t with its round-off estimate, and the
// curvature (F − B)/t of the same two evaluations (inRegime).
//
// With a helper (a clone of the model on another goroutine) the two
// evaluations run at once. The outcome is that of the serial order: an
// error on the + side wins, and the − side's evaluations are then not
// counted, as a serial check would not have made them.
func (dc *dirCheck[T]) pair(d, lo, hi, count int, t float64) (delta, round, curv float64, finite bool, err error) {
	var fp, sp, fm, sm float64
	if h := dc.helper; h != nil {
		h.req <- pairReq{d: d, lo: lo, hi: hi, t: -t}
		fp, sp, err = dc.along(dc.c, d, lo, hi, t)
		r := <-h.res
		if r.exited {
			dc.helper = nil // gone: no request may wait for it
		}
		if err != nil {
			return 0, 0, 0, false, err
		}
		dc.c.evals += r.evals
		if r.err != nil {
			return 0, 0, 0, false, r.err
		}
		fm, sm = r.f, r.gdx
	} else {
		if fp, sp, err = dc.along(dc.c, d, lo, hi, t); err != nil {
			return 0, 0, 0, false, err
		}
		if fm, sm, err = dc.along(dc.c, d, lo, hi, -t); err != nil {
			return 0, 0, 0, false, err
		}
	}
	c := dc.c
	if c.prog.fn != nil {
		// Within a direction's ladder, or a test of the search, with
		// the parameters back at their saved values: a refinement of
		// up to 32 pairs of a loss of a second had left the reports
		// silent for a minute.
		done := dc.done
		if c.prog.stage == StageLocalize {
			done = dc.tests
		}
		c.prog.tick(done, c.evals)
	}
	n := (fp - fm) / (2 * t)
	a := (sp - sm) / (2 * t)
	fmax := math.Max(math.Abs(c.f0), math.Max(math.Abs(fp), math.Abs(fm)))
	// The round-off of m summed perturbed entries, or the loss's measured
	// (or stated) noise as noise.go's roundoff counts it, whichever is
	// larger.
	round = math.Max(c.s.prec.Eps*fmax*math.Sqrt(float64(max(count, 1))), 2*c.noise()) / t
	// F − B, the difference of the one-sided slopes' disagreements
	// (f⁺ − f − g·Δx⁺)/t and (f − f⁻ − g·Δx⁻)/t, f the loss at the point,
	// over t: a second difference along the direction.
	curv = ((fp - c.f0) - (c.f0 - fm) - (sp + sm)) / (t * t)
	return n - a, round, curv, isFinite(fp) && isFinite(fm), nil
}

// test compares g with finite differences along direction d restricted to
// the set [lo, hi) less the exclusions. With nav set (localization) a
// first estimate that disagrees is taken as it is, unrefined: a wrong
// disagreement costs the search a few tests below it and no finding,
// since the entries it leads to get exact per-entry verdicts, and a
// direction whose search finds nothing wrong is refined before its
// verdict.
func (dc *dirCheck[T]) test(d, lo, hi int, nav bool) (dirTest, error) {
	c := dc.c
	dc.tests++
	a, thr, count := dc.measure(d, lo, hi)
	r := dirTest{analytic: a, thr: thr, count: count, step: c.s.step, verdict: OK}
	if count == 0 {
		return r, nil
	}
	t1 := c.s.step
	delta, round, _, finite, err := dc.pair(d, lo, hi, count, t1)
	if err != nil {
		return r, err
	}
	r.delta, r.err = delta, round
	r.first = witness{n: delta, err: round}
	if !finite {
		r.first = witness{n: math.NaN(), err: math.Inf(1)}
	}
	lim := thr + c.s.k*round
	switch {
	case finite && math.Abs(delta) <= lim && dc.resolved(round):
		return r, nil
	case finite && nav && math.Abs(delta) > lim:
		r.verdict = Mismatch
		return r, nil
	}
	return dc.refine(d, lo, hi, r)
}

// resolved reports whether an estimate with error err resolves the
// single entries well enough for an agreement to be a verdict.
func (dc *dirCheck[T]) resolved(err float64) bool {
	ke := dc.c.s.k * err
	return ke <= dirResolve*dc.gmax
}

// refine judges a test on a ladder of steps from dirLadderTop down to about
// the first step, extrapolating δ with Ridders' method.
//
// A direction still inconclusive there is usually noise-limited (a float32
// loss summed over many parameters): it gets a second ladder starting
// dirLadderClimb times higher, as an entry does, since extrapolation
// removes the truncation error of large steps while their round-off is
// smaller. Its verdict replaces the first only if it is not Inconclusive.
func (dc *dirCheck[T]) refine(d, lo, hi int, r dirTest) (dirTest, error) {
	c := dc.c
	r.refined = true
	t1 := c.s.step
	t0 := math.Max(dirLadderTop, 2*t1)
	rows := int(math.Ceil(math.Log2(t0/t1))) + 1
	rows = max(dirMinRows+2, min(rows, fdiff.MaxRows))
	first, err := dc.ladder(d, lo, hi, r, t0, rows)
	if err != nil || first.verdict != Inconclusive {
		return first, err
	}
	second, err := dc.ladder(d, lo, hi, r, t0*dirLadderClimb, rows)
	if err != nil || second.verdict == Inconclusive || second.verdict == NonFinite {
		return first, err
	}
	if second.verdict == Mismatch && first.outside {
		// The climb is for round-off: the first ladder's steps, which
		// lie within the second's, showed corrections that grow clear
		// of it, as kinks crossed by every step make them. The second
		// ladder's larger steps cross more of them, and corrections
		// that shrink there by chance are no Taylor regime (a correct
		// float32 ReLU network: differences −19.6, −7.80, −3.77, −2.64
		// at steps 0.2 to 0.025 extrapolated to a Mismatch, where the
		// first ladder's −7.80, −3.77, −2.64, −1.35 at 0.1 to 0.0125
		// did not shrink).
		return first, nil
	}
	return second, nil
}

// ladder judges a test on rows steps from t0 down, halving.
func (dc *dirCheck[T]) ladder(d, lo, hi int, r dirTest, t0 float64, rows int) (dirTest, error) {
	c := dc.c
	var (
		delta, noise, curv [fdiff.MaxRows]float64
		ok                 [fdiff.MaxRows]bool
		steps              [fdiff.MaxRows]float64
	)
	for j := range rows {
		t := t0 / float64(uint(1)<<j)
		dl, round, cv, finite, err := dc.pair(d, lo, hi, r.count, t)
		if err != nil {
			return r, err
		}
		delta[j], noise[j], curv[j], ok[j], steps[j] = dl, round, cv, finite, t
		if j+1 < dirMinRows {
			continue
		}
		final := j+1 == rows
		start := j + 1
		for start > 0 && ok[start-1] {
			start--
		}
		if j+1-start < 2 {
			if final {
				r.verdict, r.delta, r.err = NonFinite, math.NaN(), math.Inf(1)
				return r, nil
			}
			continue
		}
		// The rows judged are the longest run ending at the smallest
		// step in the Taylor regime (inRegime), of at least dirMinRows
		// rows: the largest steps move every parameter at once, and a
		// smooth loss can be far from its Taylor regime there while the
		// smaller steps converge to a quarter per halving (a tanh MLP
		// of 3 482 parameters: differences 5.03, 3.52, 1.43, 0.37 at
		// steps 0.1 to 0.0125, then −0.0528, −0.0752, −0.0808, −0.0822,
		// … converging to −0.08270293 ± 1.5e-10 down to 3e-6, a wrong
		// entry left Inconclusive). A run that leaves rows out needs
		// dirMinRows+2 rows, four corrections, as an early verdict
		// does: over fewer, corrections can shrink by chance at steps
		// that cross kinks (a float32 ReLU network's six-row ladders,
		// TestDirectionalReLUNet32NoFalseRegion). Where no such run
		// exists, every row counts and the rows are outside the regime.
		win := start
		if !dc.inRegime(&delta, &curv, &noise, &steps, start, j) {
			win = j + 1
			for w := start + 1; w+dirMinRows+2 <= j+1; w++ {
				if dc.inRegime(&delta, &curv, &noise, &steps, w, j) {
					win = w
					break
				}
			}
			if win > j {
				win = start
			}
		}
		dE, eE, _ := fdiff.Extrapolate(delta[win:j+1], noise[win:j+1], 2, 2)
		r.delta, r.err, r.step = dE, eE, steps[win]
		lim := r.thr + c.s.k*eE
		dist := math.Abs(dE)
		r.outside = !dc.inRegime(&delta, &curv, &noise, &steps, win, j)
		switch {
		case math.IsNaN(dE) || math.IsInf(eE, 1):
			if final {
				r.verdict = Inconclusive
				return r, nil
			}
		case dist > lim && r.outside:
			// Corrections that do not shrink as the step halves are
			// outside the Taylor regime, where the extrapolation and
			// its error bound mean nothing: a direction through a
			// network of ReLU units crosses kinks within every step
			// the ladder takes (the zoo's float32 CNN, 77 parameters:
			// differences of 0.157, 0.143 and 0.111 at steps 0.0125
			// to 0.0031, a Mismatch of a correct gradient;
			// TestDirectionalKinksNearPoint32). No Mismatch from
			// such rows, as for an entry (doc.go, Refinement).
			if final {
				r.verdict = Inconclusive
				return r, nil
			}
		case dist > lim:
			// Early only from a row more than the first judged: over
			// the first four rows, two corrections can shrink by
			// chance at steps that cross kinks (the zoo's float32
			// CNN, seed 6: a Mismatch at the step 0.0125). And only
			// on a second witness, as an entry's early Mismatch
			// (judge): the set's first estimate, at the first-pass
			// step, able to resolve the disagreement, must show it to
			// within witnessAgree. Over steps that cross kinks of
			// ReLU units and max pools, corrections can shrink as a
			// smooth function's do for five halvings and extrapolate
			// to a wrong value with a small error, which the small
			// step does not share (a correct float64 CNN of 2 234
			// parameters: differences 383.8, 79.09, 15.09, 3.506,
			// 2.105, 1.891 at steps 0.1 to 0.003, corrections 305,
			// 64, 11.6, 1.40, 0.214, extrapolated to δ = 1.83 ±
			// 0.028, where the first estimate was 9.2e-7: 14
			// directions in 12 of 60 checks of such CNNs;
			// TestDirectionalWitnessNoEarlyMismatch). Without it the
			// ladder goes on, and the smaller steps judge.
			if final || dist > dirDecisive*lim && j >= win+dirMinRows+1 && r.first.confirms(c.s.k, dE, dist) {
				r.verdict = Mismatch
				return r, nil
			}
		case final:
			r.verdict = Inconclusive
			if dc.resolved(eE) {
				r.verdict = OK
			}
			return r, nil
		case c.s.k*eE <= r.thr && dc.resolved(eE):
			r.verdict = OK
			return r, nil
		}
	}
	return r, nil // not reached: the last row is final
}

// inRegime reports whether rows lo..j of a directional ladder, whose
// central differences are delta with round-off bounds noise, are in the
// Taylor regime: corrections that shrink to taylorRegime or less at each
// halving of the step, where they stand above their round-off, and a last
// correction that does not collapse to less than collapseCentral of the
// one before, as inTaylorRegime requires of an entry's, where it stands
// clear of round-off.
//
// A collapsing last correction is no evidence of convergence: steps that
// cross kinks of ReLU units can give corrections that shrink by about a
// quarter per halving by chance and then fall through zero (a correct
// float64 CNN of 2 234 parameters: differences −420, −98, −22, −2.17,
// 1.740, 1.753 at steps 0.1 to 0.003, corrections of 75.7, 20.1, 3.91 and
// then 0.013, took an early Mismatch of δ = 1.76 ± 0.018; the next
// correction grew to 1.23, and the smaller steps converge to 0;
// TestDirectionalCollapseNoEarlyMismatch). Only the last correction is
// held to it: the rows after an earlier collapse show what it was,
// corrections that grow again (which fail the shrinking test) or that stay
// within round-off, where the differences have stopped changing, as those
// of a piecewise-linear loss do once the step is below its nearest kink
// (a linear model of 3 000 weights with an L1 penalty, 100 of its
// gradient entries wrong: corrections of 0.0113, 0.000234 and 3.8e-8 at
// steps 9.8e-5 to 2.4e-5, then round-off: the differences had converged
// to the disagreement, 262.5, and holding every correction to the
// collapse test left the wrong part unlocated).
//
// And the curvature (F − B)/t of the smallest dirMinRows rows, whose
// steps are nearest the regime, must converge as the central differences
// do (taylorRegime, where its corrections stand clear of their round-off,
// 2·noise/t, as curvatureConverges counts an entry's): in the regime it is
// a series in t², f⁽²⁾ + t²·f⁽⁴⁾/12 + …, where a kink of slope jump J at a
// distance a < t along the direction adds J·(t − a)/t², which grows as the
// step halves. The central differences do not show it reliably: a kink
// adds ±J·(t − a)/2t to them, the sign by its side, and over many kinks
// those terms can shrink by chance as a smooth function's corrections do
// (a correct float32 ReLU MLP of 2 074 parameters, seed 0, direction 8:
// differences 2.837, 0.6352, 0.1969, 0.1344, 0.09791, 0.1136 at steps 0.1
// to 0.003, corrections shrinking by 0.2, 0.14, 0.58 and 0.43, took a
// Mismatch of δ = 0.119 ± 0.024, with 21 units' kinks within 0.01 along
// the direction and none within 0.001; the curvatures 277.1, 203.5, 179.6,
// 155.1, 111.5, 115.3 do not converge; TestDirectionalKinksCurvature).
// Only the smallest rows: at the largest steps a smooth loss's curvature
// can still turn as its terms of higher order compete (a float32 tanh
// MLP: 116.1, 120.7, 126.2, 128, 128.5, 128.7 at steps 0.1 to 0.003,
// corrections 4.6 then 5.5, under differences converging by a quarter per
// halving to a wrong entry's disagreement), which is no kink.
func (dc *dirCheck[T]) inRegime(delta, curv, noise, steps *[fdiff.MaxRows]float64, lo, j int) bool {
	if !shrinks(delta[:], noise[:], lo, j, taylorRegime) {
		return false
	}
	if j >= lo+2 && collapses(delta[:], noise[:], j, dc.c.s.k) {
		return false
	}
	var noise2 [fdiff.MaxRows]float64
	c0 := max(lo, j+1-dirMinRows)
	for r := c0; r <= j; r++ {
		noise2[r] = 2 * noise[r] / steps[r]
	}
	return shrinks(curv[:], noise2[:], c0, j, taylorRegime)
}
