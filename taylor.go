package gradcheck

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// The Taylor-remainder test needs no step. Along a direction u the
// remainder
//
//	r(h) = |f(x+hu) − f(x) − h·g·u|
//
// is O(h²) when g is the gradient and h·|(∇f − g)·u| + O(h²) when it is not,
// so the slope of log r against log h, fitted over a range of h, is 2 for a
// right gradient and 1 for a wrong one, whatever the scale of f. With the
// Hessian term −h²/2·uᵀHu also subtracted, the slope is 3 for a right
// Hessian and 2 for a wrong one.
//
// The range rule. Steps are h_k = h_min·2^k, k = 0, 1, …, up to
// taylorTop·scale, with h_min = √ε/64·scale (ε the unit round-off): about
// 35 evaluations for float64, all made before any fitting. A point is
// usable when r(h) is finite and exceeds taylorFloor times the round-off
// estimate of the sum it is computed from,
//
//	κ·ε·(|f(x)| + |f(x+hu)| + |h·g·u| + |h²/2·uᵀHu| + Σ_i |g_i|·|x_i + h·u_i|),
//
// κ = taylorRoundoff, where the last term is what f moves when every
// coordinate of the point is rounded (it is also the size of the round-off
// of a loss that cancels internally, as 100(x₁ − x₀²)² near x₀² = x₁);
// there round-off moves log r by under 2%. A remainder that shrinks slower
// than h^taylorMinSlope as h shrinks is not a Taylor remainder of any
// order but round-off: such points are not usable either, and the largest
// of them sets an empirical floor that later points must exceed
// taylorPlateau times.
//
// Windows are taken from the smallest step upwards. A window starts at a
// usable point and grows one step at a time while the next point is usable
// and its local slope log(r_k/r_{k−1})/log 2 stays within taylorSlopeTol of
// the least-squares slope of the window so far (after two points that
// disagree, it starts again from the later one); it stops at the first
// point that breaks this (the nonlinear regime, or a zero of r where the h
// and h² terms cancel) or at taylorMaxPoints points. The order is the
// least-squares slope of log r on log h over the first window of at least
// taylorMinPoints points whose order is that of a right or of a wrong
// derivative; a window in between is passed over for a later one.
//
// A wrong-derivative order must be confirmed twice. The increment that
// the tested term should match (f(x+hu) − f(x) for a gradient, less h·g·u
// for a Hessian) must grow over the window like that term, at an order of
// at least Expect − 1 − taylorBand: where f has saturated (a tanh far
// out) the increment is flat and r is the tested term alone, of its order
// whatever the derivative. And the taylorConfirm points above the window
// must keep growing (local slope at least taylorMinSlope), as h·δ + h²·c
// does. Below the quantum of an internal
// variable, as A + x with A = 1e7, the computed f does not see a step at
// all and r is exactly linear in h, which looks like a wrong gradient; but
// above the quantum that linear run stops and r saws up and down at the
// round-off level. An unconfirmed window makes the side Inconclusive, and
// the callers then try the direction −u, where the zero crossing of
// h·δ + h²·c, if any, is not.
//
// Starting at the small end is what makes the rule work for wrong
// derivatives: r = h·δ + h²·c is linear only below h ≈ |δ/c|, and the
// smallest steps above round-off are where that regime shows.
const (
	taylorTop       = 4    // largest step, relative to the scale
	taylorFloor     = 64   // r must exceed taylorFloor × its round-off estimate
	taylorSlopeTol  = 0.25 // local slopes within this of the running fit
	taylorMinPoints = 3    // fewer points give no order
	taylorMaxPoints = 8    // enough for the slope to two decimals; more costs evaluations
	taylorBand      = 0.3  // an order within taylorBand of expect−1 is a wrong derivative
	taylorMinSlope  = 0.5  // a remainder shrinking slower than h^0.5 is round-off
	taylorPlateau   = 16   // r must exceed taylorPlateau × the round-off plateau seen
	taylorRoundoff  = 4    // κ of the round-off estimate
	taylorConfirm   = 3    // points above a wrong-order window that must keep growing
	// taylorOtherSideFactor: an OK from one side's remainder needs the
	// other side's secant disagreement within this many times its own at
	// the window's smallest step (taylorOpinion). The two are ±h·f⁽²⁾/2
	// plus h²·f⁽³⁾/6 each on a smooth loss.
	taylorOtherSideFactor = 4
)

