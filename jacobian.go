package gradcheck

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/gradcheck/gradcheck/internal/diagnose"
	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// Jacobian checks jac, the Jacobian of the vector function f, at x.
//
// f writes the m values of the function at x into dst, which has length m.
// jac writes the m×n Jacobian at x into dst, row major:
//
//	dst[i*n+j] = ∂f_i/∂x_j,  n = len(x),  len(dst) = m·n.
//
// This is the layout of the raw data of gonum's m×n mat.Dense, so a
// gonum-style jac(J *mat.Dense, x) is passed as
// func(dst, x []float64) { jac(mat.NewDense(m, n, dst), x) }.
//
// Each entry J[i,j] gets the same verdict as a gradient entry of the
// scalar f_i (see CheckContext): one central difference, refinement with
// Ridders' extrapolation and one-sided slopes if that does not pass, and the
// Taylor-remainder second opinion if refinement cannot decide. The
// thresholds of row i are those of the gradient of f_i, so an entry near
// zero is judged against the largest entry of its row. Options.Sample
// samples the columns, the same ones in every row.
//
// Design: each row is checked by the scalar checker itself, with f_i as
// its loss, so that every verdict rule of the gradient holds here without
// a copy. What makes that affordable is that the points the scalar checks
// ask for differ from x in one coordinate, so each is evaluated once and
// its m values remembered (the memory of about two Jacobians): one
// evaluation of f serves all m outputs. The check costs 2n evaluations for
// the first pass, three for f at x and the hazards, the noise measurement
// of each row (2·6 evaluations along the coordinate of the row's largest
// entry, shared by rows with the same one), and refinement where an entry
// is suspicious; not m times that. Remembering the values allocates once
// per point, unlike the scalar check. So the check needs memory for a few
// m×n Jacobians: an m, or an m×n, that no slice holds is an error, but one
// within that bound and beyond the machine's memory ends the program, as
// any allocation the runtime cannot satisfy does.
//
// The term K·ε·S of a gradient entry (see the package docs, Refinement)
// measures how far the gradient moves when every parameter moves by its
// rounding, from two evaluations of the gradient at points where every
// parameter moves at once, made with the loss's noise measurement. Here
// the gradient of f_i is row i of jac, so where some entry of a row waits
// for the noise (its first pass did not accept it, whether refinement
// follows or not), jac is called at those two points; they are the same
// for every row, so the check calls jac twice more, not 2m times, and not
// at all where every entry passes its first pass outright. An output with
// an entry exactly 0, whose two first-pass values are equal to the bit,
// waits for the noise (a residual at t = 0 of a·exp(−k·t) + c, whose slope
// along k is 0). A jac that keeps state between calls (a NotReentrant
// hazard) is not called there, and its entries are judged without the
// term, as a gradient check does.
//
// The report has one block named "J" of shape [m, n], diagnosed as a
// whole. Report.Evals counts evaluations of f and Report.GradEvals calls of
// jac, those at the two points above included. Hazards are those of a
// gradient check, with f in the place of the loss and jac in the place of
// the gradient.
//
// x is perturbed in place and restored bit for bit. A panic in f or jac is
// returned as a *PanicError whose Func is "jac", or "f" followed by the
// output being checked, as "f (output 3)"; one in jac at the two points
// above says so in its Along. A panic comes together with a partial
// report: the entries judged before it, as CheckContext's.
func Jacobian(f func(dst, x []float64), jac func(dst, x []float64), m int, x []float64, opts *Options) (*Report, error) {
	return stopped(checkJacobian(vecSpec{fname: "f", dname: "jac", block: "J", f: f, jac: jac, m: m}, x, opts))
}

// stopped marks a report returned together with an error as partial, as
// CheckContext does: it holds the entries judged before the check stopped,
// and none where it stopped before the first, and it is not OK. Unmarked,
// a panic in jac read "ok: 0 entries in 0 blocks agree" and Report.OK was
// true.
func stopped(rep *Report, err error) (*Report, error) {
	if err != nil && rep != nil {
		rep.Partial = true
	}
	return rep, err
}

// vecSpec names the pieces of a Jacobian-like check: the Hessian check is
// one, with the gradient in the place of f and the Hessian in the place of
// the Jacobian.
type vecSpec struct {
	fname, dname, block string
	param               string // the name of x in panics: "x", or "t" for a JVP's curve
	f, jac              func(dst, x []float64)
	m                   int
	// stateful: jac was seen to keep state between calls by an earlier
	// check of the same function (a JVP's first tangent), so it is not
	// evaluated away from x (movingDerivative).
	stateful bool
}

