package gradcheck

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// defaultDirections is the number of random cotangents or tangents a VJP,
// JVP or HVP check draws when Options.Directions is zero: a wrong
// derivative passes a check along a random direction only on a set of
// measure zero, so more than one is for entries that are wrong only a
// little, not for coverage.
const defaultDirections = 3

func directions(o *Options) (int, error) {
	if o == nil || o.Directions == 0 {
		return defaultDirections, nil
	}
	if o.Directions < 0 {
		return 0, fmt.Errorf("gradcheck: Options.Directions is %d: it must not be negative", o.Directions)
	}
	return o.Directions, nil
}

func seedOf(o *Options) uint64 {
	if o == nil {
		return 0
	}
	return o.Seed
}

// Cotangent returns the cotangent w that VJP draws for direction d with
// the given seed: m standard normal entries. It is exported so that a
// failing direction can be reproduced by hand. For an m that VJP rejects
// (not positive, or more values than a slice holds) it returns nil.
func Cotangent(m int, seed uint64, d int) []float64 {
	if m <= 0 || m > maxFloats {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed_c07a_0000_0000+uint64(d)))
	w := make([]float64, m)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	return w
}

// Tangent returns the tangent v that JVP and HVP draw for direction d with
// the given seed at x: standard normal entries scaled by max(|x_j|, 1), so
// that a step t along v moves every coordinate relative to its own size.
func Tangent(x []float64, seed uint64, d int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x5eed_7a90_0000_0000+uint64(d)))
	v := make([]float64, len(x))
	for j := range v {
		v[j] = rng.NormFloat64() * fdiff.Scale(x[j])
	}
	return v
}

// VJP checks vjp, the vector-Jacobian product (reverse mode) of the vector
// function f, at x, along Options.Directions seeded random cotangents w
// (see Cotangent): vjp writes wᵀJ, of length n = len(x), into dst, and f
// writes its m values into dst as for Jacobian. Here Options.Directions
// counts cotangents, zero meaning 3; it does not ask for the directional
// check of Gradient. Options.Seed seeds the cotangents, and Sample samples
// the entries of wᵀJ.
//
// wᵀJ is the gradient of the scalar w·f, so each cotangent is a gradient
// check of w·f, entry by entry, with the verdicts of CheckContext. The
// report has one block per cotangent, named "vjp0", "vjp1", …, of shape [n].
// The cotangents share the evaluations of f: every point is evaluated
// once, so k cotangents cost about what one does. Where some entry of a
// cotangent waits for the noise (see Jacobian), vjp is called with that
// cotangent at the two points where the gradient check of w·f would
// evaluate its gradient to measure the term K·ε·S: twice per such
// cotangent. Report.Evals counts evaluations of f and Report.GradEvals
// calls of vjp, those included.
//
// x is perturbed in place and restored bit for bit; w is a fresh slice on
// every call. A panic in f or vjp is returned as a *PanicError whose Func
// names it, and whose Entry names the parameter moved, as x[3].
func VJP(f func(dst, x []float64), vjp func(dst, x, w []float64), m int, x []float64, opts *Options) (*Report, error) {
	return stopped(checkVJP(f, vjp, m, x, opts))
}

func checkVJP(f func(dst, x []float64), vjp func(dst, x, w []float64), m int, x []float64, opts *Options) (*Report, error) {
	switch {
	case f == nil:
		return nil, fmt.Errorf("gradcheck: the function f is nil")
	case vjp == nil:
		return nil, fmt.Errorf("gradcheck: the function vjp is nil")
	}
	k, err := directions(opts)
	if err != nil {
		return nil, err
	}
	p, err := newVecProblem("f", f, m, x, opts)
	if err != nil {
		return nil, err
	}
	defer p.restore()
	rep := &Report{Precision: "float64"}
	if fatal, err := p.start(rep); err != nil || fatal {
		p.count(rep, 0)
		return rep, err
	}
	calls := 0
	seed := seedOf(opts)
	for d := range k {
		w := Cotangent(m, seed, d)
		name := "vjp" + strconv.Itoa(d)
		g := make([]float64, len(x))
		at := func(dst []float64) { calls++; vjp(dst, p.x, append([]float64(nil), w...)) }
		fatal, err := p.derivative(rep, "vjp", g, at)
		if err != nil || fatal {
			p.count(rep, calls)
			return rep, err
		}
		// The hazards of vjp are a property of the function, not of w:
		// look for them with the first cotangent only.
		p.opts.SkipHazards = true
		for j, v := range g {
			if !isFinite(v) {
				return nil, fmt.Errorf("gradcheck: the analytic %s at %s is %v", "vjp", entryName(name, []int{len(x)}, j), v)
			}
		}
		// The scalar check's parameter is x, which its panics and errors
		// name (x[3]); its block of wᵀJ is named after the cotangent.
		scale := 0.0 // the terms of w·f at x (Options.valueScale)
		for i, v := range p.f0 {
			scale += math.Abs(w[i] * v)
		}
		sub, err := p.checkScalar(g, p.dot(w), "x", p.moving(rep, false, "vjp", len(x), at).row(0), scale)
		if sub != nil {
			for _, b := range sub.Blocks {
				b.Name = name
				rep.Blocks = append(rep.Blocks, b)
			}
			rep.Sampled, rep.Seed, rep.Judging = sub.Sampled, sub.Seed, sub.Judging
		}
		if err != nil {
			p.count(rep, calls)
			return rep, p.rename(err, "cotangent "+strconv.Itoa(d))
		}
	}
	rep.Seed = seed
	p.count(rep, calls)
	return rep, nil
}

