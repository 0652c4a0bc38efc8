package gradcheck

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// maxTiedGroups caps the joint tests of one check (tiedInputs): the
// largest groups are tested first, two to four loss evaluations a test
// (and one or two more for sidesAgree where it fails along u), and up to
// three tests a group.
const maxTiedGroups = 64

// tiedShrink is the ratio of a joint test's two steps: a disagreement
// must stand at the first-pass step h and again at h/tiedShrink.
const tiedShrink = 4

// A tiedGroup is a set of entries of the check, of one block or of
// several, whose verdict is Kink and whose saved values are equal, bit for
// bit: ks are their positions in the check's jobs, increasing (by block,
// then index). Every block of a check has the precision T, and the tied
// entries one value in it.
type tiedGroup struct {
	ks []int
}

// tiedFailure is a group whose joint test failed, for its diagnosis.
type tiedFailure struct {
	g            tiedGroup
	lo, hi, n, a float64 // the joint slopes at the smaller step, the joint derivative closest to a, and a = Σ a_i
	err, step    float64 // n's error bound, and the first step
	smooth       bool
}

// tiedInputs tests, after every entry is judged, the entries that tie:
// the entries whose verdict is Kink, of every block of the check, grouped
// by their saved value, bit for bit, groups of two or more. A max whose
// inputs tie exactly (integer-valued inputs, inputs a ReLU zeroed) has at
// each tied input the one-sided slopes 0 and g, and a backward pass that
// routes g to every tied input gives each the value g, a subgradient on
// its own: each entry passes as a Kink. Only a joint move of the tied
// inputs, along u = Σ e_i over the group, shows the double count: the
// loss moves at g along u, and the analytic entries sum to k·g. Routing g
// to one tied input, or splitting it among them, passes. The tied inputs
// may be entries of different blocks (an elementwise max(a, b) with
// a[i] == b[i]), and a rule with a strict > on each side, which gives
// neither the gradient, is found the same way: its sum is 0.
//
// Each group is tested along u at the first-pass step of its value
// (jointSlopes): its analytic sum A must agree with the central
// difference where the one-sided slopes along u agree within their
// round-off (the loss is smooth along u), and lie between them where
// they do not (a kink along u too, as independent kinks at one value
// make: |w| at w = 0 for many w). A group that fails there is tested
// again at a quarter of the step, with the change of the slopes between
// the two steps added to the threshold, so that curvature, or a kink
// near x along u, which move the slopes with the step, cannot make the
// disagreement; it fails only if it fails there too, and if it fails
// the test of sidesAgree too: tied kinks that are independent, whose
// entries take some the left one-sided slope and some the right (ReLUs
// of weights of both signs with ReLU′(0) = 0 in one block and 1 in
// another), can sum to no slope along u and still be right, and moved
// each toward the side its value takes, they add up. Its entries then
// become Mismatch, and the first diagnosis of each block it touches names
// the group (PatternTiedInputs).
//
// Where the whole group passes, the entries of positive analytic value
// are tested together, then those of negative value (two or more, and not
// the whole group): a group gathers every window tied at its value, and
// windows of weights of both signs can make double counts that cancel in
// the whole group's sum. Each test moves its entries along a direction in
// which a correct gradient's entries must add up to the loss's change as
// much as along the whole group's. At most maxTiedGroups tests are made,
// the largest groups first (then by the block and index of their first
// entry). It runs on the caller's checker, serially, after every entry
// is judged, so that a parallel check's report is a serial one's. A
// sharded check makes no joint test: a group may span shards, and each
// shard would judge its part of it differently.
func (c *checker[T]) tiedInputs(jobs []job, results []Entry) ([]tiedFailure, error) {
	if c.s.shards > 0 {
		return nil, nil
	}
	groups := c.tiedGroups(jobs, results)
	var fails []tiedFailure
	tests := 0
	for _, whole := range groups {
		// The whole group, then the entries of each sign of their
		// analytic value: windows of weights of both signs, tied at one
		// value, can make double counts that cancel in the sum.
		var f tiedFailure
		failed := false
		for try := range 3 {
			g, ok := whole, true
			if try > 0 {
				g, ok = signed(whole, results, float64(3-2*try))
			}
			if !ok || tests >= maxTiedGroups {
				continue
			}
			tests++
			var err error
			f, failed, err = c.jointTest(jobs, g, results)
			if err != nil {
				return fails, err
			}
			if failed {
				break
			}
		}
		if !failed {
			continue
		}
		fails = append(fails, f)
		g := f.g
		k := float64(len(g.ks))
		for _, p := range g.ks {
			e := &results[p]
			share := 1 / k
			if f.a != 0 {
				share = e.Analytic / f.a
			}
			e.Verdict, e.Numeric, e.ErrEst, e.Step = Mismatch, f.n*share, math.Abs(share)*f.err, f.step
			e.Left, e.Right = math.NaN(), math.NaN()
		}
	}
	return fails, nil
}

