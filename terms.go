package gradcheck

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
)

// A Term is one named part of a model's loss, with its own gradient: the
// data loss, an L2 penalty, an auxiliary loss. See Model.Terms.
type Term[T Float] struct {
	// Name names the term in reports.
	Name string
	// Loss returns the term's value at the blocks' current values.
	Loss func() float64
	// Gradient writes the term's gradient into the blocks' Grad, like
	// Model.Gradient: the checker zeroes Grad before calling it, and a
	// term that does not depend on a block leaves its Grad zero. A term
	// Gradient that adds into Grad without zeroing it is named, as for the
	// model, as not reentrant.
	Gradient func()
}

// A TermReport is the check of one loss term alone: the term's Gradient
// against finite differences of the term's Loss.
type TermReport struct {
	Name string
	*Report
}

// CheckTerms checks each of the model's loss terms alone, on the entries
// that Check checks with the same options, and returns their reports in
// the order of m.Terms. Check does the same as part of checking the model,
// and reports a wrong term as a TermWrong hazard and in the diagnoses;
// CheckTerms is for programs that want each term's verdicts. Each term is
// checked with the model's Blocks and Reseed; the model's own Loss and
// Gradient are not called. When a term's check fails, the reports so far
// are returned with the error.
func CheckTerms[T Float](ctx context.Context, m *Model[T], opts *Options) ([]TermReport, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	out := make([]TermReport, 0, len(m.Terms))
	for _, t := range m.Terms {
		sub := &Model[T]{Blocks: m.Blocks, Loss: t.Loss, Gradient: t.Gradient, Reseed: m.Reseed}
		r, err := CheckContext(ctx, sub, opts)
		if err != nil {
			return out, &termError{name: t.Name, err: err}
		}
		out = append(out, TermReport{Name: t.Name, Report: r})
	}
	return out, nil
}

func (m *Model[T]) validateTerms() error {
	seen := make(map[string]int, len(m.Terms))
	for k, t := range m.Terms {
		switch {
		case t.Name == "":
			return fmt.Errorf("gradcheck: term %d has no name", k)
		case t.Loss == nil:
			return fmt.Errorf("gradcheck: term %q has no Loss function", t.Name)
		case t.Gradient == nil:
			return fmt.Errorf("gradcheck: term %q has no Gradient function", t.Name)
		}
		if j, dup := seen[t.Name]; dup {
			return fmt.Errorf("gradcheck: terms %d and %d are both named %q", j, k, t.Name)
		}
		seen[t.Name] = k
	}
	return nil
}

// termResult is the check of one term on the model's entries.
type termResult struct {
	name string
	rep  *Report
}

// termsKey keys the term results in the checker's context, where the
// diagnosis of each block finds them: the checker's fields belong to the
// run loop, and the results are read-only once made.
type termsKey struct{}

// termSumSlack is the round-off allowed between Loss and the sum of the
// term losses, in units of ε times the sum of their magnitudes per term:
// each addition rounds once, and each term's own evaluation a few times.
const termSumSlack = 4

