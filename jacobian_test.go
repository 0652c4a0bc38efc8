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

// vecFn is a vector function R³ → R⁴ with its Jacobian, written by hand: a
// small piece of a model, nonlinear in every input, with an output that
// depends on one input only, so the Jacobian has structural zeros.
func vecFn(dst, x []float64) {
	dst[0] = math.Sin(x[0]) * math.Exp(x[1])
	dst[1] = x[0]*x[1] + x[2]*x[2]*x[2]
	dst[2] = math.Log(1 + x[0]*x[0] + x[2]*x[2])
	dst[3] = math.Tanh(x[1])
}

const vecM = 4

func vecJac(dst, x []float64) {
	d := 1 + x[0]*x[0] + x[2]*x[2]
	t := math.Tanh(x[1])
	copy(dst, []float64{
		math.Cos(x[0]) * math.Exp(x[1]), math.Sin(x[0]) * math.Exp(x[1]), 0,
		x[1], x[0], 3 * x[2] * x[2],
		2 * x[0] / d, 0, 2 * x[2] / d,
		0, 1 - t*t, 0,
	})
}

// vecVJP computes wᵀJ and vecJVP computes Jv, by hand, without forming J:
// the reverse and forward modes of vecFn.
func vecVJP(dst, x, w []float64) {
	d := 1 + x[0]*x[0] + x[2]*x[2]
	t := math.Tanh(x[1])
	e := math.Exp(x[1])
	dst[0] = w[0]*math.Cos(x[0])*e + w[1]*x[1] + w[2]*2*x[0]/d
	dst[1] = w[0]*math.Sin(x[0])*e + w[1]*x[0] + w[3]*(1-t*t)
	dst[2] = w[1]*3*x[2]*x[2] + w[2]*2*x[2]/d
}

func vecJVP(dst, x, v []float64) {
	d := 1 + x[0]*x[0] + x[2]*x[2]
	t := math.Tanh(x[1])
	e := math.Exp(x[1])
	dst[0] = math.Cos(x[0])*e*v[0] + math.Sin(x[0])*e*v[1]
	dst[1] = x[1]*v[0] + x[0]*v[1] + 3*x[2]*x[2]*v[2]
	dst[2] = (2*x[0]*v[0] + 2*x[2]*v[2]) / d
	dst[3] = (1 - t*t) * v[1]
}

// vecX has unequal coordinates of both signs: a bug that swaps x[0] and
// x[1] is invisible at a point where they are equal.
var vecX = []float64{0.7, -0.4, 1.3}

func TestJacobianCorrect(t *testing.T) {
	x := slices.Clone(vecX)
	rep, err := gradcheck.Jacobian(vecFn, vecJac, vecM, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("a right Jacobian fails:\n%s", rep)
	}
	if got, want := rep.Checked(), vecM*len(x); got != want {
		t.Errorf("checked %d entries, want %d", got, want)
	}
	if b := rep.Block("J"); b == nil || !slices.Equal(b.Shape, []int{vecM, 3}) {
		t.Errorf("want one block J of shape [4 3], got %+v", rep.Blocks)
	}
	if !slices.Equal(x, vecX) {
		t.Errorf("x changed: %v, want %v", x, vecX)
	}
}

// countingFn wraps vecFn, counting the evaluations at each point.
func countingFn(seen map[string]int) func(dst, x []float64) {
	return func(dst, x []float64) {
		seen[fmt.Sprint(x)]++
		vecFn(dst, x)
	}
}

// One evaluation of f serves every output of a Jacobian and every
// cotangent of a VJP: no point but x itself (evaluated again on purpose by
// the hazard checks) is evaluated twice.
func TestVectorChecksShareEvaluations(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(f func(dst, x []float64)) (*gradcheck.Report, error)
	}{
		{"Jacobian", func(f func(dst, x []float64)) (*gradcheck.Report, error) {
			return gradcheck.Jacobian(f, vecJac, vecM, slices.Clone(vecX), nil)
		}},
		{"VJP", func(f func(dst, x []float64)) (*gradcheck.Report, error) {
			return gradcheck.VJP(f, vecVJP, vecM, slices.Clone(vecX), &gradcheck.Options{Directions: 4})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]int{}
			rep, err := tc.run(countingFn(seen))
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for p, k := range seen {
				total += k
				if k > 1 && p != fmt.Sprint(vecX) {
					t.Errorf("f evaluated %d times at %s", k, p)
				}
			}
			if total != rep.Evals {
				t.Errorf("Report.Evals is %d, f was called %d times", rep.Evals, total)
			}
		})
	}
}

