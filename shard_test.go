package gradcheck_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestShardsMerge checks that the shards of a check, encoded as JSON,
// decoded and merged, give the report of the unsharded check, for shard
// counts that split blocks and that leave shards empty.
func TestShardsMerge(t *testing.T) {
	s := newSmooth(21, 30, 50, 3)
	s.wrong[[2]int{0, 4}] = 0.1
	s.wrong[[2]int{1, 49}] = -1
	for _, base := range []gradcheck.Options{{}, {Sample: 40, Seed: 9}} {
		want, err := gradcheck.Check(s.model(), &base)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 2, 3, 7, 200} {
			var reports []*gradcheck.Report
			for i := n - 1; i >= 0; i-- { // any order
				o := base
				o.Shard, o.Shards = i, n
				r, err := gradcheck.Check(s.model(), &o)
				if err != nil {
					t.Fatal(err)
				}
				reports = append(reports, jsonRoundTrip(t, r))
			}
			got, err := gradcheck.Merge(reports...)
			if err != nil {
				t.Fatal(err)
			}
			w := *want
			if n > 1 {
				// Blocks split between shards get no diagnoses (see Merge);
				// compare those without.
				w.Blocks = append([]gradcheck.BlockReport(nil), want.Blocks...)
				for b := range w.Blocks {
					if splitBlock(reports, b) {
						w.Blocks[b].Diagnoses = nil
					}
				}
			}
			sameReports(t, fmt.Sprintf("%d shards of %+v", n, base), got, &w)
		}
	}
}

func splitBlock(reports []*gradcheck.Report, b int) bool {
	holders := 0
	for _, r := range reports {
		if len(r.Blocks[b].Entries) > 0 {
			holders++
		}
	}
	return holders > 1
}

