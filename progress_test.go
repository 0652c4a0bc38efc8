package gradcheck_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestProgress checks that Progress is called, never concurrently, with
// counts that only grow, and once at the end with Done == Total.
func TestProgress(t *testing.T) {
	for _, opts := range []gradcheck.Options{{Workers: 1}, {Workers: 3}, {Directions: 4}} {
		s := newSmooth(1, 300)
		s.wrong[[2]int{0, 7}] = 1
		var got []gradcheck.Progress
		inside := false
		opts.ProgressInterval = 1 // every chance
		opts.Progress = func(p gradcheck.Progress) {
			if inside {
				t.Errorf("Progress called while it runs")
			}
			inside = true
			got = append(got, p)
			inside = false
		}
		rep, err := gradcheck.Check(s.model(), &opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Fatalf("%+v: Progress never called", opts)
		}
		last := got[len(got)-1]
		want := gradcheck.StageEntries
		if opts.Directions > 0 {
			want = gradcheck.StageDirections
		}
		if last.Stage != want || last.Done != last.Total || last.Total == 0 || last.Evals != rep.Evals {
			t.Errorf("last progress %+v, want stage %s with Done == Total and Evals %d", last, want, rep.Evals)
		}
		for k := 1; k < len(got); k++ {
			if got[k].Stage == got[k-1].Stage && (got[k].Done < got[k-1].Done || got[k].Evals < got[k-1].Evals) {
				t.Errorf("progress went back: %+v after %+v", got[k], got[k-1])
			}
		}
	}
}

// TestProgressPanic checks that a panic in the callback is returned as an
// error, not raised, and that the check still completes.
func TestProgressPanic(t *testing.T) {
	s := newSmooth(1, 50)
	rep, err := gradcheck.Check(s.model(), &gradcheck.Options{ProgressInterval: 1, Progress: func(gradcheck.Progress) { panic("bar") }})
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) || pe.Func != "Progress" {
		t.Fatalf("error %v, want a *PanicError from Progress", err)
	}
	if rep == nil || rep.Checked() != 50 {
		t.Errorf("report %v, want all 50 entries", rep)
	}
}

// TestProgressCancel stops a check from the progress callback.
func TestProgressCancel(t *testing.T) {
	s := newSmooth(1, 400)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := gradcheck.CheckContext(ctx, s.model(), &gradcheck.Options{Workers: 1, ProgressInterval: 1, Progress: func(p gradcheck.Progress) {
		if p.Done >= 10 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || rep.Checked() >= 400 {
		t.Errorf("error %v with %d entries checked, want context.Canceled early", err, rep.Checked())
	}
}

// A progress callback for a long check: it is called about every
// ProgressInterval with how far the check has got, and once at the end.
func Example_progress() {
	s := newSmooth(1, 2000)
	var last gradcheck.Progress
	calls := 0
	opts := &gradcheck.Options{Progress: func(p gradcheck.Progress) {
		calls++
		last = p
		// A progress bar would print p.Done, p.Total and p.Remaining here.
	}}
	rep, err := gradcheck.Check(s.model(), opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("called:", calls > 0)
	fmt.Printf("last: %s %d of %d; its evaluations are the report's: %v\n", last.Stage, last.Done, last.Total, last.Evals == rep.Evals)
	// Output:
	// called: true
	// last: entries 2000 of 2000; its evaluations are the report's: true
}

// TestProgressTerms: Progress is called while a model's loss terms are
// checked, which with three terms is most of the check, in stage
// StageTerms, with Evals counting the whole check's evaluations.
func TestProgressTerms(t *testing.T) {
	n := newTMNet()
	m := n.model()
	var got []gradcheck.Progress
	termCalls, seenInTerms := 0, 0
	for k := range m.Terms {
		loss := m.Terms[k].Loss
		m.Terms[k].Loss = func() float64 { termCalls++; seenInTerms = len(got); return loss() }
	}
	rep, err := gradcheck.Check(m, &gradcheck.Options{ProgressInterval: 1, Progress: func(p gradcheck.Progress) { got = append(got, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if termCalls == 0 || seenInTerms == 0 {
		t.Fatalf("no Progress call while the terms were checked (%d term evaluations of %d)", termCalls, rep.Evals)
	}
	for k, p := range got[:seenInTerms] {
		if p.Stage != gradcheck.StageTerms || p.Total != len(m.Terms) || p.Done < 0 || p.Done >= p.Total {
			t.Errorf("call %d while the terms were checked: %+v", k, p)
		}
	}
	for k := 1; k < len(got); k++ {
		if got[k].Evals < got[k-1].Evals {
			t.Errorf("Evals went back from %d to %d", got[k-1].Evals, got[k].Evals)
		}
	}
	if last := got[len(got)-1]; last.Stage != gradcheck.StageEntries || last.Done != last.Total || last.Evals != rep.Evals {
		t.Errorf("last call %+v, want StageEntries with Done = Total and Evals %d", last, rep.Evals)
	}
}
