package gradcheck_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// hzDropout is a dense layer with inverted dropout on its input, the loss
// Σ g·tanh(W·(m⊙x)/(1−p)) over a batch. Each evaluation draws a new mask
// from rng, as training code does. The bug forgets the 1/(1−p) rescaling
// in the backward pass.
type hzDropout struct {
	out, in, batch int
	p              float64
	w, dw, x, g    []float64
	rng            *rand.Rand
	seed           uint64
	noRescale      bool
}

func newHZDropout(seed uint64) *hzDropout {
	r := rand.New(rand.NewPCG(seed, 11))
	d := &hzDropout{out: 3, in: 5, batch: 6, p: 0.5, seed: seed}
	d.w, d.dw = dxRand(r, d.out*d.in, 0.5), make([]float64, d.out*d.in)
	d.x, d.g = dxRand(r, d.batch*d.in, 1), dxRand(r, d.batch*d.out, 1)
	d.rng = rand.New(rand.NewPCG(seed, 12))
	return d
}

// masks draws the dropout mask of the whole batch, scaled by 1/(1−p).
func (d *hzDropout) masks() []float64 {
	m := make([]float64, d.batch*d.in)
	for i := range m {
		if d.rng.Float64() >= d.p {
			m[i] = 1 / (1 - d.p)
		}
	}
	return m
}

func (d *hzDropout) loss() float64 {
	m := d.masks()
	f := 0.0
	for s := range d.batch {
		for o := range d.out {
			z := 0.0
			for i := range d.in {
				z += d.w[o*d.in+i] * m[s*d.in+i] * d.x[s*d.in+i]
			}
			f += d.g[s*d.out+o] * math.Tanh(z)
		}
	}
	return f
}

func (d *hzDropout) gradient() {
	m := d.masks()
	clear(d.dw)
	for s := range d.batch {
		for o := range d.out {
			z := 0.0
			for i := range d.in {
				z += d.w[o*d.in+i] * m[s*d.in+i] * d.x[s*d.in+i]
			}
			t := math.Tanh(z)
			dz := d.g[s*d.out+o] * (1 - t*t)
			for i := range d.in {
				mi := m[s*d.in+i]
				if d.noRescale && mi != 0 {
					mi = 1 // the backward pass applies the mask but not its 1/(1−p)
				}
				d.dw[o*d.in+i] += dz * mi * d.x[s*d.in+i]
			}
		}
	}
}

func (d *hzDropout) model(reseed bool) *gradcheck.Model[float64] {
	m := &gradcheck.Model[float64]{
		Blocks:   []gradcheck.Block[float64]{{Name: "W", Shape: []int{d.out, d.in}, Value: d.w, Grad: d.dw}},
		Loss:     d.loss,
		Gradient: d.gradient,
	}
	if reseed {
		m.Reseed = func() { d.rng = rand.New(rand.NewPCG(d.seed, 12)) }
	}
	return m
}

func hzHazard(rep *gradcheck.Report, k gradcheck.HazardKind) *gradcheck.Hazard {
	for i := range rep.Hazards {
		if rep.Hazards[i].Kind == k {
			return &rep.Hazards[i]
		}
	}
	return nil
}

