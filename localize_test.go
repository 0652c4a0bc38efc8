package gradcheck_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// smooth is a separable loss over blocks: Σ_j ½·w_j·x_j² + sin(x_j) + c_j·x_j,
// cheap enough for a million parameters, and not quadratic, so that
// refinement has truncation error to remove. Its gradient can be spoiled
// at chosen entries by adding to wrong.
type smooth struct {
	sizes []int
	x, g  [][]float64
	w, c  [][]float64
	wrong map[[2]int]float64 // (block, index) → error added to the gradient
	scale map[int]float64    // block → factor the gradient is multiplied by
}

func newSmooth(seed uint64, sizes ...int) *smooth {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &smooth{sizes: sizes, wrong: map[[2]int]float64{}, scale: map[int]float64{}}
	for _, n := range sizes {
		x, w, c := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
			w[i] = 0.5 + rng.Float64()
			c[i] = rng.NormFloat64()
		}
		s.x, s.w, s.c = append(s.x, x), append(s.w, w), append(s.c, c)
		s.g = append(s.g, make([]float64, n))
	}
	return s
}

func (s *smooth) loss(x [][]float64) float64 {
	var f float64
	for b := range x {
		w, c := s.w[b], s.c[b]
		for i, v := range x[b] {
			f += 0.5*w[i]*v*v + math.Sin(v) + c[i]*v
		}
	}
	return f
}

func (s *smooth) grad(x, g [][]float64) {
	for b := range x {
		w, c := s.w[b], s.c[b]
		k := 1.0
		if f, ok := s.scale[b]; ok {
			k = f
		}
		for i, v := range x[b] {
			g[b][i] = k * (w[i]*v + math.Cos(v) + c[i])
		}
	}
	for at, e := range s.wrong {
		g[at[0]][at[1]] += e
	}
}

func (s *smooth) model() *gradcheck.Model[float64] {
	m := &gradcheck.Model[float64]{
		Loss:     func() float64 { return s.loss(s.x) },
		Gradient: func() { s.grad(s.x, s.g) },
	}
	for b := range s.sizes {
		m.Blocks = append(m.Blocks, gradcheck.Block[float64]{Name: fmt.Sprintf("B%d", b), Value: s.x[b], Grad: s.g[b]})
	}
	m.Clone = func() *gradcheck.Model[float64] {
		x := make([][]float64, len(s.x))
		g := make([][]float64, len(s.x))
		cm := &gradcheck.Model[float64]{Loss: func() float64 { return s.loss(x) }, Gradient: func() { s.grad(x, g) }}
		for b := range s.x {
			x[b] = slices.Clone(s.x[b])
			g[b] = make([]float64, len(x[b]))
			cm.Blocks = append(cm.Blocks, gradcheck.Block[float64]{Name: m.Blocks[b].Name, Value: x[b], Grad: g[b]})
		}
		return cm
	}
	return m
}

// failing returns the failing entries of a report as (block, index) pairs.
func failing(rep *gradcheck.Report) [][2]int {
	var out [][2]int
	for b := range rep.Blocks {
		for _, e := range rep.Blocks[b].Failures() {
			out = append(out, [2]int{b, e.Index})
		}
	}
	return out
}

