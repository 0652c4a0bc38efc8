package zoo_test

import (
	"fmt"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/zoo"
)

// A reference layer is a *gradcheck.Model in either precision.
func ExampleLinearModel() {
	rep, err := gradcheck.Check(zoo.LinearModel[float32](""), nil)
	fmt.Println(rep.OK(), err)
	// Output: true <nil>
}

// A bug written into a layer's code: the L2 penalty's gradient left out.
func ExampleL2Model() {
	rep, _ := gradcheck.Check(zoo.L2Model[float64](zoo.BugMissingL2), nil)
	w := rep.Block("W")
	fmt.Printf("%d of %d entries of W fail\n", len(w.Failures()), len(w.Entries))
	// Output: 12 of 12 entries of W fail
}

// A corruption with a known ground truth: W's gradient with its sign
// flipped.
func ExampleCorrupt() {
	m := zoo.Corrupt(zoo.LinearModel[float64](""), "W", zoo.Corruption{Pattern: gradcheck.PatternSign})
	rep, _ := gradcheck.Check(m, nil)
	fmt.Println(rep.OK(), rep.Block("b").Failures() == nil, len(rep.Block("W").Failures()))
	// Output: false true 12
}

// The smallest error, relative to the gradient's scale, that finite
// differences resolve in each precision.
func ExampleResolution() {
	for _, p := range zoo.Precisions {
		fmt.Printf("%s %.2g\n", p, zoo.Resolution(zoo.UnitRoundoff(p)))
	}
	// Output:
	// float64 3.7e-10
	// float32 0.00024
}
