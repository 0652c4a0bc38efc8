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

func TestVJPCorrect(t *testing.T) {
	x := slices.Clone(vecX)
	rep, err := gradcheck.VJP(vecFn, vecVJP, vecM, x, &gradcheck.Options{Directions: 4, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("a right VJP fails:\n%s", rep)
	}
	if len(rep.Blocks) != 4 || rep.Blocks[3].Name != "vjp3" {
		t.Errorf("want blocks vjp0..vjp3, got %d blocks", len(rep.Blocks))
	}
	if !slices.Equal(x, vecX) {
		t.Errorf("x changed: %v, want %v", x, vecX)
	}
}

func TestVJPPlantedBugs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		vjp    func(dst, x, w []float64)
		reason string
	}{
		{"missing term", func(dst, x, w []float64) {
			vecVJP(dst, x, w)
			// Drop output 3's contribution to x[1]: a branch of the
			// backward pass that is never added.
			var full, part [3]float64
			w3 := slices.Clone(w)
			w3[0], w3[1], w3[2] = 0, 0, 0
			vecVJP(part[:], x, w3)
			copy(full[:], dst)
			dst[1] = full[1] - part[1]
		}, "the cotangent of output 3 is lost"},
		{"forward mode in place of reverse", func(dst, x, w []float64) {
			// Jw (of length 4, cut to 3) where wᵀJ is wanted.
			var jv [vecM]float64
			vecJVP(jv[:], x, w[:3])
			copy(dst, jv[:3])
		}, "a transposed Jacobian"},
		{"doubled", func(dst, x, w []float64) {
			vecVJP(dst, x, w)
			for j := range dst {
				dst[j] *= 2
			}
		}, "a factor 2 from a symmetric-looking formula"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := gradcheck.VJP(vecFn, tc.vjp, vecM, slices.Clone(vecX), nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Errorf("a wrong VJP (%s) passes:\n%s", tc.reason, rep)
			}
			// Every cotangent must see the bug: a random w hides it only
			// on a set of measure zero.
			for i := range rep.Blocks {
				if len(rep.Blocks[i].Failures()) == 0 {
					t.Errorf("cotangent %s does not see the bug (%s)", rep.Blocks[i].Name, tc.reason)
				}
			}
		})
	}
}

func TestJVPCorrect(t *testing.T) {
	x := slices.Clone(vecX)
	rep, err := gradcheck.JVP(vecFn, vecJVP, vecM, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("a right JVP fails:\n%s", rep)
	}
	if len(rep.Blocks) != 3 || !slices.Equal(rep.Blocks[0].Shape, []int{vecM}) {
		t.Errorf("want 3 blocks of shape [%d], got %+v", vecM, rep.Blocks)
	}
	if !slices.Equal(x, vecX) {
		t.Errorf("x changed: %v, want %v", x, vecX)
	}
}

func TestJVPPlantedBugs(t *testing.T) {
	for _, tc := range []struct {
		name string
		jvp  func(dst, x, v []float64)
		want []string // failing entries of direction 0
	}{
		{"one output", func(dst, x, v []float64) { vecJVP(dst, x, v); dst[2] *= 0.999 }, []string{"jvp0[2]"}},
		{"dropped input", func(dst, x, v []float64) {
			w := slices.Clone(v)
			w[2] = 0 // x[2]'s tangent never propagated
			vecJVP(dst, x, w)
		}, []string{"jvp0[1]", "jvp0[2]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := gradcheck.JVP(vecFn, tc.jvp, vecM, slices.Clone(vecX), &gradcheck.Options{Directions: 1})
			if err != nil {
				t.Fatal(err)
			}
			if got := failingNames(rep); !slices.Equal(got, tc.want) {
				t.Errorf("failing %v, want %v\n%s", got, tc.want, rep)
			}
		})
	}
}

func TestDirectionsReproducible(t *testing.T) {
	bad := func(dst, x, w []float64) { vecVJP(dst, x, w); dst[0] += 1e-3 }
	o := &gradcheck.Options{Seed: 42}
	a, _ := gradcheck.VJP(vecFn, bad, vecM, slices.Clone(vecX), o)
	b, _ := gradcheck.VJP(vecFn, bad, vecM, slices.Clone(vecX), o)
	if a.String() != b.String() {
		t.Errorf("same seed, different reports:\n%s\n%s", a, b)
	}
	if w0, w1 := gradcheck.Cotangent(vecM, 42, 0), gradcheck.Cotangent(vecM, 42, 1); slices.Equal(w0, w1) {
		t.Errorf("cotangents 0 and 1 are equal: %v", w0)
	}
	if v, w := gradcheck.Tangent(vecX, 1, 0), gradcheck.Tangent(vecX, 2, 0); slices.Equal(v, w) {
		t.Errorf("tangents of seeds 1 and 2 are equal: %v", v)
	}
	// An m that VJP rejects gives no cotangent, and no panic (make
	// panicked for a negative m and for one no slice holds).
	for _, m := range []int{0, -1, math.MaxInt} {
		if w := gradcheck.Cotangent(m, 42, 0); w != nil {
			t.Errorf("Cotangent(%d, …) has %d entries, want nil", m, len(w))
		}
	}
}

