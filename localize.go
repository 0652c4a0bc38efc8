package gradcheck

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// A Region is a run of entries of one block that a directional check found
// to disagree throughout: every part it was split into disagreed, so it is
// reported whole rather than tested entry by entry. A few of its entries
// get per-entry verdicts as evidence.
type Region struct {
	// Block names the block; Lo and Hi bound the flat indices [Lo, Hi).
	Block  string
	Lo, Hi int
	// Parts is the number of equal parts it was split into, all of which
	// disagreed.
	Parts int
}

// Localization by group testing. A disagreeing direction v is restricted
// to parts of the parameters: first halves of the list of blocks, then
// halves of a block's index range. The discrepancy δ is linear in the
// part (δ(P) = δ(L) + δ(R) for P split into L and R, up to the estimates'
// errors), so only L is tested and δ(R) = δ(P) − δ(L) is inferred, with
// the errors of both, and tested directly only when the inference is not
// decisive. Parts that disagree are split again; a single entry gets its
// exact per-entry verdict. One wrong entry among n costs about log₂ n
// tests of two evaluations, d wrong entries about d·log₂(n/d) tests.
//
// A range of one block whose parts all disagree for denseDepth levels (all
// 16 of its sixteenths) is wrong throughout, or at least nearly
// everywhere: it is reported whole as a Region, with per-entry verdicts on
// confirmPerRegion of its entries, instead of being tested entry by entry.
// Where none of those entries is a Mismatch and one is a Kink, the
// disagreement may be kinks at the point, one in each part: the search
// goes on into the parts instead.
//
// After a search, the direction is tested again on the parameters not
// located, which excludes the entries and regions found so far. If it agrees, the located entries and regions account for its
// disagreement (DirectionResult.Located); if not, the search runs again on
// what is left, up to maxRounds times.

// Constants of localization.
const (
	denseDepth       = 4
	confirmPerRegion = 4
	maxRounds        = 8

	// searchBudget bounds the tests of one search to searchBudget·(log₂ n
	// + 1): enough for searchBudget/2 wrong entries found one by one, and
	// a stop for a loss whose noise the round-off estimate underrates,
	// where every part would seem to disagree. A search that stops leaves
	// its direction not Located, so the report is not OK.
	searchBudget = 64
)

// node is a part of the parameters under search, with its test: measured,
// or inferred from its parent and sibling.
type node struct {
	lo, hi int
	t      dirTest
}

// locate searches for the cause of direction d's disagreement and reports
// whether the located entries and regions account for it.
func (dc *dirCheck[T]) locate(d int, first dirTest) (bool, error) {
	t := first
	for round := range maxRounds {
		if round > 0 {
			var err error
			if t, err = dc.test(d, 0, dc.n, false); err != nil {
				return false, err
			}
			if !t.disagrees() {
				return true, nil
			}
			if t.verdict != Mismatch {
				return false, nil
			}
		}
		newEx, err := dc.search(d, node{lo: 0, hi: dc.n, t: t})
		dc.exclude(newEx)
		if err != nil || len(newEx) == 0 {
			return false, err
		}
	}
	return false, nil
}