func hzCheck(t *testing.T, m *gradcheck.Model[float64], opts *gradcheck.Options) *gradcheck.Report {
	t.Helper()
	rep, err := gradcheck.Check(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestNondeterministicDropout: dropout drawing a fresh mask at every call
// is a fatal hazard with its spread and the fix, and no verdicts.
func TestNondeterministicDropout(t *testing.T) {
	rep := hzCheck(t, newHZDropout(1).model(false), nil)
	h := hzHazard(rep, gradcheck.Nondeterministic)
	if h == nil || !h.Fatal {
		t.Fatalf("no fatal nondeterminism hazard:\n%s", rep)
	}
	if !strings.Contains(h.Detail, "spread") || !strings.Contains(h.Detail, "Model.Reseed") {
		t.Errorf("the detail gives neither the spread nor the fix: %s", h.Detail)
	}
	if rep.Checked() != 0 {
		t.Errorf("%d entries were judged on a random loss", rep.Checked())
	}
}

// TestReseedReplaysDropout: with Model.Reseed restoring the mask's random
// source, the dropout layer is checked as it is: the correct backward
// passes, and the one without the 1/(1−p) rescaling is caught and
// diagnosed as a scale of 1 − p = 1/2.
func TestReseedReplaysDropout(t *testing.T) {
	rep := hzCheck(t, newHZDropout(2).model(true), nil)
	if !rep.OK() {
		t.Fatalf("correct dropout with RNG replay fails:\n%s", rep)
	}
	d := newHZDropout(2)
	d.noRescale = true
	rep = hzCheck(t, d.model(true), nil)
	if rep.OK() || len(rep.Hazards) > 0 {
		t.Fatalf("the missing rescale was not found as wrong entries:\n%s", rep)
	}
	dg := rep.Blocks[0].Diagnoses[0]
	if dg.Pattern != gradcheck.PatternScale || math.Abs(dg.Factor-0.5) > 1e-6 {
		t.Errorf("diagnosis %q factor %v, want scale 0.5: %s", dg.Pattern, dg.Factor, dg.Summary)
	}
}

// TestReseedThatDoesNotReplay: a Reseed that re-seeds the wrong source is
// named as such.
func TestReseedThatDoesNotReplay(t *testing.T) {
	d := newHZDropout(3)
	m := d.model(false)
	other := rand.New(rand.NewPCG(1, 1))
	m.Reseed = func() { other = rand.New(rand.NewPCG(1, 1)); _ = other }
	rep := hzCheck(t, m, nil)
	h := hzHazard(rep, gradcheck.Nondeterministic)
	if h == nil || !strings.Contains(h.Detail, "Reseed is set but does not make the loss repeatable") {
		t.Fatalf("an ineffective Reseed is not named:\n%s", rep)
	}
}

// hzNoisy is Σ_i tanh(w_i·x_i) summed over many products in a shuffled
// order at every call, as a parallel reduction does: its value varies in
// the last bits. extra adds Gaussian noise of that standard deviation, as a
// Monte Carlo estimate would.
type hzNoisy struct {
	w, dw, x []float64
	rng      *rand.Rand
	extra    float64
	bug      float64 // a relative error planted in the gradient
}

func newHZNoisy(extra float64) *hzNoisy {
	r := rand.New(rand.NewPCG(4, 4))
	return &hzNoisy{w: dxRand(r, 40, 1), dw: make([]float64, 40), x: dxRand(r, 40, 1), rng: rand.New(rand.NewPCG(5, 5)), extra: extra}
}

func (n *hzNoisy) model() *gradcheck.Model[float64] {
	return &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "w", Value: n.w, Grad: n.dw}},
		Loss: func() float64 {
			terms := make([]float64, len(n.w))
			for i := range n.w {
				terms[i] = 1e3 * math.Tanh(n.w[i]*n.x[i])
			}
			n.rng.Shuffle(len(terms), func(i, j int) { terms[i], terms[j] = terms[j], terms[i] })
			f := 0.0
			for _, v := range terms {
				f += v
			}
			return f + n.extra*n.rng.NormFloat64()
		},
		Gradient: func() {
			for i := range n.w {
				t := math.Tanh(n.w[i] * n.x[i])
				n.dw[i] = 1e3 * (1 - t*t) * n.x[i] * (1 + n.bug)
			}
		},
	}
}