// checkTerms checks each loss term of the model as a model of its own (the
// same blocks and entries, the term's Loss and Gradient), records a
// TermWrong hazard for each term whose gradient is wrong and a TermsDontSum
// hazard when Loss is not the sum of the terms, and leaves the results for
// the diagnoses. It runs after the model's own first evaluations, with the
// parameters at their saved values.
func (c *checker[T]) checkTerms(rep *Report) error {
	res := make([]termResult, 0, len(c.m.Terms))
	sum, mag := 0.0, math.Abs(c.f0)
	c.prog.begin(StageTerms, len(c.m.Terms))
	for k, t := range c.m.Terms {
		// A shallow copy shares the settings, the saved parameters and the
		// context; the model is the term, the counts and the analytic
		// gradient are its own, and its progress is the check's, in stage
		// StageTerms.
		nc := *c
		nc.m = &Model[T]{Blocks: c.m.Blocks, Loss: t.Loss, Gradient: t.Gradient, Reseed: c.m.Reseed}
		nc.analytic, nc.f0, nc.gscale, nc.evals, nc.gradEvals, nc.scr, nc.memo, nc.memoBuf = nil, 0, 0, 0, 0, nil, nil, nil
		nc.prog = c.termProgress(k)
		r, err := nc.run()
		c.evals += nc.evals
		c.gradEvals += nc.gradEvals
		if err != nil {
			var pe *PanicError
			if errors.As(err, &pe) {
				pe.Func = "term " + t.Name + " " + pe.Func
				return pe
			}
			return &termError{name: t.Name, err: err}
		}
		res = append(res, termResult{name: t.Name, rep: r})
		sum += nc.f0
		mag += math.Abs(nc.f0)
		if !r.OK() {
			rep.Hazards = append(rep.Hazards, Hazard{Kind: TermWrong, Detail: termDetail(t.Name, r)})
		}
	}
	slack := termSumSlack*float64(len(c.m.Terms)+1)*c.s.prec.Eps*mag + c.noiseSlack(len(c.m.Terms)+1)
	if d := math.Abs(c.f0 - sum); !(d <= slack) {
		names := make([]string, len(res))
		for k, r := range res {
			names[k] = fmt.Sprintf("%q", r.name)
		}
		rep.Hazards = append(rep.Hazards, Hazard{Kind: TermsDontSum, Detail: fmt.Sprintf(
			"Loss is %.17g but its terms %s sum to %.17g (difference %.3g, round-off allows %.2g): Loss leaves out a term, or a term is not part of the loss",
			c.f0, strings.Join(names, ", "), sum, c.f0-sum, slack)})
	}
	c.ctx = context.WithValue(c.ctx, termsKey{}, res)
	return nil
}

// termProgress is the progress of the check of term k: the term's reports
// go to the check's Progress in stage StageTerms, with Done = k and the
// check's evaluations. The check's progress keeps a panic in Progress, as
// for its own reports, and the term's check goes on.
func (c *checker[T]) termProgress(k int) *progress {
	if c.prog.fn == nil {
		return &progress{}
	}
	before := c.evals
	return &progress{interval: c.prog.interval, start: c.prog.start, fn: func(p Progress) {
		c.prog.send(k, before+p.Evals)
	}}
}

// termDetail says what is wrong with a term's own gradient.
func termDetail(name string, r *Report) string {
	var parts []string
	for _, h := range r.Hazards {
		parts = append(parts, fmt.Sprintf("%s: %s", h.Kind, h.Detail))
	}
	for i := range r.Blocks {
		b := &r.Blocks[i]
		f := len(b.Failures())
		if f == 0 {
			continue
		}
		p := fmt.Sprintf("%d of %d checked entries of %s fail", f, len(b.Entries), b.Name)
		if len(b.Diagnoses) > 0 {
			p += " (" + b.Diagnoses[0].Summary + ")"
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("the gradient of loss term %q disagrees with its loss: %s", name, strings.Join(parts, "; "))
}

// termInputs returns, for block b and the entries at index, each term's
// analytic and numeric values (NaN where the term has no usable verdict),
// or nil when the model has no terms.
func (c *checker[T]) termInputs(b int, index []int) (names []string, a, n [][]float64) {
	res, _ := c.ctx.Value(termsKey{}).([]termResult)
	for _, t := range res {
		if b >= len(t.rep.Blocks) {
			continue
		}
		byIndex := make(map[int]Entry, len(t.rep.Blocks[b].Entries))
		for _, e := range t.rep.Blocks[b].Entries {
			byIndex[e.Index] = e
		}
		ta, tn := make([]float64, len(index)), make([]float64, len(index))
		for k, i := range index {
			e, ok := byIndex[i]
			if !ok || e.Verdict == Inconclusive || e.Verdict == NonFinite {
				ta[k], tn[k] = math.NaN(), math.NaN()
				continue
			}
			ta[k], tn[k] = e.Analytic, e.Numeric
		}
		names, a, n = append(names, t.name), append(a, ta), append(n, tn)
	}
	return names, a, n
}

// termError is an error of the check of one loss term, named by the term:
// the term's name comes first, once, before the error's own text without
// its "gradcheck: " (which read "gradcheck: term "a": gradcheck: …"), and
// errors.Is and errors.As see the error itself (a context's, a
// *PanicError).
type termError struct {
	name string
	err  error
}

func (e *termError) Error() string {
	return fmt.Sprintf("gradcheck: term %q: %s", e.name, strings.TrimPrefix(e.err.Error(), "gradcheck: "))
}

func (e *termError) Unwrap() error { return e.err }
