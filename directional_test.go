package gradcheck_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// A directional check of a model with 100 000 parameters, one of whose
// gradient entries is wrong: a few dozen evaluations find it.
func Example_directional() {
	const n = 100_000
	x, g := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	m := &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "W", Shape: []int{250, 400}, Value: x, Grad: g}},
		Loss: func() float64 {
			var f float64
			for _, v := range x {
				f += math.Cosh(v)
			}
			return f
		},
		Gradient: func() {
			for i, v := range x {
				g[i] = math.Sinh(v)
			}
			g[31_337] *= 1.1 // the bug
		},
	}
	rep, err := gradcheck.Check(m, &gradcheck.Options{Directions: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ok:", rep.OK())
	for _, d := range rep.Directions {
		fmt.Printf("direction %d: %v, located %v\n", d.Index, d.Verdict, d.Located)
	}
	for _, e := range rep.Blocks[0].Failures() {
		fmt.Println("wrong:", rep.Blocks[0].EntryName(e.Index), e.Verdict)
	}
	fmt.Println("fewer than 200 evaluations:", rep.Evals < 200)
	// Output:
	// ok: false
	// direction 0: mismatch, located true
	// direction 1: ok, located false
	// direction 2: ok, located false
	// direction 3: ok, located false
	// wrong: W[78,137] mismatch
	// fewer than 200 evaluations: true
}

// TestDirectionalEdges checks small and odd shapes: blocks of one entry,
// more directions than parameters, no localization, and a loss that is not
// finite along the directions.
func TestDirectionalEdges(t *testing.T) {
	t.Run("one entry", func(t *testing.T) {
		x, g := []float64{2}, []float64{0}
		m := &gradcheck.Model[float64]{
			Blocks:   []gradcheck.Block[float64]{{Name: "x", Value: x, Grad: g}},
			Loss:     func() float64 { return x[0] * x[0] * x[0] },
			Gradient: func() { g[0] = 3*x[0]*x[0] + 0.5 },
		}
		rep, err := gradcheck.Check(m, &gradcheck.Options{Directions: 5})
		if err != nil {
			t.Fatal(err)
		}
		if f := failing(rep); len(f) != 1 || len(rep.Directions) != 5 {
			t.Errorf("failing %v with %d directions:\n%s", f, len(rep.Directions), rep)
		}
	})
	t.Run("skip localize", func(t *testing.T) {
		s := newSmooth(1, 100, 1, 1)
		s.wrong[[2]int{2, 0}] = 1
		rep, err := gradcheck.Check(s.model(), &gradcheck.Options{Directions: 2, SkipLocalize: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() || rep.Checked() != 0 || rep.Directions[0].Verdict != gradcheck.Mismatch || !rep.Directions[0].Refined {
			t.Errorf("want a refined, unlocated mismatch and no entries:\n%s\n%+v", rep, rep.Directions)
		}
	})
	t.Run("nonfinite", func(t *testing.T) {
		// log(x) near 0 takes x negative along most directions.
		x, g := []float64{1e-9, 2, 3}, make([]float64, 3)
		m := &gradcheck.Model[float64]{
			Blocks: []gradcheck.Block[float64]{{Name: "x", Value: x, Grad: g}},
			Loss: func() float64 {
				return math.Log(x[0]) + x[1]*x[2]
			},
			Gradient: func() { g[0], g[1], g[2] = 1/x[0], x[2], x[1] },
		}
		rep, err := gradcheck.Check(m, &gradcheck.Options{Directions: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range rep.Directions {
			if d.Verdict == gradcheck.OK {
				t.Errorf("direction %d passes through a NaN loss: %+v", d.Index, d)
			}
		}
		if len(rep.Regions) != 0 {
			t.Errorf("regions %v", rep.Regions)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		s := newSmooth(1, 5000)
		s.wrong[[2]int{0, 4000}] = 1
		ctx, cancel := context.WithCancel(context.Background())
		m := s.model()
		inner := m.Loss
		calls := 0
		m.Loss = func() float64 {
			calls++
			if calls == 30 {
				cancel()
			}
			return inner()
		}
		before := append([]float64(nil), s.x[0]...)
		_, err := gradcheck.CheckContext(ctx, m, &gradcheck.Options{Directions: 4, Workers: 1})
		if !errors.Is(err, context.Canceled) || calls != 30 {
			t.Errorf("error %v after %d calls, want context.Canceled after 30", err, calls)
		}
		for i := range before {
			if before[i] != s.x[0][i] {
				t.Fatalf("x[%d] not restored", i)
			}
		}
	})
}
