package gradcheck_test

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/demo"
	"github.com/gradcheck/gradcheck/internal/golden"
)

// jsonRoundTrip writes rep with WriteJSON and reads it back with ReadJSON.
func jsonRoundTrip(t testing.TB, rep *gradcheck.Report) *gradcheck.Report {
	t.Helper()
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	back, err := gradcheck.ReadJSON(&buf)
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	return back
}

// sameReport compares reports with floats compared bit for bit (so NaN
// equals NaN and −0 differs from +0) and nil equal to empty slices, which
// the encoding does not tell apart.
var sameReport = []cmp.Option{
	cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }),
	cmpopts.EquateEmpty(),
}

// edgeReport holds every kind of value the encoding must carry: NaN, ±Inf,
// −0, subnormals, extreme magnitudes, every verdict and hazard kind, a
// diagnosis, and a seed above 2^53 that a float64 cannot hold.
func edgeReport() *gradcheck.Report {
	nan, inf := math.NaN(), math.Inf(1)
	return &gradcheck.Report{
		Precision: "float32",
		Evals:     123,
		GradEvals: 2,
		Sampled:   true,
		Seed:      math.MaxUint64,
		Sample:    7,
		Hazards: []gradcheck.Hazard{
			{Kind: gradcheck.NotReentrant, Detail: "a \"quoted\" detail\nwith a newline and ‖unicode‖"},
			{Kind: gradcheck.HiddenState, Fatal: true, Detail: "x"},
			{Kind: gradcheck.Nondeterministic}, {Kind: gradcheck.LossMutates}, {Kind: gradcheck.GradientMutates},
			{Kind: gradcheck.TermWrong}, {Kind: gradcheck.TermsDontSum}, {Kind: gradcheck.NotConcurrent, Detail: "with 2 workers the loss at W[3] = 0.7000005 was 1.234 on a worker and 1.2345 on the model alone"},
		},
		Blocks: []gradcheck.BlockReport{
			{
				Name: "W1", Shape: []int{2, 3}, RelErr: 0.25,
				Entries: []gradcheck.Entry{
					{Index: 0, Verdict: gradcheck.OK, Analytic: 1.0 / 3, Numeric: math.Nextafter(1.0/3, 1), ErrEst: 1e-300, Step: 4.76837158203125e-06, Left: nan, Right: nan},
					{Index: 1, Verdict: gradcheck.Mismatch, Analytic: math.Copysign(0, -1), Numeric: math.SmallestNonzeroFloat64, ErrEst: math.MaxFloat64, Step: 0.1, Left: nan, Right: nan, Refined: true},
					{Index: 2, Verdict: gradcheck.Kink, Analytic: 0.5, Numeric: 0.5, ErrEst: 1e-9, Step: 0.1, Left: -1, Right: 1, Refined: true, TaylorOrder: 1.98},
					{Index: 3, Verdict: gradcheck.Inconclusive, Analytic: 2, Numeric: nan, ErrEst: inf, Step: 0.1, Left: nan, Right: nan, Refined: true, Jumped: true},
					{Index: 4, Verdict: gradcheck.NonFinite, Analytic: -7, Numeric: nan, ErrEst: inf, Step: 0.1, Left: math.Inf(-1), Right: inf, Refined: true},
					{Index: 5, Verdict: gradcheck.OK, Analytic: 3, Numeric: 3.0000001, ErrEst: 2e-8, Step: 0.1, Left: nan, Right: nan, Refined: true, Side: -1},
				},
				Diagnoses: []gradcheck.Diagnosis{
					{Pattern: gradcheck.PatternScale, Summary: "scaled by 2", Factor: 2, Axis: -1, Fit: 0.99, Explained: 3, Of: 4},
					{Pattern: gradcheck.PatternEdge, Summary: "edge", Axis: 1, Fit: 1, Explained: 1, Of: 4, Entries: []int{0, 5}},
				},
			},
			{Name: "b", Shape: []int{1}, Entries: []gradcheck.Entry{{Index: 0, Analytic: 1, Numeric: 1, Left: nan, Right: nan}}},
			{Name: "empty", Shape: []int{4}},
		},
		Sweeps: []gradcheck.EntrySweep{{
			Block: "W1", Index: 1, Name: "W1[0,1]", Value: -0.25, Analytic: math.Copysign(0, -1), CheckStep: 4.76837158203125e-06,
			Points: []gradcheck.SweepPoint{
				{Step: 0.1, Central: 1.5, Forward: 1.75, Backward: 1.25, Err: 1.5, RoundOff: 1e-15},
				{Step: 1e-300, Central: nan, Forward: inf, Backward: math.Inf(-1), Err: nan, RoundOff: nan},
			},
		}},
	}
}

