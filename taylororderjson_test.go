package gradcheck_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestJSONTaylorOrderRoundTrip: every float32 TaylorOrder reads back from
// the JSON written for it to the bit. Its shortest float32 decimal read as
// a float64 and then rounded to float32 rounds twice, and 7.038531e-26,
// the shortest decimal of the float32 0x15ae43fd, read back as its
// neighbour 0x15ae43fe: of the 2³¹ non-negative finite float32 values it
// was the only one. Values of float64 range beyond float32's read as
// ±Inf, as a float64 TaylorOrder of an older release would convert; a
// value beyond float64's is refused, as for every other number.
func TestJSONTaylorOrderRoundTrip(t *testing.T) {
	vals := []float32{0x1.5c87fap-84, 0, float32(math.Copysign(0, -1)), 1.98, 2, 1, -1,
		math.SmallestNonzeroFloat32, 0x1p-126, math.MaxFloat32, -math.MaxFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	if math.Float32bits(vals[0]) != 0x15ae43fd {
		t.Fatalf("the first value is %#x", math.Float32bits(vals[0]))
	}
	r := rand.New(rand.NewPCG(5, 8))
	for range 20000 {
		vals = append(vals, math.Float32frombits(r.Uint32()))
	}
	rep := &gradcheck.Report{Precision: "float64", Blocks: []gradcheck.BlockReport{{Name: "x", Shape: []int{len(vals)}}}}
	for i, v := range vals {
		rep.Blocks[0].Entries = append(rep.Blocks[0].Entries, gradcheck.Entry{Index: i, Verdict: gradcheck.Inconclusive, Refined: true, TaylorOrder: v, Left: math.NaN(), Right: math.NaN()})
	}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back gradcheck.Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		got := back.Blocks[0].Entries[i].TaylorOrder
		if math.Float32bits(got) != math.Float32bits(v) && !(got != got && v != v) {
			t.Errorf("TaylorOrder %v (%#x) read back as %v (%#x)", v, math.Float32bits(v), got, math.Float32bits(got))
		}
	}

	one := func(order string) (float32, error) {
		data, err := json.Marshal(&gradcheck.Report{Precision: "float64", Blocks: []gradcheck.BlockReport{{Name: "x", Shape: []int{1},
			Entries: []gradcheck.Entry{{Verdict: gradcheck.Inconclusive, Refined: true, TaylorOrder: 1.5}}}}})
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(data), `"taylor_order":1.5`, `"taylor_order":`+order, 1)
		if s == string(data) {
			t.Fatalf("no taylor_order in %s", data)
		}
		var rep gradcheck.Report
		if err := json.Unmarshal([]byte(s), &rep); err != nil {
			return 0, err
		}
		return rep.Blocks[0].Entries[0].TaylorOrder, nil
	}
	for _, tc := range []struct {
		in   string
		want float32 // NaN: refused
	}{
		{"1e300", float32(math.Inf(1))},
		{"-1e300", float32(math.Inf(-1))},
		{"1e-300", 0},
		{"-1e-300", float32(math.Copysign(0, -1))},
		{"-0", float32(math.Copysign(0, -1))},
		{"7.038531e-26", 0x1.5c87fap-84},
		{`"+Inf"`, float32(math.Inf(1))},
		{"1.9800000190734863", 1.98},
		{"1e400", float32(math.NaN())},
		{`"nan"`, float32(math.NaN())},
		{`"1.5"`, float32(math.NaN())},
	} {
		got, err := one(tc.in)
		switch {
		case tc.want != tc.want:
			if err == nil {
				t.Errorf("taylor_order %s read as %v, want an error", tc.in, got)
			}
		case err != nil:
			t.Errorf("taylor_order %s: %v", tc.in, err)
		case math.Float32bits(got) != math.Float32bits(tc.want):
			t.Errorf("taylor_order %s read as %v (%#x), want %v (%#x)", tc.in, got, math.Float32bits(got), tc.want, math.Float32bits(tc.want))
		}
	}
}
