package diagnose

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// block builds a Block over every entry of shape, with thresholds like the
// checker's float64 defaults after refinement: rtol 6e-10 and an estimate
// error of 1e-10 times four.
func block(shape []int, x, a, n []float64) Block {
	b := Block{Shape: shape, X: x, A: a, N: n, Eps: 0x1p-53}
	for i := range a {
		b.Index = append(b.Index, i)
		tol := 6e-10*math.Max(math.Abs(a[i]), math.Abs(n[i])) + 4e-10
		b.Tol = append(b.Tol, tol)
		b.Fail = append(b.Fail, math.Abs(a[i]-n[i]) > tol)
	}
	return b
}

func randVec(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return v
}

func top(t *testing.T, hs []Hypothesis) Hypothesis {
	t.Helper()
	if len(hs) == 0 {
		t.Fatal("no hypothesis for a failing block")
	}
	return hs[0]
}

func TestCorrectBlockGetsNoHypothesis(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	n := randVec(r, 24)
	a := slices.Clone(n)
	for i := range a {
		a[i] *= 1 + 1e-12 // well inside the threshold
	}
	if hs := Diagnose(block([]int{4, 6}, randVec(r, 24), a, n)); hs != nil {
		t.Errorf("a passing block got hypotheses: %+v", hs)
	}
}

func TestPatterns(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	const R, C = 5, 7
	x, n := randVec(r, R*C), randVec(r, R*C)
	nsq := randVec(r, 36)
	transpose := func(v []float64, rows, cols int) []float64 {
		out := make([]float64, len(v)) // out holds vᵀ as a cols×rows array
		for i := range rows {
			for j := range cols {
				out[j*rows+i] = v[i*cols+j]
			}
		}
		return out
	}
	mapN := func(f func(i int, v float64) float64) []float64 {
		out := make([]float64, len(n))
		for i, v := range n {
			out[i] = f(i, v)
		}
		return out
	}
	shifted := make([]float64, R*C) // a[i,j] = n[i,j-1], a[i,0] = 0
	for i := range R {
		for j := 1; j < C; j++ {
			shifted[i*C+j] = n[i*C+j-1]
		}
	}
	for _, c := range []struct {
		name    string
		shape   []int
		a, n, x []float64
		pattern string
		factor  float64 // checked when not zero
		axis    int     // checked when not −1
		entries []int   // checked when not nil
	}{
		{"zero", []int{R, C}, make([]float64, R*C), n, x, Zero, 0, -1, nil},
		{"loss unmoved", []int{R, C}, n, make([]float64, R*C), x, LossUnmoved, 0, -1, nil},
		{"sign", []int{R, C}, mapN(func(_ int, v float64) float64 { return -v }), n, x, Sign, 0, -1, nil},
		{"scale 2", []int{R, C}, mapN(func(_ int, v float64) float64 { return 2 * v }), n, x, Scale, 2, -1, nil},
		{"scale 1/7", []int{R, C}, mapN(func(_ int, v float64) float64 { return v / 7 }), n, x, Scale, 1.0 / 7, -1, nil},
		{"scale 1/sqrt(5)", []int{R, C}, mapN(func(_ int, v float64) float64 { return v / math.Sqrt(5) }), n, x, Scale, 1 / math.Sqrt(5), -1, nil},
		{"missing decay", []int{R, C}, mapN(func(i int, v float64) float64 { return v - 0.05*x[i] }), n, x, WeightDecay, 0.05, -1, nil},
		{"doubled decay", []int{R, C}, mapN(func(i int, v float64) float64 { return v + 1e-3*x[i] }), n, x, WeightDecay, -1e-3, -1, nil},
		{"transpose non-square", []int{R, C}, transpose(n, R, C), n, x, Transpose, 0, -1, nil},
		{"transpose square", []int{6, 6}, transpose(nsq, 6, 6), nsq, randVec(r, 36), Transpose, 0, -1, nil},
		{"shift axis 1", []int{R, C}, shifted, n, x, Shift, 0, 1, nil},
		{"last column", []int{R, C}, mapN(func(i int, v float64) float64 {
			if i%C == C-1 {
				return 0
			}
			return v
		}), n, x, Edge, 0, 1, []int{6, 13, 20, 27, 34}},
		{"two entries", []int{R, C}, mapN(func(i int, v float64) float64 {
			if i == 8 || i == 17 {
				return v + 0.3
			}
			return v
		}), n, x, Few, 0, -1, []int{8, 17}},
	} {
		t.Run(c.name, func(t *testing.T) {
			hs := Diagnose(block(c.shape, c.x, c.a, c.n))
			h := top(t, hs)
			if h.Pattern != c.pattern {
				t.Fatalf("top hypothesis is %q (%s), want %q; all: %+v", h.Pattern, h.Summary, c.pattern, hs)
			}
			if c.factor != 0 && math.Abs(h.Factor-c.factor) > 1e-9*math.Abs(c.factor) {
				t.Errorf("factor = %v, want %v", h.Factor, c.factor)
			}
			if c.axis != -1 && h.Axis != c.axis {
				t.Errorf("axis = %d, want %d", h.Axis, c.axis)
			}
			if c.entries != nil && !slices.Equal(h.Entries, c.entries) {
				t.Errorf("entries = %v, want %v", h.Entries, c.entries)
			}
			if h.Fit < minFit || h.Explained < h.Of {
				t.Errorf("weak evidence for a planted pattern: fit %.3f, %d of %d", h.Fit, h.Explained, h.Of)
			}
			t.Logf("%s [fit %.4f, %d of %d]", h.Summary, h.Fit, h.Explained, h.Of)
		})
	}
}

