package gradcheck_test

import (
	"testing"
	"time"

	"github.com/gradcheck/gradcheck"
)

// TestProgressWithinDirection: a directional check reports within a
// direction's refinement ladder, between two of its pairs of evaluations,
// where it reported only once a direction was done: a ladder of up to 32
// evaluations of a loss of a second had left the reports silent for a
// minute. A gradient off by 1% along every entry, without localization,
// refines the first direction; every report made within it has Done 0 and
// more evaluations than the setup, the noise measurement and the
// direction's first estimate made.
func TestProgressWithinDirection(t *testing.T) {
	x := make([]float64, 50)
	for i := range x {
		x[i] = 0.1 * float64(i%9)
	}
	var reports []gradcheck.Progress
	rep, err := gradcheck.Gradient(sumSin, func(dst, x []float64) {
		sumSinGrad(dst, x)
		for i := range dst {
			dst[i] *= 1.01
		}
	}, x, &gradcheck.Options{
		Directions:       1,
		SkipLocalize:     true,
		ProgressInterval: time.Nanosecond,
		Progress:         func(p gradcheck.Progress) { reports = append(reports, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Directions) != 1 || rep.Directions[0].Verdict != gradcheck.Mismatch {
		t.Fatalf("directions %+v: want one Mismatch", rep.Directions)
	}
	first := rep.SetupEvals + rep.NoiseEvals + 2
	within := 0
	for _, p := range reports {
		if p.Stage == gradcheck.StageDirections && p.Done == 0 && p.Evals > first {
			within++
		}
	}
	if within < 2 {
		t.Errorf("%d reports within the first direction's refinement (after %d evaluations, of %d): want one per pair of its ladder", within, first, rep.Evals)
	}
}