func plantedList(s *smooth) [][2]int {
	var out [][2]int
	for at := range s.wrong {
		out = append(out, at)
	}
	slices.SortFunc(out, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return out
}

// TestLocalizePlanted plants wrong entries at random positions and checks
// that localization finds exactly them, with per-entry verdicts, and
// accounts for every disagreeing direction.
func TestLocalizePlanted(t *testing.T) {
	for _, c := range []struct {
		name  string
		sizes []int
		wrong int
	}{
		{"one in one block", []int{5000}, 1},
		{"one in three blocks", []int{300, 4000, 700}, 1},
		{"five in three blocks", []int{300, 4000, 700}, 5},
		{"twelve in four blocks", []int{1000, 1000, 3000, 10}, 12},
	} {
		for seed := uint64(1); seed <= 4; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", c.name, seed), func(t *testing.T) {
				s := newSmooth(seed, c.sizes...)
				rng := rand.New(rand.NewPCG(seed, 99))
				for len(s.wrong) < c.wrong {
					b := rng.IntN(len(c.sizes))
					// Errors from 1e-3 to 1 in size and of either sign: well
					// above what the tolerance lets through, of the size of
					// real bugs.
					s.wrong[[2]int{b, rng.IntN(c.sizes[b])}] = math.Copysign(math.Pow(10, -3*rng.Float64()), rng.NormFloat64())
				}
				rep, err := gradcheck.Check(s.model(), &gradcheck.Options{Directions: 4, Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK() {
					t.Fatalf("report OK with %d planted errors:\n%s", c.wrong, rep)
				}
				got, want := failing(rep), plantedList(s)
				if !slices.Equal(got, want) {
					t.Errorf("failing entries %v, planted %v (seed %d)", got, want, seed)
				}
				if len(rep.Regions) != 0 {
					t.Errorf("regions %v for isolated planted entries", rep.Regions)
				}
				for _, d := range rep.Directions {
					if !d.Verdict.Pass() && !d.Located {
						t.Errorf("direction %d disagrees (%v) and was not located", d.Index, d.Verdict)
					}
				}
				t.Logf("%d parameters, %d planted: %d loss evaluations, %d entries given verdicts", sum(c.sizes), c.wrong, rep.Evals, rep.Checked())
			})
		}
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// TestLocalizeBlock spoils a whole block and checks that it is reported as a
// region covering the block, with a few per-entry verdicts as evidence,
// rather than entry by entry, and that the other blocks get no finding.
func TestLocalizeBlock(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		s := newSmooth(seed, 2000, 5000, 3000)
		bad := int(seed) % 3
		s.scale[bad] = 1.5 // a factor-of-1.5 bug in the whole block
		rep, err := gradcheck.Check(s.model(), &gradcheck.Options{Directions: 2, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		want := []gradcheck.Region{{Block: fmt.Sprintf("B%d", bad), Lo: 0, Hi: s.sizes[bad], Parts: 16}}
		if !slices.Equal(rep.Regions, want) {
			t.Errorf("seed %d: regions %v, want %v", seed, rep.Regions, want)
		}
		for b := range rep.Blocks {
			br := &rep.Blocks[b]
			switch {
			case b == bad && (len(br.Failures()) == 0 || len(br.Entries) > 16):
				t.Errorf("seed %d: spoiled block %s has %d entries checked, %d failing: want a few, all failing", seed, br.Name, len(br.Entries), len(br.Failures()))
			case b != bad && len(br.Entries) != 0:
				t.Errorf("seed %d: correct block %s has %d entries checked", seed, br.Name, len(br.Entries))
			}
		}
		if rep.OK() {
			t.Errorf("seed %d: report OK with a spoiled block", seed)
		}
		if rep.Evals > 400 {
			t.Errorf("seed %d: %d evaluations to report one wrong block of %d entries", seed, rep.Evals, s.sizes[bad])
		}
	}
}

// TestLocalizeCorrect checks correct models of several shapes and seeds:
// no direction may disagree, nothing may be localized.
func TestLocalizeCorrect(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		sizes := []int{1 + int(seed)*97%500, 3000, 1 + int(seed)*31%40}
		s := newSmooth(seed, sizes...)
		rep, err := gradcheck.Check(s.model(), &gradcheck.Options{Directions: 8, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.Checked() != 0 || len(rep.Regions) != 0 {
			t.Errorf("seed %d: a correct model was localized into findings:\n%s\nregions %v directions %+v", seed, rep, rep.Regions, rep.Directions)
		}
		if max := 2 + 3 + 8*2; rep.Evals > max+8*32 {
			t.Errorf("seed %d: %d evaluations for 8 agreeing directions", seed, rep.Evals)
		}
	}
}

// TestDirectionalFloat32 checks a float32 model: the error of the loss is
// larger, and the verdicts must still separate a wrong entry from round-off.
func TestDirectionalFloat32(t *testing.T) {
	const n = 2000
	rng := rand.New(rand.NewPCG(3, 3))
	x, g, w := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], w[i] = float32(rng.NormFloat64()), float32(0.5+rng.Float64())
	}
	wrongAt := -1
	m := &gradcheck.Model[float32]{
		Blocks: []gradcheck.Block[float32]{{Name: "W", Value: x, Grad: g}},
		Loss: func() float64 {
			var f float32
			for i, v := range x {
				f += 0.5 * w[i] * v * v
			}
			return float64(f)
		},
		Gradient: func() {
			for i, v := range x {
				g[i] = w[i] * v
			}
			if wrongAt >= 0 {
				g[wrongAt] += 2
			}
		},
	}
	rep, err := gradcheck.Check(m, &gradcheck.Options{Directions: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Checked() != 0 {
		t.Errorf("correct float32 model: %s\ndirections %+v", rep, rep.Directions)
	}
	wrongAt = 1234
	rep, err = gradcheck.Check(m, &gradcheck.Options{Directions: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got := failing(rep); !slices.Equal(got, [][2]int{{0, wrongAt}}) {
		t.Errorf("float32 model with W[%d] wrong: failing %v\n%s\ndirections %+v\nregions %+v", wrongAt, got, rep, rep.Directions, rep.Regions)
	}
}

// TestDirectionalRestores checks that the parameters come back bit for bit
// after a directional check, also when the loss panics in the middle of a
// group test.
func TestDirectionalRestores(t *testing.T) {
	s := newSmooth(5, 100, 200)
	s.wrong[[2]int{1, 17}] = 0.5
	before := [][]float64{slices.Clone(s.x[0]), slices.Clone(s.x[1])}
	m := s.model()
	calls := 0
	inner := m.Loss
	m.Loss = func() float64 {
		calls++
		if calls == 20 {
			panic("boom")
		}
		return inner()
	}
	_, err := gradcheck.Check(m, &gradcheck.Options{Directions: 2})
	var pe *gradcheck.PanicError
	if !asPanic(err, &pe) || pe.Along == "" {
		t.Fatalf("error %v, want a *PanicError naming the direction", err)
	}
	for b := range before {
		for i := range before[b] {
			if math.Float64bits(before[b][i]) != math.Float64bits(s.x[b][i]) {
				t.Fatalf("B%d[%d] is %v after the check, was %v", b, i, s.x[b][i], before[b][i])
			}
		}
	}
}

func asPanic(err error, pe **gradcheck.PanicError) bool {
	p, ok := err.(*gradcheck.PanicError)
	*pe = p
	return ok
}

// TestDirectionalSeed checks that the same seed gives the same report and
// another seed other directions.
func TestDirectionalSeed(t *testing.T) {
	run := func(seed uint64) *gradcheck.Report {
		s := newSmooth(1, 500, 500)
		s.wrong[[2]int{0, 3}] = 0.1
		rep, err := gradcheck.Check(s.model(), &gradcheck.Options{Directions: 3, Seed: seed, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	a, b, c := run(7), run(7), run(8)
	if fmt.Sprint(a) != fmt.Sprint(b) || fmt.Sprintf("%+v", a.Directions) != fmt.Sprintf("%+v", b.Directions) {
		t.Errorf("same seed, different reports")
	}
	if a.Directions[0].Analytic == c.Directions[0].Analytic {
		t.Errorf("seeds 7 and 8 gave the same first direction")
	}
}

// TestDirectionalKinks checks a loss with kinks at some parameters (|x_j|
// at x_j = 0, with the valid subgradient 1 there): the directions disagree,
// localization traces the disagreement to the kinked entries, whose
// per-entry verdicts are Kink, and the report passes.
func TestDirectionalKinks(t *testing.T) {
	const n = 3000
	x, g := make([]float64, n), make([]float64, n)
	rng := rand.New(rand.NewPCG(8, 8))
	kinks := []int{17, 1400, 2999}
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for _, k := range kinks {
		x[k] = 0
	}
	m := &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "x", Value: x, Grad: g}},
		Loss: func() float64 {
			var f float64
			for _, v := range x {
				f += math.Abs(v) + 0.5*v*v
			}
			return f
		},
		Gradient: func() {
			for i, v := range x {
				g[i] = v + 1
				if v < 0 {
					g[i] = v - 1
				}
			}
		},
	}
	rep, err := gradcheck.Check(m, &gradcheck.Options{Directions: 3, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("kinks as subgradients fail the check:\n%s\ndirections %+v", rep, rep.Directions)
	}
	var got []int
	for _, e := range rep.Blocks[0].Entries {
		if e.Verdict == gradcheck.Kink {
			got = append(got, e.Index)
		}
	}
	if !slices.Equal(got, kinks) {
		t.Errorf("kinks found at %v, want %v; entries %+v", got, kinks, rep.Blocks[0].Entries)
	}
}

// TestLocalizeCorrectFloat32 checks correct float32 models, whose loss
// carries ten million times the round-off of float64: no direction may
// disagree and nothing may be localized. A direction may be Inconclusive:
// a float32 loss summed over thousands of terms cannot resolve single
// entries along a direction at any step, and the check says so rather
// than guess. With one entry wrong, the check must find it or be
// inconclusive, never pass.
func TestLocalizeCorrectFloat32(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		for _, plant := range []bool{false, true} {
			n := 200 + int(seed)*700
			rng := rand.New(rand.NewPCG(seed, 32))
			x, g, w := make([]float32, n), make([]float32, n), make([]float32, n)
			wrong := -1
			if plant {
				wrong = rng.IntN(n)
			}
			for i := range x {
				x[i], w[i] = float32(rng.NormFloat64()), float32(0.5+rng.Float64())
			}
			m := &gradcheck.Model[float32]{
				Blocks: []gradcheck.Block[float32]{{Name: "W", Value: x[:n/3], Grad: g[:n/3]}, {Name: "V", Value: x[n/3:], Grad: g[n/3:]}},
				Loss: func() float64 {
					var f float32
					for i, v := range x {
						f += 0.5*w[i]*v*v + float32(math.Sin(float64(v)))
					}
					return float64(f)
				},
				Gradient: func() {
					for i, v := range x {
						g[i] = w[i]*v + float32(math.Cos(float64(v)))
					}
					if wrong >= 0 {
						g[wrong] += 0.5
					}
				},
			}
			rep, err := gradcheck.Check(m, &gradcheck.Options{Directions: 6, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			inconclusive := 0
			for _, d := range rep.Directions {
				switch d.Verdict {
				case gradcheck.Mismatch:
					if plant {
						continue
					}
					t.Errorf("seed %d, %d parameters: direction %d of a correct float32 model disagrees: %+v", seed, n, d.Index, d)
				case gradcheck.Inconclusive:
					inconclusive++
				}
			}
			if plant {
				// Found, or inconclusive where the float32 loss cannot
				// resolve single entries; never passed.
				want := [][2]int{{0, wrong}}
				if wrong >= n/3 {
					want = [][2]int{{1, wrong - n/3}}
				}
				got := failing(rep)
				if rep.OK() || (!slices.Equal(got, want) && inconclusive == 0) {
					t.Errorf("seed %d, %d parameters, entry %d wrong by 0.5: ok %v, failing %v\ndirections %+v", seed, n, wrong, rep.OK(), got, rep.Directions)
				}
				t.Logf("seed %d, %d parameters, one entry wrong: failing %v, %d of %d directions inconclusive", seed, n, got, inconclusive, len(rep.Directions))
				continue
			}
			if len(failing(rep)) != 0 || len(rep.Regions) != 0 {
				t.Errorf("seed %d, %d parameters: a correct float32 model was localized into findings:\n%s\nregions %v", seed, n, rep, rep.Regions)
			}
			t.Logf("seed %d, %d parameters: %d of %d directions inconclusive", seed, n, inconclusive, len(rep.Directions))
		}
	}
}

// TestLocalizeRow offsets one row of a 64×64 block by a constant, a common
// bug (a bias added twice along one output): equal errors at neighbouring
// entries, which ±1 directions would cancel in pairs. The row must come
// back as one region, exactly, with nothing found outside it.
func TestLocalizeRow(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		s := newSmooth(seed, 64*64, 100)
		row := int(seed*13) % 64
		for j := range 64 {
			s.wrong[[2]int{0, row*64 + j}] = 0.3
		}
		rep, err := gradcheck.Check(s.model(), &gradcheck.Options{Directions: 4, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		want := []gradcheck.Region{{Block: "B0", Lo: row * 64, Hi: row*64 + 64, Parts: 64}}
		if len(rep.Regions) != 1 || rep.Regions[0].Lo != want[0].Lo || rep.Regions[0].Hi != want[0].Hi {
			t.Errorf("seed %d: regions %v, want row %d as %v", seed, rep.Regions, row, want)
		}
		for _, at := range failing(rep) {
			if at[0] != 0 || at[1]/64 != row {
				t.Errorf("seed %d: entry %v outside row %d reported wrong", seed, at, row)
			}
		}
		for _, d := range rep.Directions {
			if !d.Verdict.Pass() && !d.Located {
				t.Errorf("seed %d: direction %d disagrees and was not located: %+v", seed, d.Index, d)
			}
		}
		t.Logf("seed %d: row %d found as %v with %d evaluations", seed, row, rep.Regions, rep.Evals)
	}
}