func checkJacobian(s vecSpec, x []float64, opts *Options) (*Report, error) {
	switch {
	case s.f == nil:
		return nil, fmt.Errorf("gradcheck: the function %s is nil", s.fname)
	case s.jac == nil:
		return nil, fmt.Errorf("gradcheck: the function %s is nil", s.dname)
	}
	n := len(x)
	p, err := newVecProblem(s.fname, s.f, s.m, x, opts)
	if err != nil {
		return nil, err
	}
	if s.m > maxFloats/n {
		return nil, fmt.Errorf("gradcheck: the %s of %d outputs by %d parameters has more entries than a slice holds (%d)", s.dname, s.m, n, maxFloats)
	}
	defer p.restore()
	rep := &Report{Precision: "float64"}
	if fatal, err := p.start(rep); err != nil || fatal {
		p.count(rep, 0)
		return rep, err
	}

	J := make([]float64, s.m*n)
	calls := 0
	jac := func(dst []float64) { calls++; s.jac(dst, p.x) }
	fatal, err := p.derivative(rep, s.dname, J, jac)
	if err != nil || fatal {
		p.count(rep, calls)
		return rep, err
	}
	for k, v := range J {
		if !isFinite(v) {
			return nil, fmt.Errorf("gradcheck: the analytic %s at %s is %v", s.dname, entryName(s.block, []int{s.m, n}, k), v)
		}
	}

	jacAt := p.moving(rep, s.stateful, s.dname, s.m*n, jac)
	blk := BlockReport{Name: s.block, Shape: []int{s.m, n}}
	scale := 0.0 // the largest output at x (Options.valueScale)
	for _, v := range p.f0 {
		scale = max(scale, math.Abs(v))
	}
	for i := range s.m {
		param := s.param
		if param == "" {
			param = "x"
		}
		sub, err := p.checkScalar(J[i*n:(i+1)*n], p.output(i), param, jacAt.row(i*n), scale)
		if sub != nil && len(sub.Blocks) > 0 {
			rep.Sampled, rep.Seed, rep.Judging = sub.Sampled, sub.Seed, sub.Judging
			for _, e := range sub.Blocks[0].Entries {
				e.Index += i * n
				blk.Entries = append(blk.Entries, e)
			}
		}
		if err != nil {
			p.count(rep, calls)
			rep.Blocks = append(rep.Blocks, blk)
			return rep, p.rename(err, fmt.Sprintf("output %d", i))
		}
	}
	blk.RelErr = blockRelErr(blk.Entries)
	p.diagnose(&blk)
	rep.Blocks = append(rep.Blocks, blk)
	p.count(rep, calls)
	return rep, nil
}

// diagnose fills the Diagnoses of a failing Jacobian-like block with the
// hypotheses of internal/diagnose, as the core does for a gradient block:
// over the whole m×n block, where a transposed or shifted Jacobian shows,
// not row by row. The threshold of each entry is rebuilt from its evidence
// by the inequality documented at Options.Atol.
func (p *vecProblem) diagnose(br *BlockReport) {
	defer func() {
		if r := recover(); r != nil {
			br.Diagnoses = []Diagnosis{{Pattern: PatternNone, Axis: -1, Summary: fmt.Sprintf("diagnosis failed: %v", r)}}
		}
	}()
	if len(br.Failures()) == 0 {
		return
	}
	s, err := p.opts.resolve(precisionOf[float64]())
	if err != nil {
		return
	}
	n := br.Shape[len(br.Shape)-1]
	in := diagnose.Block{Shape: br.Shape, Eps: s.prec.Eps, Func: p.fname, Checked: len(br.Entries)}
	for _, e := range br.Entries {
		if e.Verdict == Inconclusive || e.Verdict == NonFinite {
			continue
		}
		in.Index = append(in.Index, e.Index)
		in.X = append(in.X, p.saved[e.Index%n%len(p.saved)])
		in.A = append(in.A, e.Analytic)
		in.N = append(in.N, e.Numeric)
		in.Err = append(in.Err, e.ErrEst)
		in.Tol = append(in.Tol, s.atol+s.rtol*math.Max(math.Abs(e.Analytic), math.Abs(e.Numeric))+s.k*e.ErrEst)
		in.Fail = append(in.Fail, e.Verdict == Mismatch)
	}
	for _, h := range diagnose.Diagnose(in) {
		br.Diagnoses = append(br.Diagnoses, Diagnosis{
			Pattern: Pattern(h.Pattern), Summary: h.Summary, Factor: h.Factor, Axis: h.Axis,
			Fit: h.Fit, Explained: h.Explained, Of: h.Of, Entries: h.Entries,
		})
	}
}