// TestStatedNoise: a loss whose reduction order varies is a fatal hazard
// unless its noise is stated; stated, the correct gradient passes and a
// planted error is still caught. A stated noise smaller than the real one
// is named.
func TestStatedNoise(t *testing.T) {
	for _, c := range []struct {
		name  string
		extra float64 // added noise σ
		noise float64 // Options.Noise
		bug   float64 // relative error planted in the gradient
	}{
		// The reduction's own noise: a few ulps of a sum near 1e4.
		{"reduction order", 0, 1e-11, 1e-4},
		// Monte Carlo-sized noise: the step widens to ∛σ = 1e-2, whose
		// noise allowance 4σ/h = 4e-4 still resolves a 1% error.
		{"monte carlo", 1e-6, 1e-6, 1e-2},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := hzCheck(t, newHZNoisy(c.extra).model(), nil)
			if h := hzHazard(rep, gradcheck.Nondeterministic); h == nil || !h.Fatal {
				t.Fatalf("unstated noise is not a fatal hazard:\n%s", rep)
			}
			rep = hzCheck(t, newHZNoisy(c.extra).model(), &gradcheck.Options{Noise: c.noise})
			if len(rep.Hazards) > 0 || rep.Count(gradcheck.Mismatch) > 0 {
				t.Fatalf("a correct gradient of a loss with stated noise fails:\n%s", rep)
			}
			if ok := rep.Count(gradcheck.OK); ok < rep.Checked()*9/10 {
				t.Errorf("only %d of %d entries resolved under stated noise:\n%s", ok, rep.Checked(), rep)
			}
			n := newHZNoisy(c.extra)
			n.bug = c.bug
			rep = hzCheck(t, n.model(), &gradcheck.Options{Noise: c.noise})
			if rep.Count(gradcheck.Mismatch) < rep.Checked()*9/10 {
				t.Errorf("a planted relative error of %g hides under stated noise %g: %d of %d mismatches\n%s", c.bug, c.noise, rep.Count(gradcheck.Mismatch), rep.Checked(), rep)
			}
		})
	}
	// An overstated noise cannot turn a bug into a pass: what it cannot
	// resolve is inconclusive, and the report is not OK.
	over := newHZNoisy(0)
	over.bug = 0.01
	if rep := hzCheck(t, over.model(), &gradcheck.Options{Noise: 10}); rep.OK() {
		t.Errorf("a 1%% error passes under an overstated noise:\n%s", rep)
	}
	rep := hzCheck(t, newHZNoisy(1e-6).model(), &gradcheck.Options{Noise: 1e-12})
	h := hzHazard(rep, gradcheck.Nondeterministic)
	if h == nil || !h.Fatal || !strings.Contains(h.Detail, "stated Options.Noise") {
		t.Errorf("noise beyond the stated level is not named:\n%s", rep)
	}
	if _, err := gradcheck.Check(newHZNoisy(0).model(), &gradcheck.Options{Noise: -1}); err == nil {
		t.Error("a negative Noise is accepted")
	}
}

// hzMLP is a one-layer net y = tanh(W·x), loss Σ g·y, with hooks for the
// stateful mistakes of training code.
type hzMLP struct {
	w, dw, x, g []float64
	out, in     int
}

func newHZMLP() *hzMLP {
	r := rand.New(rand.NewPCG(6, 6))
	l := &hzMLP{out: 3, in: 4}
	l.w, l.dw = dxRand(r, 12, 0.5), make([]float64, 12)
	l.x, l.g = dxRand(r, 4, 1), dxRand(r, 3, 1)
	return l
}

func (l *hzMLP) loss() float64 {
	f := 0.0
	for o := range l.out {
		z := 0.0
		for i := range l.in {
			z += l.w[o*l.in+i] * l.x[i]
		}
		f += l.g[o] * math.Tanh(z)
	}
	return f
}

// accumulate adds the gradient into dw, as a backward pass over a batch
// does.
func (l *hzMLP) accumulate() {
	for o := range l.out {
		z := 0.0
		for i := range l.in {
			z += l.w[o*l.in+i] * l.x[i]
		}
		t := math.Tanh(z)
		for i := range l.in {
			l.dw[o*l.in+i] += l.g[o] * (1 - t*t) * l.x[i]
		}
	}
}

func (l *hzMLP) model(loss func() float64, grad func()) *gradcheck.Model[float64] {
	return &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "W", Shape: []int{l.out, l.in}, Value: l.w, Grad: l.dw}},
		Loss:   loss, Gradient: grad,
	}
}