// JVP checks jvp, the Jacobian-vector product (forward mode) of the vector
// function f, at x, along Options.Directions seeded random tangents v (see
// Tangent; Options.Directions counts them as for VJP): jvp writes Jv, of
// length m, into dst, and f writes its m values into dst as for Jacobian.
//
// Jv is the derivative at t = 0 of the curve t ↦ f(x + t·v), so each
// tangent is a Jacobian check of that curve: one column, m entries, each
// with the verdicts of CheckContext. The report has one block per tangent,
// named "jvp0", "jvp1", …, of shape [m]. Each entry is judged on its own
// scale (its row of the one-column Jacobian is itself), so an output whose
// directional derivative is zero while its round-off is not may be
// Inconclusive where Jacobian would call it OK. Report.Evals counts
// evaluations of f and Report.GradEvals calls of jvp.
//
// The curve has one parameter, t, so the term K·ε·S of an entry (see
// Jacobian) is measured along it: where some entry of a tangent waits
// for the noise, jvp is called at x + t·v for the two values of t that a
// gradient check of the curve would probe, twice per such tangent. That
// moves x along v only: S is then the curve's own second derivative,
// which the refinement's term for the rounding of the entry's own
// parameter already bounds, and it does not see the rounding of each
// coordinate of x apart, as the entries of Jacobian do. A directional
// derivative that a loss computes from a coordinate rounded at the scale
// of a constant (see the package docs) may need the Jacobian check.
//
// f and jvp are called on a copy of x, which is left untouched, and with a
// fresh v on every call. A panic in f is returned as a *PanicError whose
// Entry is t[0], the step along v, and whose Func names the tangent, as
// "f (output 0, tangent 1)" or "jvp (tangent 1)".
func JVP(f func(dst, x []float64), jvp func(dst, x, v []float64), m int, x []float64, opts *Options) (*Report, error) {
	return stopped(checkJVP("f", "jvp", f, jvp, m, x, opts))
}

func checkJVP(fname, dname string, f func(dst, x []float64), jvp func(dst, x, v []float64), m int, x []float64, opts *Options) (*Report, error) {
	switch {
	case f == nil:
		return nil, fmt.Errorf("gradcheck: the function %s is nil", fname)
	case jvp == nil:
		return nil, fmt.Errorf("gradcheck: the function %s is nil", dname)
	case len(x) == 0:
		return nil, fmt.Errorf("gradcheck: x is empty")
	}
	k, err := directions(opts)
	if err != nil {
		return nil, err
	}
	for j, v := range x {
		if !isFinite(v) {
			return nil, fmt.Errorf("gradcheck: parameter x[%d] is %v", j, v)
		}
	}
	seed := seedOf(opts)
	x0 := append([]float64(nil), x...)
	xt := make([]float64, len(x))
	var copts Options
	if opts != nil {
		copts = *opts
	}
	o := &copts
	rep := &Report{Precision: "float64", Seed: seed}
	stateful := false // jvp keeps state between calls (a NotReentrant hazard)
	for d := range k {
		v := Tangent(x0, seed, d)
		// The curve x + t·v, with t the one parameter.
		curve := func(dst, t []float64) {
			for j := range xt {
				xt[j] = x0[j] + t[0]*v[j]
			}
			f(dst, xt)
		}
		// The derivative of the curve at t, which the sensitivity probes
		// move (movingDerivative); at t = 0, x itself.
		dcurve := func(dst, t []float64) {
			copy(xt, x0)
			if t[0] != 0 {
				for j := range xt {
					xt[j] = x0[j] + t[0]*v[j]
				}
			}
			jvp(dst, xt, append([]float64(nil), v...))
		}
		sub, err := checkJacobian(vecSpec{fname: fname, dname: dname, block: dname + strconv.Itoa(d), param: "t", f: curve, jac: dcurve, m: m, stateful: stateful}, []float64{0}, o)
		if sub != nil {
			rep.Evals += sub.Evals
			rep.GradEvals += sub.GradEvals
			rep.Judging = sub.Judging
			rep.Hazards = append(rep.Hazards, sub.Hazards...)
			for _, h := range sub.Hazards {
				stateful = stateful || h.Kind == NotReentrant
			}
			for _, b := range sub.Blocks {
				b.Shape = []int{m}
				rep.Blocks = append(rep.Blocks, b)
			}
		}
		if err != nil || (sub != nil && len(sub.Blocks) == 0) {
			return rep, nameTangent(err, d)
		}
		// The hazards are properties of f and jvp, not of v: look for them
		// along the first tangent only.
		o.SkipHazards = true
	}
	return rep, nil
}

// nameTangent adds tangent d to the function a *PanicError names, as
// "f (output 0, tangent 1)" or "jvp (tangent 1)": without it a panic
// along the second tangent could not be told from one along the first,
// nor reproduced (Tangent).
func nameTangent(err error, d int) error {
	var pe *PanicError
	if !errors.As(err, &pe) {
		return err
	}
	if f, ok := strings.CutSuffix(pe.Func, ")"); ok {
		pe.Func = f + ", tangent " + strconv.Itoa(d) + ")"
	} else {
		pe.Func += " (tangent " + strconv.Itoa(d) + ")"
	}
	return err
}
