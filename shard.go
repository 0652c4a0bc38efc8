package gradcheck

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Merge joins the reports of the shards of one check (Options.Shard and
// Shards, the same model, point and options otherwise) into the report of
// the whole check, equal to the report an unsharded check gives: the same
// entries and verdicts, the same RelErr bit for bit, and Evals and
// GradEvals that count the evaluations every shard repeats before any
// verdict (SetupEvals) and the noise measurement (NoiseEvals,
// NoiseGradEvals) once. The reports may come in any order; Merge
// checks that they are the shards 0 to Shards−1 of one check and says what
// is missing or inconsistent otherwise: the same precision, sample,
// setup, hazards and blocks, and the same settings of the verdicts
// (Report.Judging: Step, Atol, Rtol, K, Noise). A report that does not
// know its settings (zero Judging: the JSON of a release that did not
// write them) is compared in everything else; the merged report holds
// the settings of the shards that know them.
//
// Diagnoses need every entry of a block: a block whose entries all lie in
// one shard keeps that shard's diagnoses, which are the unsharded ones; a
// block split between shards gets none, since they would be made from the
// parameter values, which a report does not hold. Run an unsharded check
// on the failing blocks for their diagnoses. Sweeps are concatenated in
// shard order, and so are the NotConcurrent hazards of the shards whose
// workers raced, after the hazards every shard shares.
func Merge(reports ...*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, errors.New("gradcheck: Merge of no reports")
	}
	for k, r := range reports {
		if r == nil {
			return nil, fmt.Errorf("gradcheck: Merge: report %d is nil", k)
		}
		if len(r.Directions) > 0 {
			return nil, fmt.Errorf("gradcheck: Merge: report %d is a directional check, which is not sharded", k)
		}
		if r.Partial {
			return nil, fmt.Errorf("gradcheck: Merge: report %d is partial: its check stopped before it had judged all its entries", k)
		}
	}
	n := reports[0].Shards
	if n == 0 {
		if len(reports) == 1 {
			return reports[0], nil
		}
		return nil, errors.New("gradcheck: Merge: the reports are not shards (Shards is 0); check with Options.Shard and Options.Shards")
	}
	// The shards by number in a map of the reports given, not a table
	// of n: n comes from the reports, and a count edited or corrupted to
	// 2⁴⁰ made Merge allocate 2⁴⁰ pointers, a fatal out of memory that no
	// recover stops (TestMergeHugeShardCount).
	given := make(map[int]*Report, len(reports))
	for k, r := range reports {
		switch {
		case r.Shards != n:
			return nil, fmt.Errorf("gradcheck: Merge: report %d is shard %d of %d, report 0 of %d", k, r.Shard, r.Shards, n)
		case r.Shard < 0 || r.Shard >= n:
			return nil, fmt.Errorf("gradcheck: Merge: report %d is shard %d, outside [0, %d)", k, r.Shard, n)
		case given[r.Shard] != nil:
			return nil, fmt.Errorf("gradcheck: Merge: shard %d of %d is given twice", r.Shard, n)
		}
		given[r.Shard] = r
	}
	// len(reports) distinct shards in [0, n): all of them exactly when
	// n = len(reports), else the first missing one is at most len(reports).
	for i := range min(n, len(reports)+1) {
		if given[i] == nil {
			return nil, fmt.Errorf("gradcheck: Merge: shard %d of %d is missing", i, n)
		}
	}
	byShard := make([]*Report, n) // n = len(reports) here
	for i, r := range given {
		byShard[i] = r
	}
	first := byShard[0]
	// The shards are compared with the first that knows its Judging, or
	// with shard 0 if none does: a shard read from the JSON of a release
	// that did not write Judging is compared in everything else, and its
	// Judging with nothing, while the others' are compared with each other.
	ref := 0
	for i, r := range byShard {
		if r.Judging.known() {
			ref = i
			break
		}
	}
	for i, r := range byShard {
		if i == ref {
			continue
		}
		if err := sameCheck(byShard[ref], r); err != nil {
			return nil, fmt.Errorf("gradcheck: Merge: shard %d is not of the same check as shard %d: %v", i, ref, err)
		}
	}
	// The reference may not hold its Sample (JSON written before reports
	// held it), and sameCheck compares Samples only where both hold one:
	// the shards that hold one are compared with the first of them.
	if h := sampleHolder(byShard); h >= 0 {
		for i, r := range byShard {
			if r.Sample != 0 && r.Sample != byShard[h].Sample {
				return nil, fmt.Errorf("gradcheck: Merge: shard %d is not of the same check as shard %d: samples of %d and %d entries", i, h, byShard[h].Sample, r.Sample)
			}
		}
	}
	out := &Report{
		Precision: first.Precision, Sampled: first.Sampled, Seed: first.Seed, Sample: sampleOf(byShard),
		Judging:    byShard[ref].Judging,
		Hazards:    slices.Clone(setupHazards(first.Hazards)),
		SetupEvals: first.SetupEvals, SetupGradEvals: first.SetupGradEvals,
	}
	for _, r := range byShard {
		for _, h := range r.Hazards {
			if h.Kind == NotConcurrent {
				out.Hazards = append(out.Hazards, h)
			}
		}
	}
	for _, r := range byShard {
		out.Evals += r.Evals - r.SetupEvals - r.NoiseEvals
		out.GradEvals += r.GradEvals - r.SetupGradEvals - r.NoiseGradEvals
		out.Sweeps = append(out.Sweeps, r.Sweeps...)
		out.NoiseEvals = max(out.NoiseEvals, r.NoiseEvals)
		out.NoiseGradEvals = max(out.NoiseGradEvals, r.NoiseGradEvals)
	}
	out.Evals += first.SetupEvals + out.NoiseEvals
	out.GradEvals += first.SetupGradEvals + out.NoiseGradEvals
	if first.Blocks == nil {
		return out, nil
	}
	if err := samePartition(byShard); err != nil {
		return nil, err
	}
	out.Blocks = make([]BlockReport, len(first.Blocks))
	for b := range first.Blocks {
		ob := &out.Blocks[b]
		ob.Name, ob.Shape = first.Blocks[b].Name, slices.Clone(first.Blocks[b].Shape)
		ob.Entries = []Entry{}
		holders := 0
		for _, r := range byShard {
			rb := &r.Blocks[b]
			if len(rb.Entries) == 0 {
				continue
			}
			holders++
			// Every entry, not only a shard's first: a shard that held
			// an entry twice or two out of order (a report edited by
			// hand) merged unnoticed.
			prev := -1
			if k := len(ob.Entries); k > 0 {
				prev = ob.Entries[k-1].Index
			}
			for _, e := range rb.Entries {
				if e.Index <= prev {
					return nil, fmt.Errorf("gradcheck: Merge: shard %d repeats or reorders entries of block %q (index %d after %d)", r.Shard, ob.Name, e.Index, prev)
				}
				prev = e.Index
			}
			ob.Entries = append(ob.Entries, rb.Entries...)
			ob.Diagnoses = rb.Diagnoses
		}
		if holders != 1 {
			ob.Diagnoses = nil
		}
		ob.Diagnoses = slices.Clone(ob.Diagnoses)
		ob.RelErr = blockRelErr(ob.Entries)
	}
	return out, nil
}