// TestLossMutatesParams: a max-norm constraint applied inside the loss
// rewrites the weights.
func TestLossMutatesParams(t *testing.T) {
	l := newHZMLP()
	rep := hzCheck(t, l.model(func() float64 {
		for i, w := range l.w {
			l.w[i] = math.Max(-0.3, math.Min(0.3, w)) // clip to the max-norm ball
		}
		return l.loss()
	}, func() { clear(l.dw); l.accumulate() }), nil)
	if h := hzHazard(rep, gradcheck.LossMutates); h == nil || !h.Fatal {
		t.Fatalf("a loss that clips its weights is not named:\n%s", rep)
	}
}

// TestGradientMutatesParams: an optimizer step taken inside the backward
// pass.
func TestGradientMutatesParams(t *testing.T) {
	l := newHZMLP()
	rep := hzCheck(t, l.model(l.loss, func() {
		clear(l.dw)
		l.accumulate()
		for i := range l.w {
			l.w[i] -= 0.1 * l.dw[i] // SGD step fused into backward
		}
	}), nil)
	if h := hzHazard(rep, gradcheck.GradientMutates); h == nil || !h.Fatal {
		t.Fatalf("a backward pass that steps the weights is not named:\n%s", rep)
	}
}

// TestGradientNotReentrant: a backward pass that accumulates without
// zeroing (the checker zeroes once; the model must zero every call).
func TestGradientNotReentrant(t *testing.T) {
	l := newHZMLP()
	rep := hzCheck(t, l.model(l.loss, l.accumulate), nil)
	h := hzHazard(rep, gradcheck.NotReentrant)
	if h == nil || !strings.Contains(h.Detail, "twice") {
		t.Fatalf("an accumulating gradient is not named as doubling:\n%s", rep)
	}
	if rep.OK() {
		t.Error("a report with a hazard is OK")
	}
}

// TestHiddenStateRunningStats: batch norm whose backward pass updates the
// running statistics that the (inference-mode) loss reads.
func TestHiddenStateRunningStats(t *testing.T) {
	l := newHZMLP()
	runMean := 0.0
	lossFn := func() float64 { return l.loss() - runMean }
	rep := hzCheck(t, l.model(lossFn, func() {
		clear(l.dw)
		l.accumulate()
		runMean = 0.9*runMean + 0.1*l.loss() // running statistic updated in backward
	}), nil)
	if h := hzHazard(rep, gradcheck.HiddenState); h == nil || !h.Fatal {
		t.Fatalf("running statistics updated by Gradient are not named:\n%s", rep)
	}
}

// TestDriftingLoss: a loss that updates a running average at every call
// drifts; the hazard says it looks like state rather than random draws.
func TestDriftingLoss(t *testing.T) {
	l := newHZMLP()
	avg := 0.0
	rep := hzCheck(t, l.model(func() float64 {
		avg = 0.5*avg + 0.5*l.loss() // an exponential moving average kept by Loss
		return avg
	}, func() { clear(l.dw); l.accumulate() }), nil)
	h := hzHazard(rep, gradcheck.Nondeterministic)
	if h == nil || !strings.Contains(h.Detail, "drift") {
		t.Fatalf("a drifting loss is not named as state:\n%s", rep)
	}
}

// rotatingRegression is a least-squares regression whose Gradient sums its
// samples from a different one at every call, as a parallel reduction
// does: a correct, stateless gradient whose last bits vary from call to
// call.
type rotatingRegression[T gradcheck.Float] struct {
	x, y, w, g []T
	n, d, call int
}

func newRotatingRegression[T gradcheck.Float](n, d int) *rotatingRegression[T] {
	r := rand.New(rand.NewPCG(5, 6))
	m := &rotatingRegression[T]{x: make([]T, n*d), y: make([]T, n), w: make([]T, d), g: make([]T, d), n: n, d: d}
	for i := range m.x {
		m.x[i] = T(r.NormFloat64())
	}
	for i := range m.y {
		m.y[i] = T(r.NormFloat64())
	}
	for i := range m.w {
		m.w[i] = T(r.NormFloat64())
	}
	return m
}

