package gradcheck_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// judgingShard checks shard i of n of a two-block smooth model with the
// options o, and reads it back from JSON, as Merge gets the shards of
// other machines.
func judgingShard(t *testing.T, i, n int, o gradcheck.Options) *gradcheck.Report {
	t.Helper()
	o.Shard, o.Shards = i, n
	r, err := gradcheck.Check(newSmooth(1, 20, 30).model(), &o)
	if err != nil {
		t.Fatal(err)
	}
	return jsonRoundTrip(t, r)
}

// TestMergeRefusesOtherJudging: Merge joined shards checked with other
// Rtol, Atol, K, Step or Noise into one report, whose verdicts then meant
// different things (Rtol: 1e-2 on one shard of two merged without a
// word). The report now holds the settings it was judged with, and Merge
// refuses shards whose settings differ, naming the setting and both
// values.
func TestMergeRefusesOtherJudging(t *testing.T) {
	base := gradcheck.Options{Rtol: 1e-7, Step: 1e-5}
	for _, c := range []struct {
		name  string
		other func(o *gradcheck.Options)
		want  string
	}{
		{"Rtol", func(o *gradcheck.Options) { o.Rtol = 1e-3 }, "Rtol 1e-07 and 0.001"},
		{"Step", func(o *gradcheck.Options) { o.Step = 2e-5 }, "Step 1e-05 and 2e-05"},
		{"Atol", func(o *gradcheck.Options) { o.Atol = 1e-9 }, "Atol 0 and 1e-09"},
		{"K", func(o *gradcheck.Options) { o.K = 8 }, "K 4 and 8"},
		{"Noise", func(o *gradcheck.Options) { o.Noise = 1e-12 }, "Noise 0 and 1e-12"},
	} {
		other := base
		c.other(&other)
		for _, order := range []string{"in order", "reversed"} {
			a, b := judgingShard(t, 0, 2, base), judgingShard(t, 1, 2, other)
			reports := []*gradcheck.Report{a, b}
			if order == "reversed" {
				reports = []*gradcheck.Report{b, a}
			}
			_, err := gradcheck.Merge(reports...)
			want := "gradcheck: Merge: shard 1 is not of the same check as shard 0: " + c.want
			if err == nil || err.Error() != want {
				t.Errorf("%s, %s: Merge error %v, want %q", c.name, order, err, want)
			}
		}
	}
	// Shards of one check merge, and the merged report holds their
	// settings: here an Rtol given on one shard and left to its default
	// on the other, which resolve to the same value.
	def := judgingShard(t, 0, 3, gradcheck.Options{})
	explicit := gradcheck.Options{Rtol: def.Judging.Rtol, K: 4}
	got, err := gradcheck.Merge(judgingShard(t, 2, 3, explicit), def, judgingShard(t, 1, 3, gradcheck.Options{}))
	if err != nil {
		t.Fatalf("shards of one check: %v", err)
	}
	if got.Judging != def.Judging {
		t.Errorf("merged Judging %+v, want the shards' %+v", got.Judging, def.Judging)
	}
}

