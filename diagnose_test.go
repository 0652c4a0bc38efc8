package gradcheck_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/demo"
	"pgregory.net/rapid"
)

// Layers with hand-written backward passes, correct and with the bugs people
// write, checked end to end: the diagnosis comes from the checker's own
// verdicts, not from a corrupted copy of a right gradient.

// dxRand fills a slice with seeded normal values times s.
func dxRand(r *rand.Rand, n int, s float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = s * r.NormFloat64()
	}
	return v
}

// dxLayer is a model with one parameter block W and a loss computed from
// fixed data; the bug switch selects the backward pass.
type dxLayer struct {
	name    string
	shape   []int
	w, dw   []float64
	loss    func() float64
	grad    func(bug bool)
	bug     bool
	pattern gradcheck.Pattern // the diagnosis the planted bug should get
	check   func(t *testing.T, d gradcheck.Diagnosis)
}

func (l *dxLayer) model() *gradcheck.Model[float64] {
	return &gradcheck.Model[float64]{
		Blocks:   []gradcheck.Block[float64]{{Name: "W", Shape: l.shape, Value: l.w, Grad: l.dw}},
		Loss:     l.loss,
		Gradient: func() { clear(l.dw); l.grad(l.bug) },
	}
}

// dxDense: y = W·x for a batch, W stored [out, in]; the loss is the mean
// over the batch of ½‖y − t‖². Bugs: the gradient written in [in, out]
// layout (a transpose), and the mean's 1/N forgotten (scale N).
func dxDense(seed uint64, out, in, batch int, bug string) *dxLayer {
	r := rand.New(rand.NewPCG(seed, 1))
	x, tgt := dxRand(r, batch*in, 1), dxRand(r, batch*out, 1)
	l := &dxLayer{name: "dense " + bug, shape: []int{out, in}, w: dxRand(r, out*in, 0.5), dw: make([]float64, out*in)}
	y := make([]float64, out)
	forward := func(s int) {
		for o := range out {
			y[o] = 0
			for i := range in {
				y[o] += l.w[o*in+i] * x[s*in+i]
			}
		}
	}
	l.loss = func() float64 {
		f := 0.0
		for s := range batch {
			forward(s)
			for o := range out {
				d := y[o] - tgt[s*out+o]
				f += d * d / 2
			}
		}
		return f / float64(batch)
	}
	l.grad = func(b bool) {
		for s := range batch {
			forward(s)
			for o := range out {
				dy := y[o] - tgt[s*out+o]
				if !(b && bug == "sum") {
					dy /= float64(batch)
				}
				for i := range in {
					if b && bug == "transpose" {
						l.dw[i*out+o] += dy * x[s*in+i]
					} else {
						l.dw[o*in+i] += dy * x[s*in+i]
					}
				}
			}
		}
	}
	return l
}

// dxSoftmax: p = softmax(W·x) per sample, loss Σ g·p with fixed upstream
// weights g. The bug drops the cross term of the softmax Jacobian:
// dz = p ⊙ g instead of p ⊙ (g − ⟨g, p⟩).
func dxSoftmax(seed uint64, classes, in, batch int) *dxLayer {
	r := rand.New(rand.NewPCG(seed, 2))
	x, g := dxRand(r, batch*in, 1), dxRand(r, batch*classes, 1)
	l := &dxLayer{name: "softmax without the cross term", shape: []int{classes, in}, w: dxRand(r, classes*in, 0.5), dw: make([]float64, classes*in)}
	p := make([]float64, classes)
	forward := func(s int) {
		for k := range classes {
			z := 0.0
			for i := range in {
				z += l.w[k*in+i] * x[s*in+i]
			}
			p[k] = z
		}
		demo.Softmax(p)
	}
	l.loss = func() float64 {
		f := 0.0
		for s := range batch {
			forward(s)
			for k := range classes {
				f += g[s*classes+k] * p[k]
			}
		}
		return f
	}
	l.grad = func(b bool) {
		for s := range batch {
			forward(s)
			gp := 0.0
			for k := range classes {
				gp += g[s*classes+k] * p[k]
			}
			for k := range classes {
				dz := p[k] * (g[s*classes+k] - gp)
				if b {
					dz = p[k] * g[s*classes+k]
				}
				for i := range in {
					l.dw[k*in+i] += dz * x[s*in+i]
				}
			}
		}
	}
	return l
}

