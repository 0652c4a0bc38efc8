package gradchecktest_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/gradchecktest"
	"github.com/gradcheck/gradcheck/internal/demo"
)

// recorder is a TB that records what the helpers say.
type recorder struct {
	helpers int
	errors  []string
}

func (r *recorder) Helper() { r.helpers++ }
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func square(x []float64) float64 { return x[0]*x[0] + 3*x[1] }

func TestSilentOnSuccess(t *testing.T) {
	var r recorder
	rep := gradchecktest.Gradient(&r, square, func(dst, x []float64) { dst[0], dst[1] = 2*x[0], 3 }, []float64{1, 2}, nil)
	if len(r.errors) != 0 || rep == nil || !rep.OK() {
		t.Errorf("correct gradient: errors %q, report %v", r.errors, rep)
	}
	if r.helpers == 0 {
		t.Error("Helper was not called: failures would point into gradchecktest")
	}
}

func TestTableOnFailure(t *testing.T) {
	var r recorder
	gradchecktest.Gradient(&r, square, func(dst, x []float64) { dst[0], dst[1] = 2*x[0], 3.5 }, []float64{1, 2}, nil)
	if len(r.errors) != 1 {
		t.Fatalf("wrong gradient: %d errors, want 1: %q", len(r.errors), r.errors)
	}
	for _, want := range []string{"[gradcheck]", "x[1]", "mismatch", "3.5"} {
		if !strings.Contains(r.errors[0], want) {
			t.Errorf("failure message lacks %q:\n%s", want, r.errors[0])
		}
	}
	if strings.Contains(r.errors[0], "x[0]") {
		t.Errorf("failure message names the correct entry x[0]:\n%s", r.errors[0])
	}
}

func TestModelAndErrors(t *testing.T) {
	var r recorder
	gradchecktest.Model(&r, demo.New(true).Model(), nil)
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "W1[") {
		t.Errorf("planted bug in W1: errors %q", r.errors)
	}
	r = recorder{}
	rep := gradchecktest.Gradient(&r, square, nil, []float64{1, 2}, nil)
	if rep != nil || len(r.errors) != 1 || !strings.Contains(r.errors[0], "grad is nil") {
		t.Errorf("nil grad: report %v, errors %q", rep, r.errors)
	}
}

// Under a real *testing.T, run with -run ExampleFailure to see the report
// of a wrong gradient; it fails on purpose and so is skipped by default.
func TestExampleFailure(t *testing.T) {
	t.Skip("fails on purpose: remove this line to see a failure report")
	gradchecktest.Gradient(t, func(x []float64) float64 { return math.Sin(x[0]) },
		func(dst, x []float64) { dst[0] = -math.Cos(x[0]) }, []float64{0.5}, nil)
}

var _ gradchecktest.TB = (*testing.T)(nil)
var _ gradchecktest.TB = (*testing.B)(nil)
var _ = gradcheck.OK

// TestHeadlineSaysWhy: the failure's first line says why the report is not
// OK. A hazard alone (a loss that counts its calls) once read "the
// gradient is wrong", of a gradient that may be right.
func TestHeadlineSaysWhy(t *testing.T) {
	var r recorder
	calls := 0
	drifting := func(x []float64) float64 { calls++; return square(x) + 1e-3*float64(calls) }
	gradchecktest.Gradient(&r, drifting, func(dst, x []float64) { dst[0], dst[1] = 2*x[0], 3 }, []float64{1, 2}, nil)
	if len(r.errors) != 1 {
		t.Fatalf("a drifting loss: %d errors, want 1: %q", len(r.errors), r.errors)
	}
	// The headline is the first line; the report below it names the
	// hazard in any case.
	headline := func(msg string) string { return strings.SplitN(msg, "\n", 2)[0] }
	if h := headline(r.errors[0]); strings.Contains(h, "the gradient is wrong") || !strings.Contains(h, "hazard") {
		t.Errorf("a hazard alone, headline %q", h)
	}
	r = recorder{}
	gradchecktest.Gradient(&r, square, func(dst, x []float64) { dst[0], dst[1] = 2*x[0], 3.5 }, []float64{1, 2}, nil)
	if len(r.errors) != 1 || !strings.Contains(headline(r.errors[0]), "the gradient is wrong") {
		t.Errorf("a wrong gradient, headline: %q", r.errors)
	}
}