// A vecProblem is a vector function f at the caller's x, with its values
// at every point the scalar checks ask for remembered: those points differ
// from x in one coordinate at most, so a point is the pair (coordinate,
// value), and one evaluation of f serves every output and every cotangent.
type vecProblem struct {
	fname string
	f     func(dst, x []float64)
	m     int
	x     []float64 // the caller's memory, perturbed by the scalar checks
	saved []float64
	opts  Options // the caller's, with the hazards left to start
	f0    []float64
	memo  map[pointKey][]float64
	hint  int // the coordinate perturbed last
	evals int
}

type pointKey struct {
	j    int
	bits uint64
}

// maxFloats is the most float64 values the runtime makes a slice of on a
// 64-bit platform (2⁴⁸ bytes), or half the address space on a 32-bit one:
// make panics beyond it.
const maxFloats = min(math.MaxInt/8, 1<<45)

func newVecProblem(fname string, f func(dst, x []float64), m int, x []float64, opts *Options) (*vecProblem, error) {
	switch {
	case len(x) == 0:
		// First: Hessian passes m = len(x), which its caller never gave.
		return nil, errors.New("gradcheck: x is empty")
	case m <= 0:
		return nil, fmt.Errorf("gradcheck: the number of outputs m is %d: it must be positive", m)
	case m > maxFloats:
		return nil, fmt.Errorf("gradcheck: the number of outputs m is %d: more values than a slice holds (%d)", m, maxFloats)
	}
	for i, v := range x {
		if !isFinite(v) {
			return nil, fmt.Errorf("gradcheck: parameter x[%d] is %v", i, v)
		}
	}
	p := &vecProblem{fname: fname, f: f, m: m, x: x, saved: append([]float64(nil), x...), memo: make(map[pointKey][]float64)}
	if opts != nil {
		p.opts = *opts
	}
	if p.opts.Shards > 0 {
		// Each output is a check of its own: a shard of each would not
		// merge into a shard of the whole.
		return nil, errors.New("gradcheck: Options.Shards is not supported by Jacobian, VJP, JVP, Hessian and HVP checks")
	}
	// Validate the options once, here, rather than once per output.
	if _, err := p.opts.resolve(precisionOf[float64]()); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *vecProblem) restore() { copy(p.x, p.saved) }

func (p *vecProblem) count(rep *Report, derivEvals int) {
	rep.Evals, rep.GradEvals = p.evals, derivEvals
}

// call runs fn, turning a panic into a *PanicError for function name.
func call(name string, fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Func: name, Value: r}
		}
	}()
	fn()
	return nil
}

// mutated reports whether fn changed x, restoring it and recording the
// hazard.
func (p *vecProblem) mutated(rep *Report, k HazardKind, fn string) bool {
	for i, v := range p.x {
		if math.Float64bits(v) != math.Float64bits(p.saved[i]) {
			rep.Hazards = append(rep.Hazards, Hazard{Kind: k, Fatal: true, Detail: fmt.Sprintf(
				"%s changed its input: x[%d] was %v and became %v; a function must leave x as it found it", fn, i, p.saved[i], v)})
			p.restore()
			return true
		}
	}
	return false
}

// start evaluates f at x and, unless Options.SkipHazards, looks for the
// hazards of f: mutation of x and nondeterminism.
func (p *vecProblem) start(rep *Report) (fatal bool, err error) {
	p.f0 = make([]float64, p.m)
	if err := call(p.fname, func() { p.f(p.f0, p.x) }); err != nil {
		return true, err
	}
	p.evals++
	for i, v := range p.f0 {
		if !isFinite(v) {
			return true, fmt.Errorf("gradcheck: output %d of %s at the caller's x is %v", i, p.fname, v)
		}
	}
	if p.opts.SkipHazards {
		return false, nil
	}
	if p.mutated(rep, LossMutates, p.fname) {
		return true, nil
	}
	return p.repeatable(rep, "")
}

