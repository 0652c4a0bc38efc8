package gradcheck_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// The vector checks promise the verdicts of a gradient check of the
// scalar function each of their entries belongs to. These tests hold them
// to it on the example of doc.go's sensitivity term, in float64: the slope
// along x2 of x2·sin(c + (x0 − c)), c = 2, is computed from x0 rounded to
// an ulp of 2, a relative 2e-4 from sin(x0) at x0 = 1e-12. A gradient check
// covers that with K·ε·S, S measured from the gradient at two points where
// every parameter moves (measureSensitivity); a vector check whose scalar
// checks saw the derivative at x wherever they asked measured S = 0, and
// called the exact derivative a Mismatch.

// sensX are points of the example: x0 of a few sizes near 1e-12, each
// rounded to a different share of an ulp of 2, x1 = 0 and x2 = 1e-12.
var sensX = [][]float64{
	{1e-12, 0, 1e-12},
	{3e-13, 0, 1e-12},
	{1.1e-12, 0, 1e-12},
	{7e-13, 0, 1e-12},
}

// sensRels are the relative errors of the derivative along x2 that the
// tests plant: none, which every check must accept at every point, and 1%
// either way, which must stay a Mismatch.
var sensRels = []float64{0, 0.01, -0.01}

// roundedSin is x2·sin(c + (x0 − c)) with c = 2; roundedFn is it and x0·x1,
// whose gradient (x1, x0, 0) does not mask the slope along x2 in a
// cotangent's sum.
func roundedSin(x []float64) float64 { return x[2] * math.Sin(2+(x[0]-2)) }

func roundedFn(dst, x []float64) {
	dst[0] = roundedSin(x)
	dst[1] = x[0] * x[1]
}

// roundedJac is roundedFn's Jacobian with ∂f0/∂x2 times 1 + rel.
func roundedJac(rel float64) func(dst, x []float64) {
	return func(dst, x []float64) {
		copy(dst, []float64{
			x[2] * math.Cos(x[0]), 0, math.Sin(x[0]) * (1 + rel),
			x[1], x[0], 0,
		})
	}
}

// sameEntries reports where got, entries of a vector check, differ from
// want, those of the gradient checks of the same scalar functions, in
// verdict, estimate or error bound; their indices differ by offset.
func sameEntries(t *testing.T, what string, got, want []gradcheck.Entry, offset int, show ...fmt.Stringer) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d entries, the gradient check has %d\n%s", what, len(got), len(want), show)
		return
	}
	for k, w := range want {
		g := got[k]
		if g.Index != w.Index+offset || g.Verdict != w.Verdict ||
			math.Float64bits(g.Numeric) != math.Float64bits(w.Numeric) || math.Float64bits(g.ErrEst) != math.Float64bits(w.ErrEst) {
			t.Errorf("%s: entry %d is %v (numeric %.17g, error bound %.3g), the gradient check's %v (numeric %.17g, error bound %.3g)\n%s",
				what, g.Index, g.Verdict, g.Numeric, g.ErrEst, w.Verdict, w.Numeric, w.ErrEst, show)
		}
	}
}