// TestJudgingResolved: the report holds the settings as the check
// resolved them (defaults applied, the step of a noisy loss grown), and
// its JSON round trip keeps them, NaN, −0 and ±Inf of a hand-built report
// bit for bit.
func TestJudgingResolved(t *testing.T) {
	m := newSmooth(2, 5).model()
	def, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Rtol 16·ε^(2/3) and Step ε^(1/3) of float64, ε = 2⁻⁵³ (options.go).
	const eps = 0x1p-53
	if j := def.Judging; j.K != 4 || j.Atol != 0 || j.Noise != 0 ||
		math.Abs(j.Rtol/(16*math.Cbrt(eps*eps))-1) > 1e-12 || math.Abs(j.Step/math.Cbrt(eps)-1) > 1e-12 {
		t.Errorf("default Judging %+v", j)
	}
	noisy, err := gradcheck.Check(m, &gradcheck.Options{Noise: 1e-9, Rtol: 1e-6, Atol: 1e-12, K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := (gradcheck.Judging{Step: 1e-3, Atol: 1e-12, Rtol: 1e-6, K: 3, Noise: 1e-9}); math.Abs(noisy.Judging.Step/want.Step-1) > 1e-12 || noisy.Judging.Atol != want.Atol ||
		noisy.Judging.Rtol != want.Rtol || noisy.Judging.K != want.K || noisy.Judging.Noise != want.Noise {
		t.Errorf("Judging %+v, want %+v (Step ∛Noise)", noisy.Judging, want)
	}
	for _, r := range []*gradcheck.Report{def, noisy} {
		if back := jsonRoundTrip(t, r); back.Judging != r.Judging {
			t.Errorf("JSON round trip changed Judging %+v into %+v", r.Judging, back.Judging)
		}
	}
	var buf bytes.Buffer
	if err := noisy.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"judging": {`) || !strings.Contains(buf.String(), `"rtol": 1e-06`) {
		t.Errorf("the JSON does not hold the settings:\n%s", buf.String())
	}
	odd := &gradcheck.Report{Precision: "float64", Judging: gradcheck.Judging{Step: math.NaN(), Atol: math.Copysign(0, -1), Rtol: math.Inf(1), K: math.Inf(-1), Noise: math.SmallestNonzeroFloat64}}
	back := jsonRoundTrip(t, odd)
	for _, p := range [][2]float64{{odd.Judging.Step, back.Judging.Step}, {odd.Judging.Atol, back.Judging.Atol}, {odd.Judging.Rtol, back.Judging.Rtol}, {odd.Judging.K, back.Judging.K}, {odd.Judging.Noise, back.Judging.Noise}} {
		if math.Float64bits(p[0]) != math.Float64bits(p[1]) {
			t.Errorf("JSON round trip changed Judging %+v into %+v", odd.Judging, back.Judging)
			break
		}
	}
	// A NaN setting equals itself: two such shards are one check.
	a, b := judgingShard(t, 0, 2, gradcheck.Options{}), judgingShard(t, 1, 2, gradcheck.Options{})
	a.Judging.Noise, b.Judging.Noise = math.NaN(), math.NaN()
	if _, err := gradcheck.Merge(a, b); err != nil {
		t.Errorf("shards of NaN Noise: %v", err)
	}
}

// withoutJudging is r's JSON as a release that did not write the settings
// wrote it, read back.
func withoutJudging(t *testing.T, r *gradcheck.Report) *gradcheck.Report {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	if _, ok := fields["judging"]; !ok {
		t.Fatalf("the JSON of a check has no \"judging\":\n%s", b)
	}
	delete(fields, "judging")
	if b, err = json.Marshal(fields); err != nil {
		t.Fatal(err)
	}
	old, err := gradcheck.ReadJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("ReadJSON of a version 1 report without \"judging\": %v", err)
	}
	return old
}

// TestMergeOldJSONWithoutJudging: a report of schema version 1 written
// before the settings were (no "judging") still reads, with the zero
// Judging, which is not known: Merge compares it with nothing, merges it
// with shards that know theirs, carries those, and still refuses two that
// know theirs and differ.
func TestMergeOldJSONWithoutJudging(t *testing.T) {
	o := gradcheck.Options{Rtol: 1e-7}
	s0, s1, s2 := judgingShard(t, 0, 3, o), judgingShard(t, 1, 3, o), judgingShard(t, 2, 3, o)
	old0, old1, old2 := withoutJudging(t, s0), withoutJudging(t, s1), withoutJudging(t, s2)
	if old0.Judging != (gradcheck.Judging{}) {
		t.Fatalf("a report without \"judging\" read with Judging %+v, want zero", old0.Judging)
	}
	all, err := gradcheck.Merge(old0, old1, old2)
	if err != nil {
		t.Fatalf("old shards: %v", err)
	}
	if all.Judging != (gradcheck.Judging{}) || all.Checked() != 50 {
		t.Errorf("old shards merged with Judging %+v and %d entries, want zero and 50", all.Judging, all.Checked())
	}
	mixed, err := gradcheck.Merge(old0, s1, old2)
	if err != nil {
		t.Fatalf("old shards with a new one: %v", err)
	}
	if mixed.Judging != s1.Judging {
		t.Errorf("merged Judging %+v, want the one shard's that knows it, %+v", mixed.Judging, s1.Judging)
	}
	// Shard 0 knows nothing; shards 1 and 2 are compared with each other.
	_, err = gradcheck.Merge(old0, s1, judgingShard(t, 2, 3, gradcheck.Options{Rtol: 1e-3}))
	if want := "shard 2 is not of the same check as shard 1: Rtol 1e-07 and 0.001"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Merge error %v, want one saying %q", err, want)
	}
}

// TestVectorChecksHoldJudging: the reports of the directional and vector
// checks hold their settings too; ComplexStep's, judged with one
// imaginary step, hold none.
func TestVectorChecksHoldJudging(t *testing.T) {
	o := &gradcheck.Options{Rtol: 1e-6, K: 5}
	x := []float64{0.3, -0.7}
	f := func(dst, x []float64) { dst[0], dst[1] = x[0]*x[1], math.Sin(x[0]) }
	jac := func(dst, x []float64) { dst[0], dst[1], dst[2], dst[3] = x[1], x[0], math.Cos(x[0]), 0 }
	vjp := func(dst, x, w []float64) { dst[0], dst[1] = w[0]*x[1]+w[1]*math.Cos(x[0]), w[0]*x[0] }
	jvp := func(dst, x, v []float64) { dst[0], dst[1] = x[1]*v[0]+x[0]*v[1], math.Cos(x[0])*v[0] }
	grad := func(dst, x []float64) { dst[0], dst[1] = 3*x[0]*x[0]*x[1], x[0]*x[0]*x[0] }
	hess := func(dst, x []float64) { dst[0], dst[1], dst[2], dst[3] = 6*x[0]*x[1], 3*x[0]*x[0], 3*x[0]*x[0], 0 }
	hvp := func(dst, x, v []float64) {
		dst[0], dst[1] = 6*x[0]*x[1]*v[0]+3*x[0]*x[0]*v[1], 3*x[0]*x[0]*v[0]
	}
	loss := func(x []float64) float64 { return x[0] * x[0] * x[0] * x[1] }
	for _, c := range []struct {
		name string
		run  func() (*gradcheck.Report, error)
	}{
		{"Jacobian", func() (*gradcheck.Report, error) { return gradcheck.Jacobian(f, jac, 2, x, o) }},
		{"VJP", func() (*gradcheck.Report, error) { return gradcheck.VJP(f, vjp, 2, x, o) }},
		{"JVP", func() (*gradcheck.Report, error) { return gradcheck.JVP(f, jvp, 2, x, o) }},
		{"Hessian", func() (*gradcheck.Report, error) { return gradcheck.Hessian(grad, hess, x, o) }},
		{"HVP", func() (*gradcheck.Report, error) { return gradcheck.HVP(grad, hvp, x, o) }},
		{"directional", func() (*gradcheck.Report, error) {
			d := *o
			d.Directions = 3
			return gradcheck.Gradient(loss, grad, append([]float64(nil), x...), &d)
		}},
	} {
		rep, err := c.run()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !rep.OK() {
			t.Errorf("%s of a right derivative is not OK", c.name)
		}
		if j := rep.Judging; j.Rtol != 1e-6 || j.K != 5 || j.Step == 0 {
			t.Errorf("%s: Judging %+v, want Rtol 1e-6, K 5 and a step", c.name, j)
		}
	}
	fc := func(z []complex128) complex128 { return z[0] * z[0] * z[0] * z[1] }
	rep, err := gradcheck.ComplexStep(fc, grad, x, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Judging != (gradcheck.Judging{}) {
		t.Errorf("ComplexStep: Judging %+v, want zero", rep.Judging)
	}
}
