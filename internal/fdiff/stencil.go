package fdiff

// Central returns the slope at 0 of the parabola through (−hm, fm), (0, f0)
// and (hp, fp): a second-order accurate derivative also when rounding made
// the two steps differ. For hp == hm it is the familiar
//
//	(fp − fm) / 2h
//
// and f0 drops out.
func Central(fm, f0, fp, hm, hp float64) float64 {
	if hp == hm {
		return (fp - fm) / (2 * hp)
	}
	return (hm*hm*(fp-f0) + hp*hp*(f0-fm)) / (hp * hm * (hp + hm))
}

// Forward returns the one-sided slope (fp − f0)/hp, first-order accurate.
func Forward(f0, fp, hp float64) float64 { return (fp - f0) / hp }

// Backward returns the one-sided slope (f0 − fm)/hm, first-order accurate.
func Backward(fm, f0, hm float64) float64 { return (f0 - fm) / hm }