// search descends from root, which disagrees, and returns the spans it
// accounted for: single entries with their verdicts, and dense regions.
func (dc *dirCheck[T]) search(d int, root node) ([]span, error) {
	var out []span
	stack := []node{root}
	push := func(ns []node) {
		for k := len(ns) - 1; k >= 0; k-- {
			stack = append(stack, ns[k])
		}
	}
	leaf := func(n node) error {
		j := dc.first(n.lo, n.hi)
		out = append(out, span{j, j + 1})
		return dc.verify(j)
	}
	budget := dc.tests + searchBudget*(bits.Len(uint(dc.n))+1)
	for len(stack) > 0 && dc.tests < budget {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.t.count == 1 {
			if err := leaf(n); err != nil {
				return out, err
			}
			continue
		}
		if dc.blockOf(n.lo) != dc.blockOf(n.hi-1) || n.t.count < 1<<denseDepth {
			kids, err := dc.expand(d, n)
			if err != nil {
				return out, err
			}
			push(kids)
			continue
		}
		frontier, dense := []node{n}, true
		for range denseDepth {
			var next []node
			for _, f := range frontier {
				if f.t.count == 1 {
					dense = false
					if err := leaf(f); err != nil {
						return out, err
					}
					continue
				}
				kids, err := dc.expand(d, f)
				if err != nil {
					return out, err
				}
				dense = dense && len(kids) == 2
				next = append(next, kids...)
			}
			frontier = next
		}
		if dense && len(frontier) == 1<<denseDepth {
			shown, kinked := false, false
			for k := range confirmPerRegion {
				j := n.lo + (2*k+1)*(n.hi-n.lo)/(2*confirmPerRegion)
				if err := dc.verify(j); err != nil {
					return out, err
				}
				shown = shown || dc.found[j].Verdict == Mismatch
				kinked = kinked || dc.found[j].Verdict == Kink
			}
			if !shown && kinked {
				// Evidence at a kink and none wrong: the sixteenths may
				// all disagree through kinks at the point, one in each
				// (a ReLU layer whose every third unit sits at 0), and a
				// kink at the point gives a refined test a discrepancy
				// that converges as a wrong gradient's does. The search
				// goes on into the sixteenths, whose entries get their
				// own verdicts.
				push(frontier)
				continue
			}
			if !shown {
				// The sixteenths' disagreements are first estimates,
				// taken unrefined; with no evidence entry wrong, they
				// may all be the round-off or the kinks of one step
				// (a float32 ReLU network: a correct 64×64 block
				// reported whole as a region). The part's own test is
				// then refined, and a region needs its Mismatch; a
				// part that is not one is neither a region nor
				// searched further, and its direction stays not
				// Located unless it agrees without it.
				rt, err := dc.refine(d, n.lo, n.hi, n.t)
				if err != nil {
					return out, err
				}
				if rt.verdict != Mismatch {
					continue
				}
			}
			b := dc.blockOf(n.lo)
			dc.regions = append(dc.regions, Region{Block: dc.c.m.Blocks[b].Name, Lo: n.lo - dc.off[b], Hi: n.hi - dc.off[b], Parts: 1 << denseDepth})
			out = append(out, span{n.lo, n.hi})
			continue
		}
		push(frontier)
	}
	return out, nil
}

// expand splits n, which disagrees, tests its first half, infers the
// second, and returns the halves that disagree, in a buffer that the next
// call reuses.
func (dc *dirCheck[T]) expand(d int, n node) ([]node, error) {
	c := dc.c
	mid := dc.split(n.lo, n.hi)
	l := node{lo: n.lo, hi: mid}
	r := node{lo: mid, hi: n.hi}
	var err error
	if l.t, err = dc.test(d, l.lo, l.hi, true); err != nil {
		return nil, err
	}
	c.prog.tick(dc.tests, c.evals)
	a, thr, count := dc.measure(d, r.lo, r.hi)
	r.t = dirTest{verdict: OK, analytic: a, thr: thr, count: count, step: n.t.step}
	if count > 0 {
		// An inferred disagreement is taken as it is: if it is wrong, the
		// search below it finds every part agreeing, or leaves whose
		// per-entry verdicts pass, at the cost of a few tests. An
		// inferred agreement has K times the errors of both tests as
		// margin.
		// An inferred agreement must also resolve the derivative, as a
		// tested one must.
		inferable := (n.t.verdict == OK || n.t.verdict == Mismatch) && (l.t.verdict == OK || l.t.verdict == Mismatch)
		decided := false
		if inferable {
			r.t.delta = n.t.delta - l.t.delta
			r.t.err = n.t.err + l.t.err
			// Its first estimate, the witness of a refined test
			// (ladder), is inferred alike.
			r.t.first = witness{n: n.t.first.n - l.t.first.n, err: n.t.first.err + l.t.first.err}
			if math.Abs(r.t.delta) > thr+c.s.k*r.t.err {
				r.t.verdict, decided = Mismatch, true
			} else {
				decided = dc.resolved(r.t.err)
			}
		}
		if !decided {
			if r.t, err = dc.test(d, r.lo, r.hi, true); err != nil {
				return nil, err
			}
			c.prog.tick(dc.tests, c.evals)
		}
	}
	out := dc.kids[:0:2]
	for _, k := range [2]node{l, r} {
		if k.t.disagrees() {
			out = append(out, k)
		}
	}
	return out, nil
}