func (m *rotatingRegression[T]) residual(k int) T {
	var s T
	for j := range m.d {
		s += m.x[k*m.d+j] * m.w[j]
	}
	return s - m.y[k]
}

func (m *rotatingRegression[T]) model() *gradcheck.Model[T] {
	return &gradcheck.Model[T]{
		Blocks: []gradcheck.Block[T]{{Name: "w", Value: m.w, Grad: m.g}},
		Loss: func() float64 {
			var f T
			for k := range m.n {
				r := m.residual(k)
				f += r * r
			}
			return float64(f / T(m.n))
		},
		Gradient: func() {
			clear(m.g)
			m.call++
			for i := range m.n {
				k := (i + m.call) % m.n
				r := 2 * m.residual(k) / T(m.n)
				for j := range m.d {
					m.g[j] += r * m.x[k*m.d+j]
				}
			}
		},
	}
}

// TestGradientReductionOrder: a gradient whose two calls at the same
// parameters differ by a few ulps (its samples summed from a different one
// each time) neither keeps state nor accumulates: it was reported as
// NotReentrant ("it keeps state between calls"), and the report of a
// correct gradient was never OK. Differences below what the verdicts can
// see, Rtol times the entry and the gradient's scale, are no hazard; a
// gradient that adds into Grad, or drifts by more, still is.
func TestGradientReductionOrder(t *testing.T) {
	m64 := newRotatingRegression[float64](64, 6)
	rep, err := gradcheck.Check(m64.model(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Hazards) > 0 {
		t.Errorf("float64: a gradient summed in another order at each call:\n%s", rep)
	}
	m32 := newRotatingRegression[float32](64, 6)
	rep, err = gradcheck.Check(m32.model(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Hazards) > 0 {
		t.Errorf("float32: a gradient summed in another order at each call:\n%s", rep)
	}
	// Drifting by a relative 1e-6 at each call is state, and a gradient
	// that grows with the calls as an accumulating one does is the bug
	// the hazard names.
	for _, tc := range []struct {
		name  string
		after func(g []float64, call int)
	}{
		{"drifting", func(g []float64, call int) {
			for j := range g {
				g[j] *= 1 + 1e-6*float64(call)
			}
		}},
		// 1e-8 a call is 27 times Rtol (3.7e-10 in float64): a
		// tolerance much looser than the verdicts' would miss it.
		{"drifting slowly", func(g []float64, call int) {
			for j := range g {
				g[j] *= 1 + 1e-8*float64(call)
			}
		}},
		{"accumulating", func(g []float64, call int) {
			for j := range g {
				g[j] *= float64(call)
			}
		}},
	} {
		m := newRotatingRegression[float64](64, 6)
		mod := m.model()
		grad := mod.Gradient
		mod.Gradient = func() { grad(); tc.after(m.g, m.call) }
		rep, err := gradcheck.Check(mod, nil)
		if err != nil {
			t.Fatal(err)
		}
		if hzHazard(rep, gradcheck.NotReentrant) == nil {
			t.Errorf("%s gradient: no NotReentrant hazard:\n%s", tc.name, rep)
		}
	}
}

// TestJacobianReductionOrder: the same for a Jacobian, whose jac sums its
// samples from another one at each call: no NotReentrant hazard, and the
// check of the correct Jacobian passes.
func TestJacobianReductionOrder(t *testing.T) {
	m := newRotatingRegression[float64](64, 6)
	mod := m.model()
	f := func(dst, x []float64) {
		copy(m.w, x)
		dst[0] = mod.Loss()
	}
	jac := func(dst, x []float64) {
		copy(m.w, x)
		mod.Gradient()
		copy(dst, m.g)
	}
	rep, err := gradcheck.Jacobian(f, jac, 1, append([]float64(nil), m.w...), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Hazards) > 0 {
		t.Errorf("a Jacobian summed in another order at each call:\n%s", rep)
	}
}
