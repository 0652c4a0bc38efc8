package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck/zoo"
)

// TestBenchTable runs a small subset of the corpus, the linear layer and
// its bugs, and reads the table's totals.
func TestBenchTable(t *testing.T) {
	var out, errb bytes.Buffer
	if err := runBench(&out, &errb, []string{"-run", "linear", "-v"}); err != nil {
		t.Fatalf("bench -run linear: %v\n%s%s", err, out.String(), errb.String())
	}
	text := out.String()
	for _, want := range []string{
		"kind", "detected", "false alarms", "diagnosed right", "loss evals",
		"correct     correct", "systematic  few", "all ", "(0 missed)",
		"false alarms: 0 of 2 checks", // the correct linear layer, in two precisions
		"linear/W:few-1e-06", "below resolution",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the table lacks %q:\n%s", want, text)
		}
	}
}

// TestBenchJSON: --json prints one object with the required counts, and
// they add up: every run is a bug or a correct layer, every bug is
// detected, below the resolution or missed, and the rows sum to the total.
func TestBenchJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if err := runBench(&out, &errb, []string{"--json", "-run", "mse"}); err != nil {
		t.Fatalf("bench --json -run mse: %v\n%s", err, errb.String())
	}
	var raw map[string]any
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out.String())
	}
	for _, f := range []string{"cases", "bugs", "detected", "below_resolution", "correct", "false_alarms", "diagnosed_right", "rows"} {
		if _, ok := raw[f]; !ok {
			t.Errorf("field %q missing from %s", f, out.String())
		}
	}
	var s benchScore
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	// mse, mse/mse-missing-2 and mse/mse-residual-sign, in two precisions.
	if s.Cases != 6 || s.Correct != 2 || s.Bugs != 4 {
		t.Errorf("cases %d, correct %d, bugs %d; want 6, 2, 4", s.Cases, s.Correct, s.Bugs)
	}
	if s.Cases != s.Correct+s.Bugs || s.Bugs != s.Detected+s.BelowResolution+s.Missed {
		t.Errorf("counts do not add up: %+v", s.benchCounts)
	}
	var sum benchCounts
	for _, r := range s.Rows {
		sum.merge(r.benchCounts)
	}
	sum.Seconds = s.Seconds
	if sum != s.benchCounts {
		t.Errorf("the rows sum to %+v, the total is %+v", sum, s.benchCounts)
	}
	if s.Detected != 4 || s.FalseAlarms != 0 {
		t.Errorf("detected %d of 4 bugs with %d false alarms", s.Detected, s.FalseAlarms)
	}
}

// TestBenchScore: a missed bug and a false alarm make bench fail, and a bug
// below the resolution is neither caught nor missed, flagged or not.
func TestBenchScore(t *testing.T) {
	bug := &zoo.Case{Name: "b", Kind: zoo.KindRealistic, Class: zoo.ClassMissingTerm}
	ok := &zoo.Case{Name: "c", Kind: zoo.KindCorrect, Class: zoo.ClassCorrect}
	small := &zoo.Case{Name: "s", Kind: zoo.KindSystematic, Class: "few", RelSize: 1e-9}
	s := score([]zoo.Result{
		{Case: bug, Precision: "float64", Flagged: false},
		{Case: bug, Precision: "float32", Flagged: true},
		{Case: ok, Precision: "float64", Flagged: true},
		{Case: small, Precision: "float32", Flagged: true, BelowResolution: true},
		{Case: small, Precision: "float64", Flagged: false, BelowResolution: true},
	})
	want := benchCounts{Cases: 5, Bugs: 4, Correct: 1, Detected: 1, BelowResolution: 2, Missed: 1, FalseAlarms: 1, NoExpectedPattern: 1}
	if s.benchCounts != want {
		t.Errorf("score = %+v, want %+v", s.benchCounts, want)
	}
	if len(s.Misses) != 1 || s.Misses[0].Case != "b" || len(s.FalseAlarmList) != 1 || s.FalseAlarmList[0].Case != "c" {
		t.Errorf("misses %+v, false alarms %+v", s.Misses, s.FalseAlarmList)
	}
}

// TestBenchUsage: a -run that matches nothing is a usage error, not a
// wrong gradient.
func TestBenchUsage(t *testing.T) {
	var out, errb bytes.Buffer
	err := runBench(&out, &errb, []string{"-run", "no such case"})
	if err == nil || errors.Is(err, errWrong) {
		t.Errorf("bench -run 'no such case' returned %v, want a usage error", err)
	}
}
