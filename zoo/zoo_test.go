package zoo

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// runAll checks every case of the corpus in both precisions once per test
// binary: the tests below read the same results.
var results = func() func() []Result {
	var rs []Result
	return func() []Result {
		if rs == nil {
			for _, c := range Corpus() {
				for _, p := range Precisions {
					rs = append(rs, Run(c, p, nil))
				}
			}
		}
		return rs
	}
}()

// TestCorrectLayersPass: every correct layer and model passes the checker
// in both precisions with the default options: no false alarm, kinks
// included (ReLU and LeakyReLU at 0, a tie in max pooling, |w| at 0).
func TestCorrectLayersPass(t *testing.T) {
	for _, r := range results() {
		if !r.Case.Correct() {
			continue
		}
		if r.Err != nil {
			t.Errorf("%s in %s: %v", r.Case.Name, r.Precision, r.Err)
		} else if r.Flagged {
			t.Errorf("%s in %s: a correct layer is flagged:\n%s", r.Case.Name, r.Precision, r.Report)
		}
	}
}

// TestBugsDetected: every bug above the resolution is flagged, in both
// precisions. A bug of class state is flagged by a hazard; any other by
// failing entries.
func TestBugsDetected(t *testing.T) {
	for _, r := range results() {
		c := r.Case
		if c.Correct() || r.BelowResolution {
			continue
		}
		switch {
		case r.Err != nil:
			t.Errorf("%s in %s: %v", c.Name, r.Precision, r.Err)
		case !r.Flagged:
			t.Errorf("%s in %s: bug of size %.3g (resolution %.3g) not detected:\n%s",
				c.Name, r.Precision, r.Size, Resolution(UnitRoundoff(r.Precision)), r.Report)
		case c.Class == ClassState && len(r.Hazards) == 0:
			t.Errorf("%s in %s: flagged without a hazard:\n%s", c.Name, r.Precision, r.Report)
		case c.Class != ClassState && len(r.FailingBlocks) == 0:
			t.Errorf("%s in %s: flagged without a failing block:\n%s", c.Name, r.Precision, r.Report)
		}
	}
}

// TestBelowResolutionOnlyWhereExpected: the single-entry errors of 1e-2
// are above the resolution in both precisions, and those of 1e-6 below it
// in float32 and above it in float64, so the split is not vacuous.
func TestBelowResolutionOnlyWhereExpected(t *testing.T) {
	for _, r := range results() {
		switch {
		case r.Case.RelSize == 0 && r.BelowResolution:
			t.Errorf("%s in %s: a gross bug is below resolution", r.Case.Name, r.Precision)
		case r.Case.RelSize == 1e-2 && r.BelowResolution:
			t.Errorf("%s in %s: an error of 1e-2 is below resolution (size %.3g)", r.Case.Name, r.Precision, r.Size)
		case r.Case.RelSize == 1e-6 && r.BelowResolution != (r.Precision == "float32"):
			t.Errorf("%s in %s: below resolution is %v (size %.3g)", r.Case.Name, r.Precision, r.BelowResolution, r.Size)
		}
	}
}

// TestCorpus: at least 60 bug variants, unique names, and every expected
// pattern names blocks the model has.
func TestCorpus(t *testing.T) {
	seen := map[string]bool{}
	bugs := 0
	for _, c := range Corpus() {
		if seen[c.Name] {
			t.Errorf("duplicate case %s", c.Name)
		}
		seen[c.Name] = true
		if !c.Correct() {
			bugs++
		}
		m := c.New64()
		for _, name := range c.ExpectBlocks {
			found := false
			for _, b := range m.Blocks {
				found = found || b.Name == name
			}
			if !found {
				t.Errorf("%s expects block %s, which the model does not have", c.Name, name)
			}
		}
	}
	if bugs < 60 {
		t.Errorf("%d bug variants, want at least 60", bugs)
	}
}

// TestResolution: (64ε)^(2/3) for the two precisions: 3.7e-10 and 2.4e-4.
func TestResolution(t *testing.T) {
	for _, tc := range []struct {
		prec string
		want float64 // (64·2⁻⁵³)^(2/3) = 2^(−94/3) and (64·2⁻²⁴)^(2/3) = 2⁻¹²
	}{{"float64", math.Exp2(-94.0 / 3)}, {"float32", 0x1p-12}} {
		if got := Resolution(UnitRoundoff(tc.prec)); math.Abs(got-tc.want) > 1e-12*tc.want {
			t.Errorf("Resolution(%s) = %g, want %g", tc.prec, got, tc.want)
		}
	}
}

// TestPrecisionsAgree: the float32 and float64 builds of each correct
// layer compute the same gradient, to float32's accuracy: a layer that is
// right in one precision only would show here.
func TestPrecisionsAgree(t *testing.T) {
	for _, c := range Corpus() {
		if !c.Correct() {
			continue
		}
		m64, m32 := c.New64(), c.New32()
		for _, m := range []func(){m64.Gradient, m32.Gradient} {
			m()
		}
		scale := 0.0
		for _, b := range m64.Blocks {
			for _, g := range b.Grad {
				scale = math.Max(scale, math.Abs(g))
			}
		}
		for k, b := range m64.Blocks {
			for i, g := range b.Grad {
				g32 := float64(m32.Blocks[k].Grad[i])
				// 1e-4 of the gradient's scale: float32 carries 6e-8 per
				// rounding; the deepest model rounds a few hundred times
				// and starts from float32-rounded weights.
				if math.Abs(g-g32) > 1e-4*scale {
					t.Errorf("%s: %s[%d] is %.8g in float64 and %.8g in float32", c.Name, b.Name, i, g, g32)
				}
			}
		}
	}
}