// dxBatchNorm: h = W·x per sample, batch-normalised per feature over the
// batch, loss Σ g·ĥ. The bug is the backward pass without the mean terms:
// dh = dĥ/σ instead of (dĥ − mean(dĥ) − ĥ·mean(dĥ·ĥ))/σ.
func dxBatchNorm(seed uint64, feat, in, batch int) *dxLayer {
	r := rand.New(rand.NewPCG(seed, 3))
	x, g := dxRand(r, batch*in, 1), dxRand(r, batch*feat, 1)
	l := &dxLayer{name: "batch norm without the mean terms", shape: []int{feat, in}, w: dxRand(r, feat*in, 0.5), dw: make([]float64, feat*in)}
	const eps = 1e-5
	h, hat := make([]float64, batch), make([]float64, batch)
	norm := func(f int) (sigma float64) {
		mu := 0.0
		for s := range batch {
			h[s] = 0
			for i := range in {
				h[s] += l.w[f*in+i] * x[s*in+i]
			}
			mu += h[s]
		}
		mu /= float64(batch)
		v := 0.0
		for s := range batch {
			v += (h[s] - mu) * (h[s] - mu)
		}
		sigma = math.Sqrt(v/float64(batch) + eps)
		for s := range batch {
			hat[s] = (h[s] - mu) / sigma
		}
		return sigma
	}
	l.loss = func() float64 {
		f := 0.0
		for k := range feat {
			norm(k)
			for s := range batch {
				f += g[s*feat+k] * hat[s]
			}
		}
		return f
	}
	l.grad = func(b bool) {
		for k := range feat {
			sigma := norm(k)
			var mg, mgh float64
			for s := range batch {
				mg += g[s*feat+k]
				mgh += g[s*feat+k] * hat[s]
			}
			mg /= float64(batch)
			mgh /= float64(batch)
			for s := range batch {
				dh := (g[s*feat+k] - mg - hat[s]*mgh) / sigma
				if b {
					dh = g[s*feat+k] / sigma
				}
				for i := range in {
					l.dw[k*in+i] += dh * x[s*in+i]
				}
			}
		}
	}
	return l
}

// dxConv: a valid 1-D correlation y[t] = Σ_j K[c,j]·x[c,t+j] over channels
// c, loss Σ g·y. The bug reads the input one step late in the backward
// pass, dK[c,j] = Σ g[t]·x[c,t+j+1]: an off-by-one that shifts the kernel
// gradient along its tap axis.
func dxConv(seed uint64, channels, taps, steps int) *dxLayer {
	r := rand.New(rand.NewPCG(seed, 4))
	// One sample more than the valid correlation needs, so that the buggy
	// index stays in bounds, as it does in real code with padding.
	x, g := dxRand(r, channels*(steps+taps), 1), dxRand(r, steps, 1)
	l := &dxLayer{name: "conv1d off by one", shape: []int{channels, taps}, w: dxRand(r, channels*taps, 0.5), dw: make([]float64, channels*taps)}
	xs := steps + taps
	l.loss = func() float64 {
		f := 0.0
		for t := range steps {
			y := 0.0
			for c := range channels {
				for j := range taps {
					y += l.w[c*taps+j] * x[c*xs+t+j]
				}
			}
			f += g[t] * math.Tanh(y)
		}
		return f
	}
	l.grad = func(b bool) {
		for t := range steps {
			y := 0.0
			for c := range channels {
				for j := range taps {
					y += l.w[c*taps+j] * x[c*xs+t+j]
				}
			}
			th := math.Tanh(y)
			dy := g[t] * (1 - th*th)
			for c := range channels {
				for j := range taps {
					off := 0
					if b {
						off = 1
					}
					l.dw[c*taps+j] += dy * x[c*xs+t+j+off]
				}
			}
		}
	}
	return l
}