// samePartition checks the shards' numbers of entries against the
// partition every shard computes (shardJobs): of the T entries the shards
// hold together, shard i holds i·T/n to (i+1)·T/n, and T is every entry
// of the model unless the check is sampled. Shards of one seed and two
// Sample sizes (Report holds no sample size) merged into a report of
// entries of neither sample, and a shard missing entries (a report edited
// by hand) into one that did not say so. Shards of two sample sizes whose
// counts happen to fit one partition pass: sample sizes T₁ and T₂ with
// shard i of the first and the others of the second holding the counts a
// partition of some T gives.
func samePartition(byShard []*Report) error {
	n := len(byShard)
	held := make([]int, n)
	total, size := 0, 0
	for i, r := range byShard {
		for b := range r.Blocks {
			held[i] += len(r.Blocks[b].Entries)
		}
		total += held[i]
	}
	for b := range byShard[0].Blocks {
		size += byShard[0].Blocks[b].Size()
	}
	if !byShard[0].Sampled && total != size {
		return fmt.Errorf("gradcheck: Merge: the shards hold %d entries and the model has %d, none sampled: a shard is missing entries or holds some twice", total, size)
	}
	for i, h := range held {
		if want := partAt(i+1, total, n) - partAt(i, total, n); h != want {
			return fmt.Errorf("gradcheck: Merge: shard %d holds %d entries; of the %d entries of the %d shards it holds %d: the shards are of checks of different samples (Options.Sample), or a report is missing entries", i, h, total, n, want)
		}
	}
	return nil
}

// setupHazards is hs without the NotConcurrent hazards: the hazards found
// before any verdict, which every shard finds alike. A NotConcurrent
// hazard is found by the shard whose workers raced, on its own entries,
// and Merge keeps each shard's, in shard order.
func setupHazards(hs []Hazard) []Hazard {
	if !slices.ContainsFunc(hs, func(h Hazard) bool { return h.Kind == NotConcurrent }) {
		return hs
	}
	return slices.DeleteFunc(slices.Clone(hs), func(h Hazard) bool { return h.Kind == NotConcurrent })
}

