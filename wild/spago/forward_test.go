package spago

import (
	"math"
	"testing"

	"github.com/nlpodyssey/spago/ag"
	"github.com/nlpodyssey/spago/mat"
)

// TestForwardBugs: two forward passes that compute another function than
// their name's, with a backward rule consistent with what they compute, so
// that gradcheck accepts the gradient: a gradient check cannot see them.
// ScalarMax (mat/gradfn/scalarmax.go:35 and :40) starts its maximum at 0,
// so that of operands all negative it returns the first; MaxPooling
// (maxpooling.go:59) ends each pool's columns at col·cols + rows, so that
// a pool of 2 rows and 3 columns leaves out its third column.
func TestForwardBugs(t *testing.T) {
	for _, tt := range forwardBugs() {
		for _, seed := range []uint64{1, 2} {
			vs := tt.c.point(seed)
			_, out := tt.c.forward(vs)
			if got, want := out.Value().Item().F64(), tt.want(vs); got == want {
				t.Errorf("%s(%v) = %g, the right value: spaGO's bug is fixed", tt.c.name, vs, got)
			}
			rep, _ := tt.c.check(t, seed)
			if !rep.OK() {
				t.Errorf("%s, seed %d: gradcheck rejects the gradient of what the forward computes:\n%v", tt.c.name, seed, rep)
			}
		}
	}
}

// forwardBug is a case whose forward computes another function than
// want, the operation's output by its name.
type forwardBug struct {
	c    opCase
	want func(v [][]float64) float64
}

// forwardBugs are the cases of TestForwardBugs.
func forwardBugs() []forwardBug {
	neg := opCase{name: "ScalarMax", inputs: []input{in("a", s, -2, -1), in("b", s, -0.9, -0.1)},
		build: func(x []mat.Tensor) mat.Tensor { return ag.ScalarMax(x) }}
	pool := opCase{name: "MaxPooling 2×3", inputs: []input{{name: "x", shape: []int{2, 3},
		value: []float64{0.1, 0.2, 0.9, 0.3, 0.4, 0.8}}},
		build: func(x []mat.Tensor) mat.Tensor { return ag.MaxPooling(x[0], 2, 3) }}
	return []forwardBug{
		{neg, func(v [][]float64) float64 { return math.Max(v[0][0], v[1][0]) }},
		{pool, func(v [][]float64) float64 { return 0.9 }},
	}
}

// TestBackwardOrder: spaGO runs each operator's backward rule in a
// goroutine, and a tensor used by several operators sums their gradients in
// the order they finish, so that two backward passes at the same point can
// differ in their last bits (the LSTM's inputs feed four gates, batchnorm's
// x its mean, deviation and output). gradcheck reads such differences as
// no hazard (sameForVerdicts: a reduction summed in another order keeps no
// state), and check asserts that it raised none; here every difference
// stays at rounding level.
func TestBackwardOrder(t *testing.T) {
	var cases []opCase
	for _, c := range append(layerCases(), lossCases()...) {
		switch c.name {
		case "batchnorm", "gru", "lstm", "OneHotQuantization":
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		vs := c.point(1)
		w, ws := c.cotangent(vs, 1)
		ref := c.backward(vs, w, ws)
		differ := 0
		for range 100 {
			g := c.backward(vs, w, ws)
			same := true
			for b := range g.value {
				for i, v := range g.value[b] {
					r := ref.value[b][i]
					if v != r {
						same = false
					}
					if math.Abs(v-r) > 1e-12*math.Max(1, math.Abs(r)) {
						t.Errorf("%s: two backward passes give block %d [%d] = %.17g and %.17g", c.name, b, i, r, v)
					}
				}
			}
			if !same {
				differ++
			}
		}
		t.Logf("%s: %d of 100 backward passes differ from the first in their last bits", c.name, differ)
	}
}
