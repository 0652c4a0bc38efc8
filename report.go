package gradcheck

import (
	"math"
	"strconv"
	"strings"

	"github.com/gradcheck/gradcheck/internal/printable"
)

// A Verdict is the outcome for one entry of a gradient.
type Verdict uint8

const (
	// OK: the analytic value agrees with the numeric estimate to within
	// the threshold documented at Options.Atol.
	OK Verdict = iota
	// Mismatch: they disagree by more than the threshold, after the
	// estimate was refined.
	Mismatch
	// Kink: the one-sided slopes disagree (the function has a kink at or
	// within a step of the point, as ReLU at 0 or |w| at 0), and the
	// analytic value lies between them, as a subgradient must. A kink whose
	// analytic value lies outside the slopes is a Mismatch.
	Kink
	// Inconclusive: no step resolved the derivative well enough to judge:
	// the function is too noisy or too badly scaled at this point.
	Inconclusive
	// NonFinite: the loss was NaN or ±Inf on both sides of the point at
	// every step tried, so no finite difference exists.
	NonFinite
)

var verdictNames = [...]string{"ok", "mismatch", "kink", "inconclusive", "nonfinite"}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Pass reports whether the verdict accepts the analytic value: OK and Kink.
func (v Verdict) Pass() bool { return v == OK || v == Kink }

// An Entry is the verdict on one entry of a block, with its evidence.
type Entry struct {
	// Index is the entry's flat, row-major index in its block.
	Index int
	// Analytic is the caller's gradient entry.
	Analytic float64
	// Numeric is the finite-difference estimate. At a kink the numeric
	// derivative is the interval [Left, Right] and Numeric is the point of
	// it closest to Analytic.
	Numeric float64
	// ErrEst estimates the error of Numeric. After the first pass it is
	// the round-off estimate of the central difference; after refinement
	// it is Ridders' extrapolation error. An Inconclusive entry whose
	// disagreement only steps outside the function's Taylor regime showed
	// has ErrEst of at least |Analytic − Numeric|/K: its estimate is not
	// trusted to be better than that.
	ErrEst float64
	// Step is the step h the verdict rests on: the first-pass step, or the
	// largest step of the refinement ladder.
	Step float64
	// Left and Right are the one-sided slopes (backward and forward)
	// when refinement measured them; NaN otherwise.
	//
	// An entry that is a Kink on its own and ties, bit for bit, with
	// other Kinks of the check, of its block or of others, is tested
	// again with them, all moved together (see PatternTiedInputs).
	// Where their analytic values do not add up to the loss's derivative
	// along that move, D, each is a Mismatch whose Numeric is its share
	// of D, D·Analytic/A with A the group's analytic sum (D/k for a group
	// of k when A is 0), ErrEst the same share of the joint estimate's
	// error, Step the first-pass step of the joint move, and Left and
	// Right NaN. Where the loss
	// has a kink along the move too, D is the point of its one-sided
	// slopes closest to A.
	Left, Right float64

	// The small fields come last, together, so that an Entry takes 64
	// bytes rather than 80: a report holds one for every entry checked,
	// and on a cheap loss the allocator's and the garbage collector's
	// share of a check follow the bytes it allocates. TaylorOrder is a
	// float32 for the same reason: at 72 bytes, a check of 100 entries
	// took its entries from the 8192-byte size class, a span of its own
	// for every check; at 64 they come five to a span, which took 0.03 of
	// gonum's time off a full check of 100 entries of a 55 ns loss
	// (BenchmarkFullCheckVsGonum, medians of six A/B runs).

	// TaylorOrder is the order fitted by the Taylor-remainder second
	// opinion (see TaylorFit), which runs only on entries that refinement
	// left Inconclusive: near 2 it made the entry OK, near 1 a Mismatch.
	// It is 0 when the second opinion did not run or fitted no order. An
	// order is read to a digit or two: float32 holds it to seven.
	TaylorOrder float32

	// Verdict is the outcome.
	Verdict Verdict
	// Refined reports whether the first pass was not enough.
	Refined bool
	// Side is 0 for a central estimate, +1 or −1 for a one-sided estimate
	// forced by a non-finite loss on the other side.
	Side int8
	// Jumped reports that the loss jumped within every step of the
	// refinement ladder: it is discontinuous at the entry, or closer to
	// it than the ladder's smallest step, and the ladder's differences
	// neither confirm nor refute the analytic value. A verdict other
	// than Inconclusive rests on the Taylor remainder's smaller steps,
	// on the side away from the jump.
	Jumped bool
}