func TestJacobianPlantedBugs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		jac    func(dst, x []float64)
		want   []string // the entries that must fail, and only they
		reason string
	}{
		{"one entry", func(dst, x []float64) { vecJac(dst, x); dst[1*3+2] *= 1.001 },
			[]string{"J[1,2]"}, "a 0.1% error in one entry is far above the threshold"},
		{"structural zero", func(dst, x []float64) { vecJac(dst, x); dst[3*3+0] = 1e-4 },
			[]string{"J[3,0]"}, "an entry that should be zero is judged on its row's scale"},
		{"swapped inputs", func(dst, x []float64) { vecJac(dst, x); dst[3], dst[4] = dst[4], dst[3] },
			[]string{"J[1,0]", "J[1,1]"}, "x[0] and x[1] confused in one output"},
		{"sign of a row", func(dst, x []float64) {
			vecJac(dst, x)
			for j := range 3 {
				dst[2*3+j] = -dst[2*3+j]
			}
		}, []string{"J[2,0]", "J[2,2]"}, "J[2,1] is zero, so its sign does not matter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := gradcheck.Jacobian(vecFn, tc.jac, vecM, slices.Clone(vecX), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := failingNames(rep); !slices.Equal(got, tc.want) {
				t.Errorf("failing entries %v, want %v (%s)\n%s", got, tc.want, tc.reason, rep)
			}
		})
	}
}

func TestJacobianHazards(t *testing.T) {
	calls := 0
	for _, tc := range []struct {
		name  string
		f     func(dst, x []float64)
		jac   func(dst, x []float64)
		kind  gradcheck.HazardKind
		fatal bool
	}{
		{"f mutates x", func(dst, x []float64) { vecFn(dst, x); x[1] += 1 }, vecJac, gradcheck.LossMutates, true},
		{"jac mutates x", vecFn, func(dst, x []float64) { vecJac(dst, x); x[2] = 0 }, gradcheck.GradientMutates, true},
		{"f is random", func(dst, x []float64) { calls++; vecFn(dst, x); dst[2] += 1e-9 * float64(calls) }, vecJac, gradcheck.Nondeterministic, true},
		{"jac accumulates", vecFn, func(dst, x []float64) {
			var tmp [vecM * 3]float64
			vecJac(tmp[:], x)
			for k := range dst {
				dst[k] += tmp[k]
			}
		}, gradcheck.NotReentrant, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := slices.Clone(vecX)
			rep, err := gradcheck.Jacobian(tc.f, tc.jac, vecM, x, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Hazards) != 1 || rep.Hazards[0].Kind != tc.kind || rep.Hazards[0].Fatal != tc.fatal {
				t.Fatalf("hazards %+v, want one %v with Fatal %v", rep.Hazards, tc.kind, tc.fatal)
			}
			if rep.OK() {
				t.Error("a report with a hazard is OK")
			}
			if !slices.Equal(x, vecX) {
				t.Errorf("x not restored: %v, want %v", x, vecX)
			}
		})
	}
}

func TestJacobianPanicRestoresX(t *testing.T) {
	x := slices.Clone(vecX)
	f := func(dst, x []float64) {
		if x[2] != vecX[2] {
			panic("boom")
		}
		vecFn(dst, x)
	}
	_, err := gradcheck.Jacobian(f, vecJac, vecM, x, nil)
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v, want a *PanicError", err)
	}
	if !strings.HasPrefix(pe.Func, "f") || pe.Entry != "x[2]" || pe.Value != "boom" {
		t.Errorf("panic error %+v: want Func f, Entry x[2], Value boom", pe)
	}
	for i := range x {
		if math.Float64bits(x[i]) != math.Float64bits(vecX[i]) {
			t.Errorf("x[%d] = %v after a panic, want %v bit for bit", i, x[i], vecX[i])
		}
	}
	_, err = gradcheck.Jacobian(vecFn, func(dst, x []float64) { panic("jac") }, vecM, x, nil)
	if !errors.As(err, &pe) || pe.Func != "jac" {
		t.Errorf("error %v, want a *PanicError of jac", err)
	}
}