// TestLossUnmoved: a numeric gradient zero at every checked entry (to the
// bit, or within its estimated error), against an analytic one that is not, says that the loss did not
// move, whatever the analytic values are: the hypotheses that compare a
// with n would read a zero n as the truth. Zero at only some entries says
// nothing of the kind.
func TestLossUnmoved(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	const R, C = 4, 6
	x, a := randVec(r, R*C), randVec(r, R*C)
	zeros := make([]float64, R*C)
	small := make([]float64, R*C) // a few ulps of a loss of 1 over a step of 0.1
	for i := range small {
		small[i] = 3e-20 * float64(i%3-1)
	}
	for _, c := range []struct {
		name string
		a, n []float64
		err  float64 // the estimated error of every n; 0: not given
		want bool
	}{
		{"every entry", a, zeros, 0, true},
		{"within the estimates' error", a, small, 8e-5, true},
		{"beyond the estimates' error", a, small, 0, false},
		// Dead units: a = n = 0 at some entries, which pass.
		{"analytic zero at some entries", func() []float64 {
			v := slices.Clone(a)
			clear(v[:R*C/3])
			return v
		}(), zeros, 0, true},
		// An analytic gradient proportional to x, as a pure L2 term's: the
		// weight-decay hypothesis fits a − n = λ·x, but n is no witness.
		{"analytic proportional to x", func() []float64 {
			v := slices.Clone(x)
			for i := range v {
				v[i] *= 0.05
			}
			return v
		}(), zeros, 0, true},
		{"numeric zero at half the entries", a, func() []float64 {
			v := slices.Clone(a)
			clear(v[:R*C/2])
			return v
		}(), 8e-5, false},
		{"numeric zero at all but one entry", a, func() []float64 {
			v := slices.Clone(zeros)
			v[5] = a[5]
			return v
		}(), 8e-5, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := block([]int{R, C}, x, c.a, c.n)
			if c.err > 0 {
				for range b.Index {
					b.Err = append(b.Err, c.err)
				}
			}
			hs := Diagnose(b)
			h := top(t, hs)
			if got := h.Pattern == LossUnmoved; got != c.want {
				t.Fatalf("top hypothesis %q (%s); want %s: %v", h.Pattern, h.Summary, LossUnmoved, c.want)
			}
			for _, o := range hs[1:] {
				if o.Pattern == LossUnmoved {
					t.Errorf("%s is not the top hypothesis but %d", LossUnmoved, slices.IndexFunc(hs, func(h Hypothesis) bool { return h.Pattern == LossUnmoved }))
				}
			}
			t.Logf("%s [fit %.3f, %d of %d]", h.Summary, h.Fit, h.Explained, h.Of)
		})
	}
}

