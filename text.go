package gradcheck

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/gradcheck/gradcheck/internal/printable"
)

// maxRowsPerBlock bounds the failing entries a text report lists per block.
const maxRowsPerBlock = 20

// maxNameWidth bounds the entry names of the table of failing entries, in
// runes: a longer one keeps its start and its end, with its coordinates,
// around an ellipsis. The column is as wide as its widest name, and one
// block named with 10 000 characters widened every row of the table: the
// text of 1000 failing blocks of 20 entries was 201 MB (3 MB with the
// names cut). The line of each failing block above the table names it in
// full.
const maxNameWidth = 80

// String renders the report as text: one summary line, then the hazards,
// then the failing entries only. The text is for people and may change
// between releases; programs should read the Report's fields. Control and
// bidirectional formatting characters in block names, and in the hazards
// and diagnoses that quote them, are written as Go escapes (\n, \x1b,
// \u202e), so that each line says what it seems to say.
func (r *Report) String() string {
	var sb strings.Builder
	r.WriteText(&sb)
	return sb.String()
}

// WriteText writes the text report of String to w.
func (r *Report) WriteText(w io.Writer) error {
	if r == nil {
		_, err := io.WriteString(w, "gradcheck: no report\n")
		return err
	}
	var sb strings.Builder
	sb.WriteString(r.Summary())
	sb.WriteByte('\n')
	for _, h := range r.Hazards {
		fmt.Fprintf(&sb, "hazard %s: %s\n", h.Kind, printable.String(h.Detail))
	}
	for _, d := range r.Directions {
		if d.Verdict == OK && !d.Located {
			continue
		}
		what := d.Verdict.String()
		if d.Located {
			what = "disagreed; agrees without the located entries"
		}
		fmt.Fprintf(&sb, "direction %d: %s: analytic g·v %.8g, numeric %.8g ± %.2g\n", d.Index, what, d.Analytic, d.Numeric, d.ErrEst)
	}
	for _, g := range r.Regions {
		b := r.Block(g.Block)
		lo, hi := g.Block+"["+fmt.Sprint(g.Lo)+"]", g.Block+"["+fmt.Sprint(g.Hi-1)+"]"
		if b != nil {
			lo, hi = b.EntryName(g.Lo), b.EntryName(g.Hi-1)
		}
		lo, hi = printable.String(lo), printable.String(hi)
		fmt.Fprintf(&sb, "region %s to %s (%d entries): all %d of its parts disagree: the gradient is wrong throughout, not at a few entries\n", lo, hi, g.Hi-g.Lo, g.Parts)
	}
	// Each failing block and what is wrong with it first, then the
	// entries: the diagnosis is what a person reads before the table.
	for bi := range r.Blocks {
		b := &r.Blocks[bi]
		if f := len(b.Failures()); f > 0 {
			fmt.Fprintf(&sb, "block %s %v: %d of %d checked entries fail, relative error ‖n−a‖/(‖n‖+‖a‖) = %.3g\n",
				printable.String(b.Name), b.Shape, f, len(b.Entries), b.RelErr)
			writeDiagnosis(&sb, b)
		}
	}
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	header := false
	var more []string
	for bi := range r.Blocks {
		b := &r.Blocks[bi]
		fails := b.Failures()
		if len(fails) == 0 {
			continue
		}
		if !header {
			fmt.Fprintln(tw, "entry\tverdict\tanalytic\tnumeric\tabs err\trel err\test err\tstep\t")
			header = true
		}
		for k, e := range fails {
			if k == maxRowsPerBlock {
				more = append(more, fmt.Sprintf("… and %d more failing entries in %s\n", len(fails)-k, printable.String(b.Name)))
				break
			}
			fmt.Fprintf(tw, "%s\t%s\t%.8g\t%s\t%.2g\t%.2g\t%.2g\t%.2g\t\n",
				elide(printable.String(b.EntryName(e.Index)), maxNameWidth), e.Verdict, e.Analytic, e.NumericText(), e.AbsErr(), e.RelErr(), e.ErrEst, e.Step)
		}
	}
	tw.Flush()
	for _, m := range more {
		sb.WriteString(m)
	}
	if r.Sampled {
		// The Options.Sample that drew the sample, not the count of
		// entries it drew: a Jacobian's or Hessian's Sample counts
		// columns, and a gradient's sample adds the corners of every
		// block; so the advice names the options, not a number.
		fmt.Fprintf(&sb, "sample of %d entries, seed %d: the same Options with Seed: %d check the same entries\n",
			r.Checked(), r.Seed, r.Seed)
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// elide shortens s to n runes, n ≥ 2, keeping its first and last runes
// around an ellipsis.
func elide(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	tail := n / 3
	return string(r[:n-1-tail]) + "…" + string(r[len(r)-tail:])
}

// writeDiagnosis writes the top diagnosis of a failing block under its
// line, with its evidence, and how many more hypotheses the Report holds.
func writeDiagnosis(sb *strings.Builder, b *BlockReport) {
	if len(b.Diagnoses) == 0 {
		return
	}
	d := b.Diagnoses[0]
	fmt.Fprintf(sb, "  diagnosis: %s", printable.String(d.Summary))
	if d.Pattern != PatternNone {
		fmt.Fprintf(sb, " [fit %.3f, explains %d of %d failing entries]", d.Fit, d.Explained, d.Of)
	}
	if n := len(b.Diagnoses) - 1; n > 0 {
		fmt.Fprintf(sb, " (+%d more in the report's Diagnoses)", n)
	}
	sb.WriteByte('\n')
}

// NumericText is the numeric estimate as the reports show it: the
// interval [Left, Right] at a kink, a value marked forward or backward when
// a one-sided difference stood in for the central one, NaN/Inf for a
// NonFinite entry, otherwise the value, to eight digits.
func (e Entry) NumericText() string {
	switch {
	case e.Verdict == NonFinite:
		return "NaN/Inf"
	case e.Left == e.Left && e.Right == e.Right: // both measured: a kink
		return fmt.Sprintf("[%.8g, %.8g]", min(e.Left, e.Right), max(e.Left, e.Right))
	case e.Side > 0:
		return fmt.Sprintf("%.8g (forward)", e.Numeric)
	case e.Side < 0:
		return fmt.Sprintf("%.8g (backward)", e.Numeric)
	}
	return fmt.Sprintf("%.8g", e.Numeric)
}

// Summary is the report's first line; for a nil report, the line that
// WriteText writes for one.
func (r *Report) Summary() string {
	if r == nil {
		return "gradcheck: no report"
	}
	checked := r.Checked()
	evals := fmt.Sprintf("%s, %d loss and %d gradient evaluations", r.Precision, r.Evals, r.GradEvals)
	if len(r.Directions) > 0 {
		return r.directionalSummary(evals)
	}
	if len(r.Blocks) == 0 && len(r.Hazards) > 0 {
		return fmt.Sprintf("gradcheck: FAIL: %d hazard(s) found before any verdict (%s)", len(r.Hazards), evals)
	}
	bad, badBlocks := 0, 0
	for i := range r.Blocks {
		if f := len(r.Blocks[i].Failures()); f > 0 {
			bad += f
			badBlocks++
		}
	}
	var extra []string
	if k := r.Count(Kink); k > 0 {
		extra = append(extra, fmt.Sprintf("%d kinks checked as subgradients", k))
	}
	if k := r.Count(Inconclusive); k > 0 {
		extra = append(extra, fmt.Sprintf("%d inconclusive", k))
	}
	if n, where := r.jumped(); n > 0 {
		extra = append(extra, fmt.Sprintf("%d where the loss jumps within every step (first %s): it is discontinuous there", n, where))
	}
	if k := r.Count(NonFinite); k > 0 {
		extra = append(extra, fmt.Sprintf("%d non-finite", k))
	}
	if len(r.Hazards) > 0 {
		extra = append(extra, fmt.Sprintf("%d hazard(s)", len(r.Hazards)))
	}
	if n, worst, where := r.coarse(); n > 0 {
		extra = append(extra, fmt.Sprintf("%d passing entries resolved only to %.2g relative or worse (coarsest %s, %.2g): the loss is badly scaled for finite differences there", n, coarseLimit, where, worst))
	}
	tail := ""
	if len(extra) > 0 {
		tail = "; " + strings.Join(extra, ", ")
	}
	if r.Partial {
		return fmt.Sprintf("gradcheck: STOPPED: the check stopped after %d entries in %d blocks, %d of which fail (%s%s)", checked, len(r.Blocks), bad, evals, tail)
	}
	if r.OK() {
		return fmt.Sprintf("gradcheck: ok: %d entries in %d blocks agree (%s%s)", checked, len(r.Blocks), evals, tail)
	}
	hint := ""
	if r.Precision == "float32" && r.inconclusiveSmooth() > 0 {
		// The usual cause in float32: round-off swamps every step that
		// the function's smoothness allows.
		hint = ". A check of the model in float64 may resolve the inconclusive entries"
	}
	return fmt.Sprintf("gradcheck: FAIL: %d of %d entries fail in %d of %d blocks (%s%s)%s", bad, checked, badBlocks, len(r.Blocks), evals, tail, hint)
}

// jumped counts the entries where the loss jumped within every step of the
// refinement ladder (Entry.Jumped) and names the first.
func (r *Report) jumped() (n int, first string) {
	for bi := range r.Blocks {
		b := &r.Blocks[bi]
		for _, e := range b.Entries {
			if e.Jumped {
				if n == 0 {
					first = printable.String(b.EntryName(e.Index))
				}
				n++
			}
		}
	}
	return n, first
}

// inconclusiveSmooth counts the Inconclusive entries where the loss did not
// jump: those a finer precision may resolve.
func (r *Report) inconclusiveSmooth() int {
	n := 0
	for bi := range r.Blocks {
		for _, e := range r.Blocks[bi].Entries {
			if e.Verdict == Inconclusive && !e.Jumped {
				n++
			}
		}
	}
	return n
}

// coarseLimit is the relative resolution ErrEst/max(|a|, |n|) beyond which
// the summary warns that a passing verdict is a weak one.
const coarseLimit = 1e-3

// coarse counts the passing entries whose estimate resolved the derivative
// only to coarseLimit of its size or worse, and names the coarsest. Entries
// below 1e-3 of the block's largest value are left out: their relative
// resolution says nothing.
func (r *Report) coarse() (n int, worst float64, where string) {
	for bi := range r.Blocks {
		b := &r.Blocks[bi]
		big := 0.0
		for _, e := range b.Entries {
			big = max(big, math.Abs(e.Analytic), math.Abs(e.Numeric))
		}
		for _, e := range b.Entries {
			m := max(math.Abs(e.Analytic), math.Abs(e.Numeric))
			if !e.Verdict.Pass() || m == 0 || m < 1e-3*big {
				continue
			}
			if rel := e.ErrEst / m; rel > coarseLimit {
				n++
				if rel > worst {
					worst, where = rel, printable.String(b.EntryName(e.Index))
				}
			}
		}
	}
	return n, worst, where
}

// directionalSummary is the first line of a directional check's report.
func (r *Report) directionalSummary(evals string) string {
	bad := 0
	for _, d := range r.Directions {
		if d.Verdict != OK || d.Located {
			bad++
		}
	}
	params := 0
	for i := range r.Blocks {
		params += r.Blocks[i].Size()
	}
	if r.OK() {
		return fmt.Sprintf("gradcheck: ok: %d random directions through %d parameters in %d blocks agree (%s)", len(r.Directions), params, len(r.Blocks), evals)
	}
	wrong := 0
	for i := range r.Blocks {
		wrong += len(r.Blocks[i].Failures())
	}
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	// A direction that could not be judged (the loss NaN or infinite at
	// its steps, as near the edge of a domain, or no step resolving it)
	// did not disagree, and the line says so.
	what := "disagree"
	nonfinite, inconclusive := 0, 0
	for _, d := range r.Directions {
		switch {
		case d.Located:
		case d.Verdict == NonFinite:
			nonfinite++
		case d.Verdict == Inconclusive:
			inconclusive++
		}
	}
	if nonfinite+inconclusive > 0 {
		var parts []string
		if n := bad - nonfinite - inconclusive; n > 0 {
			parts = append(parts, fmt.Sprintf("%d disagree", n))
		}
		if nonfinite > 0 {
			parts = append(parts, fmt.Sprintf("%d nonfinite", nonfinite))
		}
		if inconclusive > 0 {
			parts = append(parts, fmt.Sprintf("%d inconclusive", inconclusive))
		}
		what = "fail (" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprintf("gradcheck: FAIL: %d of %d random directions %s; located %s and %s (%s; %d parameters in %d blocks)",
		bad, len(r.Directions), what, plural(wrong, "failing entry", "failing entries"), plural(len(r.Regions), "wrong region", "wrong regions"), evals, params, len(r.Blocks))
}