// tiedGroups returns the groups of tied Kinks of the check's results,
// whatever their blocks, largest first, then by the position of their
// first entry in jobs. Their positions share one slice, sorted by value,
// then by position, allocated once: the memory of a check does not grow
// with its entries by more than that slice.
func (c *checker[T]) tiedGroups(jobs []job, results []Entry) []tiedGroup {
	n := 0
	for k := range results {
		if results[k].Verdict == Kink {
			n++
		}
	}
	if n < 2 {
		return nil
	}
	ks := make([]int, 0, n)
	for k := range results {
		if results[k].Verdict == Kink {
			ks = append(ks, k)
		}
	}
	bits := func(k int) uint64 { return math.Float64bits(float64(c.saved[jobs[k].b][jobs[k].i])) }
	// Jobs are in block, then index order: ks is, and a stable sort by
	// value keeps each group in that order.
	slices.SortStableFunc(ks, func(x, y int) int { return cmp.Compare(bits(x), bits(y)) })
	count := 0
	for lo := 0; lo < len(ks); {
		hi := lo + 1
		for hi < len(ks) && bits(ks[hi]) == bits(ks[lo]) {
			hi++
		}
		if hi-lo >= 2 {
			count++
		}
		lo = hi
	}
	groups := make([]tiedGroup, 0, count)
	for lo := 0; lo < len(ks); {
		hi := lo + 1
		for hi < len(ks) && bits(ks[hi]) == bits(ks[lo]) {
			hi++
		}
		if hi-lo >= 2 {
			groups = append(groups, tiedGroup{ks: ks[lo:hi:hi]})
		}
		lo = hi
	}
	slices.SortStableFunc(groups, func(x, y tiedGroup) int {
		return cmp.Or(cmp.Compare(len(y.ks), len(x.ks)), cmp.Compare(x.ks[0], y.ks[0]))
	})
	return groups
}

// signed returns the entries of g whose analytic value has the sign of
// sign, as a group, or false where they are fewer than two or all of g.
func signed(g tiedGroup, results []Entry, sign float64) (tiedGroup, bool) {
	n := 0
	for _, p := range g.ks {
		if results[p].Analytic*sign > 0 {
			n++
		}
	}
	if n < 2 || n == len(g.ks) {
		return tiedGroup{}, false
	}
	sub := tiedGroup{ks: make([]int, 0, n)}
	for _, p := range g.ks {
		if results[p].Analytic*sign > 0 {
			sub.ks = append(sub.ks, p)
		}
	}
	return sub, true
}

// jointSlope holds the loss's slopes along u at one step.
type jointSlope struct {
	r, l, d float64 // forward, backward and central difference
	round   float64 // the round-off bound of d; twice it bounds r, l and r − l
	ok      bool    // both loss values finite and both moved from f(x)
}

// jointAt evaluates the loss with every entry of the group moved by +h,
// then by −h, and returns the slopes along u. The entries share their
// saved value and T, and their moved value.
func (c *checker[T]) jointAt(jobs []job, g tiedGroup, h float64) (jointSlope, error) {
	first := jobs[g.ks[0]]
	vp, hp := c.perturbed(int(first.b), int(first.i), h)
	vm, hm := c.perturbed(int(first.b), int(first.i), -h)
	fp, err := c.lossAtAll(jobs, g.ks, vp, vp, nil)
	if err != nil {
		return jointSlope{}, err
	}
	fm, err := c.lossAtAll(jobs, g.ks, vm, vm, nil)
	if err != nil {
		return jointSlope{}, err
	}
	s := jointSlope{
		r: fdiff.Forward(c.f0, fp, hp), l: fdiff.Backward(fm, c.f0, hm), d: fdiff.Central(fm, c.f0, fp, hm, hp),
		round: c.lossRoundoff(max(math.Abs(fp), math.Abs(fm)), c.noise()) / min(hp, hm),
	}
	// A side that stayed at f(x) to the bit may be a step of a staircase
	// that the group's move did not leave: no evidence.
	s.ok = isFinite(fp) && isFinite(fm) && math.Float64bits(fp) != math.Float64bits(c.f0) && math.Float64bits(fm) != math.Float64bits(c.f0)
	return s, nil
}

