package zoo

import (
	"fmt"
	"math"
	"time"

	"github.com/gradcheck/gradcheck"
)

// lossRoundoff κ is the round-off of a small layer's loss in units of the
// precision's unit round-off ε: a forward pass of a few dozen roundings
// whose errors partly add. It enters the resolution through κ^(2/3) = 16.
const lossRoundoff = 64

// Resolution returns the smallest error of a gradient entry, relative to
// the gradient's scale G = max |g| over all the model's entries, that
// finite differences can be expected to resolve in a precision of unit
// round-off eps:
//
//	(κ·ε)^(2/3),  κ = 64,
//
// 3.7e-10 for float64 and 2.4e-4 for float32.
//
// Why: a central difference with step h has truncation error ≈ h²|f⁽³⁾|/6
// and round-off error ≈ κε|f|/h when the loss carries a round-off of κε|f|.
// At the best step the two balance at an error of order (κε)^(2/3) times
// the size of the loss's derivatives, for a loss whose value and
// derivatives are of the same order at the scale of the parameters, as in
// the zoo's small layers. The round-off is the same for every entry: it
// comes from the loss, not from the entry, so a small entry is resolved no
// better in absolute terms than a large one, and a bug is measured against
// G, not against the entry it changes (see Result.Size). A bug smaller than
// that is not a miss of the checker; it is below what the arithmetic can
// show.
func Resolution(eps float64) float64 { return math.Pow(lossRoundoff*eps, 2.0/3) }

// UnitRoundoff returns ε of a precision named "float64" or "float32".
func UnitRoundoff(precision string) float64 {
	if precision == "float32" {
		return 0x1p-24
	}
	return 0x1p-53
}

// Precisions are the precisions every case runs in.
var Precisions = []string{"float64", "float32"}

// A Result is the outcome of checking one case in one precision.
type Result struct {
	Case      *Case
	Precision string
	// Err is an error of the check itself (or a panic of the model's
	// construction); the case then counts as flagged, since the checker
	// did not pass it.
	Err error
	// Flagged: the report is not OK (a failing entry or a hazard).
	Flagged bool
	// Size is the bug's error relative to the gradient's scale G: Case.RelSize
	// times |g| of the changed entries over G, measured on the model (see
	// Resolution); 0 for a gross bug.
	Size float64
	// BelowResolution: Size is below Resolution of the precision, and the
	// bug is neither caught nor missed.
	BelowResolution bool
	// Hazards are the kinds of hazard found.
	Hazards []gradcheck.HazardKind
	// FailingBlocks names the blocks with failing entries, and Top holds
	// the first Diagnosis.Pattern of each ("" when it has none).
	FailingBlocks []string
	Top           map[string]gradcheck.Pattern
	// Diagnosable: the case expects a pattern and was caught.
	// DiagnosedRight: some block where the pattern is expected fails, and
	// the top diagnosis of every such failing block is the pattern.
	Diagnosable, DiagnosedRight bool
	Evals, GradEvals            int
	Duration                    time.Duration
	Report                      *gradcheck.Report
}

// Caught reports whether the result is a detected bug.
func (r *Result) Caught() bool { return !r.Case.Correct() && !r.BelowResolution && r.Flagged }

// Missed reports whether the result is an undetected bug above resolution.
func (r *Result) Missed() bool { return !r.Case.Correct() && !r.BelowResolution && !r.Flagged }

// FalseAlarm reports whether a correct layer was flagged.
func (r *Result) FalseAlarm() bool { return r.Case.Correct() && r.Flagged }

// Run checks the case in the named precision with the given options (nil
// for the defaults).
func Run(c *Case, precision string, opts *gradcheck.Options) Result {
	res := Result{Case: c, Precision: precision}
	start := time.Now()
	var rep *gradcheck.Report
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("zoo: building %s panicked: %v", c.Name, p)
			}
		}()
		if precision == "float32" {
			m := c.New32()
			res.Size = size(c, m)
			rep, err = gradcheck.Check(m, opts)
		} else {
			m := c.New64()
			res.Size = size(c, m)
			rep, err = gradcheck.Check(m, opts)
		}
	}()
	res.Duration = time.Since(start)
	res.BelowResolution = res.Size > 0 && res.Size < Resolution(UnitRoundoff(precision))
	res.Err, res.Report = err, rep
	if rep != nil {
		res.Evals, res.GradEvals = rep.Evals, rep.GradEvals
		for _, h := range rep.Hazards {
			res.Hazards = append(res.Hazards, h.Kind)
		}
		res.Top = map[string]gradcheck.Pattern{}
		for i := range rep.Blocks {
			b := &rep.Blocks[i]
			if len(b.Failures()) == 0 {
				continue
			}
			res.FailingBlocks = append(res.FailingBlocks, b.Name)
			var top gradcheck.Pattern
			if len(b.Diagnoses) > 0 {
				top = b.Diagnoses[0].Pattern
			}
			res.Top[b.Name] = top
		}
	}
	res.Flagged = err != nil || rep == nil || !rep.OK()
	if c.Expect != "" && res.Caught() {
		right, any := true, false
		for _, name := range res.FailingBlocks {
			if c.ExpectBlocks != nil && !contains(c.ExpectBlocks, name) {
				continue
			}
			any = true
			right = right && res.Top[name] == c.Expect
		}
		res.Diagnosable, res.DiagnosedRight = true, any && right
	}
	return res
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// size returns the case's RelSize times max |g| over its ExpectBlocks (the
// blocks the bug changes) over max |g| over all blocks, from one call of
// Gradient; 0 for a gross bug. The model is left as it was: Gradient writes
// only Grad, which the checker overwrites.
func size[T gradcheck.Float](c *Case, m *gradcheck.Model[T]) float64 {
	if c.RelSize == 0 {
		return 0
	}
	if m.Reseed != nil {
		m.Reseed()
	}
	m.Gradient()
	var in, all float64
	for _, b := range m.Blocks {
		for _, g := range b.Grad {
			a := math.Abs(float64(g))
			all = math.Max(all, a)
			if c.ExpectBlocks == nil || contains(c.ExpectBlocks, b.Name) {
				in = math.Max(in, a)
			}
		}
	}
	if all == 0 {
		return c.RelSize
	}
	return c.RelSize * in / all
}