// dxPositional: a learned positional embedding P[t,:] added to token
// vectors, loss Σ_t ⟨g_t, tanh(e_t + P_t)⟩. The bug stops the backward loop
// one position early, so that the last position gets no gradient, or with
// first starts it one late.
func dxPositional(seed uint64, steps, dim int, first bool) *dxLayer {
	r := rand.New(rand.NewPCG(seed, 5))
	e, g := dxRand(r, steps*dim, 1), dxRand(r, steps*dim, 1)
	l := &dxLayer{name: "positional loop bound", shape: []int{steps, dim}, w: dxRand(r, steps*dim, 0.5), dw: make([]float64, steps*dim)}
	l.loss = func() float64 {
		f := 0.0
		for i := range l.w {
			f += g[i] * math.Tanh(e[i]+l.w[i])
		}
		return f
	}
	l.grad = func(b bool) {
		from, last := 0, steps
		switch {
		case b && first:
			from = 1 // the loop starts after a <bos> position that has none
		case b:
			last = steps - 1
		}
		for t := from; t < last; t++ {
			for d := range dim {
				i := t*dim + d
				th := math.Tanh(e[i] + l.w[i])
				l.dw[i] = g[i] * (1 - th*th)
			}
		}
	}
	return l
}

// dxEmbedding: rows of a table E gathered by token ids, loss
// Σ_s ⟨g_s, tanh(E[id_s])⟩. The bug assigns instead of accumulating, so a
// row whose id repeats keeps only its last occurrence's gradient.
func dxEmbedding(seed uint64, vocab, dim int, ids []int) *dxLayer {
	r := rand.New(rand.NewPCG(seed, 6))
	g := dxRand(r, len(ids)*dim, 1)
	l := &dxLayer{name: "embedding assign", shape: []int{vocab, dim}, w: dxRand(r, vocab*dim, 0.5), dw: make([]float64, vocab*dim)}
	l.loss = func() float64 {
		f := 0.0
		for s, id := range ids {
			for d := range dim {
				f += g[s*dim+d] * math.Tanh(l.w[id*dim+d])
			}
		}
		return f
	}
	l.grad = func(b bool) {
		for s, id := range ids {
			for d := range dim {
				th := math.Tanh(l.w[id*dim+d])
				v := g[s*dim+d] * (1 - th*th)
				if b {
					l.dw[id*dim+d] = v
				} else {
					l.dw[id*dim+d] += v
				}
			}
		}
	}
	return l
}