// jointOut returns by how much the group's analytic sum a falls outside
// what the slopes s along u accept, with allowance w and error err
// besides their own (positive: it fails), and whether the loss is smooth
// along u there: its one-sided slopes differ by no more than kinkNoise
// times their round-off bound, as refinement's isKink asks of a kink.
func (c *checker[T]) jointOut(s jointSlope, a, w, err float64) (out float64, smooth bool) {
	lo, hi := min(s.l, s.r), max(s.l, s.r)
	m := max(math.Abs(a), math.Abs(lo), math.Abs(hi))
	if hi-lo <= kinkNoise*2*s.round {
		return math.Abs(a-s.d) - c.threshold(m, s.round+err) - w, true
	}
	// A kink along u: a must lie between the one-sided slopes, as
	// judgeKink asks of a subgradient, with their round-off bound.
	return max(lo-a, a-hi) - c.threshold(m, 2*s.round+err) - w, false
}

// jointTest tests group g along u = Σ e_i (see tiedInputs) and reports
// whether it fails.
func (c *checker[T]) jointTest(jobs []job, g tiedGroup, results []Entry) (tiedFailure, bool, error) {
	a, err, floor := 0.0, 0.0, 0.0
	for _, p := range g.ks {
		a += results[p].Analytic
		// The entries' own error bounds and the floors of their
		// inputs' rounding, each of its own block, summed: what the
		// loss's round-off along each entry, which the noise measured
		// elsewhere may not show, can make of the joint slopes.
		err += results[p].ErrEst
		floor += c.sensFloor(int(jobs[p].b), int(jobs[p].i))
	}
	first := jobs[g.ks[0]]
	h := c.s.step * fdiff.Scale(float64(c.saved[first.b][first.i]))
	s1, e := c.jointAt(jobs, g, h)
	if e != nil || !s1.ok {
		return tiedFailure{}, false, e
	}
	if out, _ := c.jointOut(s1, a, floor, err); !(out > 0) {
		return tiedFailure{}, false, nil
	}
	s2, e := c.jointAt(jobs, g, h/tiedShrink)
	if e != nil || !s2.ok {
		return tiedFailure{}, false, e
	}
	// The slopes' change between the two steps bounds what truncation
	// leaves of them at the smaller one (a third of it for a one-sided
	// slope, a fifteenth for the central difference), and takes in a
	// kink near x along u, whose share of the slopes changes with the
	// step.
	w := max(math.Abs(s1.r-s2.r), math.Abs(s1.l-s2.l), math.Abs(s1.d-s2.d))
	out, smooth := c.jointOut(s2, a, floor+w, err)
	if !(out > 0) {
		return tiedFailure{}, false, nil
	}
	if ok, e := c.sidesAgree(jobs, g, results, h, floor, err); e != nil || ok {
		return tiedFailure{}, false, e
	}
	f := tiedFailure{g: g, lo: min(s2.l, s2.r), hi: max(s2.l, s2.r), n: s2.d, a: a, err: s2.round + err + w, step: h, smooth: smooth}
	if !smooth {
		f.n, f.err = min(max(a, f.lo), f.hi), 2*s2.round+err+w
	}
	return f, true, nil
}

// lossAtAll returns the loss with the entries at positions ks of jobs,
// of one block or several, all set to up, or where sides is not nil, the
// k-th set to up where sides[k] > 0 and to down where it is not, and puts
// back their saved values afterwards, bit for bit, also after a panic or
// a runtime.Goexit in the caller's code. A panic is a *PanicError naming
// the first of them, with Along naming them all.
func (c *checker[T]) lossAtAll(jobs []job, ks []int, up, down T, sides []int8) (f float64, err error) {
	defer func() {
		for _, p := range ks {
			b, i := jobs[p].b, jobs[p].i
			c.m.Blocks[b].Value[i] = c.saved[b][i]
		}
		along := func() string {
			if sides == nil {
				return c.tiedText(jobs, ks, 3) + fmt.Sprintf(", each set to %.17g", float64(up))
			}
			return c.tiedText(jobs, ks, 3) + fmt.Sprintf(", each set to %.17g or %.17g, by the side its analytic value takes", float64(up), float64(down))
		}
		if pe, ok := err.(*PanicError); ok && pe.Entry != "" {
			pe.Along = along()
		}
		if pe, ok := c.exited.(*PanicError); ok && pe.Entry != "" && pe.Along == "" {
			pe.Along = along()
		}
	}()
	at := func(k int) T {
		if sides != nil && sides[k] <= 0 {
			return down
		}
		return up
	}
	for k, p := range ks {
		c.m.Blocks[jobs[p].b].Value[jobs[p].i] = at(k)
	}
	first := jobs[ks[0]]
	return c.callLoss(int(first.b), int(first.i), at(0))
}

