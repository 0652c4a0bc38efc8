package gradcheck_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// A scalar function of three variables with its gradient and Hessian by
// hand: every second derivative is nonzero except one, and the mixed ones
// differ from each other.
func scalarFn(x []float64) float64 {
	return math.Sin(x[0])*math.Exp(x[1]) + x[0]*x[0]*x[2] + 3*x[1]*x[2]*x[2]
}

func scalarGrad(dst, x []float64) {
	e := math.Exp(x[1])
	dst[0] = math.Cos(x[0])*e + 2*x[0]*x[2]
	dst[1] = math.Sin(x[0])*e + 3*x[2]*x[2]
	dst[2] = x[0]*x[0] + 6*x[1]*x[2]
}

func scalarHess(dst, x []float64) {
	e := math.Exp(x[1])
	s, c := math.Sin(x[0]), math.Cos(x[0])
	copy(dst, []float64{
		-s*e + 2*x[2], c * e, 2 * x[0],
		c * e, s * e, 6 * x[2],
		2 * x[0], 6 * x[2], 6 * x[1],
	})
}

func scalarHVP(dst, x, v []float64) {
	var H [9]float64
	scalarHess(H[:], x)
	for i := range 3 {
		dst[i] = H[3*i]*v[0] + H[3*i+1]*v[1] + H[3*i+2]*v[2]
	}
}

var scalarX = []float64{0.7, -0.4, 1.3}

func TestHessianCorrect(t *testing.T) {
	x := slices.Clone(scalarX)
	rep, err := gradcheck.Hessian(scalarGrad, scalarHess, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("a right Hessian fails:\n%s", rep)
	}
	if rep.Block("H") == nil || rep.Block("symmetry") == nil {
		t.Fatalf("want blocks H and symmetry, got %+v", rep.Blocks)
	}
	if got := len(rep.Block("symmetry").Entries); got != 3 {
		t.Errorf("symmetry block has %d entries, want the 3 pairs above the diagonal", got)
	}
	if !slices.Equal(x, scalarX) {
		t.Errorf("x changed: %v, want %v", x, scalarX)
	}
}

func TestHessianPlantedBugs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hess   func(dst, x []float64)
		want   []string
		reason string
	}{
		{"both triangles", func(dst, x []float64) {
			scalarHess(dst, x)
			dst[1] *= 1.01
			dst[3] *= 1.01
		}, []string{"H[0,1]", "H[1,0]"}, "a wrong mixed derivative, written symmetrically"},
		{"one triangle", func(dst, x []float64) {
			scalarHess(dst, x)
			dst[5] = 0 // H[1,2] forgotten, H[2,1] right
		}, []string{"H[1,2]", "symmetry[1,2]"}, "an entry set in one triangle only"},
		{"diagonal", func(dst, x []float64) {
			scalarHess(dst, x)
			dst[8] = 0 // the 6·x[1] of ∂²f/∂x[2]² dropped
		}, []string{"H[2,2]"}, "a dropped diagonal term"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := gradcheck.Hessian(scalarGrad, tc.hess, slices.Clone(scalarX), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := failingNames(rep); !slices.Equal(got, tc.want) {
				t.Errorf("failing %v, want %v (%s)\n%s", got, tc.want, tc.reason, rep)
			}
		})
	}
}

// TestHessianBadInput: Hessian and HVP take no m, so an empty x must not
// be reported as the inner Jacobian's "the number of outputs m is 0", as
// Hessian's once was.
func TestHessianBadInput(t *testing.T) {
	if _, err := gradcheck.Hessian(scalarGrad, scalarHess, nil, nil); err == nil || !strings.Contains(err.Error(), "x is empty") {
		t.Errorf("Hessian with an empty x: error %v, want one saying x is empty", err)
	}
	if _, err := gradcheck.HVP(scalarGrad, scalarHVP, nil, nil); err == nil || !strings.Contains(err.Error(), "x is empty") {
		t.Errorf("HVP with an empty x: error %v, want one saying x is empty", err)
	}
	if _, err := gradcheck.Hessian(nil, scalarHess, slices.Clone(scalarX), nil); err == nil || !strings.Contains(err.Error(), "grad is nil") {
		t.Errorf("Hessian with a nil grad: error %v, want one saying grad is nil", err)
	}
}

