package fdiff

import "math"

// MaxNonNeg is max(x, y) for x and y that are ≥ 0, +Inf or a NaN whose
// sign bit is clear (as math.Abs leaves one): the bit patterns of such
// numbers order as the numbers do, with every such NaN above +Inf, so an
// integer max of the bits is the builtin max, a NaN included. It compiles
// to a compare and a conditional move, where the builtin max on floats,
// which orders −0 below +0 and passes any NaN on, takes six instructions
// in a dependent chain: the first pass's verdict takes several per entry,
// on every entry of every check.
func MaxNonNeg(x, y float64) float64 {
	return math.Float64frombits(max(math.Float64bits(x), math.Float64bits(y)))
}

// MinNonNeg is min(x, y) for x and y that are ≥ 0 or +Inf, as MaxNonNeg.
// Unlike the builtin min it does not pass a NaN on (a NaN is above every
// number here, so the other comes out): callers rule NaN out first.
func MinNonNeg(x, y float64) float64 {
	return math.Float64frombits(min(math.Float64bits(x), math.Float64bits(y)))
}