// A TaylorFit is the outcome of a Taylor-remainder test along one
// direction.
type TaylorFit struct {
	// Direction is the direction u, with entries scaled by max(|x_i|, 1)
	// (−u when u did not decide and −u did). It is nil for the per-entry
	// second opinion, which moves along one coordinate.
	Direction []float64
	// Steps and Remainders are the steps h tried, in increasing order, and
	// the remainders r(h) there (NaN where f was not finite).
	Steps, Remainders []float64
	// Lo and Hi are the first and the last index of the window of Steps
	// the order was fitted on; Hi < Lo when there was no window.
	Lo, Hi int
	// Order is the least-squares slope of log r against log h over the
	// window, or NaN when fewer than three points were usable: r stayed
	// below round-off (f linear along u, or the gradient exact to within
	// round-off) or f was not finite.
	Order float64
	// Expect is the order of a right derivative: 2 for a gradient, 3 for
	// a Hessian.
	Expect int
	// Verdict is OK when Order ≥ Expect − 0.3, Mismatch when
	// |Order − (Expect − 1)| ≤ 0.3 and the remainder keeps growing above
	// the window, and Inconclusive otherwise (including NaN). An order
	// above Expect is a right derivative along a direction where the next
	// Taylor term vanishes. The test resolves a gradient error δ only where
	// |δ|·h stands above round-off below the steps where the h² term takes
	// over: roughly |δ| above √(64·κ·ε·|f|·|uᵀHu|), as for a forward
	// difference; smaller errors give order 2.
	Verdict Verdict
}

// A TaylorReport holds the Taylor-remainder tests along seeded random
// directions.
type TaylorReport struct {
	Fits []TaylorFit
	// Evals counts evaluations of f.
	Evals int
	// Seed reproduces the directions.
	Seed uint64
}

// OK reports whether every direction's verdict is OK.
func (r *TaylorReport) OK() bool {
	if r == nil || len(r.Fits) == 0 {
		return false
	}
	for _, f := range r.Fits {
		if f.Verdict != OK {
			return false
		}
	}
	return true
}

// String renders one line per direction. The text is for people and may
// change.
func (r *TaylorReport) String() string {
	if r == nil {
		return "gradcheck: no Taylor report\n"
	}
	s := fmt.Sprintf("gradcheck: Taylor remainder test, %d directions, %d evaluations, seed %d\n", len(r.Fits), r.Evals, r.Seed)
	for k, f := range r.Fits {
		if f.Hi < f.Lo {
			s += fmt.Sprintf("direction %d: %s: order unknown, no step resolved the remainder (expected %d)\n", k, f.Verdict, f.Expect)
			continue
		}
		s += fmt.Sprintf("direction %d: %s: order %.3f (expected %d) over h in [%.3g, %.3g], %d points\n",
			k, f.Verdict, f.Order, f.Expect, f.Steps[f.Lo], f.Steps[f.Hi], f.Hi-f.Lo+1)
	}
	return s
}

// TaylorOptions tune a Taylor-remainder test. nil and the zero value mean
// the defaults.
type TaylorOptions struct {
	// Directions is the number of random directions. Zero means 3.
	Directions int
	// Seed seeds the directions; zero is a seed like any other.
	Seed uint64
}

func (o *TaylorOptions) resolve() (dirs int, seed uint64, err error) {
	if o == nil {
		return 3, 0, nil
	}
	if o.Directions < 0 {
		return 0, 0, fmt.Errorf("gradcheck: TaylorOptions.Directions is %d: it must not be negative", o.Directions)
	}
	dirs = o.Directions
	if dirs == 0 {
		dirs = 3
	}
	return dirs, o.Seed, nil
}

// Taylor runs the Taylor-remainder test of grad, the gradient of f, at x
// along seeded random directions: see TaylorFit. It has no step to choose
// and no tolerance on the derivative: the verdict rests on how the
// remainder shrinks, so it is a second opinion where a difference quotient
// is ambiguous. Each direction costs 35 evaluations of f (the ladder of
// the range rule), and 35 more along −u when u does not decide.
//
// x is not modified: f is evaluated at a copy. A panic in f or grad is
// returned as a *PanicError.
func Taylor(f func(x []float64) float64, grad func(dst, x []float64), x []float64, opts *TaylorOptions) (*TaylorReport, error) {
	if grad == nil {
		return nil, errors.New("gradcheck: the gradient function grad is nil")
	}
	return taylorDirs(f, grad, nil, x, opts)
}