// AbsErr is |Analytic − Numeric|.
func (e Entry) AbsErr() float64 { return math.Abs(e.Analytic - e.Numeric) }

// RelErr is |Analytic − Numeric| / max(|Analytic|, |Numeric|), and 0 when both
// are 0.
func (e Entry) RelErr() float64 {
	d := e.AbsErr()
	m := math.Max(math.Abs(e.Analytic), math.Abs(e.Numeric))
	if d == 0 {
		return 0
	}
	return d / m
}

// A BlockReport holds the verdicts on the checked entries of one block.
type BlockReport struct {
	Name  string
	Shape []int
	// Entries are the checked entries in increasing Index order: all of
	// them, or the sample.
	Entries []Entry
	// RelErr is ‖n − a‖/(‖n‖ + ‖a‖) over the checked entries, in the
	// Euclidean norm: 0 when they agree, 1 when the analytic gradient is
	// zero or the numeric one is, 2 when one is the negative of the other.
	RelErr float64
	// Diagnoses are hypotheses about a failing block, best first; nil
	// for a block whose entries all pass.
	Diagnoses []Diagnosis
}

// Size is the number of entries of the block, the product of its axes. A
// report of a check, or one ReadJSON accepted, has positive axes whose
// product fits an int, and so at least one entry; for a BlockReport built
// by hand with an axis that is not positive, or whose product overflows
// an int, Size is 0.
func (b *BlockReport) Size() int {
	n, ok := shapeSize(b.Shape)
	if !ok {
		return 0
	}
	return n
}

// EntryName names the entry at flat index i, as W1[3,7].
func (b *BlockReport) EntryName(i int) string { return entryName(b.Name, b.Shape, i) }

// Failures returns the entries whose verdict does not pass.
func (b *BlockReport) Failures() []Entry {
	var out []Entry
	for _, e := range b.Entries {
		if !e.Verdict.Pass() {
			out = append(out, e)
		}
	}
	return out
}

// shownEntry is entryName for a message: control and bidirectional
// formatting characters in the block's name written as escapes, so that a
// name cannot break or reorder the line that quotes it.
func shownEntry(name string, shape []int, i int) string {
	return printable.String(entryName(name, shape, i))
}

func entryName(name string, shape []int, i int) string {
	var sb strings.Builder
	sb.WriteString(name)
	sb.WriteByte('[')
	c := Coords(shape, i)
	if c == nil {
		// A shape with an axis that is not positive (a BlockReport built
		// by hand): the flat index is all there is to name, as the
		// report package names it.
		sb.WriteString("flat ")
		c = []int{i}
	}
	for axis, ci := range c {
		if axis > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(ci))
	}
	sb.WriteByte(']')
	return sb.String()
}

// Coords returns the row-major coordinates of flat index i in shape. An
// index outside the shape's entries carries over into the first
// coordinate, which is then outside its axis (Coords([]int{2, 3}, 6) is
// [2 0], and a negative index has a negative coordinate), so that a name
// made from the coordinates never names another entry. A shape with an
// axis that is not positive has no entries, and its coordinates are nil.
func Coords(shape []int, i int) []int {
	for _, d := range shape {
		if d <= 0 {
			return nil
		}
	}
	c := make([]int, len(shape))
	for axis := len(shape) - 1; axis > 0; axis-- {
		c[axis] = i % shape[axis]
		i /= shape[axis]
	}
	if len(c) > 0 {
		c[0] = i
	}
	return c
}

// A HazardKind names a property of the model that makes finite differences
// misleading, or that is a bug in its own right.
type HazardKind uint8

const (
	// Nondeterministic: the loss at the same point differs between calls.
	Nondeterministic HazardKind = iota + 1
	// LossMutates: Loss changed the parameter values.
	LossMutates
	// GradientMutates: Gradient changed the parameter values.
	GradientMutates
	// NotReentrant: Gradient at the same point gave different results on
	// two calls, typically by adding into Grad without zeroing it.
	NotReentrant
	// HiddenState: the loss at the same point changed after a call of
	// Gradient.
	HiddenState
	// TermWrong: a loss term's Gradient disagrees with its Loss
	// (Model.Terms); the detail names the term and the blocks.
	TermWrong
	// TermsDontSum: the model's Loss is not the sum of its terms' losses.
	TermsDontSum
	// NotConcurrent: with Options.Workers above 1, the loss a worker
	// evaluated at a perturbed point differed from the loss evaluated
	// again there on the model alone: the Loss of the model and its
	// clones (or f, with Options.Concurrent) is not safe for concurrent
	// use. The check's verdicts are then a serial check's.
	NotConcurrent
)