// sameCheck reports how two shard reports differ in what all shards of a
// check share.
func sameCheck(a, b *Report) error {
	switch {
	case a.Precision != b.Precision:
		return fmt.Errorf("precision %s and %s", a.Precision, b.Precision)
	case a.Sampled != b.Sampled || a.Sampled && a.Seed != b.Seed:
		// The seed chooses a sample and nothing else in a check that
		// can be sharded (a directional check cannot be).
		return fmt.Errorf("sample (%v, seed %d) and (%v, seed %d)", a.Sampled, a.Seed, b.Sampled, b.Seed)
	case a.Sampled && a.Sample != 0 && b.Sample != 0 && a.Sample != b.Sample:
		// A report read from JSON written before reports held Sample
		// has 0, and is compared in the partition alone.
		return fmt.Errorf("samples of %d and %d entries", a.Sample, b.Sample)
	case a.SetupEvals != b.SetupEvals || a.SetupGradEvals != b.SetupGradEvals:
		return fmt.Errorf("setup evaluations %d+%d and %d+%d", a.SetupEvals, a.SetupGradEvals, b.SetupEvals, b.SetupGradEvals)
	case !slices.Equal(setupHazards(a.Hazards), setupHazards(b.Hazards)):
		return fmt.Errorf("hazards %v and %v", setupHazards(a.Hazards), setupHazards(b.Hazards))
	case len(a.Blocks) != len(b.Blocks):
		return fmt.Errorf("%d and %d blocks", len(a.Blocks), len(b.Blocks))
	}
	// Shards judged with other thresholds, steps or noise: their verdicts
	// mean different things. A Judging not known (a report of an older
	// release) is compared with nothing.
	if a.Judging.known() && b.Judging.known() {
		if err := a.Judging.differ(b.Judging); err != nil {
			return err
		}
	}
	for k := range a.Blocks {
		if a.Blocks[k].Name != b.Blocks[k].Name || !slices.Equal(a.Blocks[k].Shape, b.Blocks[k].Shape) {
			return fmt.Errorf("block %d is %s%v and %s%v", k, a.Blocks[k].Name, a.Blocks[k].Shape, b.Blocks[k].Name, b.Blocks[k].Shape)
		}
	}
	return nil
}

// judging is the part of s that Report.Judging holds.
func (s *settings) judging() Judging {
	return Judging{Step: s.step, Atol: s.atol, Rtol: s.rtol, K: s.k, Noise: s.noise}
}

// known reports whether j was filled by a check: its K and Rtol are never
// zero then, so the zero Judging is the one a report without it has.
func (j Judging) known() bool { return j != Judging{} }

// differ names the first setting in which j and o differ, with both
// values. Values compare as numbers (−0 equals +0, as a threshold does)
// and NaN equals NaN: a hand-built or edited report may hold one, and a
// NaN compared with itself must not read as two checks.
func (j Judging) differ(o Judging) error {
	for _, f := range [...]struct {
		name string
		a, b float64
	}{{"Step", j.Step, o.Step}, {"Atol", j.Atol, o.Atol}, {"Rtol", j.Rtol, o.Rtol}, {"K", j.K, o.K}, {"Noise", j.Noise, o.Noise}} {
		if f.a != f.b && !(math.IsNaN(f.a) && math.IsNaN(f.b)) {
			return fmt.Errorf("%s %v and %v", f.name, f.a, f.b)
		}
	}
	return nil
}

// partAt is ⌊i·total/n⌋ for 0 ≤ i ≤ n, total ≥ 0, n > 0, where shard i of
// n starts among total entries, in 128 bits: i·total overflowed an int for
// counts past 2⁶³/total (shard 2⁶¹ − 1 of 2⁶¹ held none of 21 entries
// instead of the last, TestShardPartitionNoOverflow).
func partAt(i, total, n int) int {
	hi, lo := bits.Mul64(uint64(i), uint64(total))
	q, _ := bits.Div64(hi, lo, uint64(n)) // hi < n: the quotient is at most total
	return int(q)
}

// shardJobs flattens the plan into jobs in block order, then index order,
// and returns the run of shard i of n: the runs are contiguous and their
// lengths differ by at most one, so that shard reports merge by
// concatenation. n = 0 means the whole plan; a nil plan means every
// entry of blocks of the given sizes. The jobs are appended to buf.
func shardJobs(buf []job, plan [][]int, sizes []int, i, n int) []job {
	size := func(b int) int {
		if plan != nil {
			return len(plan[b])
		}
		return sizes[b]
	}
	total := 0
	for b := range sizes {
		total += size(b)
	}
	lo, hi := 0, total
	if n > 0 {
		lo, hi = partAt(i, total, n), partAt(i+1, total, n)
	}
	jobs := slices.Grow(buf, hi-lo)
	k := 0
	for b := range sizes {
		// The part of this block's k-range [k, k+size) in [lo, hi).
		sz := size(b)
		t0, t1 := max(lo-k, 0), min(hi-k, sz)
		switch {
		case t0 >= t1:
		case plan != nil:
			for _, x := range plan[b][t0:t1] {
				jobs = append(jobs, job{b: int32(b), i: int32(x), p: -1})
			}
		default:
			for x := t0; x < t1; x++ {
				jobs = append(jobs, job{b: int32(b), i: int32(x), p: -1})
			}
		}
		k += sz
	}
	return jobs
}