// dxRegression: a linear model with loss mean ½(w·x − y)² plus an L2
// penalty λ/2‖w‖², stored [out, in]. Bugs: the penalty's gradient left out
// ("decay"), the residual written y − ŷ ("sign"), the loss without its ½
// ("half": the gradient is then half the true one), the gradient never
// written ("zero"), and attention-style scores q·k/√d whose backward drops
// the 1/√d ("sqrtd").
func dxRegression(seed uint64, out, in, batch int, lambda float64, bug string) *dxLayer {
	r := rand.New(rand.NewPCG(seed, 7))
	x, tgt := dxRand(r, batch*in, 1), dxRand(r, batch*out, 1)
	l := &dxLayer{name: "regression " + bug, shape: []int{out, in}, w: dxRand(r, out*in, 0.5), dw: make([]float64, out*in)}
	scale := 1.0
	if bug == "sqrtd" {
		scale = 1 / math.Sqrt(float64(in))
	}
	pred := func(s, o int) float64 {
		z := 0.0
		for i := range in {
			z += l.w[o*in+i] * x[s*in+i]
		}
		return scale * z
	}
	l.loss = func() float64 {
		half := 0.5
		if l.bug && bug == "half" {
			half = 1 // the loss is Σ d², the gradient is written for ½Σ d²
		}
		f := 0.0
		for s := range batch {
			for o := range out {
				d := pred(s, o) - tgt[s*out+o]
				f += half * d * d
			}
		}
		f /= float64(batch)
		for _, w := range l.w {
			f += lambda / 2 * w * w
		}
		return f
	}
	l.grad = func(b bool) {
		if b && bug == "zero" {
			return
		}
		for s := range batch {
			for o := range out {
				d := pred(s, o) - tgt[s*out+o]
				if b && bug == "sign" {
					d = -d
				}
				d /= float64(batch)
				sc := scale
				if b && bug == "sqrtd" {
					sc = 1
				}
				for i := range in {
					l.dw[o*in+i] += sc * d * x[s*in+i]
				}
			}
		}
		if !(b && bug == "decay") {
			for i, w := range l.w {
				l.dw[i] += lambda * w
			}
		}
		if b && bug == "decay twice" { // the optimizer's weight decay added to the gradient as well
			for i, w := range l.w {
				l.dw[i] += lambda * w
			}
		}
	}
	return l
}

// dxCases are the planted bugs with the diagnosis each should get. The
// sizes are those of small real layers; each check takes milliseconds.
func dxCases() []*dxLayer {
	near := func(want float64) func(*testing.T, gradcheck.Diagnosis) {
		return func(t *testing.T, d gradcheck.Diagnosis) {
			t.Helper()
			if math.Abs(d.Factor-want) > 1e-6*math.Abs(want) {
				t.Errorf("factor %.10g, want %.10g", d.Factor, want)
			}
		}
	}
	cases := []*dxLayer{
		dxDense(1, 3, 5, 8, "transpose"),
		dxDense(2, 4, 4, 6, "transpose"),
		dxDense(3, 3, 5, 8, "sum"),
		dxRegression(4, 2, 6, 10, 0.05, "decay"),
		dxRegression(5, 2, 6, 10, 0.01, "sign"),
		dxRegression(6, 2, 6, 10, 0, "half"),
		dxRegression(7, 2, 6, 10, 0.01, "zero"),
		dxRegression(8, 2, 16, 10, 0, "sqrtd"),
		dxRegression(16, 2, 10, 10, 0, "sqrtd"),
		dxConv(9, 2, 5, 12),
		dxPositional(10, 6, 4, false),
		dxPositional(19, 7, 3, true),
		dxRegression(20, 3, 5, 10, 0.02, "decay twice"),
		dxEmbedding(11, 50, 4, []int{3, 17, 3, 42, 8, 29}),
	}
	want := []struct {
		p     gradcheck.Pattern
		check func(*testing.T, gradcheck.Diagnosis)
	}{
		{gradcheck.PatternTranspose, nil},
		{gradcheck.PatternTranspose, nil},
		{gradcheck.PatternScale, near(8)},
		{gradcheck.PatternWeightDecay, near(0.05)},
		{gradcheck.PatternSign, nil},
		{gradcheck.PatternScale, near(0.5)},
		{gradcheck.PatternZero, nil},
		{gradcheck.PatternScale, func(t *testing.T, d gradcheck.Diagnosis) {
			near(4)(t, d)
			if !strings.Contains(d.Summary, "√16") {
				t.Errorf("the summary does not name √16 for d = 16: %s", d.Summary)
			}
		}},
		{gradcheck.PatternScale, func(t *testing.T, d gradcheck.Diagnosis) {
			near(math.Sqrt(10))(t, d)
			if !strings.Contains(d.Summary, "√10") {
				t.Errorf("the summary does not name √10: %s", d.Summary)
			}
		}},
		{gradcheck.PatternShift, func(t *testing.T, d gradcheck.Diagnosis) {
			if d.Axis != 1 {
				t.Errorf("shift on axis %d, want the tap axis 1", d.Axis)
			}
		}},
		{gradcheck.PatternEdge, func(t *testing.T, d gradcheck.Diagnosis) {
			if d.Axis != 0 || !strings.Contains(d.Summary, "last index") {
				t.Errorf("edge on axis %d (%s), want the last index along axis 0", d.Axis, d.Summary)
			}
		}},
		{gradcheck.PatternEdge, func(t *testing.T, d gradcheck.Diagnosis) {
			if d.Axis != 0 || !strings.Contains(d.Summary, "first index") || !slices.Equal(d.Entries, []int{0, 1, 2}) {
				t.Errorf("edge on axis %d, entries %v (%s), want the first index along axis 0", d.Axis, d.Entries, d.Summary)
			}
		}},
		{gradcheck.PatternWeightDecay, near(-0.02)},
		{gradcheck.PatternFew, func(t *testing.T, d gradcheck.Diagnosis) {
			// Row 3 of the table, the repeated id: flat 12..15.
			if !slices.Equal(d.Entries, []int{12, 13, 14, 15}) {
				t.Errorf("entries %v, want row 3: [12 13 14 15]", d.Entries)
			}
		}},
	}
	for k := range cases {
		cases[k].pattern, cases[k].check = want[k].p, want[k].check
	}
	return cases
}

