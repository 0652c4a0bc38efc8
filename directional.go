package gradcheck

// A DirectionResult is the verdict on the gradient along one random
// direction of a directional check (Options.Directions).
type DirectionResult struct {
	// Index numbers the direction from 0; with Report.Seed it reproduces it.
	Index int
	// Verdict is OK, Mismatch, Inconclusive or NonFinite, by the
	// inequality documented at Options.Directions.
	Verdict Verdict
	// Analytic is the directional derivative g·v of the caller's gradient.
	Analytic float64
	// Numeric is its finite-difference estimate, ErrEst that estimate's
	// error, and Threshold the right-hand side of the inequality,
	// without ErrEst's share.
	Numeric, ErrEst, Threshold float64
	// Step is the step t along v the verdict rests on.
	Step float64
	// Refined reports that the first central difference was not enough.
	Refined bool
	// Located reports that localization accounted for a disagreement: the
	// direction restricted to the parameters not located agrees.
	Located bool
}

func (c *checker[T]) directional(rep *Report) error { return nil }