// jsonScale is the part of the JSON schema for directional and sharded
// checks, embedded in jsonReport. Every field is omitted when empty, so the
// reports of ordinary checks read as before.
type jsonScale struct {
	Directions     []jsonDirection `json:"directions,omitempty"`
	Regions        []jsonRegion    `json:"regions,omitempty"`
	Shard          int             `json:"shard,omitempty"`
	Shards         int             `json:"shards,omitempty"`
	SetupEvals     int             `json:"setup_evals,omitempty"`
	SetupGradEvals int             `json:"setup_grad_evals,omitempty"`
	NoiseEvals     int             `json:"noise_evals,omitempty"`
	NoiseGradEvals int             `json:"noise_grad_evals,omitempty"`
}

type jsonDirection struct {
	Index     int       `json:"index"`
	Verdict   string    `json:"verdict"`
	Analytic  jsonFloat `json:"analytic"`
	Numeric   jsonFloat `json:"numeric"`
	ErrEst    jsonFloat `json:"err_est"`
	Threshold jsonFloat `json:"threshold"`
	Step      jsonFloat `json:"step"`
	Refined   bool      `json:"refined"`
	Located   bool      `json:"located"`
	Excluded  int       `json:"excluded"`
}

type jsonRegion struct {
	Block string `json:"block"`
	Lo    int    `json:"lo"`
	Hi    int    `json:"hi"`
	Parts int    `json:"parts"`
}

func scaleToJSON(r *Report) jsonScale {
	j := jsonScale{Shard: r.Shard, Shards: r.Shards, SetupEvals: r.SetupEvals, SetupGradEvals: r.SetupGradEvals, NoiseEvals: r.NoiseEvals, NoiseGradEvals: r.NoiseGradEvals}
	for _, d := range r.Directions {
		j.Directions = append(j.Directions, jsonDirection{
			Index: d.Index, Verdict: d.Verdict.String(), Analytic: jsonFloat(d.Analytic), Numeric: jsonFloat(d.Numeric),
			ErrEst: jsonFloat(d.ErrEst), Threshold: jsonFloat(d.Threshold), Step: jsonFloat(d.Step),
			Refined: d.Refined, Located: d.Located, Excluded: d.Excluded,
		})
	}
	for _, g := range r.Regions {
		j.Regions = append(j.Regions, jsonRegion(g))
	}
	return j
}

func scaleFromJSON(j *jsonScale, r *Report) error {
	r.Shard, r.Shards, r.SetupEvals, r.SetupGradEvals, r.NoiseEvals, r.NoiseGradEvals = j.Shard, j.Shards, j.SetupEvals, j.SetupGradEvals, j.NoiseEvals, j.NoiseGradEvals
	for k, d := range j.Directions {
		v, ok := parseVerdict(d.Verdict)
		if !ok {
			return fmt.Errorf("gradcheck: decoding a report: direction %d has an unknown verdict %q", k, d.Verdict)
		}
		r.Directions = append(r.Directions, DirectionResult{
			Index: d.Index, Verdict: v, Analytic: float64(d.Analytic), Numeric: float64(d.Numeric),
			ErrEst: float64(d.ErrEst), Threshold: float64(d.Threshold), Step: float64(d.Step),
			Refined: d.Refined, Located: d.Located, Excluded: d.Excluded,
		})
	}
	for k, g := range j.Regions {
		b := r.Block(g.Block)
		if b == nil || g.Lo < 0 || g.Hi > b.Size() || g.Lo >= g.Hi {
			return fmt.Errorf("gradcheck: decoding a report: region %d, [%d, %d) of block %q, is not inside a block of the report", k, g.Lo, g.Hi, g.Block)
		}
		r.Regions = append(r.Regions, Region(g))
	}
	return nil
}

// sampleHolder is the index of the first of the shards that holds a
// Sample, or −1.
func sampleHolder(shards []*Report) int {
	for i, r := range shards {
		if r.Sample != 0 {
			return i
		}
	}
	return -1
}

// sampleOf is the Sample of the first of the shards that holds one, or 0.
func sampleOf(shards []*Report) int {
	if h := sampleHolder(shards); h >= 0 {
		return shards[h].Sample
	}
	return 0
}
