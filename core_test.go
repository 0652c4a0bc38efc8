package gradcheck_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/demo"
)

func sumSin(x []float64) float64 {
	s := 0.0
	for i, v := range x {
		s += math.Sin(v) * float64(i+1)
	}
	return s
}

func sumSinGrad(dst, x []float64) {
	for i, v := range x {
		dst[i] = math.Cos(v) * float64(i+1)
	}
}

func failingNames(rep *gradcheck.Report) []string {
	var out []string
	for i := range rep.Blocks {
		b := &rep.Blocks[i]
		for _, e := range b.Failures() {
			out = append(out, b.EntryName(e.Index))
		}
	}
	return out
}

func TestDemoNetwork(t *testing.T) {
	rep, err := gradcheck.Check(demo.New(false).Model(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("correct demo network flagged:\n%s", rep)
	}
	// The planted bug drops λ·W1 from W1's gradient: every entry of W1 is
	// wrong (λ·w ≠ 0) and nothing else is.
	rep, err = gradcheck.Check(demo.New(true).Model(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := failingNames(rep)
	if len(got) != demo.D*demo.H {
		t.Errorf("planted bug: %d failing entries, want all %d of W1:\n%s", len(got), demo.D*demo.H, rep)
	}
	for _, name := range got {
		if !strings.HasPrefix(name, "W1[") {
			t.Errorf("planted bug: %s flagged, but only W1 is wrong", name)
		}
	}
}

// TestNamedEntries plants errors at chosen entries of a 2-D block and
// requires exactly those to be named, with their coordinates.
func TestNamedEntries(t *testing.T) {
	const rows, cols = 5, 7
	w := make([]float64, rows*cols)
	for i := range w {
		w[i] = 0.1 * float64(i%11-5)
	}
	g := make([]float64, len(w))
	wrong := map[int]float64{0: 1e-3, 3*cols + 2: -1e-5, rows*cols - 1: 1e-6}
	m := &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "W", Shape: []int{rows, cols}, Value: w, Grad: g}},
		Loss:   func() float64 { return sumSin(w) },
		Gradient: func() {
			sumSinGrad(g, w)
			for i, d := range wrong {
				g[i] += d * math.Max(math.Abs(g[i]), 1)
			}
		},
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"W[0,0]", "W[3,2]", "W[4,6]"}
	if got := failingNames(rep); !slices.Equal(got, want) {
		t.Errorf("failing entries %v, want %v\n%s", got, want, rep)
	}
	for _, name := range want {
		if !strings.Contains(rep.String(), name) {
			t.Errorf("text report does not name %s:\n%s", name, rep)
		}
	}
}

