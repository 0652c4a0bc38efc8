package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck/internal/readme"
)

// readmeBlock returns the lines of the first fenced block of the
// repository's README.md whose first line starts with prefix.
func readmeBlock(t *testing.T, prefix string) []string {
	t.Helper()
	lines, err := readme.Block("../../README.md", prefix)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestReadmeSweep: README quotes the first rows of `gradcheck sweep
// -per-decade 1 W1[0,3]` and ends the quote with "…"; those rows are the
// command's, to the byte.
func TestReadmeSweep(t *testing.T) {
	quoted := readmeBlock(t, "W1[0,3] of demo")
	code, stdout, stderr := runArgs("sweep", "-per-decade", "1", "W1[0,3]")
	if code != 0 {
		t.Fatalf("sweep exited %d: %s", code, stderr)
	}
	got := strings.Split(stdout, "\n")
	if quoted[len(quoted)-1] == "…" {
		quoted = quoted[:len(quoted)-1]
	}
	if len(quoted) > len(got) {
		t.Fatalf("README.md quotes %d rows of sweep, which prints %d:\n%s", len(quoted), len(got), stdout)
	}
	for i, q := range quoted {
		if q != got[i] {
			t.Errorf("README.md's sweep, line %d:\nREADME: %q\nnow:    %q", i+1, q, got[i])
		}
	}
}

// TestReadmeBench: README quotes the output of `gradcheck bench`. Every
// line is the command's, but for the time column, which is the machine's:
// the counts (cases, detections, diagnoses, loss evaluations) are the
// same on every run.
func TestReadmeBench(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole bug corpus")
	}
	quoted := readmeBlock(t, "gradcheck bench:")
	var out, errb bytes.Buffer
	if err := runBench(&out, &errb, nil); err != nil {
		t.Fatalf("bench: %v\n%s", err, errb.String())
	}
	got := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	timed := regexp.MustCompile(`^(correct|realistic|systematic|all) .*\S\s+[0-9.]+(ns|µs|ms|s)$`)
	untimed := func(line string) string {
		if timed.MatchString(line) {
			line = strings.TrimRight(line[:strings.LastIndexAny(line, " \t")], " ")
		}
		return line
	}
	if len(quoted) != len(got) {
		t.Errorf("README.md quotes %d lines of bench, which prints %d", len(quoted), len(got))
	}
	for i := range min(len(quoted), len(got)) {
		if q, g := untimed(quoted[i]), untimed(got[i]); q != g {
			t.Errorf("README.md's bench, line %d (times aside):\nREADME: %q\nnow:    %q", i+1, q, g)
		}
	}
}