// sidesAgree is the second chance of a group that failed along u (see
// tiedInputs): it moves each entry toward the side of its own kink whose
// one-sided slope (Entry.Left, Entry.Right) its analytic value is closer
// to, up for the right slope, down for the left, along v, and reports
// whether the loss's forward slope along v agrees with ⟨a, v⟩. Where the
// tied kinks are independent (a sum of ReLUs of mixed weights, ties at 0
// of a max and of ReLUs, |a − b| with sign(0) = 1), each one-sided choice
// is a subgradient of its own kink, and the loss moves along v by exactly
// what the analytic entries say, while along u, which moves the kinks
// whose entries took the left slope up, the sum can lie outside the
// joint slopes. A max's gradient routed to every tied input takes the
// right slope at each (g where each alone is the max), and one routed to
// none the left (0): v is ±u there, and the test adds nothing; it is
// made only where the entries take both sides. It costs one or two loss
// evaluations.
func (c *checker[T]) sidesAgree(jobs []job, g tiedGroup, results []Entry, h, floor, err float64) (bool, error) {
	sides := make([]int8, len(g.ks))
	ups, downs := 0, 0
	for k, p := range g.ks {
		e := &results[p]
		if !isFinite(e.Left) || !isFinite(e.Right) {
			return false, nil
		}
		if math.Abs(e.Analytic-e.Right) <= math.Abs(e.Analytic-e.Left) {
			sides[k] = 1
			ups++
		} else {
			sides[k] = -1
			downs++
		}
	}
	if ups == 0 || downs == 0 {
		return false, nil
	}
	first := jobs[g.ks[0]]
	// slope returns the forward slope along v at step h, what the
	// analytic entries predict of it, and its round-off bound.
	slope := func(h float64) (r, pred, round float64, ok bool, e error) {
		vp, hp := c.perturbed(int(first.b), int(first.i), h)
		vm, hm := c.perturbed(int(first.b), int(first.i), -h)
		f, e := c.lossAtAll(jobs, g.ks, vp, vm, sides)
		if e != nil || !isFinite(f) {
			return 0, 0, 0, false, e
		}
		hs, change := (hp+hm)/2, 0.0
		for k, p := range g.ks {
			if sides[k] > 0 {
				change += results[p].Analytic * hp
			} else {
				change -= results[p].Analytic * hm
			}
		}
		return (f - c.f0) / hs, change / hs, 2 * c.lossRoundoff(math.Abs(f), c.noise()) / min(hp, hm), true, nil
	}
	agrees := func(r, pred, round, w float64) bool {
		return math.Abs(r-pred) <= c.threshold(max(math.Abs(r), math.Abs(pred)), round+err)+floor+w
	}
	r1, p1, round1, ok, e := slope(h)
	if e != nil || !ok {
		return false, e
	}
	if agrees(r1, p1, round1, 0) {
		return true, nil
	}
	r2, p2, round2, ok, e := slope(h / tiedShrink)
	if e != nil || !ok {
		return false, e
	}
	// The slope's change between the two steps, as along u.
	return agrees(r2, p2, round2, math.Abs(r1-r2)), nil
}

