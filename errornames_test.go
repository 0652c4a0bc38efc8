package gradcheck_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode"

	"github.com/gradcheck/gradcheck"
)

// TestErrorsOfHostileNames: errors that name an entry (a parameter or
// gradient not finite, a panic at an entry or along a part of a
// directional check, overlapping memory, a clone that disagrees, a sweep
// that cannot be made) quoted its block's name raw, so a newline in the
// name broke the message in two and a right-to-left override (U+202E)
// reordered the rest of it. They now write such characters as escapes,
// as the reports do; PanicError.Entry keeps the name exactly.
func TestErrorsOfHostileNames(t *testing.T) {
	const name = "a\nb\u202e"
	model := func(loss func(w []float64) float64, grad func(w, g []float64)) *gradcheck.Model[float64] {
		w, g := make([]float64, 64), make([]float64, 64)
		for i := range w {
			w[i] = 0.25 + 0.125*float64(i%8)
		}
		m := &gradcheck.Model[float64]{
			Blocks:   []gradcheck.Block[float64]{{Name: name, Value: w, Grad: g}},
			Loss:     func() float64 { return loss(w) },
			Gradient: func() { grad(w, g) },
		}
		return m
	}
	sq := func(w []float64) float64 {
		s := 0.0
		for _, v := range w {
			s += v * v
		}
		return s
	}
	dsq := func(w, g []float64) {
		for i, v := range w {
			g[i] = 2 * v
		}
	}
	boom := func(w []float64) float64 {
		if w[1] != 0.375 {
			panic("boom")
		}
		return sq(w)
	}
	for _, c := range []struct {
		what string
		run  func() error
	}{
		{"a parameter NaN", func() error {
			m := model(sq, dsq)
			m.Blocks[0].Value[1] = math.NaN()
			_, err := gradcheck.Check(m, nil)
			return err
		}},
		{"a gradient NaN", func() error {
			_, err := gradcheck.Check(model(sq, func(w, g []float64) { dsq(w, g); g[1] = math.NaN() }), nil)
			return err
		}},
		{"a parameter NaN, swept", func() error {
			m := model(sq, dsq)
			m.Blocks[0].Value[1] = math.NaN()
			_, err := gradcheck.Sweep(m, []string{name + "[0]"}, nil)
			return err
		}},
		{"a panic at an entry", func() error {
			_, err := gradcheck.Check(model(boom, dsq), nil)
			var pe *gradcheck.PanicError
			if !errors.As(err, &pe) || pe.Entry != name+"[1]" {
				t.Errorf("a panic at an entry: %v, want a PanicError at %q", err, name+"[1]")
			}
			return err
		}},
		{"a panic along a direction", func() error {
			// Only when a part of the parameters is moved: localizing the
			// wrong entry 0 moves a part of the entries, without the last.
			alone := func(w []float64) float64 {
				if w[0] != 0.25 && w[63] == 1.125 {
					panic("boom")
				}
				return sq(w)
			}
			_, err := gradcheck.CheckContext(context.Background(), model(alone, func(w, g []float64) { dsq(w, g); g[0] += 1 }), &gradcheck.Options{Directions: 2})
			var pe *gradcheck.PanicError
			if !errors.As(err, &pe) || pe.Along == "" {
				t.Errorf("a panic along a direction: %v, want a PanicError along a part", err)
			}
			return err
		}},
		{"overlapping memory", func() error {
			m := model(sq, dsq)
			m.Blocks[0].Grad = m.Blocks[0].Value
			_, err := gradcheck.Check(m, nil)
			return err
		}},
		{"a clone with other values", func() error {
			m := model(sq, dsq)
			m.Clone = func() *gradcheck.Model[float64] {
				c := model(sq, dsq)
				c.Blocks[0].Value[0] = 7
				return c
			}
			_, err := gradcheck.Check(m, &gradcheck.Options{Workers: 2})
			return err
		}},
		{"a clone whose Loss reads the model", func() error {
			m := model(sq, dsq)
			m.Clone = func() *gradcheck.Model[float64] {
				c := model(sq, dsq)
				c.Loss = m.Loss
				return c
			}
			_, err := gradcheck.Check(m, &gradcheck.Options{Workers: 2})
			return err
		}},
		{"a model whose Loss is memoized", func() error {
			m := model(sq, dsq)
			f0 := m.Loss()
			m.Loss = func() float64 { return f0 }
			m.Clone = func() *gradcheck.Model[float64] { return model(sq, dsq) }
			_, err := gradcheck.Check(m, &gradcheck.Options{Workers: 2})
			return err
		}},
		{"a report entry outside the block, swept", func() error {
			rep := &gradcheck.Report{Precision: "float64", Blocks: []gradcheck.BlockReport{{Name: name, Shape: []int{64},
				Entries: []gradcheck.Entry{{Index: 99, Verdict: gradcheck.Mismatch, Analytic: 1, Numeric: 2, Left: math.NaN(), Right: math.NaN()}}}}}
			return gradcheck.SweepWorst(model(sq, dsq), rep, 1, nil)
		}},
		{"a Loss that moves another entry, swept", func() error {
			m := model(func(w []float64) float64 {
				if w[0] != 0.25 {
					w[5] = 9
				}
				return sq(w)
			}, dsq)
			_, err := gradcheck.Sweep(m, []string{name + "[0]"}, nil)
			return err
		}},
	} {
		err := c.run()
		if err == nil {
			t.Errorf("%s: no error", c.what)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, `a\nb\u202e`) {
			t.Errorf("%s: the error %q does not name the block as a\\nb\\u202e", c.what, msg)
		}
		for _, r := range msg {
			if unicode.IsControl(r) || r == '\u202e' {
				t.Errorf("%s: the error %q holds %q", c.what, msg, r)
				break
			}
		}
	}
}

// TestPanicInATermOfAHostileName: a panic in a loss term names the term
// in PanicError.Func, and its message quoted the term's name raw: a
// newline in it broke the message in two.
func TestPanicInATermOfAHostileName(t *testing.T) {
	w, g := []float64{0.5, 0.25}, make([]float64, 2)
	m := &gradcheck.Model[float64]{
		Blocks:   []gradcheck.Block[float64]{{Name: "w", Value: w, Grad: g}},
		Loss:     func() float64 { return w[0]*w[0] + w[1] },
		Gradient: func() { g[0], g[1] = 2*w[0], 1 },
		Terms: []gradcheck.Term[float64]{
			{Name: "sq\n\u202e", Loss: func() float64 {
				if w[0] != 0.5 {
					panic("boom")
				}
				return w[0] * w[0]
			}, Gradient: func() { g[0] = 2 * w[0] }},
			{Name: "lin", Loss: func() float64 { return w[1] }, Gradient: func() { g[1] = 1 }},
		},
	}
	_, err := gradcheck.Check(m, nil)
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a PanicError", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, `sq\n\u202e`) {
		t.Errorf("the error %q does not name the term as sq\\n\\u202e", msg)
	}
	for _, r := range msg {
		if unicode.IsControl(r) || r == '\u202e' {
			t.Errorf("the error %q holds %q", msg, r)
			break
		}
	}
}
