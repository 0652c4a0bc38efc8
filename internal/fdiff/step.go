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
}

var (
	Float64 = Precision{Name: "float64", Eps: Eps64, MinNormal: 0x1p-1022}
	Float32 = Precision{Name: "float32", Eps: Eps32, MinNormal: 0x1p-126}
)

// CentralStep is the default relative step c of a central difference,
// ε^(1/3) for unit round-off ε.
//
// Why: the central difference (f(x+h) − f(x−h))/2h has truncation error
// h²|f⁽³⁾|/6 and round-off error about ε|f|/h. Their sum is smallest at
// h = (3ε|f|/|f⁽³⁾|)^(1/3), which for a function whose value and third
// derivative are of the same size at the scale of x is ε^(1/3) times that
// scale: 4.8e-6 for float64 and 3.9e-3 for float32. The error there is of
// order ε^(2/3) relative to the derivative.
func CentralStep(p Precision) float64 { return math.Cbrt(p.Eps) }

// Scale is the length scale of a coordinate whose value is x: steps are
// taken relative to it. max(|x|, 1) keeps the step relative for large
// parameters and away from zero for small ones (a weight of 1e-9 still gets
// an absolute step of c, not c·1e-9, which would be lost in round-off).
func Scale(x float64) float64 { return max(math.Abs(x), 1) }

// RtolFloor is the default relative tolerance, 16·ε^(2/3): the best
// accuracy a central difference reaches at its optimal step, with a factor
// of 16 for functions whose value is some orders larger than their
// derivative. It is 3.7e-10 for float64 and 2.4e-4 for float32.
func RtolFloor(p Precision) float64 { return 16 * math.Pow(p.Eps, 2.0/3) }
