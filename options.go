package gradcheck

import (
	"fmt"
	"math"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// Options tune a check. A nil *Options and the zero Options mean the same
// defaults; each field's comment says what its zero value means.
type Options struct {
	// Step is the relative first-pass step c: entry x_i is perturbed by
	// h = c·max(|x_i|, 1). Zero means ε^(1/3) of the parameters' precision
	// (4.8e-6 for float64, 3.9e-3 for float32), which balances the
	// truncation and round-off errors of a central difference; see
	// internal/fdiff.CentralStep for the derivation.
	Step float64

	// Atol and Rtol widen the pass threshold. An entry with analytic value a
	// and numeric estimate n, whose estimate has error e, passes when
	//
	//	|a − n| ≤ Atol + Rtol·max(|a|, |n|) + K·e.
	//
	// Zero Atol means 0. Zero Rtol means 16·ε^(2/3) of the precision
	// (3.7e-10 for float64, 2.4e-4 for float32): the best accuracy a
	// central difference can reach, so that Rtol never hides an error the
	// estimator could have resolved. Negative values are errors.
	Atol, Rtol float64

	// K is the number of estimated finite-difference errors by which the
	// analytic and numeric values may differ. Zero means 4: Ridders' error
	// estimate is the distance between successive extrapolations, which
	// tracks the true error to within a small factor on smooth functions.
	K float64

	// Sample, when positive, checks a seeded sample of about Sample entries
	// instead of all of them. The sample is stratified across blocks in
	// proportion to their sizes, with at least one entry a block, and
	// always includes every corner of every block, so the first and the
	// last index along every axis are checked: edge-index bugs hide there.
	// Those corners are checked even if they outnumber Sample.
	Sample int

	// Seed seeds the sample. Zero is a seed like any other: the same seed
	// and inputs give the same report.
	Seed uint64

	// SkipHazards skips the checks for nondeterminism, mutation of the
	// parameters, a gradient that accumulates across calls and hidden
	// state, saving three loss and one gradient evaluation.
	SkipHazards bool
}

// settings are Options resolved for one precision.
type settings struct {
	prec       fdiff.Precision
	step       float64 // relative first-pass step c
	atol, rtol float64
	k          float64
	sample     int
	seed       uint64
	hazards    bool
}

func (o *Options) resolve(p fdiff.Precision) (settings, error) {
	s := settings{
		prec:    p,
		step:    fdiff.CentralStep(p),
		rtol:    fdiff.RtolFloor(p),
		k:       4,
		hazards: true,
	}
	if o == nil {
		return s, nil
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"Step", o.Step}, {"Atol", o.Atol}, {"Rtol", o.Rtol}, {"K", o.K}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return s, fmt.Errorf("gradcheck: Options.%s is %v: it must be finite and not negative", f.name, f.v)
		}
	}
	if o.Step >= 1 {
		return s, fmt.Errorf("gradcheck: Options.Step is %v: it is a relative step and must be below 1", o.Step)
	}
	if o.Sample < 0 {
		return s, fmt.Errorf("gradcheck: Options.Sample is %d: it must not be negative", o.Sample)
	}
	if o.Step != 0 {
		s.step = o.Step
	}
	s.atol = o.Atol
	if o.Rtol != 0 {
		s.rtol = o.Rtol
	}
	if o.K != 0 {
		s.k = o.K
	}
	s.sample = o.Sample
	s.seed = o.Seed
	s.hazards = !o.SkipHazards
	return s, nil
}