// tiedText names the entries at positions ks of jobs, tied at their saved
// value, by block: "the 3 entries tied at 2 (x[0,1], x[0,2], …)", or
// "the 4 entries tied at 1 (a[1,0], a[1,3], b[1,0], b[1,3])", the first
// show entries of each of the first show blocks. ks is in block order.
func (c *checker[T]) tiedText(jobs []job, ks []int, show int) string {
	first := jobs[ks[0]]
	var sb strings.Builder
	fmt.Fprintf(&sb, "the %d entries tied at %.6g (", len(ks), float64(c.saved[first.b][first.i]))
	blocks, inBlock := 0, 0
	for k, p := range ks {
		if k == 0 || jobs[p].b != jobs[ks[k-1]].b {
			if blocks == show {
				sb.WriteString(", …")
				break
			}
			blocks, inBlock = blocks+1, 0
		}
		inBlock++
		if inBlock > show {
			if inBlock == show+1 {
				sb.WriteString(", …")
			}
			continue
		}
		if k > 0 {
			sb.WriteString(", ")
		}
		blk := c.m.Blocks[jobs[p].b]
		sb.WriteString(shownEntry(blk.Name, shapeOf(blk), int(jobs[p].i)))
	}
	sb.WriteByte(')')
	return sb.String()
}

// tiedDiagnoses puts first in each block that a failed group touches a
// diagnosis of it (PatternTiedInputs), one per group, in the order
// tested: a group of entries of several blocks is diagnosed in each.
func (c *checker[T]) tiedDiagnoses(rep *Report, jobs []job, fails []tiedFailure) {
	if len(fails) == 0 {
		return
	}
	b := 0
	defer func() {
		// A diagnosis is advice, as diagnose's.
		if r := recover(); r != nil {
			rep.Blocks[b].Diagnoses = append([]Diagnosis{{Pattern: PatternNone, Axis: -1, Summary: fmt.Sprintf("diagnosis failed: %v", r)}}, rep.Blocks[b].Diagnoses...)
		}
	}()
	for b = range rep.Blocks {
		br := &rep.Blocks[b]
		var ds []Diagnosis
		for _, f := range fails {
			if d, ok := c.tiedDiagnosis(br, b, jobs, f); ok {
				ds = append(ds, d)
			}
		}
		if ds != nil {
			br.Diagnoses = append(ds, br.Diagnoses...)
		}
	}
}

// tiedDiagnosis returns the diagnosis of failed group f in block b, whose
// report is br: its Entries, Fit, Explained and Of are of the group's
// entries in b, its Summary names the whole group. It returns false where
// the group has no entry in b.
func (c *checker[T]) tiedDiagnosis(br *BlockReport, b int, jobs []job, f tiedFailure) (Diagnosis, bool) {
	var idx []int
	in := map[int]bool{}
	for _, p := range f.g.ks {
		if int(jobs[p].b) == b {
			idx = append(idx, int(jobs[p].i))
			in[int(jobs[p].i)] = true
		}
	}
	if idx == nil {
		return Diagnosis{}, false
	}
	// Fit: the group's share of the block's ‖a − n‖² over its failing
	// entries.
	var all, mine float64
	of := 0
	for _, e := range br.Entries {
		if e.Verdict != Mismatch {
			continue
		}
		of++
		d := (e.Analytic - e.Numeric) * (e.Analytic - e.Numeric)
		all += d
		if in[e.Index] {
			mine += d
		}
	}
	fit := 1.0
	if all > 0 {
		fit = mine / all
	}
	moves := fmt.Sprintf("at %.4g a unit", f.n)
	if !f.smooth {
		moves = fmt.Sprintf("at between %.4g and %.4g a unit", f.lo, f.hi)
	}
	why := "they do not add up to what the joint move shows, as a max's gradient routed to more than one tied input does not"
	factor := 0.0
	if f.a == 0 && f.n != 0 {
		// A rule with a strict > on each side of a max gives none of
		// its tied inputs the gradient.
		why = "a gradient routed to none of the tied inputs of a max, as a strict > on each side routes it, is lost"
	}
	if f.n != 0 {
		factor = f.a / f.n
		if r := math.Round(factor); r >= 2 && math.Abs(factor-r) <= 0.01*r {
			why = fmt.Sprintf("a gradient routed to every tied input of a max counts it %d times", int(r))
		} else if factor > 1 {
			// Windows of two, three or four tied inputs in one group.
			why = fmt.Sprintf("a gradient routed to every tied input of a max counts it more than once (%.3g times over the group)", factor)
		}
	}
	return Diagnosis{
		Pattern: PatternTiedInputs, Axis: -1, Factor: factor, Fit: fit, Explained: len(idx), Of: of, Entries: idx,
		Summary: fmt.Sprintf("%s: moved together the loss changes %s, their analytic entries sum to %.4g — %s",
			c.tiedText(jobs, f.g.ks, 3), moves, f.a, why),
	}, true
}