// TaylorHessian runs the Taylor-remainder test of hess, the Hessian of f,
// at x, where grad is f's gradient: along each direction u the remainder
//
//	r(h) = |f(x+hu) − f(x) − h·g·u − h²/2·uᵀHu|
//
// has order 3 when H is right and 2 when it is wrong (and 1 when the
// gradient is wrong: check it first). hess writes the n×n Hessian row
// major into dst.
func TaylorHessian(f func(x []float64) float64, grad func(dst, x []float64), hess func(dst, x []float64), x []float64, opts *TaylorOptions) (*TaylorReport, error) {
	switch {
	case grad == nil:
		return nil, errors.New("gradcheck: the gradient function grad is nil")
	case hess == nil:
		return nil, errors.New("gradcheck: the Hessian function hess is nil")
	}
	return taylorDirs(f, grad, hess, x, opts)
}

func taylorDirs(f func(x []float64) float64, grad, hess func(dst, x []float64), x []float64, opts *TaylorOptions) (*TaylorReport, error) {
	if f == nil {
		return nil, errors.New("gradcheck: the function f is nil")
	}
	if len(x) == 0 {
		return nil, errors.New("gradcheck: x is empty")
	}
	dirs, seed, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	for i, v := range x {
		if !isFinite(v) {
			return nil, fmt.Errorf("gradcheck: x[%d] is %v", i, v)
		}
	}
	n := len(x)
	x0 := append([]float64(nil), x...)
	xt := make([]float64, n)
	rep := &TaylorReport{Seed: seed}
	var f0 float64
	if err := call("f", func() { copy(xt, x0); f0 = f(xt) }); err != nil {
		return nil, err
	}
	rep.Evals++
	if !isFinite(f0) {
		return nil, fmt.Errorf("gradcheck: f(x) is %v", f0)
	}
	g := make([]float64, n)
	if err := call("grad", func() { copy(xt, x0); grad(g, xt) }); err != nil {
		return nil, err
	}
	for i, v := range g {
		if !isFinite(v) {
			return nil, fmt.Errorf("gradcheck: the analytic gradient at x[%d] is %v", i, v)
		}
	}
	var H []float64
	if hess != nil {
		H = make([]float64, n*n)
		if err := call("hess", func() { copy(xt, x0); hess(H, xt) }); err != nil {
			return nil, err
		}
		for k, v := range H {
			if !isFinite(v) {
				return nil, fmt.Errorf("gradcheck: the analytic Hessian at H[%d,%d] is %v", k/n, k%n, v)
			}
		}
	}

	for d := range dirs {
		u := randomDirection(x0, seed, uint64(d))
		var gu, uHu float64
		for i := range u {
			gu += g[i] * u[i]
		}
		expect := 2
		if H != nil {
			expect = 3
			for i := range u {
				var s float64
				for j := range u {
					s += H[i*n+j] * u[j]
				}
				uHu += u[i] * s
			}
		}
		eval := func(h float64) (r, incr, noise, step float64, err error) {
			var fh float64
			err = call("f", func() {
				for i := range xt {
					xt[i] = x0[i] + h*u[i]
				}
				fh = f(xt)
			})
			if err != nil {
				var pe *PanicError
				if errors.As(err, &pe) {
					pe.Entry = fmt.Sprintf("x+h·u (direction %d of seed %d, h = %.3g)", d, seed, h)
				}
				return 0, 0, 0, h, err
			}
			rep.Evals++
			lin := h * gu
			quad := 0.5 * h * h * uHu
			r = math.Abs(fh - f0 - lin - quad)
			arg := 0.0
			for i := range xt {
				arg += math.Abs(g[i]) * math.Abs(xt[i])
			}
			noise = taylorRoundoff * fdiff.Eps64 * (math.Abs(f0) + math.Abs(fh) + math.Abs(lin) + math.Abs(quad) + arg)
			incr = fh - f0
			if H != nil {
				incr -= lin
			}
			return r, incr, noise, h, nil
		}
		fit, err := fitTaylor(eval, 1, fdiff.Float64, expect)
		if err != nil {
			return rep, err
		}
		fit.Direction = append([]float64(nil), u...)
		if fit.Verdict == Inconclusive {
			// Undecided along u: ask −u, where a zero of r that cut the
			// window short along u is not (see the range rule).
			for i := range u {
				u[i] = -u[i]
			}
			gu = -gu
			back, err := fitTaylor(eval, 1, fdiff.Float64, expect)
			if err != nil {
				return rep, err
			}
			if back.Verdict != Inconclusive || math.IsNaN(fit.Order) {
				back.Direction = u
				fit = back
			}
		}
		rep.Fits = append(rep.Fits, fit)
	}
	return rep, nil
}

