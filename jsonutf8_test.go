package gradcheck_test

import (
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestJSONRefusesInvalidUTF8: a hand-built report whose strings are not
// valid UTF-8 was encoded with U+FFFD for the bad bytes, silently: the
// report read back named block "W\xff" "W\ufffd", another block, and its
// sweep no longer matched it. Check refuses such names; encoding a
// report that holds one is now an error naming the string.
func TestJSONRefusesInvalidUTF8(t *testing.T) {
	good := func() *gradcheck.Report {
		return &gradcheck.Report{Precision: "float64",
			Hazards: []gradcheck.Hazard{{Kind: gradcheck.NotReentrant, Detail: "d"}},
			Blocks: []gradcheck.BlockReport{{Name: "W", Shape: []int{2},
				Diagnoses: []gradcheck.Diagnosis{{Pattern: gradcheck.PatternScale, Summary: "s"}}}},
			Sweeps:  []gradcheck.EntrySweep{{Block: "W", Name: "W[0]"}},
			Regions: []gradcheck.Region{{Block: "W", Lo: 0, Hi: 2, Parts: 2}},
		}
	}
	var sb strings.Builder
	if err := good().WriteJSON(&sb); err != nil {
		t.Fatalf("a valid report: %v", err)
	}
	for _, c := range []struct {
		where string
		spoil func(r *gradcheck.Report)
	}{
		{"its precision", func(r *gradcheck.Report) { r.Precision = "float\xff" }},
		{"the detail of hazard 0", func(r *gradcheck.Report) { r.Hazards[0].Detail = "d\xff" }},
		{"the name of block 0", func(r *gradcheck.Report) { r.Blocks[0].Name = "W\xff" }},
		{`the pattern of diagnosis 0 of block "W"`, func(r *gradcheck.Report) { r.Blocks[0].Diagnoses[0].Pattern = "p\xff" }},
		{`the summary of diagnosis 0 of block "W"`, func(r *gradcheck.Report) { r.Blocks[0].Diagnoses[0].Summary = "s\xff" }},
		{"the block of sweep 0", func(r *gradcheck.Report) { r.Sweeps[0].Block = "W\xff" }},
		{"the name of sweep 0", func(r *gradcheck.Report) { r.Sweeps[0].Name = "W\xff[0]" }},
		{"the block of region 0", func(r *gradcheck.Report) { r.Regions[0].Block = "W\xff" }},
	} {
		r := good()
		c.spoil(r)
		var sb strings.Builder
		err := r.WriteJSON(&sb)
		if err == nil || !strings.Contains(err.Error(), c.where) || !strings.Contains(err.Error(), "not valid UTF-8") {
			t.Errorf("%s not valid UTF-8: WriteJSON gave %v, want an error naming %s", c.where, err, c.where)
		}
	}
}
