package gradcheck_test

import (
	"fmt"
	"math"

	"github.com/gradcheck/gradcheck"
)

// Checking a gradient written by hand, with a bug in one entry.
func ExampleGradient() {
	f := func(x []float64) float64 {
		return math.Sin(x[0])*x[1] + x[1]*x[1]*x[2]
	}
	grad := func(dst, x []float64) {
		dst[0] = math.Cos(x[0]) * x[1]
		dst[1] = math.Sin(x[0]) + 2*x[1]*x[2]
		dst[2] = 2 * x[1] // should be x[1]²
	}
	rep, err := gradcheck.Gradient(f, grad, []float64{0.5, 3, -1}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.OK())
	for _, e := range rep.Blocks[0].Failures() {
		fmt.Printf("x[%d]: analytic %.6g, numeric %.6g (%v)\n", e.Index, e.Analytic, e.Numeric, e.Verdict)
	}
	// Output:
	// false
	// x[2]: analytic 6, numeric 9 (mismatch)
}

// Checking a model made of named, shaped blocks, perturbed in place.
func ExampleCheck() {
	w := []float64{0.5, -1, 2, 0.25, 1.5, -0.75} // a 2×3 matrix
	dw := make([]float64, len(w))
	u := []float64{1, -2, 0.5} // a fixed input
	m := &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "W", Shape: []int{2, 3}, Value: w, Grad: dw}},
		// loss = Σ_i tanh((W·u)_i)
		Loss: func() float64 {
			s := 0.0
			for i := range 2 {
				s += math.Tanh(w[3*i]*u[0] + w[3*i+1]*u[1] + w[3*i+2]*u[2])
			}
			return s
		},
		Gradient: func() {
			for i := range 2 {
				t := math.Tanh(w[3*i]*u[0] + w[3*i+1]*u[1] + w[3*i+2]*u[2])
				for j := range 3 {
					dw[3*i+j] = (1 - t*t) * u[j]
				}
			}
		},
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.OK(), rep.Checked(), "entries,", rep.Evals, "loss evaluations")
	// Output:
	// true 6 entries, 27 loss evaluations
}