func TestVJPJVPBadInput(t *testing.T) {
	if _, err := gradcheck.VJP(vecFn, nil, vecM, slices.Clone(vecX), nil); err == nil || !strings.Contains(err.Error(), "vjp is nil") {
		t.Errorf("nil vjp: error %v", err)
	}
	if _, err := gradcheck.JVP(vecFn, nil, vecM, slices.Clone(vecX), nil); err == nil || !strings.Contains(err.Error(), "jvp is nil") {
		t.Errorf("nil jvp: error %v", err)
	}
	if _, err := gradcheck.JVP(vecFn, vecJVP, vecM, slices.Clone(vecX), &gradcheck.Options{Directions: -1}); err == nil || !strings.Contains(err.Error(), "Directions") {
		t.Errorf("negative Directions: error %v", err)
	}
}

func BenchmarkVJP(b *testing.B) {
	l := newLayer(10, 20)
	x := layerX(20)
	benchReport(b, func() (*gradcheck.Report, error) { return gradcheck.VJP(l.f, l.vjp, l.m, x, nil) })
}

func BenchmarkJVP(b *testing.B) {
	l := newLayer(10, 20)
	x := layerX(20)
	benchReport(b, func() (*gradcheck.Report, error) { return gradcheck.JVP(l.f, l.jvp, l.m, x, nil) })
}

func ExampleVJP() {
	// f(x) = (x₀², x₀·x₁); the VJP wᵀJ = (2x₀w₀ + x₁w₁, x₀w₁).
	f := func(dst, x []float64) { dst[0], dst[1] = x[0]*x[0], x[0]*x[1] }
	vjp := func(dst, x, w []float64) { dst[0], dst[1] = 2*x[0]*w[0]+x[1]*w[1], x[0]*w[1] }
	rep, err := gradcheck.VJP(f, vjp, 2, []float64{1.5, -0.5}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.OK(), len(rep.Blocks), "cotangents")
	// Output:
	// true 3 cotangents
}

func ExampleJVP() {
	f := func(dst, x []float64) { dst[0], dst[1] = x[0]*x[0], x[0]*x[1] }
	// Jv with the transposed Jacobian, a classic slip.
	jvp := func(dst, x, v []float64) { dst[0], dst[1] = 2*x[0]*v[0]+x[1]*v[1], x[0]*v[1] }
	rep, err := gradcheck.JVP(f, jvp, 2, []float64{1.5, -0.5}, &gradcheck.Options{Directions: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(failingNames(rep))
	// Output:
	// [jvp0[0] jvp0[1]]
}

func TestJVPPanic(t *testing.T) {
	f := func(dst, x []float64) {
		if x[1] != vecX[1] {
			panic("moved")
		}
		vecFn(dst, x)
	}
	x := slices.Clone(vecX)
	_, err := gradcheck.JVP(f, vecJVP, vecM, x, nil)
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) || pe.Entry != "t[0]" || pe.Value != "moved" {
		t.Fatalf("error %v, want a *PanicError at t[0], the step along v", err)
	}
	if !slices.Equal(x, vecX) {
		t.Errorf("x changed: %v, want %v", x, vecX)
	}
}

// The hazards are looked for once, not once per direction.
func TestVJPJVPHazards(t *testing.T) {
	calls := 0
	random := func(dst, x []float64) { calls++; vecFn(dst, x); dst[0] += 1e-9 * float64(calls) }
	rep, err := gradcheck.JVP(random, vecJVP, vecM, slices.Clone(vecX), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Hazards) != 1 || rep.Hazards[0].Kind != gradcheck.Nondeterministic || rep.OK() {
		t.Errorf("JVP of a random f: hazards %+v, want one nondeterministic", rep.Hazards)
	}
	accumulating := func(dst, x, w []float64) {
		var tmp [3]float64
		vecVJP(tmp[:], x, w)
		for j := range dst {
			dst[j] += tmp[j]
		}
	}
	rep, err = gradcheck.VJP(vecFn, accumulating, vecM, slices.Clone(vecX), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Hazards) != 1 || rep.Hazards[0].Kind != gradcheck.NotReentrant {
		t.Errorf("VJP that adds into dst: hazards %+v, want one not-reentrant", rep.Hazards)
	}
}

// A panic in f during a VJP check names the parameter that was moved, x[2],
// as a Jacobian check does, not an entry of the block of wᵀJ: found by a
// test of VJP rules whose f panicked away from x.
func TestVJPPanicNamesParameter(t *testing.T) {
	f := func(dst, x []float64) {
		if x[2] != vecX[2] {
			panic("boom")
		}
		vecFn(dst, x)
	}
	x := slices.Clone(vecX)
	_, err := gradcheck.VJP(f, vecVJP, vecM, x, nil)
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v, want a *PanicError", err)
	}
	if pe.Func != "f (cotangent 0)" || pe.Entry != "x[2]" || pe.Value != "boom" {
		t.Errorf("panic error %+v: want Func f (cotangent 0), Entry x[2], Value boom", pe)
	}
	if !slices.Equal(x, vecX) {
		t.Errorf("x changed: %v, want %v", x, vecX)
	}
}