// TestCorrupt: each corruption does to a known gradient what its
// documentation says.
func TestCorrupt(t *testing.T) {
	g0 := []float64{1, 2, 3, 4, 5, 6} // a 3×2 block
	w := []float64{10, 20, 30, 40, 50, 60}
	for _, tc := range []struct {
		c    Corruption
		want []float64
	}{
		{Corruption{Pattern: gradcheck.PatternZero}, []float64{0, 0, 0, 0, 0, 0}},
		{Corruption{Pattern: gradcheck.PatternSign}, []float64{-1, -2, -3, -4, -5, -6}},
		{Corruption{Pattern: gradcheck.PatternScale, Factor: 2}, []float64{2, 4, 6, 8, 10, 12}},
		// The 3×2 gradient as its 2×3 transpose [1 3 5; 2 4 6], row-major.
		{Corruption{Pattern: gradcheck.PatternTranspose}, []float64{1, 3, 5, 2, 4, 6}},
		{Corruption{Pattern: gradcheck.PatternShift}, []float64{0, 0, 1, 2, 3, 4}},
		{Corruption{Pattern: gradcheck.PatternWeightDecay, Factor: 0.1}, []float64{2, 4, 6, 8, 10, 12}},
		{Corruption{Pattern: gradcheck.PatternEdge}, []float64{1, 2, 3, 4, 0, 0}},
		{Corruption{Pattern: gradcheck.PatternFew, Factor: 0.5}, []float64{1, 2, 3, 4, 5, 9}},
	} {
		grad := make([]float64, 6)
		m := &gradcheck.Model[float64]{
			Blocks:   []gradcheck.Block[float64]{{Name: "W", Shape: []int{3, 2}, Value: w, Grad: grad}},
			Loss:     func() float64 { return 0 },
			Gradient: func() { copy(grad, g0) },
		}
		Corrupt(m, "W", tc.c).Gradient()
		for i := range grad {
			if grad[i] != tc.want[i] {
				t.Errorf("%s×%g: W[%d] = %g, want %g (whole block %v)", tc.c.Pattern, tc.c.Factor, i, grad[i], tc.want[i], grad)
				break
			}
		}
	}
}

// TestBatchNormRunningStats: the running statistics change only in
// UpdateRunning, which leaves the loss alone, so the checker sees no hidden
// state; Infer reads them.
func TestBatchNormRunningStats(t *testing.T) {
	n := BatchNormNet[float64]("")
	bn := n.Layers[0].(*BatchNorm[float64])
	before := n.Loss()
	n.Gradient()
	if bn.RunMean[0] != 0 || bn.RunVar[0] != 1 {
		t.Fatalf("Loss or Gradient changed the running statistics: mean %v, var %v", bn.RunMean, bn.RunVar)
	}
	bn.UpdateRunning(0.5)
	if bn.RunMean[0] == 0 || bn.RunVar[0] == 1 {
		t.Errorf("UpdateRunning left the running statistics as they were: mean %v, var %v", bn.RunMean, bn.RunVar)
	}
	if after := n.Loss(); after != before {
		t.Errorf("the training-mode loss changed from %v to %v after UpdateRunning", before, after)
	}
	// With momentum 1 the running statistics are the batch's, and
	// inference reproduces the training-mode output.
	bn.UpdateRunning(1)
	x := n.Input.Value
	y, yi := bn.Forward(x), bn.Infer(x)
	for i := range y {
		if math.Abs(y[i]-yi[i]) > 1e-12 {
			t.Errorf("Infer with the batch's statistics: y[%d] = %v, training-mode %v", i, yi[i], y[i])
		}
	}
	rep, err := gradcheck.Check(n.Model(), nil)
	if err != nil || !rep.OK() {
		t.Errorf("after UpdateRunning the check fails: %v\n%s", err, rep)
	}
}

// TestDropoutMaskReplayed: with Reseed, two losses agree and the mask drops
// about half the entries; without it the loss changes between calls.
func TestDropoutMaskReplayed(t *testing.T) {
	m := DropoutModel[float64]("")
	m.Reseed()
	a := m.Loss()
	m.Reseed()
	if b := m.Loss(); a != b {
		t.Errorf("with Reseed the loss is %v then %v", a, b)
	}
	u := DropoutModel[float64](BugNoReseed)
	if u.Loss() == u.Loss() {
		t.Errorf("without Reseed two losses agree: the mask is not random")
	}
}

// TestKinksExercised: the correct layers with kinks put there on purpose
// (ReLU and LeakyReLU at 0, a tie in max pooling) do get Kink verdicts, so
// TestCorrectLayersPass covers subgradients and not only smooth entries.
func TestKinksExercised(t *testing.T) {
	want := map[string]bool{ReLU: true, LeakyReLU: true, "maxpool2d": true}
	for _, r := range results() {
		if !r.Case.Correct() || !want[r.Case.Name] || r.Report == nil {
			continue
		}
		if r.Report.Count(gradcheck.Kink) == 0 {
			t.Errorf("%s in %s: no entry was judged a kink:\n%s", r.Case.Name, r.Precision, r.Report)
		}
	}
}