// repeatable evaluates f again and records a hazard when it differs from
// the first evaluation; after names the call in between, if any.
func (p *vecProblem) repeatable(rep *Report, after string) (fatal bool, err error) {
	y := make([]float64, p.m)
	if err := call(p.fname, func() { p.f(y, p.x) }); err != nil {
		return true, err
	}
	p.evals++
	for i := range y {
		if math.Float64bits(y[i]) == math.Float64bits(p.f0[i]) {
			continue
		}
		if after == "" {
			rep.Hazards = append(rep.Hazards, Hazard{Kind: Nondeterministic, Fatal: true, Detail: fmt.Sprintf(
				"output %d of %s at the same x was %.17g and then %.17g: finite differences of a random function measure its noise; fix its seed", i, p.fname, p.f0[i], y[i])})
		} else {
			rep.Hazards = append(rep.Hazards, Hazard{Kind: HiddenState, Fatal: true, Detail: fmt.Sprintf(
				"output %d of %s was %.17g before a call of %s and %.17g after it, at the same x: %s changes state that %s reads", i, p.fname, p.f0[i], after, y[i], after, p.fname)})
		}
		return true, nil
	}
	return false, nil
}

// derivative calls the analytic derivative d into dst and, unless
// Options.SkipHazards, looks for its hazards: mutation of x, hidden state
// that changes f, and a second call that does not give the same result
// when dst is not zeroed in between.
func (p *vecProblem) derivative(rep *Report, name string, dst []float64, d func(dst []float64)) (fatal bool, err error) {
	clear(dst)
	if err := call(name, func() { d(dst) }); err != nil {
		return true, err
	}
	if p.opts.SkipHazards {
		return false, nil
	}
	if p.mutated(rep, GradientMutates, name) {
		return true, nil
	}
	if fatal, err := p.repeatable(rep, name); err != nil || fatal {
		return fatal, err
	}
	again := append([]float64(nil), dst...)
	if err := call(name, func() { d(again) }); err != nil {
		return true, err
	}
	if p.mutated(rep, GradientMutates, name) {
		return true, nil
	}
	// Differences below what the verdicts can see are no hazard, as for
	// a gradient (reentrancy): a derivative summed in another order at
	// each call differs in its last bits and keeps no state.
	st, err := p.opts.resolve(fdiff.Float64)
	if err != nil {
		return true, err
	}
	scale := 0.0
	for _, v := range dst {
		scale = max(scale, math.Abs(v))
	}
	diffs, doubled, first := 0, 0, -1
	for k := range dst {
		if sameForVerdicts(dst[k], again[k], scale, st.rtol) {
			continue
		}
		if first < 0 {
			first = k
		}
		diffs++
		if dst[k] != 0 && math.Abs(again[k]-2*dst[k]) <= 1e-6*math.Abs(dst[k]) {
			doubled++
		}
	}
	if diffs > 0 {
		why := "it keeps state between calls"
		if doubled == diffs {
			why = "it adds into dst without zeroing it"
		}
		rep.Hazards = append(rep.Hazards, Hazard{Kind: NotReentrant, Detail: fmt.Sprintf(
			"two calls of %s at the same x disagree at %d entries (entry %d: %v, then %v): %s", name, diffs, first, dst[first], again[first], why)})
	}
	return false, nil
}

// perturbed returns the coordinate where x differs from the saved point,
// or −1 when it does not. The scalar checks perturb one coordinate at a
// time, in increasing order, so the search starts where the last ended.
func (p *vecProblem) perturbed() int {
	n := len(p.x)
	for k := range n {
		j := p.hint + k
		if j >= n {
			j -= n
		}
		if math.Float64bits(p.x[j]) != math.Float64bits(p.saved[j]) {
			p.hint = j
			return j
		}
	}
	return -1
}

// at returns f at the current x, evaluated once per point.
func (p *vecProblem) at() []float64 {
	j := p.perturbed()
	if j < 0 {
		return p.f0
	}
	k := pointKey{j, math.Float64bits(p.x[j])}
	if y, ok := p.memo[k]; ok {
		return y
	}
	y := make([]float64, p.m)
	p.f(y, p.x)
	p.evals++
	p.memo[k] = y
	return y
}

// output returns the loss f_i for a scalar check.
func (p *vecProblem) output(i int) func() float64 {
	return func() float64 { return p.at()[i] }
}

// dot returns the loss w·f for a scalar check.
func (p *vecProblem) dot(w []float64) func() float64 {
	return func() float64 {
		var s float64
		for i, v := range p.at() {
			s += w[i] * v
		}
		return s
	}
}