var hazardNames = [...]string{"", "nondeterministic", "loss-mutates-params", "gradient-mutates-params", "gradient-not-reentrant", "hidden-state", "term-gradient-wrong", "loss-not-sum-of-terms", "loss-not-concurrent-safe"}

func (k HazardKind) String() string {
	if int(k) < len(hazardNames) && k != 0 {
		return hazardNames[k]
	}
	return "HazardKind(" + strconv.Itoa(int(k)) + ")"
}

// A Hazard is a finding about the model as a whole, made before any verdict
// (NotConcurrent: before the verdicts it would have spoiled).
type Hazard struct {
	Kind HazardKind
	// Detail says what was seen and what to do about it.
	Detail string
	// Fatal reports that no entry verdicts were made because of it: they
	// would have been a wall of meaningless mismatches.
	Fatal bool
}

// Judging holds the options that change a check's verdicts, resolved: the
// values the check used, defaults applied (Options says what each default
// is). Two checks of one model at one point whose Judging differs judge
// their entries by different thresholds, steps or noise, so that the same
// verdict means different things: Merge compares the Judging of the
// shards and refuses shards whose Judging differs, naming the setting.
// The zero Judging means unknown (a check's Rtol and K are never zero):
// Merge compares it with nothing.
type Judging struct {
	// Step is the relative first-pass step c: Options.Step, or its
	// default for the precision and the Noise.
	Step float64
	// Atol and Rtol are the absolute and relative tolerances of the pass
	// threshold: Options.Atol and Options.Rtol, Rtol's default
	// 16·ε^(2/3) of the precision.
	Atol, Rtol float64
	// K is the number of estimated finite-difference errors an agreement
	// allows: Options.K, 4 by default.
	K float64
	// Noise is Options.Noise, the known size of the loss's noise; 0 for
	// a deterministic loss.
	Noise float64
}

// A Report is the outcome of a check.
type Report struct {
	// Precision is "float64" or "float32".
	Precision string
	Blocks    []BlockReport
	Hazards   []Hazard
	// Evals counts loss evaluations and GradEvals gradient evaluations.
	Evals, GradEvals int
	// Sampled reports whether a sample was checked; Seed reproduces it.
	// A Sample of at least the model's size checks every entry, and is
	// not a sample.
	Sampled bool
	Seed    uint64
	// Sample is the number of entries a sampled check was asked for
	// (Options.Sample); 0 for a check that is not Sampled, and for a
	// report read from JSON written before reports held it. Merge
	// refuses shards whose Sample differs where both hold it: two sample
	// sizes whose counts happen to fit one partition (21 and 20 entries
	// over two shards) merged into entries that were the sample of
	// neither.
	Sample int
	// Judging holds the options the verdicts were judged with, as the
	// check resolved them. Merge refuses shards whose Judging differs.
	// It is zero where it is not known: in a report read from the JSON
	// of a release that did not write it, and in a report of
	// ComplexStep, whose one imaginary step and fixed error bound are
	// not these settings.
	Judging Judging

	// Directions are the results of a directional check, one per
	// direction (Options.Directions); nil for an entry-by-entry check.
	Directions []DirectionResult
	// Regions are parts of blocks that a directional check found to
	// disagree throughout, reported whole instead of entry by entry.
	Regions []Region
	// Shard and Shards say which shard of the entries the report covers
	// (Options.Shard); Shards is 0 for a whole check and a merged one.
	Shard, Shards int
	// SetupEvals and SetupGradEvals count the evaluations before any
	// verdict: the loss and gradient at the caller's parameters and the
	// hazard checks. Every shard makes them; Merge counts them once.
	SetupEvals, SetupGradEvals int
	// NoiseEvals counts the loss evaluations that measured the loss's
	// noise: twelve when some entry needed it (its first pass did not
	// accept it, or the check is directional), else 0. Every shard that
	// needs it measures the same thing; Merge counts it once.
	NoiseEvals int
	// NoiseGradEvals counts the gradient evaluations that measured the
	// gradient's sensitivity to the rounding of its inputs, with the
	// noise: two when the noise was measured (NoiseEvals), whether some
	// entry was then refined or not, else 0 (and 0 where the gradient
	// keeps state between calls). Merge counts them once, as NoiseEvals.
	NoiseGradEvals int
	// Partial reports that the check stopped before it had judged every
	// entry it was to check: its context was done, or Loss, Gradient or
	// Reseed panicked (the error returned with the report says which).
	// Blocks hold the entries judged, and OK is false.
	Partial bool
	// Sweeps are error-versus-step tables of chosen entries, for plots:
	// SweepWorst adds those of the worst entries of each block. nil
	// unless asked for.
	Sweeps []EntrySweep
}