func TestDiagnosisOfPlantedBugs(t *testing.T) {
	for _, l := range dxCases() {
		t.Run(l.name, func(t *testing.T) {
			l.bug = true
			rep, err := gradcheck.Check(l.model(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatalf("the planted bug was not found:\n%s", rep)
			}
			ds := rep.Blocks[0].Diagnoses
			if len(ds) == 0 {
				t.Fatalf("a failing block has no diagnosis:\n%s", rep)
			}
			d := ds[0]
			if d.Pattern != l.pattern {
				t.Fatalf("top diagnosis %q (%s), want %q; report:\n%s", d.Pattern, d.Summary, l.pattern, rep)
			}
			if d.Fit < 0.9 || float64(d.Explained) < 0.9*float64(d.Of) {
				t.Errorf("weak evidence: fit %.3f, explains %d of %d", d.Fit, d.Explained, d.Of)
			}
			if l.check != nil {
				l.check(t, d)
			}
			t.Logf("%s [fit %.4f, %d of %d]", d.Summary, d.Fit, d.Explained, d.Of)
		})
	}
}

// TestNoDiagnosisOnCorrectLayers: the same layers with their correct
// backward passes pass and carry no diagnosis.
func TestNoDiagnosisOnCorrectLayers(t *testing.T) {
	layers := append(dxCases(), dxSoftmax(12, 4, 5, 6), dxBatchNorm(13, 3, 4, 8))
	for _, l := range layers {
		t.Run(l.name, func(t *testing.T) {
			l.bug = false
			rep, err := gradcheck.Check(l.model(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Fatalf("a correct layer fails:\n%s", rep)
			}
			for _, b := range rep.Blocks {
				if b.Diagnoses != nil {
					t.Errorf("block %s of a correct layer has diagnoses %+v", b.Name, b.Diagnoses)
				}
			}
		})
	}
}

// TestNoConfidentPatternForUncataloguedBugs: softmax without its cross term
// and batch norm without its mean terms are real bugs whose error is none of
// the catalogued patterns. They must fail, and not be given a confident
// wrong pattern.
func TestNoConfidentPatternForUncataloguedBugs(t *testing.T) {
	for _, l := range []*dxLayer{dxSoftmax(12, 4, 5, 6), dxBatchNorm(13, 3, 4, 8), dxSoftmax(14, 6, 3, 10), dxBatchNorm(15, 5, 3, 16)} {
		t.Run(l.name, func(t *testing.T) {
			l.bug = true
			rep, err := gradcheck.Check(l.model(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatalf("the planted bug was not found:\n%s", rep)
			}
			d := rep.Blocks[0].Diagnoses[0]
			if d.Pattern != gradcheck.PatternNone {
				t.Errorf("got a confident %q (%s, fit %.3f, %d of %d) for an uncatalogued bug", d.Pattern, d.Summary, d.Fit, d.Explained, d.Of)
			}
		})
	}
}

// TestDemoDiagnosis: the demo's planted bug, a missing L2 gradient on W1
// with λ = 0.05, is diagnosed as weight decay with that coefficient.
func TestDemoDiagnosis(t *testing.T) {
	rep, err := gradcheck.Check(demo.New(true).Model(), nil)
	if err != nil {
		t.Fatal(err)
	}
	b := rep.Block("W1")
	if b == nil || len(b.Diagnoses) == 0 {
		t.Fatalf("no diagnosis for W1:\n%s", rep)
	}
	d := b.Diagnoses[0]
	if d.Pattern != gradcheck.PatternWeightDecay || math.Abs(d.Factor-0.05) > 1e-6 {
		t.Errorf("diagnosis %q with factor %v, want weight-decay 0.05: %s", d.Pattern, d.Factor, d.Summary)
	}
	if !strings.Contains(rep.String(), "diagnosis: ") {
		t.Errorf("the text report does not print the diagnosis:\n%s", rep)
	}
	for _, name := range []string{"b1", "W2", "b2"} {
		if ds := rep.Block(name).Diagnoses; ds != nil {
			t.Errorf("passing block %s has diagnoses %+v", name, ds)
		}
	}
}

// TestDiagnosisOfASample: with Options.Sample the diagnosis works on the
// sampled entries only. A scale is found from any sample; a transpose
// needs both entries of enough pairs, and without them the answer is
// transpose or nothing, never another pattern.
func TestDiagnosisOfASample(t *testing.T) {
	l := dxDense(17, 24, 16, 10, "sum")
	l.bug = true
	rep, err := gradcheck.Check(l.model(), &gradcheck.Options{Sample: 60, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Sampled || rep.Checked() >= 24*16 {
		t.Fatalf("not a sample: %d entries checked", rep.Checked())
	}
	d := rep.Blocks[0].Diagnoses[0]
	if d.Pattern != gradcheck.PatternScale || math.Abs(d.Factor-10) > 1e-6 {
		t.Errorf("sampled 1/N bug: top diagnosis %q factor %v (%s), want scale 10", d.Pattern, d.Factor, d.Summary)
	}
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		l := dxDense(18, 12, 10, 6, "transpose")
		l.bug = true
		rep, err := gradcheck.Check(l.model(), &gradcheck.Options{Sample: 40, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		d := rep.Blocks[0].Diagnoses[0]
		if d.Pattern != gradcheck.PatternTranspose && d.Pattern != gradcheck.PatternNone {
			t.Errorf("seed %d: a sampled transpose was diagnosed %q: %s", seed, d.Pattern, d.Summary)
		}
		t.Logf("seed %d: %s", seed, d.Summary)
	}
}

// TestPropertyDenseLayerDiagnosis: over random layer sizes, a dense layer
// whose dW is written in [in, out] layout is diagnosed as a transpose, and
// one whose mean loss has a summed gradient as a scale by the batch size.
func TestPropertyDenseLayerDiagnosis(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		out := rapid.IntRange(2, 7).Draw(rt, "out")
		in := rapid.IntRange(2, 7).Draw(rt, "in")
		batch := rapid.IntRange(2, 9).Draw(rt, "batch")
		seed := rapid.Uint64().Draw(rt, "seed")
		bug := rapid.SampledFrom([]string{"transpose", "sum"}).Draw(rt, "bug")
		l := dxDense(seed, out, in, batch, bug)
		l.bug = true
		rep, err := gradcheck.Check(l.model(), nil)
		if err != nil {
			rt.Fatal(err)
		}
		ds := rep.Blocks[0].Diagnoses
		if len(ds) == 0 {
			rt.Fatalf("no diagnosis:\n%s", rep)
		}
		want := gradcheck.PatternTranspose
		if bug == "sum" {
			want = gradcheck.PatternScale
			if math.Abs(ds[0].Factor-float64(batch)) > 1e-6*float64(batch) {
				rt.Fatalf("scale %v, want the batch size %d", ds[0].Factor, batch)
			}
		}
		if ds[0].Pattern != want {
			rt.Fatalf("%s bug in a %dx%d layer diagnosed %q: %s", bug, out, in, ds[0].Pattern, ds[0].Summary)
		}
	})
}

// TestDiagnosisOfALossThatDoesNotMove: a Loss that does not read the
// parameters as the check perturbs them in place returns the same value at
// every step, and its numeric gradient is zero at every entry (to the bit,
// or within its estimated error) while the (correct) analytic one is not. The diagnosis must send the user
// to the Loss, not to the gradient: a forward cache that Gradient fills and
// only an optimizer step would invalidate; a loss memoized by the
// parameters' address rather than their values; and, a real gradient bug
// of the same shape, a loss that does not depend on the block at all.
func TestDiagnosisOfALossThatDoesNotMove(t *testing.T) {
	for _, c := range []struct {
		name string
		loss func(l *dxLayer) func() float64
		grad func(l *dxLayer) func() // nil: the layer's own Gradient
	}{
		{"forward cache filled by Gradient", nil, nil},
		{"loss memoized by address", func(l *dxLayer) func() float64 {
			memo := map[*float64]float64{}
			return func() float64 {
				if f, ok := memo[&l.w[0]]; ok {
					return f
				}
				f := l.loss()
				memo[&l.w[0]] = f
				return f
			}
		}, nil},
		{"loss independent of the block", func(*dxLayer) func() float64 {
			return func() float64 { return 0.75 }
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := dxDense(21, 3, 4, 5, "")
			m := l.model()
			if c.loss != nil {
				m.Loss = c.loss(l)
			} else {
				valid, cached := false, 0.0
				m.Loss = func() float64 {
					if valid {
						return cached
					}
					return l.loss()
				}
				gradient := m.Gradient
				m.Gradient = func() {
					gradient()
					cached, valid = l.loss(), true // the forward pass, kept for the next Loss
				}
			}
			rep, err := gradcheck.Check(m, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatalf("a loss that does not move passed:\n%s", rep)
			}
			for _, e := range rep.Blocks[0].Entries {
				// The cache is refilled when the check calls Gradient at a
				// perturbed point, so its estimates are a few ulps of the
				// loss over the step rather than zeros.
				if e.Verdict == gradcheck.Mismatch && math.Abs(e.Numeric) > e.ErrEst {
					t.Fatalf("entry %d: numeric %v beyond its error %v, want zero (the test's premise):\n%s", e.Index, e.Numeric, e.ErrEst, rep)
				}
			}
			ds := rep.Blocks[0].Diagnoses
			if len(ds) == 0 || ds[0].Pattern != gradcheck.PatternLossUnmoved {
				t.Fatalf("top diagnosis %+v, want %q:\n%s", ds, gradcheck.PatternLossUnmoved, rep)
			}
			if !strings.Contains(ds[0].Summary, "cache") || !strings.Contains(ds[0].Summary, "does not depend") {
				t.Errorf("the summary names neither a cache nor a loss that does not depend on the block: %s", ds[0].Summary)
			}
			t.Logf("%s [fit %.3f, %d of %d]", ds[0].Summary, ds[0].Fit, ds[0].Explained, ds[0].Of)
		})
	}
}
