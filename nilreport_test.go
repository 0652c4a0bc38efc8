package gradcheck_test

import (
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestNilReportAccessors: the accessors of a nil *Report, what a check
// returns together with an error that stops it before it starts, answer
// as OK, String and WriteText already did instead of panicking; Summary,
// Checked, Count and Block were nil dereferences. And WorstEntries with
// a negative n returns no entries: it sliced es[:n], a panic.
func TestNilReportAccessors(t *testing.T) {
	var r *gradcheck.Report
	calls := []struct {
		name string
		fn   func() any
		want any
	}{
		{"Summary", func() any { return r.Summary() }, "gradcheck: no report"},
		{"Checked", func() any { return r.Checked() }, 0},
		{"Count", func() any { return r.Count(gradcheck.Mismatch) }, 0},
		{"Block", func() any { return r.Block("x") == nil }, true},
		{"WorstEntries(b, -1)", func() any {
			b := &gradcheck.BlockReport{Name: "x", Shape: []int{2}, Entries: []gradcheck.Entry{{Index: 0}, {Index: 1, Verdict: gradcheck.Mismatch}}}
			return len(gradcheck.WorstEntries(b, -1))
		}, 0},
	}
	for _, c := range calls {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s panicked: %v", c.name, p)
				}
			}()
			if got := c.fn(); got != c.want {
				t.Errorf("%s = %v, want %v", c.name, got, c.want)
			}
		}()
	}
}