// OK reports whether every checked entry passed and no hazard was found;
// for a directional check also that no region was found wrong and every
// direction agreed or had its disagreement located. A partial report is
// not OK.
func (r *Report) OK() bool {
	if r == nil || r.Partial || len(r.Hazards) > 0 || len(r.Regions) > 0 {
		return false
	}
	for _, d := range r.Directions {
		if !d.Verdict.Pass() && !d.Located {
			return false
		}
	}
	for i := range r.Blocks {
		for _, e := range r.Blocks[i].Entries {
			if !e.Verdict.Pass() {
				return false
			}
		}
	}
	return true
}

// Checked is the number of entries that got a verdict, 0 for a nil
// report.
func (r *Report) Checked() int {
	if r == nil {
		return 0
	}
	n := 0
	for i := range r.Blocks {
		n += len(r.Blocks[i].Entries)
	}
	return n
}

// Count returns how many checked entries got verdict v, 0 for a nil
// report.
func (r *Report) Count(v Verdict) int {
	if r == nil {
		return 0
	}
	n := 0
	for i := range r.Blocks {
		for _, e := range r.Blocks[i].Entries {
			if e.Verdict == v {
				n++
			}
		}
	}
	return n
}

// Block returns the report of the named block, or nil (also for a nil
// report).
func (r *Report) Block(name string) *BlockReport {
	if r == nil {
		return nil
	}
	for i := range r.Blocks {
		if r.Blocks[i].Name == name {
			return &r.Blocks[i]
		}
	}
	return nil
}

// A Pattern names a class of gradient bug that a diagnosis recognises.
type Pattern string

// The patterns a diagnosis may name.
const (
	PatternZero        Pattern = "zero"         // analytic all zero where the numeric gradient is not: missing or not propagated
	PatternSign        Pattern = "sign"         // sign flipped
	PatternScale       Pattern = "scale"        // scaled by a factor (Diagnosis.Factor)
	PatternTranspose   Pattern = "transpose"    // transposed, or laid out in the wrong order
	PatternShift       Pattern = "shift"        // shifted by one along an axis (off-by-one)
	PatternWeightDecay Pattern = "weight-decay" // off by Factor·value: a missing or doubled L2 term
	PatternEdge        Pattern = "edge"         // wrong only at the first or last index along an axis
	PatternFew         Pattern = "few"          // wrong only at a few entries (Diagnosis.Entries)
	PatternNoise       Pattern = "noise"        // disagreement at the level of the precision's round-off
	PatternLossUnmoved Pattern = "loss-unmoved" // numeric zero, to the bit or within its estimated error, at every entry, where the analytic gradient is not: Loss reads a cache or a copy, or does not depend on the block
	PatternNone        Pattern = "no-pattern"   // wrong, with no recognisable structure
	PatternTerm        Pattern = "term"         // a loss term's gradient is wrong, left out or counted twice (Model.Terms); Factor is the term's weight in Gradient, 0 when its own gradient is wrong
	PatternTiedInputs  Pattern = "tied-inputs"  // entries tied at one value, each a Kink on its own, of one block or several, whose analytic values moved together do not add up to the loss's change: a max's gradient routed to every tied input, or to none (Entries: the tied entries of the diagnosed block; Factor is their analytic sum over the joint derivative)
)

// A Diagnosis is a hypothesis about what is wrong with a block's gradient,
// with its evidence.
type Diagnosis struct {
	Pattern Pattern
	// Summary says it in one sentence for people.
	Summary string
	// Factor is the scale c of PatternScale, the coefficient of
	// PatternWeightDecay, the term's weight in Gradient for PatternTerm
	// (0 when the term's own gradient is wrong), for PatternTiedInputs
	// the tied entries' analytic sum over the loss's derivative along
	// their joint move (k for a gradient routed to each of k tied
	// inputs; 0 when that derivative is 0); zero otherwise.
	Factor float64
	// Axis is the axis of PatternShift and PatternEdge; −1 otherwise.
	Axis int
	// Fit is the fraction of the discrepancy ‖a − n‖² that the hypothesis
	// explains, from 0 to 1.
	Fit float64
	// Explained is how many of the Of failing entries the hypothesis
	// accounts for.
	Explained, Of int
	// Entries lists flat indices, for PatternFew, PatternEdge and
	// PatternTiedInputs.
	Entries []int
}