func TestJacobianBadInput(t *testing.T) {
	nanJac := func(dst, x []float64) { vecJac(dst, x); dst[5] = math.NaN() }
	for _, tc := range []struct {
		name string
		f    func(dst, x []float64)
		jac  func(dst, x []float64)
		m    int
		x    []float64
		want string
	}{
		{"nil f", nil, vecJac, vecM, vecX, "function f is nil"},
		{"nil jac", vecFn, nil, vecM, vecX, "function jac is nil"},
		{"zero m", vecFn, vecJac, 0, vecX, "outputs m is 0"},
		{"empty x", vecFn, vecJac, vecM, nil, "x is empty"},
		{"NaN in x", vecFn, vecJac, vecM, []float64{0.7, math.NaN(), 1.3}, "x[1] is NaN"},
		{"NaN in J", vecFn, nanJac, vecM, vecX, "J[1,2] is NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gradcheck.Jacobian(tc.f, tc.jac, tc.m, slices.Clone(tc.x), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestVectorChecksRejectHugeM: an m whose values, or whose m×n Jacobian,
// no slice holds is an error. It once panicked in make (makeslice: len out
// of range) out of Jacobian, VJP and JVP.
func TestVectorChecksRejectHugeM(t *testing.T) {
	const maxFloats = min(math.MaxInt/8, 1<<45) // the most float64 values make gives a slice (2⁴⁸ bytes)
	f := func(dst, x []float64) {}
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"Jacobian", func() error {
			_, err := gradcheck.Jacobian(f, f, math.MaxInt, slices.Clone(vecX), nil)
			return err
		}, fmt.Sprintf("outputs m is %d: more values than a slice holds", math.MaxInt)},
		{"Jacobian m·n", func() error {
			_, err := gradcheck.Jacobian(f, f, maxFloats/len(vecX)+1, slices.Clone(vecX), nil)
			return err
		}, fmt.Sprintf("the jac of %d outputs by %d parameters has more entries than a slice holds", maxFloats/len(vecX)+1, len(vecX))},
		{"VJP", func() error {
			_, err := gradcheck.VJP(f, func(dst, x, w []float64) {}, math.MaxInt, slices.Clone(vecX), nil)
			return err
		}, "more values than a slice holds"},
		{"JVP", func() error {
			_, err := gradcheck.JVP(f, func(dst, x, v []float64) {}, math.MaxInt, slices.Clone(vecX), nil)
			return err
		}, "more values than a slice holds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic escaped: %v", r)
					}
				}()
				err = tc.run()
			}()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestJacobianNilOptionsEqualZero(t *testing.T) {
	bad := func(dst, x []float64) { vecJac(dst, x); dst[7] += 0.01 }
	a, err1 := gradcheck.Jacobian(vecFn, bad, vecM, slices.Clone(vecX), nil)
	b, err2 := gradcheck.Jacobian(vecFn, bad, vecM, slices.Clone(vecX), &gradcheck.Options{})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if a.String() != b.String() {
		t.Errorf("nil options:\n%s\nzero options:\n%s", a, b)
	}
}

// layer is f(x) = tanh(W·x) for a seeded m×n matrix W: a dense layer, with
// its Jacobian, VJP and JVP by hand, for the benchmarks.
type layer struct {
	m, n int
	W    []float64
	t    []float64
}

func newLayer(m, n int) *layer {
	l := &layer{m: m, n: n, W: make([]float64, m*n), t: make([]float64, m)}
	for k := range l.W {
		l.W[k] = math.Sin(float64(3*k+1)) / math.Sqrt(float64(n)) // deterministic, no two equal
	}
	return l
}

func (l *layer) f(dst, x []float64) {
	for i := range l.m {
		s := 0.0
		for j := range l.n {
			s += l.W[i*l.n+j] * x[j]
		}
		dst[i] = math.Tanh(s)
	}
}

func (l *layer) jac(dst, x []float64) {
	l.f(l.t, x)
	for i := range l.m {
		d := 1 - l.t[i]*l.t[i]
		for j := range l.n {
			dst[i*l.n+j] = d * l.W[i*l.n+j]
		}
	}
}

func (l *layer) vjp(dst, x, w []float64) {
	l.f(l.t, x)
	clear(dst)
	for i := range l.m {
		d := w[i] * (1 - l.t[i]*l.t[i])
		for j := range l.n {
			dst[j] += d * l.W[i*l.n+j]
		}
	}
}

func (l *layer) jvp(dst, x, v []float64) {
	l.f(l.t, x)
	for i := range l.m {
		s := 0.0
		for j := range l.n {
			s += l.W[i*l.n+j] * v[j]
		}
		dst[i] = (1 - l.t[i]*l.t[i]) * s
	}
}

func layerX(n int) []float64 {
	x := make([]float64, n)
	for j := range x {
		x[j] = math.Cos(float64(j)) // unequal coordinates of both signs
	}
	return x
}