// TestNoFalseAlarms covers correct code that a careful person would call
// correct and that naive checkers flag.
func TestNoFalseAlarms(t *testing.T) {
	cases := []struct {
		name   string
		f      func([]float64) float64
		grad   func(dst, x []float64)
		x      []float64
		reason string
	}{{
		name: "scaled-1e12",
		f:    func(x []float64) float64 { return 1e12 * sumSin(x) },
		grad: func(dst, x []float64) {
			sumSinGrad(dst, x)
			for i := range dst {
				dst[i] *= 1e12
			}
		},
		x:      []float64{0.3, -1.2, 2.5, 0},
		reason: "a loss of order 1e12 with a gradient to match",
	}, {
		name:   "offset-1e12",
		f:      func(x []float64) float64 { return 1e12 + sumSin(x) },
		grad:   sumSinGrad,
		x:      []float64{0.3, -1.2, 2.5, 1},
		reason: "a loss near 1e12 whose gradient is of order 1: round-off of 1e-4 in every loss value",
	}, {
		name: "large-params",
		f: func(x []float64) float64 {
			s := 0.0
			for _, v := range x {
				s += math.Log(v) + 1e-6*v
			}
			return s
		},
		grad: func(dst, x []float64) {
			for i, v := range x {
				dst[i] = 1/v + 1e-6
			}
		},
		x:      []float64{1e6, 3e7, 2.5e5},
		reason: "parameters of order 1e6: the step must be relative to them",
	}, {
		name: "tiny-params",
		f: func(x []float64) float64 {
			return math.Exp(x[0]) + x[1]*x[1]*1e8
		},
		grad: func(dst, x []float64) {
			dst[0] = math.Exp(x[0])
			dst[1] = 2e8 * x[1]
		},
		x:      []float64{1e-12, 1e-9},
		reason: "parameters far below 1 get an absolute step",
	}, {
		name: "zero-gradient",
		f: func(x []float64) float64 {
			return x[0]*x[0] + math.Cos(x[1])
		},
		grad: func(dst, x []float64) {
			dst[0] = 2 * x[0]
			dst[1] = -math.Sin(x[1])
		},
		x:      []float64{0, 0},
		reason: "a stationary point: every numeric estimate is round-off",
	}, {
		name: "relu-abs-kinks",
		f: func(x []float64) float64 {
			return math.Max(x[0], 0) + math.Abs(x[1]) + math.Max(x[2], 0)*3
		},
		grad: func(dst, x []float64) {
			dst[0], dst[1], dst[2] = 0, 0, 0 // conventional subgradients at 0
			if x[0] > 0 {
				dst[0] = 1
			}
			if x[2] > 0 {
				dst[2] = 3
			}
		},
		x:      []float64{0, 0, 0},
		reason: "ReLU and |w| at 0, checked as subgradients",
	}, {
		name: "near-kink",
		f: func(x []float64) float64 {
			return math.Abs(x[0]) + math.Max(x[1], 0)
		},
		grad: func(dst, x []float64) {
			dst[0] = math.Copysign(1, x[0])
			dst[1] = 1
		},
		x:      []float64{1e-7, 3e-9},
		reason: "a kink closer than the first-pass step",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := gradcheck.Gradient(c.f, c.grad, c.x, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Errorf("%s: correct gradient not accepted:\n%s", c.reason, rep)
			}
		})
	}
}