func demoReports(t *testing.T) map[string]*gradcheck.Report {
	t.Helper()
	out := map[string]*gradcheck.Report{}
	for name, bug := range map[string]bool{"demo-correct": false, "demo-bug": true} {
		m := demo.New(bug).Model()
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatalf("checking %s: %v", name, err)
		}
		if err := gradcheck.SweepWorst(m, rep, 2, nil); err != nil {
			t.Fatalf("sweeping %s: %v", name, err)
		}
		out[name] = rep
	}
	return out
}

func TestJSONRoundTrip(t *testing.T) {
	reps := demoReports(t)
	reps["edge"] = edgeReport()
	reps["empty"] = &gradcheck.Report{Precision: "float64"}
	for name, rep := range reps {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(rep)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			var got gradcheck.Report
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("json.Unmarshal of\n%s\n: %v", b, err)
			}
			if d := cmp.Diff(rep, &got, sameReport...); d != "" {
				t.Errorf("decoded report differs from the encoded one (-encoded +decoded):\n%s", d)
			}
			got2 := jsonRoundTrip(t, rep)
			if d := cmp.Diff(rep, got2, sameReport...); d != "" {
				t.Errorf("WriteJSON then ReadJSON changed the report (-before +after):\n%s", d)
			}
		})
	}
}