// The benchmarks measure what each check costs in evaluations of the
// function (evals/op) and of the derivative (derivs/op), the figures to
// compare: an evaluation of a real model dwarfs the checker's own work.
func benchReport(b *testing.B, run func() (*gradcheck.Report, error)) {
	b.Helper()
	var rep *gradcheck.Report
	for b.Loop() {
		var err error
		if rep, err = run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rep.Evals), "evals/op")
	b.ReportMetric(float64(rep.GradEvals), "derivs/op")
	b.ReportMetric(float64(len(failingNames(rep))), "failing")
}

func BenchmarkJacobian(b *testing.B) {
	l := newLayer(10, 20)
	x := layerX(20)
	b.Run("right", func(b *testing.B) {
		benchReport(b, func() (*gradcheck.Report, error) { return gradcheck.Jacobian(l.f, l.jac, l.m, x, nil) })
	})
	b.Run("one-wrong-entry", func(b *testing.B) {
		bad := func(dst, x []float64) { l.jac(dst, x); dst[17] *= 1.01 }
		benchReport(b, func() (*gradcheck.Report, error) { return gradcheck.Jacobian(l.f, bad, l.m, x, nil) })
	})
}

func ExampleJacobian() {
	// f(x) = (x₀·x₁, sin x₀), with a Jacobian that has ∂f₁/∂x₀ wrong.
	f := func(dst, x []float64) { dst[0], dst[1] = x[0]*x[1], math.Sin(x[0]) }
	jac := func(dst, x []float64) {
		copy(dst, []float64{
			x[1], x[0], // row 0: ∂f₀/∂x
			math.Sin(x[0]), 0, // row 1: should be cos x₀
		})
	}
	rep, err := gradcheck.Jacobian(f, jac, 2, []float64{0.5, -2}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.OK())
	for _, e := range rep.Block("J").Failures() {
		fmt.Printf("%s: analytic %.4f, numeric %.4f\n", rep.Block("J").EntryName(e.Index), e.Analytic, e.Numeric)
	}
	// Output:
	// false
	// J[1,0]: analytic 0.4794, numeric 0.8776
}

// Whatever call of f or of the derivative panics, every vector check
// returns a *PanicError, lets no panic escape and restores x bit for bit.
func TestVectorChecksNeverPanic(t *testing.T) {
	type check func(f func(dst, x []float64), d func(dst, x []float64), dv func(dst, x, w []float64), x []float64) error
	checks := map[string]check{
		"Jacobian": func(f, d func(dst, x []float64), _ func(dst, x, w []float64), x []float64) error {
			_, err := gradcheck.Jacobian(f, d, vecM, x, nil)
			return err
		},
		"VJP": func(f, _ func(dst, x []float64), dv func(dst, x, w []float64), x []float64) error {
			_, err := gradcheck.VJP(f, dv, vecM, x, nil)
			return err
		},
		"JVP": func(f, _ func(dst, x []float64), dv func(dst, x, w []float64), x []float64) error {
			_, err := gradcheck.JVP(f, dv, vecM, x, nil)
			return err
		},
	}
	for name, run := range checks {
		// Enough calls to reach every phase: hazards, first pass, noise
		// measurement, refinement.
		for k := 1; k <= 40; k++ {
			for _, which := range []string{"f", "derivative"} {
				calls := 0
				trip := func() {
					calls++
					if calls == k {
						panic(fmt.Sprintf("call %d", k))
					}
				}
				f, d, dv := vecFn, vecJac, vecVJP
				if name == "JVP" {
					dv = vecJVP
				}
				bad := func(dst, x []float64) { dst[0] += 1e-3 * x[0] } // refinement too
				if which == "f" {
					f = func(dst, x []float64) { trip(); vecFn(dst, x) }
				} else {
					d = func(dst, x []float64) { trip(); vecJac(dst, x); bad(dst, x) }
					inner := dv
					dv = func(dst, x, w []float64) { trip(); inner(dst, x, w); bad(dst, x) }
				}
				x := slices.Clone(vecX)
				var err error
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s, %s panics on call %d: the panic escaped: %v", name, which, k, r)
						}
					}()
					err = run(f, d, dv, x)
				}()
				var pe *gradcheck.PanicError
				if calls >= k && !errors.As(err, &pe) {
					t.Errorf("%s, %s panics on call %d: error %v, want a *PanicError", name, which, k, err)
				}
				for i := range x {
					if math.Float64bits(x[i]) != math.Float64bits(vecX[i]) {
						t.Errorf("%s, %s panics on call %d: x[%d] = %v, want %v", name, which, k, i, x[i], vecX[i])
					}
				}
			}
		}
	}
}