// TestStructurelessErrorsGetNoPattern: independent random errors at every
// entry are given None, never a confident pattern. The rate is measured on
// many draws; the acceptance rule bounds it well below one in a hundred.
func TestStructurelessErrorsGetNoPattern(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	const trials = 400
	wrong := 0
	for trial := range trials {
		rows, cols := 2+r.IntN(6), 2+r.IntN(6)
		m := rows * cols
		n, x := randVec(r, m), randVec(r, m)
		a := make([]float64, m)
		for i := range a {
			a[i] = n[i] + 0.5*r.NormFloat64()
		}
		hs := Diagnose(block([]int{rows, cols}, x, a, n))
		if h := top(t, hs); h.Pattern != None && h.Pattern != Few {
			wrong++
			t.Logf("trial %d (%dx%d): confident %q: %s [fit %.3f]", trial, rows, cols, h.Pattern, h.Summary, h.Fit)
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d structureless errors were given a pattern", wrong, trials)
	}
}

// TestRoundoffLevel: float32-sized disagreements without structure are
// named as round-off, and a structured bug of the same size is not.
func TestRoundoffLevel(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	n, x := randVec(r, 40), randVec(r, 40)
	a := make([]float64, 40)
	for i := range a {
		a[i] = n[i] + 1e-5*r.NormFloat64()
	}
	b := block([]int{40}, x, a, n)
	b.Eps = 0x1p-24
	for i := range b.Tol { // float32 thresholds: rtol 2.4e-4 would pass these, so shrink to make them fail
		b.Tol[i] = 1e-6
		b.Fail[i] = math.Abs(a[i]-n[i]) > b.Tol[i]
	}
	if h := top(t, Diagnose(b)); h.Pattern != Noise {
		t.Errorf("round-off-sized errors: got %q (%s), want %q", h.Pattern, h.Summary, Noise)
	}
	for i := range a {
		a[i] = n[i] * (1 + 1e-4)
		b.Fail[i] = math.Abs(a[i]-n[i]) > b.Tol[i]
	}
	if h := top(t, Diagnose(b)); h.Pattern != Scale {
		t.Errorf("a 1e-4 scale error: got %q (%s), want %q", h.Pattern, h.Summary, Scale)
	}
}

// TestRoundoffLevelAdvice: the round-off hypothesis advises a check in
// float64 only where the block is not in float64 already. Found by a test of
// log-softmax Jacobians at large logits, whose float64 report told the
// reader to check in float64.
func TestRoundoffLevelAdvice(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	n, x := randVec(r, 40), randVec(r, 40)
	a := make([]float64, 40)
	for i := range a {
		a[i] = n[i] + 1e-10*r.NormFloat64()
	}
	for _, c := range []struct {
		eps    float64
		advice bool
	}{{0x1p-24, true}, {0x1p-53, false}} {
		b := block([]int{40}, x, a, n)
		b.Eps = c.eps
		for i := range b.Tol { // thresholds small enough that these fail
			b.Tol[i] = 1e-12
			b.Fail[i] = math.Abs(a[i]-n[i]) > b.Tol[i]
		}
		h := top(t, Diagnose(b))
		if h.Pattern != Noise {
			t.Fatalf("eps %g: got %q (%s), want %q", c.eps, h.Pattern, h.Summary, Noise)
		}
		if got := strings.Contains(h.Summary, "check in float64"); got != c.advice {
			t.Errorf("eps %g: summary %q: advice to check in float64 is %v, want %v", c.eps, h.Summary, got, c.advice)
		}
	}
}

// TestSampledBlock: a transpose is found from a sample that holds both
// entries of enough pairs, and the hypotheses speak only of checked entries.
func TestSampledBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	const R, C = 8, 8
	full := randVec(r, R*C)
	x := randVec(r, R*C)
	var b Block
	b.Shape, b.Eps = []int{R, C}, 0x1p-53
	for i := range R * C {
		if i%3 == 0 { // every third entry: the sample
			continue
		}
		ii, jj := i/C, i%C
		b.Index = append(b.Index, i)
		b.X = append(b.X, x[i])
		b.N = append(b.N, full[i])
		b.A = append(b.A, full[jj*C+ii])
		b.Tol = append(b.Tol, 1e-9)
		b.Fail = append(b.Fail, math.Abs(full[jj*C+ii]-full[i]) > 1e-9)
	}
	if h := top(t, Diagnose(b)); h.Pattern != Transpose {
		t.Errorf("sampled transpose: got %q (%s)", h.Pattern, h.Summary)
	}
}

