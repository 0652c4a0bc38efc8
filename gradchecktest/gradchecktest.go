// Package gradchecktest runs gradcheck from Go tests. It is silent when a
// gradient is right and reports a readable table of the wrong entries with
// Errorf when it is not; it never stops the test (no Fatal), so one run
// shows every wrong gradient.
package gradchecktest

import (
	"context"

	"github.com/gradcheck/gradcheck"
)

// TB is the part of testing.TB the helpers use, so that they work under
// *testing.T, *testing.B, *testing.F and other runners.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Gradient checks grad, the gradient of f, at x and reports a failure on t
// if any entry is wrong or a hazard is found. It returns the report, or
// nil when the check itself failed (the error is reported on t).
func Gradient(t TB, f func(x []float64) float64, grad func(dst, x []float64), x []float64, opts *gradcheck.Options) *gradcheck.Report {
	t.Helper()
	rep, err := gradcheck.Gradient(f, grad, x, opts)
	return report(t, rep, err)
}

// Model checks the model's gradient and reports a failure on t if any entry
// is wrong or a hazard is found. It returns the report, or nil when the
// check itself failed (the error is reported on t).
func Model[T gradcheck.Float](t TB, m *gradcheck.Model[T], opts *gradcheck.Options) *gradcheck.Report {
	t.Helper()
	rep, err := gradcheck.CheckContext(context.Background(), m, opts)
	return report(t, rep, err)
}

func report(t TB, rep *gradcheck.Report, err error) *gradcheck.Report {
	t.Helper()
	if err != nil {
		t.Errorf("[gradcheck] the check could not run: %v", err)
		return nil
	}
	if !rep.OK() {
		t.Errorf("[gradcheck] %s:\n%s", headline(rep), rep)
	}
	return rep
}

// headline says why a report is not OK: a Mismatch, a wrong region or a
// direction that disagrees says the gradient is wrong; a hazard, or
// entries no step resolved, say the check could not vouch for it (every
// failure once read "the gradient is wrong").
func headline(rep *gradcheck.Report) string {
	wrong := rep.Count(gradcheck.Mismatch) > 0 || len(rep.Regions) > 0
	for _, d := range rep.Directions {
		wrong = wrong || d.Verdict == gradcheck.Mismatch
	}
	switch {
	case wrong:
		return "the gradient is wrong"
	case len(rep.Hazards) > 0:
		return "the check found a hazard that makes its verdicts unreliable"
	}
	return "the check could not confirm the gradient"
}