// checkGrad is Gradient, failing the test on an error.
func checkGrad(t *testing.T, f func([]float64) float64, grad func(dst, x []float64), x []float64) *gradcheck.Report {
	t.Helper()
	rep, err := gradcheck.Gradient(f, grad, slices.Clone(x), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// wantPlanted checks the premise of the example on a gradient check's
// entry along x2: the exact derivative passes, one off by 1% does not.
func wantPlanted(t *testing.T, e gradcheck.Entry, rel float64, rep *gradcheck.Report) {
	t.Helper()
	if want := rel == 0; e.Verdict.Pass() != want {
		t.Fatalf("gradient check of the example, derivative along x2 off by %g: %v\n%s", rel, e.Verdict, rep)
	}
}

// TestJacobianSensitivityAsGradient: every row of a Jacobian gets the
// entries of the gradient check of its output, the rows of the example
// and of vecFn alike.
func TestJacobianSensitivityAsGradient(t *testing.T) {
	for _, x := range sensX {
		for _, rel := range sensRels {
			what := fmt.Sprintf("x = %v, ∂f0/∂x2 off by %g", x, rel)
			jac := roundedJac(rel)
			rg := checkGrad(t, roundedSin, func(dst, x []float64) {
				var J [6]float64
				jac(J[:], x)
				copy(dst, J[:3])
			}, x)
			wantPlanted(t, rg.Blocks[0].Entries[2], rel, rg)
			// One output: the Jacobian is the gradient.
			rj, err := gradcheck.Jacobian(func(dst, x []float64) { dst[0] = roundedSin(x) }, func(dst, x []float64) {
				var J [6]float64
				jac(J[:], x)
				copy(dst, J[:3])
			}, 1, slices.Clone(x), nil)
			if err != nil {
				t.Fatal(err)
			}
			sameEntries(t, "one-output Jacobian, "+what, rj.Blocks[0].Entries, rg.Blocks[0].Entries, 0, rg, rj)
			// Two outputs: row 0 is the same check.
			rj, err = gradcheck.Jacobian(roundedFn, jac, 2, slices.Clone(x), nil)
			if err != nil {
				t.Fatal(err)
			}
			sameEntries(t, "row 0 of a Jacobian, "+what, rj.Blocks[0].Entries[:3], rg.Blocks[0].Entries, 0, rg, rj)
		}
	}
	rj, err := gradcheck.Jacobian(vecFn, vecJac, vecM, slices.Clone(vecX), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(vecX)
	for i := range vecM {
		rg := checkGrad(t, func(x []float64) float64 {
			var y [vecM]float64
			vecFn(y[:], x)
			return y[i]
		}, func(dst, x []float64) {
			var J [vecM * 3]float64
			vecJac(J[:], x)
			copy(dst, J[i*n:(i+1)*n])
		}, vecX)
		sameEntries(t, fmt.Sprintf("vecFn, row %d", i), rj.Blocks[0].Entries[i*n:(i+1)*n], rg.Blocks[0].Entries, i*n, rg, rj)
	}
}

// TestVJPSensitivityAsGradient: a cotangent w gets the entries of the
// gradient check of w·f, summed as VJP sums it, with vjp as its gradient.
func TestVJPSensitivityAsGradient(t *testing.T) {
	for _, x := range sensX {
		for _, rel := range sensRels {
			jac := roundedJac(rel)
			vjp := func(dst, x, w []float64) {
				var J [6]float64
				jac(J[:], x)
				for j := range dst {
					dst[j] = w[0]*J[j] + w[1]*J[3+j]
				}
			}
			const seed = 7
			rv, err := gradcheck.VJP(roundedFn, vjp, 2, slices.Clone(x), &gradcheck.Options{Directions: 2, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			for d := range 2 {
				w := gradcheck.Cotangent(2, seed, d)
				rg := checkGrad(t, func(x []float64) float64 {
					var y [2]float64
					roundedFn(y[:], x)
					s := 0.0
					for i, v := range y {
						s += w[i] * v
					}
					return s
				}, func(dst, x []float64) { vjp(dst, x, w) }, x)
				wantPlanted(t, rg.Blocks[0].Entries[2], rel, rg)
				sameEntries(t, fmt.Sprintf("VJP, cotangent %d, x = %v, ∂f0/∂x2 off by %g", d, x, rel), rv.Blocks[d].Entries, rg.Blocks[0].Entries, 0, rg, rv)
			}
		}
	}
}

// curveChecks runs, for tangent d of a JVP-like check of f (m outputs)
// with derivative jvp, the gradient check of each output along the curve
// t ↦ f(x + t·v), with jvp at x + t·v as its derivative, as JVP builds
// them: at t = 0 the point is x itself.
func curveChecks(t *testing.T, f func(dst, x []float64), jvp func(dst, x, v []float64), m int, x []float64, seed uint64, d int) []*gradcheck.Report {
	t.Helper()
	v := gradcheck.Tangent(x, seed, d)
	at := func(tt float64) []float64 {
		xt := slices.Clone(x)
		if tt != 0 {
			for j := range xt {
				xt[j] = x[j] + tt*v[j]
			}
		}
		return xt
	}
	var reps []*gradcheck.Report
	for i := range m {
		reps = append(reps, checkGrad(t, func(tt []float64) float64 {
			xt := slices.Clone(x)
			for j := range xt {
				xt[j] = x[j] + tt[0]*v[j]
			}
			y := make([]float64, m)
			f(y, xt)
			return y[i]
		}, func(dst, tt []float64) {
			y := make([]float64, m)
			jvp(y, at(tt[0]), slices.Clone(v))
			dst[0] = y[i]
		}, []float64{0}))
	}
	return reps
}

// TestJVPSensitivityAsGradient: a JVP is a Jacobian check of the curve
// t ↦ f(x + t·v), so each of its entries gets the verdict of the gradient
// check of that output along the curve, whose one parameter is t: the
// probes move x along v, and jvp is evaluated there, as often as those
// checks evaluate their gradient. So does an HVP's, with grad in the
// place of f.
func TestJVPSensitivityAsGradient(t *testing.T) {
	const seed = 3
	o := &gradcheck.Options{Directions: 2, Seed: seed}
	probes := 0
	for _, x := range sensX {
		for _, rel := range sensRels {
			jac := roundedJac(rel)
			jvp := func(dst, x, v []float64) {
				var J [6]float64
				jac(J[:], x)
				dst[0] = J[0]*v[0] + J[1]*v[1] + J[2]*v[2]
				dst[1] = J[3]*v[0] + J[4]*v[1] + J[5]*v[2]
			}
			away := 0 // calls of jvp away from x
			rv, err := gradcheck.JVP(roundedFn, func(dst, xt, v []float64) {
				if !slices.Equal(xt, x) {
					away++
				}
				jvp(dst, xt, v)
			}, 2, slices.Clone(x), o)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for d := range 2 {
				probed := 0
				for i, rg := range curveChecks(t, roundedFn, jvp, 2, x, seed, d) {
					sameEntries(t, fmt.Sprintf("JVP, tangent %d, output %d, x = %v, ∂f0/∂x2 off by %g", d, i, x, rel), rv.Blocks[d].Entries[i:i+1], rg.Blocks[0].Entries, i, rg, rv)
					probed = max(probed, rg.NoiseGradEvals)
				}
				// The outputs share the probes, as a Jacobian's rows do.
				want += probed
			}
			if away != want {
				t.Errorf("x = %v, ∂f0/∂x2 off by %g: jvp called %d times away from x, the gradient checks of the curves probe %d points", x, rel, away, want)
			}
			probes += want
		}
	}
	if probes == 0 {
		t.Error("no JVP check of the example probed: the test has lost its point")
	}
	rv, err := gradcheck.HVP(scalarGrad, scalarHVP, slices.Clone(scalarX), o)
	if err != nil {
		t.Fatal(err)
	}
	for d := range 2 {
		for i, rg := range curveChecks(t, scalarGrad, scalarHVP, 3, scalarX, seed, d) {
			sameEntries(t, fmt.Sprintf("HVP, tangent %d, output %d", d, i), rv.Blocks[d].Entries[i:i+1], rg.Blocks[0].Entries, i, rg, rv)
		}
	}
}

// roundedGrad is the gradient of F = x1·x2·sin(x0) with the sine of its
// last two entries computed as sin(c + (x0 − c)), and roundedHess its
// Hessian by hand with H[1,2] and H[2,1] times 1 + rel: the rounding of
// x0 near c is in the slopes of grad along x1 and x2.
func roundedGrad(dst, x []float64) {
	s := math.Sin(2 + (x[0] - 2))
	dst[0] = x[1] * x[2] * math.Cos(x[0])
	dst[1] = x[2] * s
	dst[2] = x[1] * s
}

func roundedHess(rel float64) func(dst, x []float64) {
	return func(dst, x []float64) {
		s, c := math.Sin(x[0]), math.Cos(x[0])
		copy(dst, []float64{
			-x[1] * x[2] * s, x[2] * c, x[1] * c,
			x[2] * c, 0, s * (1 + rel),
			x[1] * c, s * (1 + rel), 0,
		})
	}
}

// TestHessianSensitivityAsGradient: row i of a Hessian gets the entries
// of the gradient check of grad_i with row i of hess as its gradient.
func TestHessianSensitivityAsGradient(t *testing.T) {
	for _, x0 := range sensX {
		x := []float64{x0[0], 1e-12, 1e-12}
		for _, rel := range sensRels {
			hess := roundedHess(rel)
			rh, err := gradcheck.Hessian(roundedGrad, hess, slices.Clone(x), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				rg := checkGrad(t, func(x []float64) float64 {
					var g [3]float64
					roundedGrad(g[:], x)
					return g[i]
				}, func(dst, x []float64) {
					var H [9]float64
					hess(H[:], x)
					copy(dst, H[3*i:3*i+3])
				}, x)
				if i == 1 {
					wantPlanted(t, rg.Blocks[0].Entries[2], rel, rg)
				}
				sameEntries(t, fmt.Sprintf("Hessian, row %d, x = %v, H[1,2] off by %g", i, x, rel), rh.Block("H").Entries[3*i:3*i+3], rg.Blocks[0].Entries, 3*i, rg, rh)
			}
		}
	}
}

// TestVectorSensitivityCalls: the derivative is evaluated away from x only
// at the sensitivity probes, which a Jacobian's rows share: as often as a
// gradient check of one row (two calls where some entry is refined, none
// where every entry passes at once), each point once, and counted in
// Report.GradEvals. A derivative that keeps state between calls is not
// evaluated away from x, and a panic there is named after it.
func TestVectorSensitivityCalls(t *testing.T) {
	type counts struct {
		at    map[string]int // calls at each point
		total int
	}
	counting := func(c *counts, jac func(dst, x []float64)) func(dst, x []float64) {
		return func(dst, x []float64) {
			c.at[fmt.Sprint(x)]++
			c.total++
			jac(dst, x)
		}
	}
	away := func(c *counts, x []float64) int {
		k := 0
		for p, calls := range c.at {
			if p == fmt.Sprint(x) {
				continue
			}
			if calls > 1 {
				t.Errorf("the derivative evaluated %d times at %s", calls, p)
			}
			k += calls
		}
		return k
	}
	jac := roundedJac(0)
	for _, x := range sensX {
		rg := checkGrad(t, roundedSin, func(dst, x []float64) {
			var J [6]float64
			jac(J[:], x)
			copy(dst, J[:3])
		}, x)
		c := &counts{at: map[string]int{}}
		rj, err := gradcheck.Jacobian(roundedFn, counting(c, jac), 2, slices.Clone(x), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := away(c, x); got != rg.NoiseGradEvals || got != 2 || rj.GradEvals != c.total {
			t.Errorf("x = %v: jac called %d times away from x, GradEvals %d of %d calls; the gradient check of row 0 probes %d times, want 2\n%s",
				x, got, rj.GradEvals, c.total, rg.NoiseGradEvals, rj)
		}
	}
	// No entry refined: no probe.
	quad := func(dst, x []float64) { dst[0], dst[1] = x[0]*x[0]+x[1], x[0]*x[1] }
	quadJac := func(dst, x []float64) { copy(dst, []float64{2 * x[0], 1, x[1], x[0]}) }
	c := &counts{at: map[string]int{}}
	rj, err := gradcheck.Jacobian(quad, counting(c, quadJac), 2, []float64{1, 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := away(c, []float64{1, 2}); got != 0 || rj.GradEvals != c.total {
		t.Errorf("a Jacobian that passes at once: jac called %d times away from x, GradEvals %d of %d calls, want none away\n%s", got, rj.GradEvals, c.total, rj)
	}

	// A jac that adds into dst keeps state: its values away from x would
	// not be the Jacobian's, and it is not probed, as a gradient check
	// does not probe such a gradient.
	for _, x := range sensX {
		c := &counts{at: map[string]int{}}
		acc := func(dst, x []float64) {
			var J [6]float64
			jac(J[:], x)
			for k := range dst {
				dst[k] += J[k]
			}
		}
		rj, err := gradcheck.Jacobian(roundedFn, counting(c, acc), 2, slices.Clone(x), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rj.Hazards) != 1 || rj.Hazards[0].Kind != gradcheck.NotReentrant {
			t.Fatalf("x = %v: hazards %+v, want NotReentrant", x, rj.Hazards)
		}
		if got := away(c, x); got != 0 {
			t.Errorf("x = %v: an accumulating jac called %d times away from x, want none", x, got)
		}
	}
	// The same for a JVP, whose hazards are looked for along the first
	// tangent only.
	for _, x := range sensX {
		c := &counts{at: map[string]int{}}
		acc := func(dst, x, v []float64) {
			var J [6]float64
			jac(J[:], x)
			dst[0] += J[0]*v[0] + J[1]*v[1] + J[2]*v[2]
			dst[1] += J[3]*v[0] + J[4]*v[1] + J[5]*v[2]
			c.at[fmt.Sprint(x)]++
		}
		rv, err := gradcheck.JVP(roundedFn, acc, 2, slices.Clone(x), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rv.Hazards) != 1 || rv.Hazards[0].Kind != gradcheck.NotReentrant {
			t.Fatalf("x = %v: hazards %+v, want NotReentrant", x, rv.Hazards)
		}
		if got := away(c, x); got != 0 {
			t.Errorf("x = %v: an accumulating jvp called %d times away from x, want none", x, got)
		}
	}

	// A panic at a probe names the derivative and the probe.
	for _, tc := range []struct {
		name string
		run  func(x []float64) error
	}{
		{"jac", func(x []float64) error {
			saved := slices.Clone(x)
			_, err := gradcheck.Jacobian(roundedFn, func(dst, x []float64) {
				if !slices.Equal(x, saved) {
					panic("moved")
				}
				jac(dst, x)
			}, 2, x, nil)
			return err
		}},
		{"vjp", func(x []float64) error {
			saved := slices.Clone(x)
			_, err := gradcheck.VJP(roundedFn, func(dst, x, w []float64) {
				if !slices.Equal(x, saved) {
					panic("moved")
				}
				var J [6]float64
				jac(J[:], x)
				for j := range dst {
					dst[j] = w[0]*J[j] + w[1]*J[3+j]
				}
			}, 2, x, nil)
			return err
		}},
	} {
		x := slices.Clone(sensX[0])
		err := tc.run(x)
		var pe *gradcheck.PanicError
		if !errors.As(err, &pe) || pe.Func != tc.name || !strings.Contains(pe.Error(), "sensitivity") {
			t.Errorf("panic in %s at a probe: %v, want a PanicError of %s naming the probe", tc.name, err, tc.name)
		}
		if !slices.Equal(x, sensX[0]) {
			t.Errorf("panic in %s at a probe: x = %v, want %v", tc.name, x, sensX[0])
		}
	}
}

// TestJVPStatefulNotProbed: a jvp seen to keep state between calls on the
// first tangent is not called at the sensitivity probes of the later ones
// either, whose checks look for no hazards (JVP). Its result drifts with
// the count of its calls, a relative 1e-9 each, so that two calls at the
// same x disagree (a NotReentrant hazard) and every tangent has entries
// that go on to refinement, where a jvp without state is probed twice per
// tangent. Its values at the probes would carry the drift, not the
// curve's second derivative; it is called at x only, once per tangent and
// once more for the hazard check, and GradEvals counts those calls.
func TestJVPStatefulNotProbed(t *testing.T) {
	at := map[string]int{} // calls at each point
	calls := 0
	drifting := func(dst, x, v []float64) {
		calls++
		at[fmt.Sprint(x)]++
		vecJVP(dst, x, v)
		for j := range dst {
			dst[j] *= 1 + 1e-9*float64(calls)
		}
	}
	const tangents = 3
	rep, err := gradcheck.JVP(vecFn, drifting, vecM, slices.Clone(vecX), &gradcheck.Options{Directions: tangents})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Hazards) != 1 || rep.Hazards[0].Kind != gradcheck.NotReentrant {
		t.Fatalf("hazards %+v, want one NotReentrant", rep.Hazards)
	}
	for _, b := range rep.Blocks[1:] {
		if !slices.ContainsFunc(b.Entries, func(e gradcheck.Entry) bool { return e.Refined }) {
			t.Fatalf("block %s: no entry refined, so no probe to skip\n%s", b.Name, rep)
		}
	}
	if away := calls - at[fmt.Sprint(vecX)]; away != 0 || calls != tangents+1 || rep.GradEvals != calls {
		t.Errorf("jvp called %d times, %d of them away from x, GradEvals %d; want %d, all at x, and GradEvals the same\n%s",
			calls, away, rep.GradEvals, tangents+1, rep)
	}
}
