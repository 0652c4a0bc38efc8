package gradcheck_test

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/optimize/functions"

	"github.com/gradcheck/gradcheck/gradchecktest"
	"github.com/gradcheck/gradcheck/internal/readme"
)

// readmeBlock returns the lines of the first fenced block of the
// repository's README.md whose first line starts with prefix.
func readmeBlock(t *testing.T, prefix string) []string {
	t.Helper()
	lines, err := readme.Block("README.md", prefix)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// errorfRecorder is a gradchecktest.TB that keeps what Errorf was given.
type errorfRecorder struct{ msgs []string }

func (r *errorfRecorder) Helper() {}
func (r *errorfRecorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

// TestReadmeGoTestFailure: README's "In a Go test" quotes what the test it
// shows prints with a bug planted (the last entry scaled by the factor the
// text names). The test runs that example through gradchecktest, with the
// point taken from README's code and the factor from its text, and formats
// the message as go test does: the file:line prefix on the first line and
// eight spaces before the others. Only the prefix and the run time of the
// "--- FAIL" line are taken from README as they are; trailing blanks are
// ignored, since the table pads its last column and README keeps none.
func TestReadmeGoTestFailure(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	call := regexp.MustCompile(`gradchecktest\.Gradient\(t, f\.Func, f\.Grad, \[\]float64\{([^}]*)\}, nil\)`).FindStringSubmatch(readme)
	if call == nil {
		t.Fatal("README.md: no gradchecktest.Gradient(t, f.Func, f.Grad, []float64{…}, nil) in the Go-test example")
	}
	var x []float64
	for _, s := range strings.Split(call[1], ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			t.Fatalf("README.md: the example's point %q: %v", call[1], err)
		}
		x = append(x, v)
	}
	scale := regexp.MustCompile(`last\s+entry\s+scaled\s+by\s+([0-9.]+)`).FindStringSubmatch(readme)
	if scale == nil {
		t.Fatal("README.md: no \"last entry scaled by …\" naming the planted bug")
	}
	factor, err := strconv.ParseFloat(scale[1], 64)
	if err != nil {
		t.Fatal(err)
	}

	f := functions.ExtendedRosenbrock{}
	grad := func(dst, x []float64) {
		f.Grad(dst, x)
		dst[len(dst)-1] *= factor
	}
	var rec errorfRecorder
	gradchecktest.Gradient(&rec, f.Func, grad, x, nil)
	if len(rec.msgs) != 1 {
		t.Fatalf("%d failures reported, want 1: %q", len(rec.msgs), rec.msgs)
	}

	quoted := readmeBlock(t, "--- FAIL: TestRosenbrockGradient")
	if len(quoted) < 2 {
		t.Fatalf("README.md's quoted failure has %d lines", len(quoted))
	}
	head := regexp.MustCompile(`^--- FAIL: TestRosenbrockGradient \([0-9.]+s\)$`)
	if !head.MatchString(quoted[0]) {
		t.Errorf("README.md's quoted failure starts %q, not as go test writes it", quoted[0])
	}
	prefix := regexp.MustCompile(`^    [A-Za-z0-9_]+\.go:[0-9]+: `).FindString(quoted[1])
	if prefix == "" {
		t.Fatalf("README.md's quoted failure: no file:line prefix in %q", quoted[1])
	}
	want := []string{quoted[0]}
	for i, line := range strings.Split(rec.msgs[0], "\n") {
		if i == 0 {
			want = append(want, prefix+line)
		} else {
			want = append(want, "        "+line)
		}
	}
	for i := range max(len(want), len(quoted)) {
		var w, q string
		if i < len(want) {
			w = strings.TrimRight(want[i], " ")
		}
		if i < len(quoted) {
			q = strings.TrimRight(quoted[i], " ")
		}
		if w != q {
			t.Errorf("README.md's quoted failure, line %d:\nREADME: %q\nnow:    %q", i+1, q, w)
		}
	}
}