// randomDirection returns direction d of the given seed: standard normal
// entries scaled by max(|x_i|, 1), so that every coordinate moves relative
// to its own size, normalised to unit length in that scaled norm.
func randomDirection(x []float64, seed, d uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x7a3c_1f5b_9d2e_4c61^d))
	u := make([]float64, len(x))
	var norm float64
	for i := range u {
		u[i] = rng.NormFloat64()
		norm = math.Hypot(norm, u[i])
	}
	for i := range u {
		u[i] = u[i] / norm * fdiff.Scale(x[i])
	}
	return u
}

// fitTaylor evaluates the remainder at every step of the ladder (eval may
// round h; it returns the step actually taken) and runs the range rule.
// scale is the length scale of the direction.
func fitTaylor(eval func(h float64) (r, incr, noise, step float64, err error), scale float64, p fdiff.Precision, expect int) (TaylorFit, error) {
	fit := TaylorFit{Lo: 0, Hi: -1, Order: math.NaN(), Expect: expect, Verdict: Inconclusive}
	hmin := math.Sqrt(p.Eps) / 64 * scale
	// The largest step overflows to +Inf for a scale within a factor of
	// taylorTop of MaxFloat64, and steps that double up to +Inf would stay
	// there: the loop appended remainders until memory ran out (a Hessian
	// check at x = −1.8e308, FuzzVectorRestored's input in testdata/fuzz).
	top := min(taylorTop*scale, math.MaxFloat64)
	// The steps' count is known before any is taken, and the seven series
	// of the fit share one allocation: appended to as they were, they
	// grew by doubling, about 36 allocations a fit, nearly all that a
	// refined entry allocated.
	n := taylorSteps(hmin, top)
	buf := make([]float64, 7*n)
	series := func(k int) []float64 { return buf[k*n : k*n : (k+1)*n] }
	fit.Steps, fit.Remainders = series(0), series(1)
	noise, incr := series(2), series(3)
	for h := hmin; h <= top; h *= 2 {
		r, e, nz, step, err := eval(h)
		if err != nil {
			return fit, err
		}
		if !isFinite(r) {
			r = math.NaN()
		}
		fit.Steps = append(fit.Steps, step)
		fit.Remainders = append(fit.Remainders, r)
		noise = append(noise, nz)
		incr = append(incr, math.Log(math.Abs(e)))
	}
	r := fit.Remainders
	lx, ly, slope := series(4)[:n], series(5)[:n], series(6)[:n]
	for k := range n {
		lx[k], ly[k] = math.Log(fit.Steps[k]), math.Log(r[k])
		slope[k] = math.NaN()
		if k > 0 {
			slope[k] = (ly[k] - ly[k-1]) / (lx[k] - lx[k-1])
		}
	}
	plateau := 0.0 // the largest remainder seen not to shrink with h: round-off
	usable := func(k int) bool {
		return isFinite(r[k]) && fit.Steps[k] > 0 && r[k] > taylorFloor*noise[k] &&
			r[k] > taylorPlateau*plateau && !(slope[k] < taylorMinSlope)
	}
	grows := func(hi int) bool {
		for j := hi + 1; j < n && j <= hi+taylorConfirm; j++ {
			if !isFinite(r[j]) || !(slope[j] >= taylorMinSlope) {
				return false
			}
		}
		return true
	}
	set := func(lo, hi int, order float64, v Verdict) TaylorFit {
		fit.Lo, fit.Hi, fit.Order, fit.Verdict = lo, hi, order, v
		return fit
	}
	fallback := -1 // the lo of the first in-between window
	var fbHi int
	var fbOrder float64
	for k := 0; k < n; {
		if slope[k] < taylorMinSlope {
			plateau = math.Max(plateau, r[k])
			if isFinite(r[k-1]) {
				plateau = math.Max(plateau, r[k-1])
			}
		}
		if !usable(k) {
			k++
			continue
		}
		lo, hi := k, k
		for hi+1 < n && hi-lo+1 < taylorMaxPoints && usable(hi+1) {
			if hi-lo+1 >= 2 {
				if s, _ := lsq(lx[lo:hi+1], ly[lo:hi+1]); math.Abs(slope[hi+1]-s) > taylorSlopeTol {
					if hi-lo+1 >= taylorMinPoints {
						break
					}
					lo = hi
				}
			}
			hi++
		}
		if hi-lo+1 < taylorMinPoints {
			k = hi + 1
			continue
		}
		order, _ := lsq(lx[lo:hi+1], ly[lo:hi+1])
		switch {
		case order >= float64(expect)-taylorBand:
			return set(lo, hi, order, OK), nil
		case math.Abs(order-float64(expect-1)) <= taylorBand:
			// The increment the tested term should match must itself grow
			// like that term; where f has saturated (a tanh far out) it
			// stays flat, r is the tested term alone, and its order says
			// nothing about the derivative.
			if inc, _ := lsq(lx[lo:hi+1], incr[lo:hi+1]); grows(hi) && inc >= float64(expect-1)-taylorBand {
				return set(lo, hi, order, Mismatch), nil
			}
			return set(lo, hi, order, Inconclusive), nil
		}
		if fallback < 0 {
			fallback, fbHi, fbOrder = lo, hi, order
		}
		k = hi + 1
	}
	if fallback >= 0 {
		return set(fallback, fbHi, fbOrder, Inconclusive), nil
	}
	return fit, nil
}