// TestPropertyScaleTransposeShift: over random shapes and factors the
// planted pattern is the top hypothesis.
func TestPropertyScaleTransposeShift(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		rows := rapid.IntRange(3, 9).Draw(rt, "rows")
		cols := rapid.IntRange(3, 9).Draw(rt, "cols")
		seed := rapid.Uint64().Draw(rt, "seed")
		r := rand.New(rand.NewPCG(seed, 7))
		m := rows * cols
		n, x := randVec(r, m), randVec(r, m)
		kind := rapid.SampledFrom([]string{Scale, Transpose, Shift}).Draw(rt, "kind")
		a := make([]float64, m)
		switch kind {
		case Scale:
			c := rapid.SampledFrom([]float64{2, 0.5, 1.0 / 3, 8, 1 / math.Sqrt(64), 1 / math.Sqrt(10), -3}).Draw(rt, "c")
			for i := range a {
				a[i] = c * n[i]
			}
		case Transpose:
			for i := range rows {
				for j := range cols {
					a[j*rows+i] = n[i*cols+j]
				}
			}
		case Shift:
			for i := 1; i < rows; i++ {
				for j := range cols {
					a[i*cols+j] = n[(i-1)*cols+j]
				}
			}
		}
		hs := Diagnose(block([]int{rows, cols}, x, a, n))
		if len(hs) == 0 {
			rt.Fatalf("no hypothesis")
		}
		want := kind
		if kind == Scale && a[0] == -3*n[0] {
			want = Scale
		}
		if hs[0].Pattern != want {
			rt.Fatalf("planted %s in %dx%d, top hypothesis %q: %s; all %+v", kind, rows, cols, hs[0].Pattern, hs[0].Summary, hs)
		}
		if kind == Shift && hs[0].Axis != 0 {
			rt.Fatalf("shift along axis 0 reported on axis %d", hs[0].Axis)
		}
	})
}

// BenchmarkDiagnose measures a 512×512 block whose every entry fails
// without structure: the worst case, every hypothesis tried on every entry.
func BenchmarkDiagnose(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	const m = 512 * 512
	n, x := randVec(r, m), randVec(r, m)
	a := make([]float64, m)
	for i := range a {
		a[i] = n[i] + r.NormFloat64()
	}
	blk := block([]int{512, 512}, x, a, n)
	for b.Loop() {
		Diagnose(blk)
	}
}

// TestNoneSaysWhichEntriesAreMissing checks that a block without a pattern
// tells entries that were not checked from checked entries that gave no
// numeric value to fit: a full check whose three inconclusive entries were
// left out had read "only 9 of its 12 entries were checked".
func TestNoneSaysWhichEntriesAreMissing(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	x, a, n := randVec(r, 12), randVec(r, 12), randVec(r, 12)
	cut := func(b Block, keep int) Block {
		b.Index, b.X, b.A, b.N, b.Tol, b.Fail = b.Index[:keep], b.X[:keep], b.A[:keep], b.N[:keep], b.Tol[:keep], b.Fail[:keep]
		return b
	}
	for _, tc := range []struct {
		checked int
		want    string
		not     []string
	}{
		{0, "only 9 of its 12 entries were checked, and", []string{"numeric value"}},
		{12, "; 3 of its 12 entries gave no numeric value to fit", []string{"were checked", "check the whole block"}},
		{10, "only 10 of its 12 entries were checked and 1 of those gave no numeric value to fit", nil},
	} {
		b := cut(block([]int{3, 4}, x, a, n), 9)
		b.Checked = tc.checked
		h := top(t, Diagnose(b))
		if h.Pattern != None {
			t.Fatalf("Checked %d: top hypothesis %v (%s), want none", tc.checked, h.Pattern, h.Summary)
		}
		if !strings.Contains(h.Summary, tc.want) {
			t.Errorf("Checked %d: summary %q does not say %q", tc.checked, h.Summary, tc.want)
		}
		for _, s := range tc.not {
			if strings.Contains(h.Summary, s) {
				t.Errorf("Checked %d: summary %q says %q", tc.checked, h.Summary, s)
			}
		}
	}
	b := block([]int{3, 4}, x, a, n)
	if h := top(t, Diagnose(b)); strings.Contains(h.Summary, "of its 12 entries") {
		t.Errorf("a block whose every entry has a value: summary %q speaks of missing entries", h.Summary)
	}
}

// TestZeroOneEntry checks that a block of one entry whose analytic value is
// zero to the bit, against a numeric value that is not, is diagnosed as
// zero (a scalar parameter whose gradient the backward pass drops), and
// that one whose analytic value is merely small gets no pattern.
func TestZeroOneEntry(t *testing.T) {
	for _, tc := range []struct {
		a    float64
		want string
	}{
		{0, Zero},
		{1e-3, None},
		{-3.683, None},
	} {
		h := top(t, Diagnose(block([]int{1}, []float64{0.3}, []float64{tc.a}, []float64{3.683})))
		if h.Pattern != tc.want {
			t.Errorf("analytic %v against numeric 3.683: pattern %v (%s), want %v", tc.a, h.Pattern, h.Summary, tc.want)
		}
	}
}
