package gradcheck_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/demo"
)

// tmNet is a two-layer perceptron with a softmax cross-entropy data loss,
// an L2 penalty λ/2‖W‖² on both weight matrices and an auxiliary activity
// penalty μ/2‖h‖² on the hidden layer: three terms, each with its own
// hand-written backward pass, and a total backward that calls them.
type tmNet struct {
	n, d, h, c          int
	lambda, mu          float64
	w1, w2, dw1, dw2    []float64
	x                   []float64
	y                   []int
	hid                 []float64
	skipL2W1, doubleAux bool    // bugs in the total backward
	l2Factor            float64 // the L2 term's own backward multiplies by this (1 when right)
	lossWithoutAux      bool    // a bug in the total loss
}

func newTMNet() *tmNet {
	r := rand.New(rand.NewPCG(21, 21))
	t := &tmNet{n: 6, d: 4, h: 5, c: 3, lambda: 0.03, mu: 0.02, l2Factor: 1}
	t.w1, t.w2 = dxRand(r, t.d*t.h, 0.5), dxRand(r, t.h*t.c, 0.5)
	t.dw1, t.dw2 = make([]float64, t.d*t.h), make([]float64, t.h*t.c)
	t.x = dxRand(r, t.n*t.d, 1)
	t.y = make([]int, t.n)
	for i := range t.y {
		t.y[i] = r.IntN(t.c)
	}
	t.hid = make([]float64, t.n*t.h)
	return t
}

func (t *tmNet) forwardHidden() {
	for s := range t.n {
		for j := range t.h {
			z := 0.0
			for i := range t.d {
				z += t.x[s*t.d+i] * t.w1[i*t.h+j]
			}
			t.hid[s*t.h+j] = math.Tanh(z)
		}
	}
}

// data is the mean cross-entropy; with grad it adds its gradient.
func (t *tmNet) data(grad bool) float64 {
	t.forwardHidden()
	f := 0.0
	p := make([]float64, t.c)
	dh := make([]float64, t.h)
	for s := range t.n {
		for k := range t.c {
			z := 0.0
			for j := range t.h {
				z += t.hid[s*t.h+j] * t.w2[j*t.c+k]
			}
			p[k] = z
		}
		demo.Softmax(p)
		f -= math.Log(p[t.y[s]])
		if !grad {
			continue
		}
		clear(dh)
		for k := range t.c {
			g := p[k]
			if k == t.y[s] {
				g--
			}
			g /= float64(t.n)
			for j := range t.h {
				t.dw2[j*t.c+k] += t.hid[s*t.h+j] * g
				dh[j] += t.w2[j*t.c+k] * g
			}
		}
		for j := range t.h {
			hv := t.hid[s*t.h+j]
			dz := dh[j] * (1 - hv*hv)
			for i := range t.d {
				t.dw1[i*t.h+j] += t.x[s*t.d+i] * dz
			}
		}
	}
	return f / float64(t.n)
}

// l2 is λ/2(‖W1‖² + ‖W2‖²); skipW1 leaves out its gradient on W1.
func (t *tmNet) l2(grad, skipW1 bool) float64 {
	f := 0.0
	for _, w := range [][]float64{t.w1, t.w2} {
		for _, v := range w {
			f += t.lambda / 2 * v * v
		}
	}
	if grad {
		if !skipW1 {
			for i, v := range t.w1 {
				t.dw1[i] += t.l2Factor * t.lambda * v
			}
		}
		for i, v := range t.w2 {
			t.dw2[i] += t.l2Factor * t.lambda * v
		}
	}
	return f
}

// aux is μ/2·‖h‖² over the hidden activations, an activity penalty.
func (t *tmNet) aux(grad bool, times float64) float64 {
	t.forwardHidden()
	f := 0.0
	for s := range t.n {
		for j := range t.h {
			hv := t.hid[s*t.h+j]
			f += t.mu / 2 * hv * hv
			if grad {
				dz := times * t.mu * hv * (1 - hv*hv)
				for i := range t.d {
					t.dw1[i*t.h+j] += t.x[s*t.d+i] * dz
				}
			}
		}
	}
	return f
}

func (t *tmNet) zero() { clear(t.dw1); clear(t.dw2) }