// TestJSONNonFinite checks the encoding of the values JSON numbers cannot
// hold, and that the output is valid JSON to a strict reader.
func TestJSONNonFinite(t *testing.T) {
	b, err := json.Marshal(edgeReport())
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("output is not valid JSON:\n%s", b)
	}
	var raw struct {
		Seed   string `json:"seed"`
		Blocks []struct {
			Entries []map[string]any `json:"entries"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Seed != "18446744073709551615" {
		t.Errorf("seed = %q, want the decimal string of 2^64−1", raw.Seed)
	}
	for _, c := range []struct {
		entry int
		field string
		want  any
	}{
		{0, "left", "NaN"},
		{3, "err_est", "+Inf"},
		{3, "numeric", "NaN"},
		{4, "left", "-Inf"},
		{2, "left", -1.0},
		{0, "name", "W1[0,0]"},
		{5, "name", "W1[1,2]"},
		{1, "verdict", "mismatch"},
	} {
		if got := raw.Blocks[0].Entries[c.entry][c.field]; got != c.want {
			t.Errorf("entry %d field %q = %#v, want %#v", c.entry, c.field, got, c.want)
		}
	}
}

func TestJSONRejects(t *testing.T) {
	good, err := json.Marshal(edgeReport())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, old, new, want string
	}{
		{"no version", `"schema_version":1,`, ``, "no schema_version"},
		{"newer version", `"schema_version":1,`, `"schema_version":99,`, "newer"},
		{"unknown verdict", `"verdict":"kink"`, `"verdict":"maybe"`, `unknown verdict "maybe"`},
		{"unknown hazard", `"kind":"hidden-state"`, `"kind":"gremlins"`, `unknown kind "gremlins"`},
		{"index out of block", `"index":5,`, `"index":6,`, "index 6 outside its 6 entries"},
		{"bad float string", `"err_est":"+Inf"`, `"err_est":"lots"`, `"lots" is not a number`},
		{"bad shape", `"shape":[2,3]`, `"shape":[2,0]`, "axis 1 is 0"},
		// 3·3074457345618258603 wraps to −2⁶³ + 1, 2·2⁶² to −2⁶³.
		{"shape overflow", `"shape":[2,3]`, `"shape":[3,3074457345618258603]`, "overflows an int"},
		{"shape overflow to MinInt", `"shape":[2,3]`, `"shape":[2,4611686018427387904]`, "overflows an int"},
		{"shape overflow, no entries", `"shape":[4]`, `"shape":[3,3074457345618258603]`, `block "empty" has shape [3 3074457345618258603], whose number of entries overflows an int`},
		{"more entries than the shape", `"shape":[2,3]`, `"shape":[1,3]`, "6 entries, more than the 3 of its shape [1 3]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := strings.Replace(string(good), c.old, c.new, 1)
			if bad == string(good) {
				t.Fatalf("test is broken: %q does not occur in the encoding", c.old)
			}
			_, err := gradcheck.ReadJSON(strings.NewReader(bad))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ReadJSON error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestJSONUnknownFieldsIgnored is the forward-compatibility promise: a
// reader of this version ignores fields added later in the same version.
func TestJSONUnknownFieldsIgnored(t *testing.T) {
	good, err := json.Marshal(edgeReport())
	if err != nil {
		t.Fatal(err)
	}
	extended := strings.Replace(string(good), `"precision":`, `"added_later":{"x":[1,2]},"precision":`, 1)
	extended = strings.Replace(extended, `"index":2,`, `"index":2,"new_field":"NaN",`, 1)
	got, err := gradcheck.ReadJSON(strings.NewReader(extended))
	if err != nil {
		t.Fatalf("ReadJSON with unknown fields: %v", err)
	}
	if d := cmp.Diff(edgeReport(), got, sameReport...); d != "" {
		t.Errorf("unknown fields changed the decoded report (-want +got):\n%s", d)
	}
}

// TestJSONCoversEveryField fails when a field is added to a report type
// without being added to the JSON schema: update json.go, its test report
// above and docs/report-schema.md, then this list.
func TestJSONCoversEveryField(t *testing.T) {
	for _, c := range []struct {
		typ    any
		fields string
	}{
		{gradcheck.Report{}, "Precision Blocks Hazards Evals GradEvals Sampled Seed Sample Judging Sweeps Directions Regions Shard Shards SetupEvals SetupGradEvals NoiseEvals NoiseGradEvals Partial"},
		{gradcheck.Judging{}, "Step Atol Rtol K Noise"},
		{gradcheck.DirectionResult{}, "Index Verdict Analytic Numeric ErrEst Threshold Step Refined Located Excluded"},
		{gradcheck.Region{}, "Block Lo Hi Parts"},
		{gradcheck.BlockReport{}, "Name Shape Entries RelErr Diagnoses"},
		{gradcheck.Entry{}, "Index Verdict Analytic Numeric ErrEst Step Left Right Refined Side TaylorOrder Jumped"},
		{gradcheck.Hazard{}, "Kind Detail Fatal"},
		{gradcheck.Diagnosis{}, "Pattern Summary Factor Axis Fit Explained Of Entries"},
		{gradcheck.EntrySweep{}, "Block Index Name Value Analytic CheckStep Points"},
		{gradcheck.SweepPoint{}, "Step Central Forward Backward Err RoundOff"},
	} {
		rt := reflect.TypeOf(c.typ)
		var got []string
		for i := range rt.NumField() {
			got = append(got, rt.Field(i).Name)
		}
		if d := cmp.Diff(strings.Fields(c.fields), got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); d != "" {
			t.Errorf("%s has fields the JSON schema does not know, or lost some (-schema +type):\n%s", rt.Name(), d)
		}
	}
}

// TestGolden compares the text and JSON renderings of a fixed report with
// the files under testdata/golden. After an intended change of a rendering,
// run `go test -run TestGolden -update` and review the diff.
func TestGolden(t *testing.T) {
	rep := edgeReport()
	var js, txt bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	for file, got := range map[string][]byte{"edge.json": js.Bytes(), "edge.txt": txt.Bytes()} {
		golden.Check(t, filepath.Join("testdata", "golden", file), got)
	}
}