// split returns where to cut [lo, hi): between blocks while it spans
// several, halving their number, else at the middle index.
func (dc *dirCheck[T]) split(lo, hi int) int {
	b0, b1 := dc.blockOf(lo), dc.blockOf(hi-1)
	if b0 != b1 {
		return dc.off[b0+(b1-b0+1)/2]
	}
	return (lo + hi) / 2
}

// first returns the first global index in [lo, hi) not excluded.
func (dc *dirCheck[T]) first(lo, hi int) int {
	j := -1
	dc.segments(lo, hi, func(b, i0, _ int) {
		if j < 0 {
			j = dc.off[b] + i0
		}
	})
	return j
}

// verify gives global entry j its per-entry verdict, once.
func (dc *dirCheck[T]) verify(j int) error {
	if _, done := dc.found[j]; done {
		return nil
	}
	b := dc.blockOf(j)
	e, err := dc.c.entry(b, j-dc.off[b])
	if err != nil {
		return err
	}
	dc.found[j] = e
	return nil
}

// exclude adds spans to the exclusions, keeping them sorted and disjoint.
func (dc *dirCheck[T]) exclude(spans []span) {
	if len(spans) == 0 {
		return
	}
	all := append(append([]span(nil), dc.excl...), spans...)
	slices.SortFunc(all, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	out := all[:1]
	for _, s := range all[1:] {
		last := &out[len(out)-1]
		if s.lo <= last.hi {
			last.hi = max(last.hi, s.hi)
			continue
		}
		out = append(out, s)
	}
	dc.excl = out
}

// fill puts the per-entry verdicts and the regions into the report.
func (dc *dirCheck[T]) fill(rep *Report) {
	idx := make([]int, 0, len(dc.found))
	for j := range dc.found {
		idx = append(idx, j)
	}
	slices.Sort(idx)
	for _, j := range idx {
		b := dc.blockOf(j)
		rep.Blocks[b].Entries = append(rep.Blocks[b].Entries, dc.found[j])
	}
	for b := range rep.Blocks {
		if rep.Blocks[b].Entries == nil {
			rep.Blocks[b].Entries = []Entry{}
		}
		rep.Blocks[b].RelErr = blockRelErr(rep.Blocks[b].Entries)
	}
	regs := slices.Clone(dc.regions)
	slices.SortFunc(regs, func(a, b Region) int {
		ba, bb := rep.blockIndex(a.Block), rep.blockIndex(b.Block)
		if ba != bb {
			return cmp.Compare(ba, bb)
		}
		return cmp.Compare(a.Lo, b.Lo)
	})
	for _, g := range regs {
		if k := len(rep.Regions) - 1; k >= 0 && rep.Regions[k].Block == g.Block && rep.Regions[k].Hi == g.Lo {
			rep.Regions[k].Hi = g.Hi
			rep.Regions[k].Parts += g.Parts
			continue
		}
		rep.Regions = append(rep.Regions, g)
	}
}

func (r *Report) blockIndex(name string) int {
	for b := range r.Blocks {
		if r.Blocks[b].Name == name {
			return b
		}
	}
	return -1
}
