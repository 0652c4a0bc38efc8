package gonumopt_test

import (
	"fmt"

	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/optimize/functions"

	"github.com/gradcheck/gradcheck/gonumopt"
)

// Beale's Hess in gonum v0.17.0 computes its residuals with x[1] where
// x[0] belongs; at a point with unequal coordinates the check shows it.
func ExampleProblem() {
	b := functions.Beale{}
	p := optimize.Problem{Func: b.Func, Grad: b.Grad, Hess: b.Hess}
	rep, err := gonumopt.Problem(p, []float64{-2.5, 1.7}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, blk := range rep.Blocks {
		for _, e := range blk.Failures() {
			fmt.Printf("%s: gonum %.2f, finite differences of Grad %.2f\n", blk.EntryName(e.Index), e.Analytic, e.Numeric)
		}
	}
	// Output:
	// hess[0,1]: gonum -1.87, finite differences of Grad -346.70
	// hess[1,0]: gonum -1.87, finite differences of Grad -346.70
	// hess[1,1]: gonum 568.85, finite differences of Grad 1486.39
}