func (t *tmNet) model() *gradcheck.Model[float64] {
	auxTimes := 1.0
	if t.doubleAux {
		auxTimes = 2
	}
	return &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{
			{Name: "W1", Shape: []int{t.d, t.h}, Value: t.w1, Grad: t.dw1},
			{Name: "W2", Shape: []int{t.h, t.c}, Value: t.w2, Grad: t.dw2},
		},
		Loss: func() float64 {
			f := t.data(false) + t.l2(false, false)
			if !t.lossWithoutAux {
				f += t.aux(false, 1)
			}
			return f
		},
		Gradient: func() {
			t.zero()
			t.data(true)
			t.l2(true, t.skipL2W1)
			t.aux(true, auxTimes)
		},
		Terms: []gradcheck.Term[float64]{
			{Name: "data", Loss: func() float64 { return t.data(false) }, Gradient: func() { t.zero(); t.data(true) }},
			{Name: "l2", Loss: func() float64 { return t.l2(false, false) }, Gradient: func() { t.zero(); t.l2(true, false) }},
			{Name: "aux", Loss: func() float64 { return t.aux(false, 1) }, Gradient: func() { t.zero(); t.aux(true, 1) }},
		},
	}
}

func tmCheck(t *testing.T, n *tmNet) *gradcheck.Report {
	t.Helper()
	rep, err := gradcheck.Check(n.model(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestTermsCorrect: a correct model with terms passes, with no hazard and
// no diagnosis, and every term is checked (the evaluations count them).
func TestTermsCorrect(t *testing.T) {
	rep := tmCheck(t, newTMNet())
	if !rep.OK() {
		t.Fatalf("a correct model with terms fails:\n%s", rep)
	}
	alone := *newTMNet().model()
	alone.Terms = nil
	bare, err := gradcheck.Check(&alone, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Evals < 3*bare.Evals {
		t.Errorf("%d loss evaluations with three terms, %d without: the terms were not all checked", rep.Evals, bare.Evals)
	}
	for _, b := range rep.Blocks {
		if b.Diagnoses != nil {
			t.Errorf("block %s has diagnoses: %+v", b.Name, b.Diagnoses)
		}
	}
}

// TestTermLeftOut: the total backward forgets the L2 gradient on W1, the
// most common gradient bug. Every term's own gradient is right; the
// diagnosis of W1 names the L2 term as left out, ahead of the generic
// weight-decay reading.
func TestTermLeftOut(t *testing.T) {
	n := newTMNet()
	n.skipL2W1 = true
	rep := tmCheck(t, n)
	if hzHazard(rep, gradcheck.TermWrong) != nil {
		t.Errorf("a right term is reported wrong:\n%s", rep)
	}
	if rep.Block("W2").Diagnoses != nil {
		t.Errorf("W2, which is right, has diagnoses")
	}
	ds := rep.Block("W1").Diagnoses
	if len(ds) == 0 {
		t.Fatalf("W1 has no diagnosis:\n%s", rep)
	}
	d := ds[0]
	if d.Pattern != gradcheck.PatternTerm || d.Factor != 0 || !strings.Contains(d.Summary, `leaves out the gradient of loss term "l2"`) {
		t.Errorf("top diagnosis %q (factor %v): %s; want the l2 term left out", d.Pattern, d.Factor, d.Summary)
	}
	var decay bool
	for _, d := range ds[1:] {
		decay = decay || (d.Pattern == gradcheck.PatternWeightDecay && math.Abs(d.Factor-n.lambda) < 1e-6)
	}
	if !decay {
		t.Errorf("the weight-decay reading with λ = %v is missing from %+v", n.lambda, ds)
	}
}

// TestTermCountedTwice: the total backward adds the auxiliary term's
// gradient twice.
func TestTermCountedTwice(t *testing.T) {
	n := newTMNet()
	n.doubleAux = true
	rep := tmCheck(t, n)
	d := rep.Block("W1").Diagnoses[0]
	if d.Pattern != gradcheck.PatternTerm || d.Factor != 2 || !strings.Contains(d.Summary, `"aux" twice`) {
		t.Errorf("top diagnosis %q (factor %v): %s; want aux counted twice", d.Pattern, d.Factor, d.Summary)
	}
}

// TestTermWrongItself: the L2 term's own backward is wrong (2λw, the
// derivative of λ‖w‖² for a loss of λ/2‖w‖²), and the total backward sums
// the terms: the term is named in a hazard and in the diagnosis of both
// blocks.
func TestTermWrongItself(t *testing.T) {
	n := newTMNet()
	n.l2Factor = 2
	rep := tmCheck(t, n)
	h := hzHazard(rep, gradcheck.TermWrong)
	if h == nil || !strings.Contains(h.Detail, `"l2"`) {
		t.Fatalf("the wrong l2 term is not named:\n%s", rep)
	}
	if strings.Contains(h.Detail, `"data"`) || strings.Contains(h.Detail, `"aux"`) {
		t.Errorf("a right term is blamed: %s", h.Detail)
	}
	for _, name := range []string{"W1", "W2"} {
		d := rep.Block(name).Diagnoses[0]
		if d.Pattern != gradcheck.PatternTerm || !strings.Contains(d.Summary, `term "l2" is wrong`) {
			t.Errorf("%s: top diagnosis %q: %s; want the l2 term wrong", name, d.Pattern, d.Summary)
		}
	}
}

// TestTermsDontSum: a Loss that leaves out a term is named.
func TestTermsDontSum(t *testing.T) {
	n := newTMNet()
	n.lossWithoutAux = true
	rep := tmCheck(t, n)
	if h := hzHazard(rep, gradcheck.TermsDontSum); h == nil {
		t.Fatalf("a Loss without its aux term is not named:\n%s", rep)
	}
	if rep.OK() {
		t.Error("the report is OK")
	}
}

// TestTermsValidation: caller mistakes in Terms are errors, before any
// evaluation.
func TestTermsValidation(t *testing.T) {
	f := func() float64 { return 0 }
	g := func() {}
	for _, c := range []struct {
		name  string
		terms []gradcheck.Term[float64]
		want  string
	}{
		{"unnamed", []gradcheck.Term[float64]{{Loss: f, Gradient: g}}, "no name"},
		{"no loss", []gradcheck.Term[float64]{{Name: "a", Gradient: g}}, "no Loss"},
		{"no gradient", []gradcheck.Term[float64]{{Name: "a", Loss: f}}, "no Gradient"},
		{"duplicate", []gradcheck.Term[float64]{{Name: "a", Loss: f, Gradient: g}, {Name: "a", Loss: f, Gradient: g}}, "both named"},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			m := newTMNet().model()
			loss := m.Loss
			m.Loss = func() float64 { calls++; return loss() }
			m.Terms = c.terms
			_, err := gradcheck.Check(m, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
			if calls > 0 {
				t.Errorf("Loss was called %d times before the mistake was reported", calls)
			}
		})
	}
}

// TestTermPanic: a panic in a term's Loss is a *PanicError naming the term.
func TestTermPanic(t *testing.T) {
	m := newTMNet().model()
	m.Terms[1].Loss = func() float64 { panic("boom") }
	_, err := gradcheck.Check(m, nil)
	var pe *gradcheck.PanicError
	if !asPanicTM(err, &pe) || !strings.Contains(pe.Func, "l2") {
		t.Errorf("error %v, want a PanicError naming term l2", err)
	}
}

func asPanicTM(err error, pe **gradcheck.PanicError) bool {
	p, ok := err.(*gradcheck.PanicError)
	if ok {
		*pe = p
	}
	return ok
}

// TestCheckTerms: each term's own report, for programs; the wrong term's
// blocks fail and the right ones pass.
func TestCheckTerms(t *testing.T) {
	n := newTMNet()
	n.l2Factor = 2
	reps, err := gradcheck.CheckTerms(context.Background(), n.model(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 3 {
		t.Fatalf("%d term reports, want 3", len(reps))
	}
	for _, r := range reps {
		if got, want := r.OK(), r.Name != "l2"; got != want {
			t.Errorf("term %s: OK = %v, want %v:\n%s", r.Name, got, want, r.Report)
		}
	}
	d := reps[1].Block("W1").Diagnoses[0]
	if d.Pattern != gradcheck.PatternScale || math.Abs(d.Factor-2) > 1e-6 {
		t.Errorf("the l2 term's W1 diagnosis %q factor %v, want scale 2", d.Pattern, d.Factor)
	}
}

// tmExample is a least-squares fit with an L2 penalty, given as two terms.
// Its Gradient forgets the penalty.
func tmExample() *gradcheck.Model[float64] {
	w := []float64{0.5, -1.5, 2, 0.25}
	dw := make([]float64, len(w))
	target := []float64{1, 0, 1, 0}
	const lambda = 0.1
	data := func() float64 {
		f := 0.0
		for i := range w {
			f += (w[i] - target[i]) * (w[i] - target[i]) / 2
		}
		return f
	}
	l2 := func() float64 {
		f := 0.0
		for _, v := range w {
			f += lambda / 2 * v * v
		}
		return f
	}
	dataGrad := func() {
		for i := range w {
			dw[i] = w[i] - target[i]
		}
	}
	l2Grad := func() {
		for i := range w {
			dw[i] = lambda * w[i]
		}
	}
	return &gradcheck.Model[float64]{
		Blocks:   []gradcheck.Block[float64]{{Name: "w", Value: w, Grad: dw}},
		Loss:     func() float64 { return data() + l2() },
		Gradient: dataGrad, // the bug: the penalty's gradient is left out
		Terms: []gradcheck.Term[float64]{
			{Name: "data", Loss: data, Gradient: dataGrad},
			{Name: "l2", Loss: l2, Gradient: l2Grad},
		},
	}
}

func ExampleTerm() {
	rep, err := gradcheck.Check(tmExample(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.OK())
	fmt.Println(rep.Blocks[0].Diagnoses[0].Summary)
	// Output:
	// false
	// the model's Gradient leaves out the gradient of loss term "l2", which its Loss includes
}

func ExampleCheckTerms() {
	reps, err := gradcheck.CheckTerms(context.Background(), tmExample(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range reps {
		fmt.Println(r.Name, r.OK())
	}
	// Output:
	// data true
	// l2 true
}

// TestTermsShardsRefused: a sharded check of a model with terms is refused
// before any evaluation. Each shard would check the terms on its own
// entries only, so the shards' term hazards and evaluation counts differ
// and Merge refuses them after every shard has run. Sharded with Terms
// nil, and each term sharded through CheckTerms, the reports merge into
// the unsharded ones.
func TestTermsShardsRefused(t *testing.T) {
	for _, n := range []int{2, 3} {
		calls := 0
		m := newTMNet().model()
		loss := m.Loss
		m.Loss = func() float64 { calls++; return loss() }
		_, err := gradcheck.Check(m, &gradcheck.Options{Shard: 1, Shards: n})
		if err == nil || !strings.Contains(err.Error(), "Terms") || !strings.Contains(err.Error(), "CheckTerms") {
			t.Errorf("shard 1 of %d of a model with terms: error %v, want one naming Terms and CheckTerms", n, err)
		}
		if calls > 0 {
			t.Errorf("shard 1 of %d: Loss was called %d times before the check was refused", n, calls)
		}
	}

	whole := newTMNet().model()
	whole.Terms = nil
	want, err := gradcheck.Check(whole, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantTerms, err := gradcheck.CheckTerms(context.Background(), newTMNet().model(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	var parts []*gradcheck.Report
	termParts := make([][]*gradcheck.Report, len(wantTerms))
	for i := range n {
		o := &gradcheck.Options{Shard: i, Shards: n}
		m := newTMNet().model()
		m.Terms = nil
		r, err := gradcheck.Check(m, o)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, r)
		trs, err := gradcheck.CheckTerms(context.Background(), newTMNet().model(), o)
		if err != nil {
			t.Fatal(err)
		}
		for k, tr := range trs {
			termParts[k] = append(termParts[k], tr.Report)
		}
	}
	got, err := gradcheck.Merge(parts...)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("merged shards of the model without terms:\n%s\nunsharded:\n%s", got, want)
	}
	for k, tr := range wantTerms {
		got, err := gradcheck.Merge(termParts[k]...)
		if err != nil {
			t.Fatalf("term %s: %v", tr.Name, err)
		}
		if got.String() != tr.String() {
			t.Errorf("term %s: merged shards:\n%s\nunsharded:\n%s", tr.Name, got, tr.Report)
		}
	}
}

// TestTermErrorNamesTermOnce: the error of one term's check names the term
// once, with one "gradcheck:" (it read "gradcheck: term "l2": gradcheck:
// …"), and still wraps the error itself.
func TestTermErrorNamesTermOnce(t *testing.T) {
	m := newTMNet().model()
	m.Terms[1].Loss = func() float64 { return math.NaN() }
	_, err := gradcheck.Check(m, nil)
	if err == nil || strings.Count(err.Error(), "gradcheck:") != 1 || !strings.HasPrefix(err.Error(), `gradcheck: term "l2": `) {
		t.Errorf("Check: error %q, want one %q and the term named first", err, "gradcheck:")
	}
	_, err = gradcheck.CheckTerms(context.Background(), m, nil)
	if err == nil || strings.Count(err.Error(), "gradcheck:") != 1 || !strings.HasPrefix(err.Error(), `gradcheck: term "l2": `) {
		t.Errorf("CheckTerms: error %q, want one %q and the term named first", err, "gradcheck:")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = gradcheck.CheckTerms(ctx, newTMNet().model(), nil)
	if !errors.Is(err, context.Canceled) || strings.Count(err.Error(), "gradcheck:") != 1 {
		t.Errorf("CheckTerms with a cancelled context: error %q, want context.Canceled, one %q", err, "gradcheck:")
	}
}