// taylorSteps is the number of steps fitTaylor takes, hmin doubling up to
// top.
func taylorSteps(hmin, top float64) int {
	n := 0
	for h := hmin; h <= top; h *= 2 {
		n++
	}
	return n
}

// lsq returns the least-squares slope and intercept of y on x.
func lsq(x, y []float64) (slope, icept float64) {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	if sxx == 0 {
		return math.NaN(), my
	}
	slope = sxy / sxx
	return slope, my - slope*mx
}

// taylorOpinion is the second opinion on an entry that refinement left
// Inconclusive: a Taylor-remainder test along the coordinate,
//
//	r(h) = |f(x + h·e_i) − f(x) − h·a|,
//
// on the + side, then on the − side if the + side does not decide.
// Entry.TaylorOrder records the order of the side that decided, or of the
// first side that fitted one.
//
// An order near 1 makes the entry a Mismatch: over the window the
// remainder is linear in h, so the slope of f differs from a by
// δ = r(h)/h there, which is also how Numeric (a + δ, with its sign) and
// ErrEst (taylorBand·|δ|) are set. An order near 2 makes it OK only if it
// also resolves the derivative by the rule of entry.go (resolved): the
// remainder at the window's smallest step h_lo bounds the gradient's error
// by |δ| ≤ r(h_lo)/h_lo, for a larger δ would have bent the slope towards
// 1 there. A Taylor test fitted at large steps proves little about a small
// error, and then the entry stays Inconclusive. Nor does it decide where
// the secant on the other side, at the window's smallest step, disagrees
// with a by more than taylorOtherSideFactor times as much: that side's
// slope is another, as beyond a turn of the loss narrower than the window.
//
// A Mismatch needs corroboration, as in judge: at the smallest step whose
// round-off resolves the disagreement d, the secant must show it, and the
// secant on the other side must show it too (a kink's is another slope). A
// saturated unit's plateau gives an order-1 remainder at steps where the
// function is outside its Taylor regime, and there it does not.
//
// sigma is the loss's noise along the entry, raised to a quarter of the
// step of a staircase the ladders found (refine.go, quantize); jumped
// says that the loss jumped within the ladders' steps.
func (c *checker[T]) taylorOpinion(b, i int, e Entry, sigma float64, jumped bool) (Entry, error) {
	scale := fdiff.Scale(float64(c.saved[b][i]))
	a := e.Analytic
	// delta and slack, for each side in turn, in one allocation
	// (fitTaylor's steps).
	n := taylorSteps(math.Sqrt(c.s.prec.Eps)/64*scale, min(taylorTop*scale, math.MaxFloat64))
	buf := make([]float64, 2*n)
	for _, side := range []float64{1, -1} {
		delta := buf[:0:n]        // (f − f0)/h − a at each step, signed
		slack := buf[n : n : 2*n] // the round-off bound of each delta
		eval := func(h float64) (r, incr, noise, step float64, err error) {
			f, step, err := c.refineLoss(b, i, side*h)
			if err != nil {
				return 0, 0, 0, 0, err
			}
			lin := side * step * a
			r = math.Abs(f - c.f0 - lin)
			delta = append(delta, (f-c.f0-lin)/(side*step))
			arg := math.Abs(a) * math.Abs(float64(c.saved[b][i])+side*step)
			// The noise of the loss along the entry (refine.go, refine)
			// bounds f − f0 too: round-off relative to terms that cancel,
			// or to a saturated function's quantized steps, is larger than
			// ε·|f|; and so does a stated one (Options.Noise).
			noise = max(taylorRoundoff*c.s.prec.Eps*(math.Abs(f)+math.Abs(c.f0)+math.Abs(lin)+arg), 4*sigma)
			slack = append(slack, noise/step)
			return r, f - c.f0, noise, step, nil
		}
		fit, err := fitTaylor(eval, scale, c.s.prec, 2)
		if err != nil {
			return e, err
		}
		if math.IsNaN(fit.Order) {
			continue
		}
		if e.TaylorOrder == 0 || fit.Verdict != Inconclusive {
			e.TaylorOrder = float32(fit.Order)
		}
		d := delta[fit.Lo]
		k := c.taylorCorroborating(slack, d)
		mismatch := fit.Verdict == Mismatch && k >= 0 && nearer(delta[k], d)
		if mismatch {
			// A remainder linear on one side refutes only that side's
			// slope. At a kink it is linear on the side whose one-sided
			// slope the analytic value is not, and on both sides where
			// that value lies strictly between the slopes, with
			// disagreements of opposite signs: the subgradient a Kink
			// accepts. So the secant on the other side, at the step that
			// corroborates d, must disagree the same way, as a smooth
			// loss's does (its two secants differ by h·f⁽²⁾ there, far
			// below d in an order-1 window). The exact right-hand slope
			// of a union of spheres by exact min, at a radius where a
			// point is equidistant from two of them and another is so
			// within 1e-4 to the right, was a Mismatch against the
			// left-hand slope, order 1.
			var other float64
			other, err = c.taylorOtherSide(b, i, -side, fit.Steps[k], a)
			if err != nil {
				return e, err
			}
			mismatch = !isFinite(other) || nearer(other, d)
		}
		switch {
		case mismatch:
			e.Verdict, e.Numeric, e.ErrEst, e.Step = Mismatch, a+d, taylorBand*math.Abs(d), fit.Steps[fit.Lo]
		case fit.Verdict == OK && c.resolved(math.Abs(d), math.Abs(a)):
			// An order-2 remainder on one side says only that a is
			// that side's slope over the window. A turn of the loss
			// narrower than the window's smallest step (a soft
			// minimum at a small temperature between two nearly tied
			// terms) leaves the other side's slope there, and the
			// derivative at x between the two: soft-DTW at γ = 1e-4
			// passed −9.17, the slope beyond a turn 3e-5 wide, where
			// the derivative is −4.0 and the − side's secants at the
			// window's steps are −0.08. A smooth loss's secant on the
			// other side, at the window's smallest step, differs from
			// a by about as much as this side's (h·f⁽²⁾/2 each), so
			// it must lie within taylorOtherSideFactor times a's
			// disagreement there, round-off aside; else this side does
			// not decide.
			// Not where the loss jumped within the ladders' steps: the
			// secant across a jump is no slope, and the side away from
			// it decides alone (TestJumpNotKink).
			var other float64
			other, err = c.taylorOtherSide(b, i, -side, fit.Steps[fit.Lo], a)
			if err != nil {
				return e, err
			}
			if !jumped && isFinite(other) && math.Abs(other) > taylorOtherSideFactor*math.Abs(d)+c.s.k*slack[fit.Lo] {
				continue
			}
			e.Verdict, e.Numeric, e.ErrEst, e.Step = OK, a+d, math.Abs(d), fit.Steps[fit.Lo]
		default:
			continue // undecided on this side: ask the other
		}
		return e, nil
	}
	return e, nil
}

// taylorCorroborating returns the smallest step (steps ascend) whose
// round-off bound slack resolves the secant disagreement d, or −1. A
// Mismatch needs delta there to lie nearer d than 0 (nearer).
func (c *checker[T]) taylorCorroborating(slack []float64, d float64) int {
	for k := range slack {
		if c.s.k*slack[k] < math.Abs(d) {
			return k
		}
	}
	return -1
}

// nearer reports whether a secant disagreement v lies nearer d than 0: it
// shows the disagreement d, in sign and in most of its size.
func nearer(v, d float64) bool { return math.Abs(v-d) < math.Abs(v) }

// taylorOtherSide returns the secant disagreement (f(x + side·h) − f(x))/
// (side·h) − a on the given side, NaN where the loss is not finite there.
func (c *checker[T]) taylorOtherSide(b, i int, side, h, a float64) (float64, error) {
	f, step, err := c.refineLoss(b, i, side*h)
	if err != nil {
		return 0, err
	}
	return (f-c.f0)/(side*step) - a, nil
}
