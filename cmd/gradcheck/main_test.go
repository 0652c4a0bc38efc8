package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/demo"
	"github.com/gradcheck/gradcheck/internal/golden"
)

func runArgs(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(&out, &errb, args)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	for _, c := range []struct {
		args   []string
		code   int
		stdout string // a substring, or "" for no check
		stderr string
		reason string
	}{
		{nil, 2, "", "usage: gradcheck", "no command"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`, "unknown command"},
		{[]string{"help"}, 0, "commands:", "", "help asked for is not an error"},
		{[]string{"demo"}, 0, "With a planted bug", "", "the planted bug is the point of the demo"},
		{[]string{"demo", "-h"}, 0, "", "usage: gradcheck demo", "help asked for is not an error"},
		{[]string{"demo", "-bogus"}, 2, "", "flag provided but not defined: -bogus", "unknown flag"},
		{[]string{"demo", "extra"}, 2, "", `unexpected arguments ["extra"]`, "stray argument"},
		{[]string{"check", "demo"}, 0, "gradcheck: ok:", "", "a right gradient"},
		{[]string{"check", "demo-bug"}, 1, "gradcheck: FAIL:", "", "a wrong gradient"},
		{[]string{"check", "demo", "demo-bug"}, 1, "demo-bug:\ngradcheck: FAIL:", "", "one wrong gradient among several"},
		{[]string{"check"}, 2, "", "name a model to check", "no model"},
		{[]string{"check", "nosuch"}, 2, "", `no model named "nosuch"`, "unknown model"},
		{[]string{"check", "-json", "demo", "demo-bug"}, 2, "", "-json and -html write one report", "two models, one JSON document"},
		{[]string{"check", "-sample", "-3", "demo"}, 2, "", "Options.Sample is -3", "a runtime error from the checker"},
		{[]string{"check", "-list"}, 0, "demo-bug ", "", "listing"},
		{[]string{"sweep"}, 2, "", "name at least one entry", "no entry"},
		{[]string{"sweep", "W1[9,9]"}, 2, "", "index 9 on axis 0 is outside", "an entry outside its block"},
		{[]string{"sweep", "-model", "nosuch", "W1[0,0]"}, 2, "", `no model named "nosuch"`, "unknown model"},
		{[]string{"sweep", "W1[0,3]", "-per-decade", "1"}, 0, "W1[0,3] of demo", "", "flags after the entries"},
	} {
		code, stdout, stderr := runArgs(c.args...)
		if code != c.code || !strings.Contains(stdout, c.stdout) || !strings.Contains(stderr, c.stderr) {
			t.Errorf("gradcheck %s (%s): exit %d, want %d; stdout contains %q: %v; stderr contains %q: %v\nstdout:\n%s\nstderr:\n%s",
				strings.Join(c.args, " "), c.reason, code, c.code, c.stdout, strings.Contains(stdout, c.stdout), c.stderr, strings.Contains(stderr, c.stderr), stdout, stderr)
		}
	}
}

// TestQuiet: a passing check prints its one summary line and nothing
// else; stderr, which is not a terminal here, gets no progress bar.
func TestQuiet(t *testing.T) {
	code, stdout, stderr := runArgs("check", "demo")
	if code != 0 || strings.Count(stdout, "\n") != 1 || stderr != "" {
		t.Errorf("gradcheck check demo: exit %d, stdout %q, stderr %q; want 0, one line, nothing", code, stdout, stderr)
	}
}

// TestJSONIsTheReport: -json writes exactly the JSON of the report a
// direct check makes, and it decodes.
func TestJSONIsTheReport(t *testing.T) {
	rep, err := gradcheck.Check(demo.New(true).Model(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := rep.WriteJSON(&want); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check", "-json", "demo-bug"}, {"demo", "-json"}} {
		code, stdout, stderr := runArgs(args...)
		if code != map[string]int{"check": 1, "demo": 0}[args[0]] || stderr != "" {
			t.Errorf("gradcheck %s: exit %d, stderr %q", strings.Join(args, " "), code, stderr)
		}
		if d := cmp.Diff(want.String(), stdout); d != "" {
			t.Errorf("gradcheck %s differs from the JSON of a direct check (-direct +command):\n%s", strings.Join(args, " "), d)
		}
		if _, err := gradcheck.ReadJSON(strings.NewReader(stdout)); err != nil {
			t.Errorf("gradcheck %s: output does not decode: %v", strings.Join(args, " "), err)
		}
	}
}

func TestHTMLFlag(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args  []string
		code  int
		title string
	}{
		{[]string{"demo", "-html", filepath.Join(dir, "demo.html")}, 0, "the planted bug"},
		{[]string{"demo", "-correct", "-html", filepath.Join(dir, "demo-ok.html")}, 0, "the network as written"},
		{[]string{"check", "demo-bug", "-html", filepath.Join(dir, "bug.html")}, 1, "gradcheck check demo-bug"},
	} {
		path := c.args[len(c.args)-1]
		code, stdout, stderr := runArgs(c.args...)
		if code != c.code || stderr != "" {
			t.Errorf("gradcheck %s: exit %d (want %d), stderr %q", strings.Join(c.args, " "), code, c.code, stderr)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("gradcheck %s: %v", strings.Join(c.args, " "), err)
		}
		page := string(b)
		// The sweeps of the worst entries are made for the page, so every
		// block has its error-versus-step plot.
		if n := len(regexp.MustCompile(`(?s)data-kind="sweep">\s*(<!--.*?-->\s*)?<svg`).FindAllString(page, -1)); n != 4 {
			t.Errorf("%s: %d sweep plots, want one for each of the 4 blocks", path, n)
		}
		// So are the Taylor tests of each block; W1's gradient is wrong
		// only in the planted bug, and its Taylor order says so.
		if n := len(regexp.MustCompile(`(?s)data-kind="taylor">\s*(<!--.*?-->\s*)?<svg`).FindAllString(page, -1)); n != 4 {
			t.Errorf("%s: %d Taylor plots, want one for each of the 4 blocks", path, n)
		}
		bug := !strings.Contains(c.title, "as written")
		if got := strings.Contains(page, ", wrong</text>"); got != bug {
			t.Errorf("%s: a Taylor direction labelled wrong: %v, want %v", path, got, bug)
		}
		if !strings.Contains(page, c.title) {
			t.Errorf("%s: title %q missing", path, c.title)
		}
		if c.args[0] == "demo" && !strings.Contains(stdout, "HTML report written to "+path) {
			t.Errorf("gradcheck %s does not say where the report went:\n%s", strings.Join(c.args, " "), stdout)
		}
	}
	code, _, stderr := runArgs("check", "demo", "-html", filepath.Join(dir, "no", "such", "dir.html"))
	if code != 2 || !strings.Contains(stderr, "no such file or directory") {
		t.Errorf("-html into a missing directory: exit %d, stderr %q; want 2 and the error", code, stderr)
	}
}

// TestSweepGolden compares `gradcheck sweep` with golden files; rerun with
// -update after an intended change and review the diff.
func TestSweepGolden(t *testing.T) {
	svg := filepath.Join(t.TempDir(), "sweep.svg")
	for _, c := range []struct {
		file string
		args []string
	}{
		{"sweep.txt", []string{"sweep", "W1[0,3]", "b1[0]"}},
		{"sweep-bug.txt", []string{"sweep", "-model", "demo-bug", "W1[0,3]", "-svg", svg}},
		{"sweep-bug.json", []string{"sweep", "-model", "demo-bug", "-json", "W1[3]", "-per-decade", "1"}},
	} {
		code, stdout, stderr := runArgs(c.args...)
		if code != 0 || stderr != "" {
			t.Fatalf("gradcheck %s: exit %d, stderr %q", strings.Join(c.args, " "), code, stderr)
		}
		golden.Check(t, filepath.Join("testdata", c.file), []byte(stdout))
	}
	b, err := os.ReadFile(svg)
	if err != nil || !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("W1[0,3]")) {
		t.Errorf("sweep -svg: %v; file does not hold an SVG naming W1[0,3]", err)
	}
}

func TestProgressBar(t *testing.T) {
	if b := newProgressBar(&bytes.Buffer{}); b.w != nil {
		t.Errorf("a bar on a buffer draws; want none when the writer is not a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Errorf("a regular file counts as a terminal")
	}

	// A bar forced onto a buffer, as on a terminal.
	var term bytes.Buffer
	b := &progressBar{w: &term, delay: time.Second}
	b.update(gradcheck.Progress{Stage: "entries", Done: 10, Total: 100, Elapsed: 900 * time.Millisecond})
	if term.Len() != 0 {
		t.Errorf("bar drawn before its delay: %q", term.String())
	}
	b.finish()
	if term.Len() != 0 {
		t.Errorf("finish of a bar never drawn wrote %q", term.String())
	}
	b.update(gradcheck.Progress{Stage: "entries", Done: 50, Total: 100, Evals: 123, Elapsed: 2 * time.Second, Remaining: 2 * time.Second})
	want := "\rgradcheck: entries [###############...............] 50/100, 123 evals, 2s, ~2s left"
	if term.String() != want {
		t.Errorf("bar at half way:\n got %q\nwant %q", term.String(), want)
	}
	term.Reset()
	b.update(gradcheck.Progress{Stage: "localize", Done: 3, Evals: 200, Elapsed: 3 * time.Second})
	line := "gradcheck: localize 3, 200 evals, 3s"
	if got := term.String(); !strings.HasPrefix(got, "\r"+line) || len([]rune(got)) != len([]rune(want)) {
		t.Errorf("shorter line after a longer one: %q; want %q padded to erase the old line", got, line)
	}
	term.Reset()
	b.finish()
	if got := term.String(); got != "\r"+strings.Repeat(" ", len([]rune(want))-1)+"\r" {
		t.Errorf("finish wrote %q; want the line blanked and the cursor back at its start", got)
	}
}

// TestProgressBarWired runs a check slow enough for its bar to appear and
// checks that the core's progress reports reached it and that it was
// erased at the end.
func TestProgressBarWired(t *testing.T) {
	const n = 40
	w := make([]float64, n)
	g := make([]float64, n)
	for i := range w {
		w[i] = float64(i) / n
	}
	m := &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "w", Value: w, Grad: g}},
		Loss: func() float64 {
			time.Sleep(2 * time.Millisecond) // 2n+4 evaluations: about 170 ms in all
			s := 0.0
			for _, v := range w {
				s += v * v
			}
			return s
		},
		Gradient: func() {
			for i, v := range w {
				g[i] = 2 * v
			}
		},
	}
	var term bytes.Buffer
	bar := &progressBar{w: &term, delay: 30 * time.Millisecond}
	rep, err := checkWithBar(bar, m, gradcheck.Options{ProgressInterval: 10 * time.Millisecond, Workers: 1})
	if err != nil || !rep.OK() {
		t.Fatalf("check: %v, %v", err, rep)
	}
	out := term.String()
	if !strings.Contains(out, "\rgradcheck: entries [") || !strings.Contains(out, fmt.Sprintf("/%d, ", n)) {
		t.Fatalf("no progress line for %d entries was drawn:\n%q", n, out)
	}
	last := out[strings.LastIndex(out, "\r"+"gradcheck"):]
	if want := "\r" + strings.Repeat(" ", bar.lastLen) + "\r"; !strings.HasSuffix(out, want) || !strings.Contains(last, want) {
		t.Errorf("the bar was not erased at the end: output ends %q", out[max(0, len(out)-120):])
	}
}

// TestDemoJSONAndHTML: demo -json -html FILE prints the JSON report and
// writes the HTML file. It once returned after the JSON, exit status 0,
// and wrote no file.
func TestDemoJSONAndHTML(t *testing.T) {
	page := filepath.Join(t.TempDir(), "demo.html")
	code, stdout, stderr := runArgs("demo", "-json", "-html", page)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := gradcheck.ReadJSON(strings.NewReader(stdout)); err != nil {
		t.Errorf("stdout is not a report: %v\n%s", err, stdout)
	}
	if _, err := os.Stat(page); err != nil {
		t.Errorf("demo -json -html %s: the HTML file was not written: %v", page, err)
	}
}

// TestFlagsChecked: flags the command cannot honour are usage errors (exit
// status 2, with the usage), not silently dropped: -list with a model
// name, a negative -taylor, -sample with -directions; and bench parses its
// flags as the other subcommands do (a bad flag printed once, -h with the
// synopsis, a stray argument with the usage).
func TestFlagsChecked(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"check", "-list", "demo"}, 2, "-list lists every model"},
		{[]string{"check", "-taylor", "-1", "demo"}, 2, "-taylor -1"},
		{[]string{"check", "-directions", "3", "-sample", "5", "demo"}, 2, "-sample does not apply"},
		{[]string{"bench", "extra"}, 2, "usage: gradcheck bench"},
		{[]string{"bench", "-h"}, 0, "Run the bug corpus"},
	} {
		code, _, stderr := runArgs(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	code, _, stderr := runArgs("bench", "-bogus")
	if code != 2 || strings.Count(stderr, "-bogus") != 1 {
		t.Errorf("bench -bogus: exit %d, stderr %q; want 2 and the flag named once", code, stderr)
	}
}

// TestSweepSVGOfOneStep: a sweep of one step draws its SVG; the plot of
// one point panicked in the plotting library and the command exited 2
// without printing its table.
func TestSweepSVGOfOneStep(t *testing.T) {
	svg := filepath.Join(t.TempDir(), "one.svg")
	code, stdout, stderr := runArgs("sweep", "-min-step", "1e-3", "-max-step", "1e-3", "-svg", svg, "W1[0,3]")
	if code != 0 || !strings.Contains(stdout, "← least") {
		t.Fatalf("exit %d, want 0 and the table of one row\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if b, err := os.ReadFile(svg); err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("no SVG written to %s: %v", svg, err)
	}
}
