package spago

import (
	"slices"
	"strings"
	"testing"

	"github.com/nlpodyssey/spago/ag"
	"github.com/nlpodyssey/spago/mat"

	"github.com/gradcheck/gradcheck"
)

// kinkX is a 2×3 input with the values v.
func kinkX(v ...float64) input {
	return input{name: "x", shape: m23, value: v}
}

// TestKinks checks each kinked operation with inputs at its kinks, where
// gradcheck judges an entry a subgradient: its analytic value must lie
// between the one-sided slopes. spaGO's rules take a one-sided slope or 0
// there (ReLU′(0) = 1, Abs′(0) = 0, HardTanh′(±1) = 0): subgradients all,
// and every entry at a kink is a Kink, every other OK. Max and Min of two
// inputs that tie are not: see TestMaxTied.
func TestKinks(t *testing.T) { checkKinks[float64](t) }

// kinkCase is a case with inputs at its kinks.
type kinkCase struct {
	c     opCase
	kinks []int // the flat indices of x at a kink
	// at is the verdict at a kink: Kink, or OK for Abs, whose central
	// difference at 0 is 0 to the bit, Abs′(0) = 0 in spaGO, and passes
	// at the first pass.
	at gradcheck.Verdict
}

// kinkCases are the cases of TestKinks.
func kinkCases() []kinkCase {
	return []kinkCase{
		{opCase{name: "ReLU", inputs: []input{kinkX(0, 0.7, 0, -0.4, 0, 1.2)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.ReLU(x[0]) }}, []int{0, 2, 4}, gradcheck.Kink},
		{opCase{name: "Abs", inputs: []input{kinkX(0, 0.7, 0, -0.4, 0, 1.2)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.Abs(x[0]) }}, []int{0, 2, 4}, gradcheck.OK},
		{opCase{name: "LeakyReLU", inputs: []input{kinkX(0, 0.7, 0, -0.4, 0, 1.2), hyper("alpha", 0.1)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.LeakyReLU(x[0], x[1]) }}, []int{0, 2, 4}, gradcheck.Kink},
		{opCase{name: "HardTanh", inputs: []input{kinkX(1, 0.7, -1, -0.4, 1, -1)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.HardTanh(x[0]) }}, []int{0, 2, 4, 5}, gradcheck.Kink},
		{opCase{name: "HardSigmoid", inputs: []input{kinkX(2.5, 0.7, -2.5, -0.4, 2.5, -2.5)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.HardSigmoid(x[0]) }}, []int{0, 2, 4, 5}, gradcheck.Kink},
		{opCase{name: "SoftShrink", inputs: []input{kinkX(0.5, 0.7, -0.5, -0.4, 0.5, -0.5), hyper("lambda", 0.5)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.SoftShrink(x[0], x[1]) }}, []int{0, 2, 4, 5}, gradcheck.Kink},
		{opCase{name: "Threshold", inputs: []input{kinkX(0.3, 0.7, 0.3, -0.4, 0.3, 1.2), hyper("threshold", 0.3), hyper("k", 0.3)},
			build: func(x []mat.Tensor) mat.Tensor { return ag.Threshold(x[0], x[1], x[2]) }}, []int{0, 2, 4}, gradcheck.Kink},
	}
}

// checkKinks runs the kink cases in T and asserts their verdicts.
func checkKinks[T Float](t *testing.T) {
	t.Helper()
	for _, tt := range kinkCases() {
		for _, seed := range []uint64{1, 2} {
			rep, _ := checkOf[T](t, tt.c, seed)
			if !rep.OK() {
				t.Errorf("%s, seed %d: gradcheck rejects spaGO's gradient at its kinks:\n%v", tt.c.name, seed, rep)
			}
			for _, b := range rep.Blocks {
				for _, e := range b.Entries {
					want := gradcheck.OK
					if slices.Contains(tt.kinks, e.Index) {
						want = tt.at
					}
					if e.Verdict != want {
						t.Errorf("%s, seed %d, %s[%d] = %g: analytic %g, one-sided slopes [%g, %g]: verdict %v, want %v",
							tt.c.name, seed, b.Name, e.Index, tt.c.inputs[0].value[e.Index], e.Analytic, e.Left, e.Right, e.Verdict, want)
					}
				}
			}
		}
	}
}

// TestMaxTied: Max and Min of two inputs x and y that tie at x[0] = y[0],
// x[2] = y[2] and x[4] = y[4] give neither the gradient there
// (mat/gradfn/max.go:55 and :65, min.go:55 and :65: a strict > or < on
// each side, as TestMaxSelf). 0 is between the one-sided slopes of each
// input on its own, 0 and w, and each entry alone would pass as a Kink;
// moved together, x[i] and y[i] move the loss at w[i], and gradcheck's
// joint test of tied Kinks, which groups them across x and y, rejects
// both: the tied entries are Mismatch, every other OK, and the first
// diagnosis of x and of y is tied-inputs, naming entries of both.
func TestMaxTied(t *testing.T) {
	tied := []int{0, 2, 4}
	for _, op := range []struct {
		name string
		f    func(a, b mat.Tensor) mat.Tensor
	}{{"Max", ag.Max}, {"Min", ag.Min}} {
		c := opCase{name: op.name, inputs: []input{kinkX(0.2, 0.7, -1, -0.4, 0.5, 1.2), {name: "y", shape: m23, value: []float64{0.2, 0.1, -1, 0.3, 0.5, 1.5}}},
			build: func(x []mat.Tensor) mat.Tensor { return op.f(ag.Flatten(x[0]), ag.Flatten(x[1])) }}
		for _, seed := range []uint64{1, 2} {
			rep, _ := c.check(t, seed)
			if rep.OK() {
				t.Errorf("%s, seed %d: gradcheck accepts a gradient given to neither tied input:\n%v", c.name, seed, rep)
				continue
			}
			for _, b := range rep.Blocks {
				for _, e := range b.Entries {
					want := gradcheck.OK
					if slices.Contains(tied, e.Index) {
						want = gradcheck.Mismatch
					}
					if e.Verdict != want {
						t.Errorf("%s, seed %d, %s: analytic %g, numeric %g: verdict %v, want %v", c.name, seed, b.EntryName(e.Index), e.Analytic, e.Numeric, e.Verdict, want)
					}
				}
				if len(b.Diagnoses) == 0 || b.Diagnoses[0].Pattern != gradcheck.PatternTiedInputs {
					t.Errorf("%s, seed %d, %s: first diagnosis is not tied-inputs: %+v", c.name, seed, b.Name, b.Diagnoses)
					continue
				}
				if d := b.Diagnoses[0].Summary; !strings.Contains(d, "x[") || !strings.Contains(d, "y[") {
					t.Errorf("%s, seed %d, %s: the diagnosis does not name entries of x and y: %s", c.name, seed, b.Name, d)
				}
			}
		}
	}
}