func TestHVP(t *testing.T) {
	rep, err := gradcheck.HVP(scalarGrad, scalarHVP, slices.Clone(scalarX), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("a right HVP fails:\n%s", rep)
	}
	// Hᵀv in place of Hv is right only for a symmetric H, so plant an
	// asymmetric error: a forgotten term in one row.
	bad := func(dst, x, v []float64) {
		scalarHVP(dst, x, v)
		dst[1] -= 6 * x[2] * v[2]
	}
	rep, err = gradcheck.HVP(scalarGrad, bad, slices.Clone(scalarX), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := failingNames(rep), []string{"hvp0[1]", "hvp1[1]", "hvp2[1]"}; !slices.Equal(got, want) {
		t.Errorf("failing %v, want %v\n%s", got, want, rep)
	}
}

// logistic is f(x) = Σ_i log(1 + exp(a_i·x)) + |x|²/2 for seeded rows a_i,
// with its gradient, Hessian and Hessian-vector product, for the
// benchmarks.
type logistic struct {
	k, n int
	A    []float64
}

func newLogistic(k, n int) *logistic {
	l := &logistic{k: k, n: n, A: make([]float64, k*n)}
	for i := range l.A {
		l.A[i] = math.Sin(float64(5*i+2)) / math.Sqrt(float64(n))
	}
	return l
}

func (l *logistic) z(i int, x []float64) float64 {
	s := 0.0
	for j := range l.n {
		s += l.A[i*l.n+j] * x[j]
	}
	return s
}

func (l *logistic) f(x []float64) float64 {
	s := 0.0
	for i := range l.k {
		s += math.Log1p(math.Exp(l.z(i, x)))
	}
	for _, v := range x {
		s += v * v / 2
	}
	return s
}

func (l *logistic) grad(dst, x []float64) {
	copy(dst, x)
	for i := range l.k {
		p := 1 / (1 + math.Exp(-l.z(i, x)))
		for j := range l.n {
			dst[j] += p * l.A[i*l.n+j]
		}
	}
}

func (l *logistic) hess(dst, x []float64) {
	clear(dst)
	for j := range l.n {
		dst[j*l.n+j] = 1
	}
	for i := range l.k {
		p := 1 / (1 + math.Exp(-l.z(i, x)))
		w := p * (1 - p)
		for j := range l.n {
			for m := range l.n {
				dst[j*l.n+m] += w * l.A[i*l.n+j] * l.A[i*l.n+m]
			}
		}
	}
}

func (l *logistic) hvp(dst, x, v []float64) {
	copy(dst, v)
	for i := range l.k {
		p := 1 / (1 + math.Exp(-l.z(i, x)))
		av := l.z(i, v)
		for j := range l.n {
			dst[j] += p * (1 - p) * av * l.A[i*l.n+j]
		}
	}
}

func BenchmarkHessian(b *testing.B) {
	l := newLogistic(15, 10)
	x := layerX(10)
	benchReport(b, func() (*gradcheck.Report, error) { return gradcheck.Hessian(l.grad, l.hess, x, nil) })
}

func BenchmarkHVP(b *testing.B) {
	l := newLogistic(15, 10)
	x := layerX(10)
	benchReport(b, func() (*gradcheck.Report, error) { return gradcheck.HVP(l.grad, l.hvp, x, nil) })
}

func ExampleHessian() {
	// f(x) = x₀²·x₁: gradient (2x₀x₁, x₀²), Hessian [[2x₁, 2x₀], [2x₀, 0]],
	// written with the mixed term in one triangle only.
	grad := func(dst, x []float64) { dst[0], dst[1] = 2*x[0]*x[1], x[0]*x[0] }
	hess := func(dst, x []float64) { copy(dst, []float64{2 * x[1], 2 * x[0], 0, 0}) }
	rep, err := gradcheck.Hessian(grad, hess, []float64{3, 2}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(failingNames(rep))
	// Output:
	// [H[1,0] symmetry[0,1]]
}

func ExampleHVP() {
	grad := func(dst, x []float64) { dst[0], dst[1] = 2*x[0]*x[1], x[0]*x[0] }
	hvp := func(dst, x, v []float64) { dst[0], dst[1] = 2*x[1]*v[0]+2*x[0]*v[1], 2*x[0]*v[0] }
	rep, err := gradcheck.HVP(grad, hvp, []float64{3, 2}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.OK())
	// Output:
	// true
}

// TestSampledHessianAdvice: a sampled Hessian check's report tells how to
// check the same entries again, and that advice holds. It once said
// Options{Sample: N} with N the entries checked, while a Hessian's Sample
// counts columns: that advice checked other entries, more of them.
func TestSampledHessianAdvice(t *testing.T) {
	bad := func(dst, x []float64) { scalarHess(dst, x); dst[0] += 1 }
	opts := &gradcheck.Options{Sample: 2, Seed: 1}
	rep, err := gradcheck.Hessian(scalarGrad, bad, slices.Clone(scalarX), opts)
	if err != nil {
		t.Fatal(err)
	}
	text := rep.String()
	if !strings.Contains(text, "the same Options with Seed: 1 check the same entries") {
		t.Errorf("no advice to check the same entries again:\n%s", text)
	}
	again, err := gradcheck.Hessian(scalarGrad, bad, slices.Clone(scalarX), opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Checked() != rep.Checked() || again.String() != text {
		t.Errorf("the same options checked other entries: %d, then %d", rep.Checked(), again.Checked())
	}
}

// TestHessianOfAnUnmovedGradient: a grad that does not read x (a cached
// value) gives a numeric Hessian of zero everywhere, and the diagnosis
// says that grad did not move, naming grad, not f.
func TestHessianOfAnUnmovedGradient(t *testing.T) {
	var cached []float64
	grad := func(dst, x []float64) {
		if cached == nil {
			cached = make([]float64, len(x))
			scalarGrad(cached, x)
		}
		copy(dst, cached)
	}
	rep, err := gradcheck.Hessian(grad, scalarHess, slices.Clone(scalarX), nil)
	if err != nil {
		t.Fatal(err)
	}
	b := rep.Block("H")
	if b == nil || len(b.Diagnoses) == 0 || b.Diagnoses[0].Pattern != gradcheck.PatternLossUnmoved {
		t.Fatalf("a grad that does not read x: want the loss-unmoved diagnosis first\n%s", rep)
	}
	if s := b.Diagnoses[0].Summary; !strings.HasPrefix(s, "grad did not move") {
		t.Errorf("the diagnosis does not name grad: %q", s)
	}
}