// TestKinkVerdicts checks subgradients of ReLU at 0. An analytic value equal
// to the midpoint of the one-sided slopes (0.5) equals the central
// difference and passes the first pass as OK without refinement, so the
// table uses 0.25 for an interior subgradient.
func TestKinkVerdicts(t *testing.T) {
	relu := func(x []float64) float64 { return math.Max(x[0], 0) }
	for _, c := range []struct {
		sub  float64
		want gradcheck.Verdict
	}{{0, gradcheck.Kink}, {1, gradcheck.Kink}, {0.25, gradcheck.Kink}, {-0.5, gradcheck.Mismatch}, {2, gradcheck.Mismatch}} {
		grad := func(dst, x []float64) { dst[0] = c.sub }
		rep, err := gradcheck.Gradient(relu, grad, []float64{0}, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := rep.Blocks[0].Entries[0]
		if e.Verdict != c.want {
			t.Errorf("ReLU at 0 with analytic %v: verdict %v, want %v (one-sided slopes %v, %v)", c.sub, e.Verdict, c.want, e.Left, e.Right)
		}
		if math.Abs(e.Left) > 1e-9 || math.Abs(e.Right-1) > 1e-9 {
			t.Errorf("ReLU at 0: one-sided slopes %v, %v, want 0 and 1", e.Left, e.Right)
		}
	}
}

func TestNonFinite(t *testing.T) {
	// A loss defined for x ≥ 0 only, checked at its boundary: the
	// backward side is NaN at every step, so a forward estimate decides.
	half := func(x []float64) float64 {
		if x[0] < 0 {
			return math.NaN()
		}
		return x[0]*x[0] + 2*x[0]
	}
	for _, c := range []struct {
		analytic float64
		want     gradcheck.Verdict
	}{{2, gradcheck.OK}, {2.001, gradcheck.Mismatch}} {
		rep, err := gradcheck.Gradient(half, func(dst, x []float64) { dst[0] = c.analytic }, []float64{0}, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := rep.Blocks[0].Entries[0]
		if e.Verdict != c.want || e.Side != 1 {
			t.Errorf("boundary of the domain, analytic %v: verdict %v side %d, want %v from a forward estimate", c.analytic, e.Verdict, e.Side, c.want)
		}
	}
	// A loss finite at x alone: no difference exists.
	spike := func(x []float64) float64 {
		if x[0] != 1 {
			return math.Inf(1)
		}
		return 0
	}
	rep, err := gradcheck.Gradient(spike, func(dst, x []float64) { dst[0] = 0 }, []float64{1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Blocks[0].Entries[0].Verdict; v != gradcheck.NonFinite || rep.OK() {
		t.Errorf("loss infinite on both sides: verdict %v, OK %v; want nonfinite, not OK", v, rep.OK())
	}
}

func TestFloat32Model(t *testing.T) {
	// y = tanh(W·x + b), loss = Σ c_k y_k, all in float32.
	const in, out = 6, 4
	w := make([]float32, in*out)
	b := make([]float32, out)
	x := make([]float32, in)
	cw := make([]float32, out)
	for i := range w {
		w[i] = float32(math.Sin(float64(i)*1.7)) * 0.6
	}
	for i := range x {
		x[i] = float32(math.Cos(float64(i) * 0.9))
	}
	for k := range out {
		b[k], cw[k] = 0.1*float32(k), 1-0.3*float32(k)
	}
	dw, db := make([]float32, len(w)), make([]float32, len(b))
	forward := func() []float32 {
		y := make([]float32, out)
		for k := range out {
			z := b[k]
			for i := range in {
				z += w[k*in+i] * x[i]
			}
			y[k] = float32(math.Tanh(float64(z)))
		}
		return y
	}
	for _, bug := range []float32{0, 1e-2} {
		m := &gradcheck.Model[float32]{
			Blocks: []gradcheck.Block[float32]{
				{Name: "W", Shape: []int{out, in}, Value: w, Grad: dw},
				{Name: "b", Value: b, Grad: db},
			},
			Loss: func() float64 {
				var s float32
				for k, y := range forward() {
					s += cw[k] * y
				}
				return float64(s)
			},
			Gradient: func() {
				for k, y := range forward() {
					dz := cw[k] * (1 - y*y)
					db[k] = dz
					for i := range in {
						dw[k*in+i] = dz * x[i]
					}
				}
				dw[5] *= 1 + bug
			},
		}
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Precision != "float32" {
			t.Errorf("precision %q, want float32", rep.Precision)
		}
		got := failingNames(rep)
		switch {
		case bug == 0 && len(got) > 0:
			t.Errorf("correct float32 model flagged:\n%s", rep)
		case bug != 0 && !slices.Equal(got, []string{"W[0,5]"}):
			t.Errorf("float32 model with W[0,5] off by %g: failing %v\n%s", bug, got, rep)
		}
	}
}

func TestPanicIsReportedAndRestores(t *testing.T) {
	x := []float64{0.5, -1.5, 2.5, 3.5}
	want := slices.Clone(x)
	f := func(x []float64) float64 {
		if x[2] != 2.5 {
			panic("boom")
		}
		return sumSin(x)
	}
	_, err := gradcheck.Gradient(f, sumSinGrad, x, nil)
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v, want a *PanicError", err)
	}
	if pe.Func != "Loss" || pe.Entry != "x[2]" || pe.Saved != 2.5 || pe.Value != "boom" {
		t.Errorf("panic error %+v does not name Loss, x[2], 2.5 and the panic value", pe)
	}
	if !strings.Contains(err.Error(), "x[2]") {
		t.Errorf("message %q does not name the entry", err)
	}
	if !bitsEqual(x, want) {
		t.Errorf("x = %v after a panic, want %v", x, want)
	}
	// The perturbed value is the one the loss panicked at: x + h, the
	// first of the pair, or x − h, the second.
	if pe.Perturbed <= 2.5 {
		t.Errorf("panic at x[2] + h reported with x[2] set to %v", pe.Perturbed)
	}
	below := func(x []float64) float64 {
		if x[2] < 2.5 {
			panic("boom")
		}
		return sumSin(x)
	}
	_, err = gradcheck.Gradient(below, sumSinGrad, x, nil)
	if !errors.As(err, &pe) || pe.Entry != "x[2]" || pe.Perturbed >= 2.5 {
		t.Errorf("panic at x[2] − h: error %v, want x[2] named with a value below 2.5", err)
	}
	if !bitsEqual(x, want) {
		t.Errorf("x = %v after a panic at x − h, want %v", x, want)
	}
	_, err = gradcheck.Gradient(sumSin, func(dst, x []float64) { panic("grad boom") }, x, nil)
	if !errors.As(err, &pe) || pe.Func != "Gradient" {
		t.Errorf("panicking gradient: error %v, want a *PanicError from Gradient", err)
	}
}

// TestReseedPanicInFirstPass: a panic in Model.Reseed before a first-pass
// evaluation is reported as Reseed's, naming the entry being checked as it
// was set when Reseed ran, and the parameters are restored; serially and
// on several workers. The first pass once called Reseed before it set the
// entry, and named a perturbation that Reseed had not seen.
func TestReseedPanicInFirstPass(t *testing.T) {
	for _, workers := range []int{1, 3} {
		// The hazard checks call Reseed five times (three losses, two
		// gradients); the tenth and eleventh calls are in the first pass,
		// before x[2] + h and x[2] − h, the evaluations of the third entry
		// of a serial check.
		for _, at := range []int64{10, 11} {
			x := []float64{0.5, -1.5, 2.5, 3.5, 4.5, 5.5}
			want := slices.Clone(x)
			var calls atomic.Int64
			var mu sync.Mutex
			var seen []float64 // the parameters Reseed saw when it panicked
			model := func(x []float64) *gradcheck.Model[float64] {
				g := make([]float64, len(x))
				return &gradcheck.Model[float64]{
					Blocks:   []gradcheck.Block[float64]{{Name: "x", Value: x, Grad: g}},
					Loss:     func() float64 { return sumSin(x) },
					Gradient: func() { sumSinGrad(g, x) },
					Reseed: func() {
						if calls.Add(1) == at {
							mu.Lock()
							seen = slices.Clone(x)
							mu.Unlock()
							panic("reseed boom")
						}
					},
				}
			}
			m := model(x)
			if workers > 1 {
				m.Clone = func() *gradcheck.Model[float64] { return model(slices.Clone(want)) }
			}
			_, err := gradcheck.Check(m, &gradcheck.Options{Workers: workers})
			var pe *gradcheck.PanicError
			if !errors.As(err, &pe) {
				t.Fatalf("%d workers, call %d: error %v, want a *PanicError", workers, at, err)
			}
			if pe.Func != "Reseed" || pe.Value != "reseed boom" || !strings.HasPrefix(pe.Entry, "x[") {
				t.Errorf("%d workers, call %d: panic error %+v does not name Reseed, an entry and the panic value", workers, at, pe)
			}
			if workers == 1 && (pe.Entry != "x[2]" || (pe.Perturbed > 2.5) != (at == 10)) {
				t.Errorf("serial check, call %d: the panic is named at %s set to %v, want x[2] %s 2.5", at, pe.Entry, pe.Perturbed, map[bool]string{true: "above", false: "below"}[at == 10])
			}
			// What the error says is what Reseed saw.
			var k int
			if _, err := fmt.Sscanf(pe.Entry, "x[%d]", &k); err != nil {
				t.Fatalf("%d workers, call %d: entry %q: %v", workers, at, pe.Entry, err)
			}
			claimed := slices.Clone(want)
			claimed[k] = pe.Perturbed
			if !bitsEqual(seen, claimed) || pe.Perturbed == pe.Saved {
				t.Errorf("%d workers, call %d: %v\nbut Reseed saw x = %v", workers, at, err, seen)
			}
			if !bitsEqual(x, want) {
				t.Errorf("%d workers, call %d: x = %v after a panic in Reseed, want %v", workers, at, x, want)
			}
		}
	}
}

// cancelledAt returns a context, its cancel function and sumSin, which
// cancels the context at its calls-th call.
func cancelledAt(calls int) (context.Context, context.CancelFunc, func([]float64) float64) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	return ctx, cancel, func(x []float64) float64 {
		if n++; n == calls {
			cancel()
		}
		return sumSin(x)
	}
}

func TestCancel(t *testing.T) {
	x := make([]float64, 200)
	for i := range x {
		x[i] = float64(i) / 7
	}
	want := slices.Clone(x)
	ctx, cancel, f := cancelledAt(50)
	defer cancel()
	rep, err := gradcheck.GradientContext(ctx, f, sumSinGrad, x, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if rep == nil || rep.Checked() == 0 || rep.Checked() >= len(x) {
		t.Errorf("cancelled check: want a partial report, got %v", rep)
	}
	if !bitsEqual(x, want) {
		t.Error("x changed by a cancelled check")
	}
}

// TestCancelPartialNotOK: the report of a cancelled check says that it is
// partial, also once written as JSON and read back: every entry it holds
// passed, but the entries it never reached may not, so it is not OK, and
// Merge takes no partial shard.
func TestCancelPartialNotOK(t *testing.T) {
	x := make([]float64, 200)
	for i := range x {
		x[i] = float64(i) / 7
	}
	for _, shards := range []int{0, 2} {
		ctx, cancel, f := cancelledAt(50)
		rep, err := gradcheck.GradientContext(ctx, f, sumSinGrad, x, &gradcheck.Options{Shards: shards})
		cancel()
		if !errors.Is(err, context.Canceled) || rep == nil || rep.Checked() == 0 {
			t.Fatalf("shards %d: error %v, report %v: want context.Canceled and a partial report", shards, err, rep)
		}
		for _, r := range []*gradcheck.Report{rep, jsonRoundTrip(t, rep)} {
			if !r.Partial || r.OK() || strings.Contains(r.Summary(), "ok") {
				t.Errorf("shards %d: a check stopped after %d of 200 entries: Partial %v, OK %v, summary %q", shards, r.Checked(), r.Partial, r.OK(), r.Summary())
			}
		}
		if shards > 0 {
			other, err := gradcheck.Gradient(sumSin, sumSinGrad, x, &gradcheck.Options{Shard: 1, Shards: shards})
			if err != nil {
				t.Fatal(err)
			}
			if m, err := gradcheck.Merge(rep, other); err == nil || !strings.Contains(err.Error(), "partial") {
				t.Errorf("Merge of a partial shard: %v, error %v; want an error saying it is partial", m, err)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	x := []float64{1, 2}
	g := make([]float64, 2)
	model := func(edit func(m *gradcheck.Model[float64])) *gradcheck.Model[float64] {
		m := &gradcheck.Model[float64]{
			Blocks:   []gradcheck.Block[float64]{{Name: "w", Value: x, Grad: g}},
			Loss:     func() float64 { return sumSin(x) },
			Gradient: func() { sumSinGrad(g, x) },
		}
		edit(m)
		return m
	}
	cases := []struct {
		name string
		run  func() error
		want string // what the message must say
	}{
		{"nil f", func() error { _, err := gradcheck.Gradient(nil, sumSinGrad, x, nil); return err }, "f is nil"},
		{"nil grad", func() error { _, err := gradcheck.Gradient(sumSin, nil, x, nil); return err }, "grad is nil"},
		{"empty x", func() error { _, err := gradcheck.Gradient(sumSin, sumSinGrad, nil, nil); return err }, "x is empty"},
		{"NaN in x", func() error {
			_, err := gradcheck.Gradient(sumSin, sumSinGrad, []float64{0, math.NaN()}, nil)
			return err
		}, "parameter x[1] is NaN"},
		{"Inf in gradient", func() error {
			_, err := gradcheck.Gradient(sumSin, func(dst, x []float64) { sumSinGrad(dst, x); dst[0] = math.Inf(-1) }, []float64{0, 1}, nil)
			return err
		}, "analytic gradient at x[0] is -Inf"},
		{"NaN loss", func() error {
			_, err := gradcheck.Gradient(func([]float64) float64 { return math.NaN() }, sumSinGrad, []float64{0, 1}, nil)
			return err
		}, "loss at the caller's parameters is NaN"},
		{"nil model", func() error { _, err := gradcheck.Check[float64](nil, nil); return err }, "nil model"},
		{"no Loss", func() error {
			_, err := gradcheck.Check(model(func(m *gradcheck.Model[float64]) { m.Loss = nil }), nil)
			return err
		}, "no Loss"},
		{"Grad length", func() error {
			_, err := gradcheck.Check(model(func(m *gradcheck.Model[float64]) { m.Blocks[0].Grad = g[:1] }), nil)
			return err
		}, `block "w" has 2 values but a Grad of length 1`},
		{"shape", func() error {
			_, err := gradcheck.Check(model(func(m *gradcheck.Model[float64]) { m.Blocks[0].Shape = []int{3, 1} }), nil)
			return err
		}, `block "w" has shape [3 1] (3 entries) but 2 values`},
		// A shape of no axes has one entry, but a report's shape has at
		// least one axis: ReadJSON refused the report of such a block.
		{"shape of no axes", func() error {
			_, err := gradcheck.Check(model(func(m *gradcheck.Model[float64]) {
				m.Blocks[0].Shape, m.Blocks[0].Value, m.Blocks[0].Grad = []int{}, x[:1], g[:1]
			}), nil)
			return err
		}, `block "w" has shape []: a block has at least one axis`},
		// 3·6148914691236517206 wraps to 2 in int64.
		{"shape overflow", func() error {
			_, err := gradcheck.Check(model(func(m *gradcheck.Model[float64]) { m.Blocks[0].Shape = []int{3, 6148914691236517206} }), nil)
			return err
		}, `block "w" has shape [3 6148914691236517206], whose number of entries overflows an int, but 2 values`},
		{"shape overflow in Sweep", func() error {
			_, err := gradcheck.Sweep(model(func(m *gradcheck.Model[float64]) { m.Blocks[0].Shape = []int{3, 6148914691236517206} }), []string{"w[1,0]"}, nil)
			return err
		}, "overflows an int"},
		// JSON would carry the name as U+FFFD, and the report read back
		// would name another block.
		{"name not UTF-8", func() error {
			_, err := gradcheck.Check(model(func(m *gradcheck.Model[float64]) { m.Blocks[0].Name = "W\xff1" }), nil)
			return err
		}, "not valid UTF-8"},
		{"duplicate name", func() error {
			_, err := gradcheck.Check(model(func(m *gradcheck.Model[float64]) { m.Blocks = append(m.Blocks, m.Blocks[0]) }), nil)
			return err
		}, `both named "w"`},
		{"negative Rtol", func() error {
			_, err := gradcheck.Gradient(sumSin, sumSinGrad, x, &gradcheck.Options{Rtol: -1})
			return err
		}, "Options.Rtol is -1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
	if !bitsEqual(x, []float64{1, 2}) {
		t.Errorf("x changed to %v", x)
	}
}

func TestNilOptionsAreZeroOptions(t *testing.T) {
	x := []float64{0.3, 1.1, -2}
	a, err := gradcheck.Gradient(sumSin, sumSinGrad, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := gradcheck.Gradient(sumSin, sumSinGrad, x, &gradcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, b, cmpopts.EquateNaNs()); d != "" {
		t.Errorf("nil options and zero options differ (-nil +zero):\n%s", d)
	}
}

func TestSample(t *testing.T) {
	net := demo.New(false)
	opts := &gradcheck.Options{Sample: 20, Seed: 42}
	rep, err := gradcheck.Check(net.Model(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Sampled || rep.Seed != 42 {
		t.Errorf("report says sampled=%v seed=%d", rep.Sampled, rep.Seed)
	}
	total := 0
	for _, b := range rep.Blocks {
		total += len(b.Entries)
		if len(b.Entries) == 0 {
			t.Errorf("block %s got no sampled entry", b.Name)
		}
		idx := map[int]bool{}
		for _, e := range b.Entries {
			idx[e.Index] = true
		}
		// Every corner, hence the first and last index on every axis.
		if !idx[0] || !idx[b.Size()-1] {
			t.Errorf("block %s: sample misses the first or last entry", b.Name)
		}
		if len(b.Shape) == 2 && (!idx[b.Shape[1]-1] || !idx[(b.Shape[0]-1)*b.Shape[1]]) {
			t.Errorf("block %s %v: sample misses a corner", b.Name, b.Shape)
		}
	}
	if total != 20 {
		t.Errorf("sampled %d entries, want 20", total)
	}
	again, err := gradcheck.Check(demo.New(false).Model(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(rep, again, cmpopts.EquateNaNs()); d != "" {
		t.Errorf("same seed, different reports (-first +second):\n%s", d)
	}
	if !strings.Contains(demoBugReport(t, opts).String(), "seed 42") {
		t.Error("a failing sampled report does not print its seed")
	}
}

func demoBugReport(t *testing.T, opts *gradcheck.Options) *gradcheck.Report {
	rep, err := gradcheck.Check(demo.New(true).Model(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestEvaluationCount pins the cost model: 2n loss evaluations plus a
// constant for a correct gradient that the first pass accepts.
func TestEvaluationCount(t *testing.T) {
	x := make([]float64, 100)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	rep, err := gradcheck.Gradient(sumSin, sumSinGrad, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	refined := 0
	for _, e := range rep.Blocks[0].Entries {
		if e.Refined {
			refined++
		}
	}
	// Loss, Loss (nondeterminism), Gradient, Loss (hidden state), Gradient.
	// The loss's noise is measured only when some entry needs it.
	const constant = 3
	if refined == 0 && rep.Evals != 2*len(x)+constant {
		t.Errorf("%d loss evaluations for %d entries, want 2n+%d", rep.Evals, len(x), constant)
	}
	if refined > 0 {
		t.Errorf("%d entries of a smooth, well-scaled function needed refinement", refined)
	}
	if rep.GradEvals != 2 {
		t.Errorf("%d gradient evaluations, want 2", rep.GradEvals)
	}
}

// TestAllocationsDoNotGrow checks that the checker's loop allocates nothing
// per evaluation: a check of 1000 entries allocates as often as one of 10,
// on the first pass (a smooth function) and on refinement (ReLU at its kink
// in every entry, which the first pass cannot accept). Both pass, so the
// count leaves out the diagnosis of failing blocks, which allocates in
// proportion to what it explains.
func TestAllocationsDoNotGrow(t *testing.T) {
	relu := func(x []float64) float64 {
		s := 0.0
		for _, v := range x {
			s += math.Max(v, 0) + 0.5*v*v
		}
		return s
	}
	reluGrad := func(dst, x []float64) {
		for i, v := range x {
			dst[i] = v
			if v > 0 {
				dst[i]++
			}
		}
	}
	for _, c := range []struct {
		name string
		f    func([]float64) float64
		grad func(dst, x []float64)
		at   func(i int) float64
	}{
		{"first pass", sumSin, sumSinGrad, func(i int) float64 { return math.Sin(float64(i)) }},
		{"refinement", relu, reluGrad, func(int) float64 { return 0 }},
	} {
		allocs := func(n int) float64 {
			x := make([]float64, n)
			for i := range x {
				x[i] = c.at(i)
			}
			// The count is the process's, so an allocation of the runtime
			// or of the testing package during a run adds to it: the
			// least of three counts is the checker's own. An allocation
			// per evaluation shows in every one.
			least := math.Inf(1)
			for range 3 {
				least = min(least, testing.AllocsPerRun(5, func() {
					rep, err := gradcheck.Gradient(c.f, c.grad, x, nil)
					if err != nil || !rep.OK() {
						t.Fatalf("%v\n%v", err, rep)
					}
				}))
			}
			return least
		}
		if small, large := allocs(10), allocs(1000); large != small {
			t.Errorf("%s: %v allocations for 10 entries, %v for 1000: the loop allocates", c.name, small, large)
		}
	}
}

func bitsEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// TestBlockReportSize: Size is the product of the axes where they are
// positive and it fits an int, and 0 otherwise, never a product that
// wrapped (3·3074457345618258603 is −2⁶³ + 1 in int64, 2·2⁶² is −2⁶³).
func TestBlockReportSize(t *testing.T) {
	for _, tc := range []struct {
		shape []int
		want  int
	}{
		{[]int{3, 4}, 12},
		{[]int{7}, 7},
		{nil, 1},
		{[]int{1 << 31, 1 << 31}, 1 << 62},
		{[]int{3, 3074457345618258603}, 0},
		{[]int{2, 1 << 62}, 0},
		{[]int{1 << 32, 1 << 32}, 0},
		{[]int{0, 5}, 0},
		{[]int{-2, 3}, 0},
	} {
		b := &gradcheck.BlockReport{Name: "w", Shape: tc.shape}
		if got := b.Size(); got != tc.want {
			t.Errorf("Size of shape %v: %d, want %d", tc.shape, got, tc.want)
		}
	}
}