// checkScalar checks analytic as the gradient of loss with the scalar
// checker, the hazards having been looked for once already. The scalar
// checker's Gradient is analytic at x and the part grad of the user's
// derivative elsewhere (movingDerivative); a panic there is named after
// the derivative.
//
// scale is the size of the values the scalar loss is computed with (see
// Options.valueScale): the largest output at x for one output, the terms
// of w·f at x for a VJP.
func (p *vecProblem) checkScalar(analytic []float64, loss func() float64, name string, grad derivativeRow, scale float64) (*Report, error) {
	g := make([]float64, len(p.x))
	m := &Model[float64]{
		Blocks: []Block[float64]{{Name: name, Value: p.x, Grad: g}},
		Loss:   loss,
		Gradient: func() {
			if v := grad.at(); v != nil {
				copy(g, v)
				return
			}
			copy(g, analytic)
		},
	}
	o := p.opts
	o.SkipHazards = true
	o.valueScale = scale
	// Directions counts cotangents and tangents here, not a directional
	// check of each output.
	o.Directions = 0
	rep, err := CheckContext(context.Background(), m, &o)
	var pe *PanicError
	if errors.As(err, &pe) && pe.Func == "Gradient" && grad.d != nil {
		pe.Func = grad.d.name
	}
	return rep, err
}

// A movingDerivative is the user's derivative of a vector check (the
// Jacobian, a VJP, a JVP, the Hessian) as a function of x, for the
// Gradient of the scalar checks. The scalar checker asks for a gradient at
// x, which is the derivative already computed, and, where some entry goes
// on to refinement, at the two sensitivity probes (measureSensitivity),
// which move every coordinate of x at once. There it must be the user's
// derivative at the moved x: a copy of its value at x would measure S = 0,
// and drop from every entry the term K·ε·S that a gradient check of the
// same function has (x2·sin(c + (x0 − c)), whose slope along x2 the loss
// computes from x0 rounded at the scale of c). Each point is evaluated
// once and remembered: the probes are the same points for every output of
// a Jacobian, so its m rows cost two calls of jac, as one gradient check
// does.
type movingDerivative struct {
	p      *vecProblem
	name   string              // the derivative's, for panics: "jac", "vjp", …
	d      func(dst []float64) // the derivative at p.x, into dst of length size
	size   int
	points [][]float64 // where d was evaluated
	values [][]float64 // and what it gave there
}

// moving returns d, the user's derivative named name, as a function of x
// (movingDerivative), or nil where d was seen to keep state between calls
// (stateful, or a NotReentrant hazard in rep): its values at the probes
// would not be the derivative's. The scalar checks then see the
// derivative at x wherever they ask, measure S = 0, and judge without the
// term, as the gradient check does where it skips the probes.
func (p *vecProblem) moving(rep *Report, stateful bool, name string, size int, d func(dst []float64)) *movingDerivative {
	for _, h := range rep.Hazards {
		stateful = stateful || h.Kind == NotReentrant
	}
	if stateful {
		return nil
	}
	return &movingDerivative{p: p, name: name, d: d, size: size}
}

// at returns the derivative at the current x, or nil at the caller's x.
func (md *movingDerivative) at() []float64 {
	p := md.p
	if sameBits(p.x, p.saved) {
		return nil
	}
	for k, pt := range md.points {
		if sameBits(pt, p.x) {
			return md.values[k]
		}
	}
	pt := append([]float64(nil), p.x...)
	v := make([]float64, md.size)
	md.d(v)
	md.points, md.values = append(md.points, pt), append(md.values, v)
	return v
}

// A derivativeRow is the part of a movingDerivative that one scalar check
// takes for its gradient: len(x) values from lo on (row i of a Jacobian
// starts at i·n).
type derivativeRow struct {
	d  *movingDerivative // nil: the derivative at x, wherever x is
	lo int
}

func (md *movingDerivative) row(lo int) derivativeRow { return derivativeRow{md, lo} }

// at returns the row at the current x, or nil where it is the derivative
// at the caller's x.
func (r derivativeRow) at() []float64 {
	if r.d == nil {
		return nil
	}
	v := r.d.at()
	if v == nil {
		return nil
	}
	return v[r.lo : r.lo+len(r.d.p.x)]
}

// sameBits reports whether a and b, of the same length, agree bit for bit.
func sameBits(a, b []float64) bool {
	for i, v := range a {
		if math.Float64bits(v) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// rename puts the name of f, and what was being checked, into a panic
// that the scalar checker caught in its Loss.
func (p *vecProblem) rename(err error, what string) error {
	var pe *PanicError
	if errors.As(err, &pe) && pe.Func == "Loss" {
		pe.Func = p.fname + " (" + what + ")"
	}
	return err
}
