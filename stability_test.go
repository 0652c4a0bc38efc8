package gradcheck_test

import (
	"testing"

	"github.com/gradcheck/gradcheck"
)

// heatModel is an inverse problem for the heat equation u_t = κ·u_xx on
// (0, 1) with u = 0 at both ends, stepped explicitly in float32: 23
// interior points, 159 steps with κ·Δt/Δx² = 0.499, just below the
// stability limit of 1/2. The loss is the squared misfit of the final
// state plus a smoothing penalty on the initial state u0; the parameters
// are κ and u0, the gradient is the discrete adjoint. Above κ by 0.05 the
// scheme is unstable and the loss grows to 1e4, by 0.19 to 5e23. With
// skipFirst the adjoint leaves out the first step's term of ∂/∂κ (a loop
// that stops at n = 1), 0.6% of it.
func heatModel(skipFirst bool) *gradcheck.Model[float32] {
	const n, steps, alpha = 23, 159, 1e-3
	c := float32(0.00046603198 * 24 * 24) // Δt/Δx²
	kappa := []float32{1.8587834}
	u0 := []float32{0.23236461, 0.4989472, 0.71648985, 0.8926158, 0.87499905, 0.7763557, 0.94910663, 1.0731977, 0.69678503, 0.8335038, 0.60334986, 0.74280286, 0.692787, 0.7722058, 0.69817096, 0.9776787, 0.8015569, 0.9874217, 0.78632915, 0.69120336, 0.5849186, 0.5054896, 0.50148314}
	obs := []float32{0.015248071, 0.06082421, 0.10496568, 0.12784667, 0.16619998, 0.16859299, 0.21335225, 0.21576078, 0.22204247, 0.25178567, 0.26057634, 0.23878653, 0.2603374, 0.23021837, 0.23215275, 0.21714622, 0.19520201, 0.18457001, 0.15281801, 0.13314314, 0.102289654, 0.06086307, 0.02421138}
	gk, gu := make([]float32, 1), make([]float32, n)
	u := make([][]float32, steps+1)
	for i := range u {
		u[i] = make([]float32, n)
	}
	lap := func(v []float32, i int) float32 {
		var l, r float32
		if i > 0 {
			l = v[i-1]
		}
		if i < n-1 {
			r = v[i+1]
		}
		return l - 2*v[i] + r
	}
	forward := func() float32 {
		copy(u[0], u0)
		for t := 0; t < steps; t++ {
			for i := range u[t] {
				u[t+1][i] = u[t][i] + kappa[0]*c*lap(u[t], i)
			}
		}
		var loss float32
		for i, o := range obs {
			e := u[steps][i] - o
			loss += e * e / 2
		}
		for i := 0; i+1 < n; i++ {
			e := u0[i+1] - u0[i]
			loss += alpha / 2 * e * e
		}
		return loss
	}
	gradient := func() {
		forward()
		lam, next := make([]float32, n), make([]float32, n)
		for i, o := range obs {
			lam[i] = u[steps][i] - o
		}
		var dk float32
		for t := steps - 1; t >= 0; t-- {
			var s float32
			for i := range lam {
				s += lam[i] * lap(u[t], i)
			}
			if t > 0 || !skipFirst {
				dk += c * s
			}
			for i := range lam {
				next[i] = lam[i] + kappa[0]*c*lap(lam, i)
			}
			lam, next = next, lam
		}
		gk[0] = dk
		for i := range gu {
			g := lam[i]
			if i+1 < n {
				g -= alpha * (u0[i+1] - u0[i])
			}
			if i > 0 {
				g += alpha * (u0[i] - u0[i-1])
			}
			gu[i] = g
		}
	}
	return &gradcheck.Model[float32]{
		Blocks: []gradcheck.Block[float32]{
			{Name: "kappa", Value: kappa, Grad: gk},
			{Name: "u0", Value: u0, Grad: gu},
		},
		Loss:     func() float64 { return float64(forward()) },
		Gradient: gradient,
	}
}

// TestClimbedAgreementAboveStability32: the resolution an agreement needs is
// judged against the slopes the loss shows near the point, and those of
// steps that cross a stability limit, where it explodes, are no measure of
// them. The ladder above κ's limit read slopes of 1e22 and called its
// estimate, −0.00098 ± 0.023, resolved against a derivative of 0.082: a
// gradient off by 0.6% passed. The correct gradient still passes.
func TestClimbedAgreementAboveStability32(t *testing.T) {
	for _, tc := range []struct {
		name      string
		skipFirst bool
		wantOK    bool
	}{
		{"exact adjoint", false, true},
		{"first step's term of dκ left out", true, false},
	} {
		rep, err := gradcheck.Check(heatModel(tc.skipFirst), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		e := rep.Block("kappa").Entries[0]
		if rep.OK() != tc.wantOK {
			t.Errorf("%s: OK() = %v, want %v; kappa: %v, analytic %.7g, numeric %.7g ± %.2g at step %.2g",
				tc.name, rep.OK(), tc.wantOK, e.Verdict, e.Analytic, e.Numeric, e.ErrEst, e.Step)
		}
	}
}
