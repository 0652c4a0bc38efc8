package fdiff

import "math"

// Eps64 and Eps32 are the unit round-offs (half the machine epsilon) of
// float64 and float32.
const (
	Eps64 = 0x1p-53
	Eps32 = 0x1p-24
)

// Precision describes the arithmetic a parameter is stored and perturbed in.
type Precision struct {
	Name      string  // "float64" or "float32"
	Eps       float64 // unit round-off
	MinNormal float64 // the smallest positive normal number

	// Cbrt and TwoThirds are ε^(1/3) and ε^(2/3), computed once: every
	// check needs them, and a check of a small cheap function is a few
	// microseconds, of which math.Cbrt and math.Pow took a tenth of one.
	Cbrt, TwoThirds float64
}

var (
	Float64 = newPrecision("float64", Eps64, 0x1p-1022)
	Float32 = newPrecision("float32", Eps32, 0x1p-126)
)

func newPrecision(name string, eps, minNormal float64) Precision {
	return Precision{Name: name, Eps: eps, MinNormal: minNormal, Cbrt: math.Cbrt(eps), TwoThirds: math.Pow(eps, 2.0/3)}
}

// CentralStep is the default relative step c of a central difference,
// ε^(1/3) for unit round-off ε.
//
// Why: the central difference (f(x+h) − f(x−h))/2h has truncation error
// h²|f⁽³⁾|/6 and round-off error about ε|f|/h. Their sum is smallest at
// h = (3ε|f|/|f⁽³⁾|)^(1/3), which for a function whose value and third
// derivative are of the same size at the scale of x is ε^(1/3) times that
// scale: 4.8e-6 for float64 and 3.9e-3 for float32. The error there is of
// order ε^(2/3) relative to the derivative.
func CentralStep(p Precision) float64 { return p.Cbrt }

// Scale is the length scale of a coordinate whose value is x: steps are
// taken relative to it. max(|x|, 1) keeps the step relative for large
// parameters and away from zero for small ones (a weight of 1e-9 still gets
// an absolute step of c, not c·1e-9, which would be lost in round-off).
func Scale(x float64) float64 { return MaxNonNeg(math.Abs(x), 1) }

// RtolFloor is the default relative tolerance, 16·ε^(2/3): the best
// accuracy a central difference reaches at its optimal step, with a factor
// of 16 for functions whose value is some orders larger than their
// derivative. It is 3.7e-10 for float64 and 2.4e-4 for float32.
func RtolFloor(p Precision) float64 { return 16 * p.TwoThirds }
