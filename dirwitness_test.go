package gradcheck_test

import (
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestDirectionalWitnessNoEarlyMismatch checks a correct float64 CNN
// (convNet64) along 16 directions at two points. Every direction's first
// estimate, at the first-pass step, disagreed by about twice the threshold
// (truncation error: δ = 9.2e-7 against 4.2e-7 for direction 13 of seed
// 26), the search found no entry wrong, and the direction was refined on a
// ladder from the step 0.1, whose steps cross kinks of ReLU units and max
// pools. Direction 13 of seed 26 read differences 383.8, 79.09, 15.09,
// 3.506, 2.105, 1.891 at steps 0.1 to 0.003, whose corrections, 305, 64,
// 11.6, 1.40, 0.214, shrink as a smooth function's do, and took an early
// Mismatch of δ = 1.83 ± 0.028 on those six rows, on a gradient whose
// directional derivative agrees with central differences at steps 1e-5
// and 1e-6 to 3.9e-6 and 3.8e-8. Directions 4 and 6 of seed 3 did the
// same (δ = −3.5 and −0.78). An early Mismatch of a direction now needs
// its first estimate to agree with the extrapolated disagreement, as an
// entry's does (witnessAgree): 9.2e-7 is no witness of 1.83, and the
// ladder goes on to steps below the kinks, which agree.
func TestDirectionalWitnessNoEarlyMismatch(t *testing.T) {
	for _, seed := range []uint64{26, 3} {
		rep, err := gradcheck.Check(convNet64(seed), &gradcheck.Options{Directions: 16, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		unexplainedMismatches(t, seed, rep)
		if !rep.OK() {
			t.Errorf("seed %d: a correct model fails:\n%s", seed, rep)
		}
	}
}

// TestDirectionalWitnessEarlyMismatch checks that a wrong gradient still
// gets its early Mismatch: on a smooth loss with one entry wrong by 1 and
// no localization, a direction's first estimate is the disagreement its
// ladder extrapolates (δ = 1.979 both), so the ladder decides on its first
// dirMinRows+2 rows: 2 evaluations for the first estimate and 2 for each
// of the six rows, where the ladder to the first-pass step has sixteen.
func TestDirectionalWitnessEarlyMismatch(t *testing.T) {
	const early = 2 + 2*6
	var evals [2]int
	for k := range evals {
		s := newSmooth(1, 100, 1, 1)
		s.wrong[[2]int{2, 0}] = 1
		rep, err := gradcheck.Check(s.model(), &gradcheck.Options{Directions: k + 1, SkipLocalize: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range rep.Directions {
			if d.Verdict != gradcheck.Mismatch {
				t.Errorf("direction %d with B2[0] wrong by 1 is %v, not a Mismatch: %+v", d.Index, d.Verdict, d)
			}
		}
		evals[k] = rep.Evals
	}
	// The setup is the same for both checks; the difference is direction 1.
	if cost := evals[1] - evals[0]; cost > early {
		t.Errorf("direction 1 cost %d loss evaluations, want at most %d: its Mismatch was not decided early", cost, early)
	}
}
