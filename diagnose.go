package gradcheck

import (
	"fmt"
	"math"

	"github.com/gradcheck/gradcheck/internal/diagnose"
)

// diagnoseAll diagnoses every block of rep; see diagnose.
func (c *checker[T]) diagnoseAll(rep *Report) {
	for b := range rep.Blocks {
		c.diagnose(rep, b)
	}
}

// diagnose fills the Diagnoses of block b once its entries are judged: nil
// when none is a Mismatch, otherwise the hypotheses of internal/diagnose,
// best first, among them what each loss term explains when the model has
// Terms (a term wrong, left out or counted twice).
// Entries whose numeric value could not be judged (inconclusive,
// non-finite) take no part. Diagnoses never change a verdict.
func (c *checker[T]) diagnose(rep *Report, b int) {
	br := &rep.Blocks[b]
	defer func() {
		// A diagnosis is advice: if it fails, say so and keep the verdicts.
		if r := recover(); r != nil {
			br.Diagnoses = []Diagnosis{{Pattern: PatternNone, Axis: -1, Summary: fmt.Sprintf("diagnosis failed: %v", r)}}
		}
	}()
	// By index: a range over the values copies each 72-byte Entry, on
	// every check, for blocks that nearly always have no Mismatch.
	fails := 0
	for k := range br.Entries {
		if br.Entries[k].Verdict == Mismatch {
			fails++
		}
	}
	if fails == 0 {
		return
	}
	in := diagnose.Block{Shape: br.Shape, Eps: c.s.prec.Eps, Checked: len(br.Entries)}
	for _, e := range br.Entries {
		if e.Verdict == Inconclusive || e.Verdict == NonFinite {
			continue
		}
		in.Index = append(in.Index, e.Index)
		in.X = append(in.X, float64(c.saved[b][e.Index]))
		in.A = append(in.A, e.Analytic)
		in.N = append(in.N, e.Numeric)
		in.Err = append(in.Err, e.ErrEst)
		// The verdict's threshold, rebuilt from the entry's evidence.
		in.Tol = append(in.Tol, c.threshold(math.Max(math.Abs(e.Analytic), math.Abs(e.Numeric)), e.ErrEst))
		in.Fail = append(in.Fail, e.Verdict == Mismatch)
	}
	names, ta, tn := c.termInputs(b, in.Index)
	for t := range names {
		in.Terms = append(in.Terms, diagnose.Term{Name: names[t], A: ta[t], N: tn[t]})
	}
	for _, h := range diagnose.Diagnose(in) {
		br.Diagnoses = append(br.Diagnoses, Diagnosis{
			Pattern: Pattern(h.Pattern), Summary: h.Summary, Factor: h.Factor, Axis: h.Axis,
			Fit: h.Fit, Explained: h.Explained, Of: h.Of, Entries: h.Entries,
		})
	}
}