// TestMergeRejects checks that Merge says what is wrong with a set of
// reports that are not the shards of one check.
func TestMergeRejects(t *testing.T) {
	s := newSmooth(1, 20)
	shard := func(i, n int, seed uint64) *gradcheck.Report {
		r, err := gradcheck.Check(s.model(), &gradcheck.Options{Shard: i, Shards: n, Sample: 10, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, c := range []struct {
		name    string
		reports []*gradcheck.Report
	}{
		{"missing shard", []*gradcheck.Report{shard(0, 3, 1), shard(2, 3, 1)}},
		{"twice", []*gradcheck.Report{shard(0, 2, 1), shard(0, 2, 1)}},
		{"other shard count", []*gradcheck.Report{shard(0, 2, 1), shard(1, 3, 1)}},
		{"other seed", []*gradcheck.Report{shard(0, 2, 1), shard(1, 2, 2)}},
		{"none", nil},
	} {
		if _, err := gradcheck.Merge(c.reports...); err == nil {
			t.Errorf("%s: Merge accepted it", c.name)
		}
	}
	if _, err := gradcheck.Check(s.model(), &gradcheck.Options{Shard: 2, Shards: 2}); err == nil {
		t.Errorf("Shard 2 of 2 accepted")
	}
}

// Three shards of one check, as three machines would run them, merged into
// the report of the whole check.
func ExampleMerge() {
	f := func(x []float64) float64 { return x[0]*x[0] + x[1]*x[2] + math.Exp(x[3]) }
	grad := func(dst, x []float64) {
		dst[0], dst[1], dst[2], dst[3] = 2*x[0], x[2], x[1], math.Exp(x[3])
		dst[2] += 0.1 // the bug
	}
	var shards []*gradcheck.Report
	for i := range 3 {
		x := []float64{1, 2, 3, 0.5} // each machine builds the same point
		rep, err := gradcheck.Gradient(f, grad, x, &gradcheck.Options{Shard: i, Shards: 3})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("shard %d checked %d entries\n", i, rep.Checked())
		shards = append(shards, rep)
	}
	whole, err := gradcheck.Merge(shards...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("checked:", whole.Checked(), "ok:", whole.OK())
	for _, e := range whole.Blocks[0].Failures() {
		fmt.Println("wrong:", whole.Blocks[0].EntryName(e.Index))
	}
	// Output:
	// shard 0 checked 1 entries
	// shard 1 checked 1 entries
	// shard 2 checked 2 entries
	// checked: 4 ok: false
	// wrong: x[2]
}

// TestMergeRejectsOtherEntries: Merge checked only that each shard's first
// entry of a block came after the last one merged, so it joined shards of
// two sample sizes (one seed) into a report of 13 entries that were the
// sample of neither, and shards edited by hand (an entry dropped, one held
// twice, two swapped) into reports that did not say so. Each is now an
// error.
func TestMergeRejectsOtherEntries(t *testing.T) {
	s := newSmooth(1, 20, 30)
	shard := func(i, n int, o gradcheck.Options) *gradcheck.Report {
		o.Shard, o.Shards = i, n
		r, err := gradcheck.Check(s.model(), &o)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// edit returns shard 1 of 2 with block B1's entries changed by f.
	edit := func(f func(e []gradcheck.Entry) []gradcheck.Entry) *gradcheck.Report {
		r := shard(1, 2, gradcheck.Options{})
		r.Blocks[1].Entries = f(slices.Clone(r.Blocks[1].Entries))
		return r
	}
	whole := shard(0, 2, gradcheck.Options{})
	for _, c := range []struct {
		name    string
		reports []*gradcheck.Report
		want    string
	}{
		{"samples of 10 and 15", []*gradcheck.Report{shard(0, 2, gradcheck.Options{Sample: 10, Seed: 1}), shard(1, 2, gradcheck.Options{Sample: 15, Seed: 1})},
			"samples of 10 and 15 entries"},
		// Samples whose counts fit one partition (10 + 10 entries, the
		// partition of 20) merged, without a word, into entries of
		// neither sample.
		{"samples of 21 and 20", []*gradcheck.Report{shard(0, 2, gradcheck.Options{Sample: 21, Seed: 1}), shard(1, 2, gradcheck.Options{Sample: 20, Seed: 1})},
			"samples of 21 and 20 entries"},
		// Read from JSON written before reports held Sample, the
		// shards are compared in their partition alone.
		{"samples of 10 and 15 without Sample", []*gradcheck.Report{withoutSample(shard(0, 2, gradcheck.Options{Sample: 10, Seed: 1})), withoutSample(shard(1, 2, gradcheck.Options{Sample: 15, Seed: 1}))},
			"shard 0 holds 5 entries; of the 13 entries of the 2 shards it holds 6"},
		{"an entry dropped", []*gradcheck.Report{whole, edit(func(e []gradcheck.Entry) []gradcheck.Entry { return slices.Delete(e, 3, 4) })},
			"the shards hold 49 entries and the model has 50"},
		{"an entry twice", []*gradcheck.Report{whole, edit(func(e []gradcheck.Entry) []gradcheck.Entry { e[3] = e[2]; return e })},
			`shard 1 repeats or reorders entries of block "B1" (index 7 after 7)`},
		{"two swapped", []*gradcheck.Report{whole, edit(func(e []gradcheck.Entry) []gradcheck.Entry { e[3], e[4] = e[4], e[3]; return e })},
			`shard 1 repeats or reorders entries of block "B1"`},
	} {
		_, err := gradcheck.Merge(c.reports...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Merge error %v, want one saying %q", c.name, err, c.want)
		}
	}
	// The shards of one sampled check still merge.
	if _, err := gradcheck.Merge(shard(1, 3, gradcheck.Options{Sample: 17, Seed: 4}), shard(0, 3, gradcheck.Options{Sample: 17, Seed: 4}), shard(2, 3, gradcheck.Options{Sample: 17, Seed: 4})); err != nil {
		t.Errorf("three shards of one sampled check: %v", err)
	}
}

// withoutSample is r as read from JSON written before reports held
// Report.Sample.
func withoutSample(r *gradcheck.Report) *gradcheck.Report {
	r.Sample = 0
	return r
}

// TestMergeHugeShardCount: Merge made a table of Shards pointers before
// it looked at the reports, so a shard read back from a file whose count
// was edited or corrupted (2⁴⁰) ended the program with a fatal out of
// memory, which no recover stops. It is now the missing shard.
func TestMergeHugeShardCount(t *testing.T) {
	r, err := gradcheck.Check(newSmooth(1, 20).model(), &gradcheck.Options{Shard: 0, Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	r.Shards = 1 << 40
	_, err = gradcheck.Merge(jsonRoundTrip(t, r))
	if want := "shard 1 of 1099511627776 is missing"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Merge error %v, want one saying %q", err, want)
	}
}

// TestShardPartitionNoOverflow: the shard bounds i·total/n were computed
// in an int, which overflowed for shard counts past 2⁶³/total: shard
// 2⁶¹ − 1 of 2⁶¹ held none of 21 entries instead of the last one.
func TestShardPartitionNoOverflow(t *testing.T) {
	const n = 1 << 61
	r, err := gradcheck.Check(newSmooth(1, 20, 1).model(), &gradcheck.Options{Shard: n - 1, Shards: n, SkipHazards: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Blocks[0].Entries) != 0 || len(r.Blocks[1].Entries) != 1 || r.Blocks[1].Entries[0].Index != 0 {
		t.Errorf("the last of %d shards of 21 entries holds %d of B0 and %d of B1, want B1[0] alone", n, len(r.Blocks[0].Entries), len(r.Blocks[1].Entries))
	}
}

// TestMergeRejectsSamplesAroundUnknown: Merge compared every shard with
// one reference shard, the first that holds its Judging, and Samples only
// where both hold one; a reference read from JSON written before reports
// held Sample (Sample 0) was compared with each of the others, and shards
// of 21 and of 20 entries over three shards (7, 7, 7 entries, the
// partition of 21) merged into entries of neither sample. The shards that
// hold a Sample are now compared with each other too.
func TestMergeRejectsSamplesAroundUnknown(t *testing.T) {
	s := newSmooth(1, 20, 30)
	shard := func(i, sample int) *gradcheck.Report {
		r, err := gradcheck.Check(s.model(), &gradcheck.Options{Sample: sample, Seed: 1, Shard: i, Shards: 3})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, unknown := range []int{0, 1, 2} {
		reports := []*gradcheck.Report{shard(0, 21), shard(1, 21), shard(2, 20)}
		if unknown == 2 {
			reports[1] = shard(1, 20)
		}
		withoutSample(reports[unknown])
		_, err := gradcheck.Merge(reports...)
		if err == nil || !strings.Contains(err.Error(), "samples of 21 and 20 entries") {
			t.Errorf("shard %d without Sample: Merge error %v, want one saying the samples are of 21 and 20 entries", unknown, err)
		}
	}
	// The shards of one sample merge, with one that does not hold it.
	reports := []*gradcheck.Report{withoutSample(shard(0, 21)), shard(1, 21), shard(2, 21)}
	if out, err := gradcheck.Merge(reports...); err != nil {
		t.Errorf("shards of one sample, one without Sample: %v", err)
	} else if out.Sample != 21 {
		t.Errorf("shards of one sample, one without Sample: merged Sample %d, want 21", out.Sample)
	}
}
