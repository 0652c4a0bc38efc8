package gradcheck_test

import (
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestModelResizedDuringCheck: a Gradient that appends to Grad, or one
// that shrinks it, or a Loss that drops a block, is an error that names
// the function and the block, and the parameters are left as they were.
// A longer Grad was an index-out-of-range panic that escaped Check (from
// the reentrancy hazard check), a shorter one went unnoticed.
func TestModelResizedDuringCheck(t *testing.T) {
	cases := []struct {
		name   string
		change func(m *gradcheck.Model[float64])
		want   string
	}{
		{"Gradient appends to Grad", func(m *gradcheck.Model[float64]) {
			g := m.Gradient
			m.Gradient = func() { g(); m.Blocks[0].Grad = append(m.Blocks[0].Grad, 1) }
		}, `Gradient resized block "W": its Grad has 7 entries, not 6`},
		{"Gradient shrinks Grad", func(m *gradcheck.Model[float64]) {
			g := m.Gradient
			m.Gradient = func() { g(); m.Blocks[0].Grad = m.Blocks[0].Grad[:2] }
		}, `Gradient resized block "W": its Grad has 2 entries, not 6`},
		{"Loss drops the block", func(m *gradcheck.Model[float64]) {
			l := m.Loss
			m.Loss = func() float64 { v := l(); m.Blocks = m.Blocks[:0]; return v }
		}, "Loss changed the model's blocks: it has 0, not 1"},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: panic: %v", c.name, p)
				}
			}()
			m := sweepModel() // Σ w³ on a 2×3 block W = 1, …, 6
			w := m.Blocks[0].Value
			c.change(m)
			_, err := gradcheck.Check(m, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
			}
			for i, v := range w {
				if v != float64(i+1) {
					t.Errorf("%s: W[%d] is %v after the check, was %d", c.name, i, v, i+1)
				}
			}
		}()
	}
}
