package gradcheck_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestVectorChecksStoppedAreNotOK: a report that Jacobian, VJP, JVP,
// Hessian, HVP or ComplexStep returns together with an error is partial
// and not OK, as CheckContext's is. They were neither: a panic in jac read
// "ok: 0 entries in 0 blocks agree" with Report.OK true, and one in f
// after the first entries read "ok: 1 entries in 1 blocks agree".
func TestVectorChecksStoppedAreNotOK(t *testing.T) {
	x := []float64{1, 2, 3}
	f := func(dst, x []float64) { dst[0] = x[0] * x[1]; dst[1] = x[2] * x[2] }
	jac := func(dst, x []float64) { copy(dst, []float64{x[1], x[0], 0, 0, 0, 2 * x[2]}) }
	vjp := func(dst, x, w []float64) { dst[0] = w[0] * x[1]; dst[1] = w[0] * x[0]; dst[2] = 2 * w[1] * x[2] }
	jvp := func(dst, x, v []float64) { dst[0] = x[1]*v[0] + x[0]*v[1]; dst[1] = 2 * x[2] * v[2] }
	grad := func(dst, x []float64) {
		for i, v := range x {
			dst[i] = 3 * v * v
		}
	}
	hess := func(dst, x []float64) {
		clear(dst)
		for i, v := range x {
			dst[i*len(x)+i] = 6 * v
		}
	}
	hvp := func(dst, x, v []float64) {
		for i := range x {
			dst[i] = 6 * x[i] * v[i]
		}
	}
	fc := func(z []complex128) complex128 {
		var s complex128
		for _, v := range z {
			s += v * v * v
		}
		return s
	}
	// after panics on the k-th call of fn and later.
	after := func(k int, fn func(dst, x []float64)) func(dst, x []float64) {
		calls := 0
		return func(dst, x []float64) {
			if calls++; calls >= k {
				panic("stop")
			}
			fn(dst, x)
		}
	}
	boom := func(dst, x []float64) { panic("stop") }
	cases := []struct {
		name string
		run  func() (*gradcheck.Report, error)
	}{
		{"Jacobian, jac panics", func() (*gradcheck.Report, error) { return gradcheck.Jacobian(f, boom, 2, x, nil) }},
		{"Jacobian, f panics after its first entries", func() (*gradcheck.Report, error) { return gradcheck.Jacobian(after(6, f), jac, 2, x, nil) }},
		{"VJP, f panics after its first entries", func() (*gradcheck.Report, error) { return gradcheck.VJP(after(6, f), vjp, 2, x, nil) }},
		{"JVP, f panics at the second tangent", func() (*gradcheck.Report, error) { return gradcheck.JVP(after(6, f), jvp, 2, x, nil) }},
		{"Hessian, grad panics after its first entries", func() (*gradcheck.Report, error) { return gradcheck.Hessian(after(6, grad), hess, x, nil) }},
		{"HVP, grad panics at the second tangent", func() (*gradcheck.Report, error) { return gradcheck.HVP(after(6, grad), hvp, x, nil) }},
		{"ComplexStep, fc panics after its first entry", func() (*gradcheck.Report, error) {
			calls := 0
			return gradcheck.ComplexStep(func(z []complex128) complex128 {
				if calls++; calls >= 3 {
					panic("stop")
				}
				return fc(z)
			}, grad, x, nil)
		}},
		{"ComplexStep, fc is NaN at x", func() (*gradcheck.Report, error) {
			return gradcheck.ComplexStep(func(z []complex128) complex128 { return complex(math.NaN(), 0) }, grad, x, nil)
		}},
	}
	for _, c := range cases {
		rep, err := c.run()
		if err == nil || rep == nil {
			t.Errorf("%s: error %v, report %v: want both", c.name, err, rep != nil)
			continue
		}
		if !rep.Partial || rep.OK() || !strings.Contains(rep.Summary(), "STOPPED") {
			t.Errorf("%s (%v): Partial %v, OK %v, summary %q", c.name, err, rep.Partial, rep.OK(), rep.Summary())
		}
	}
}

// TestComplexStepRefusesShards: ComplexStep checked every entry whatever
// Options.Shards said, and its report (Shards 0) did not merge with the
// other shards'; like the Jacobian-like checks, it now refuses Shards.
func TestComplexStepRefusesShards(t *testing.T) {
	fc := func(z []complex128) complex128 { return z[0] * z[0] }
	grad := func(dst, x []float64) { dst[0] = 2 * x[0] }
	rep, err := gradcheck.ComplexStep(fc, grad, []float64{1, 2}, &gradcheck.Options{Shard: 1, Shards: 2})
	if err == nil || !strings.Contains(err.Error(), "Options.Shards") {
		t.Errorf("ComplexStep with Shards 2: error %v, report %v; want an error naming Options.Shards", err, rep)
	}
}

// TestComplexStepRefusesSampleAndDirections: ComplexStep checks every
// entry, and says so to a caller asking for a sample or directions, which
// it had ignored; a Sample of every entry is the whole check.
func TestComplexStepRefusesSampleAndDirections(t *testing.T) {
	fc := func(z []complex128) complex128 { return z[0]*z[0] + z[1]*z[2] }
	grad := func(dst, x []float64) { dst[0], dst[1], dst[2] = 2*x[0], x[2], x[1] }
	x := []float64{1, 2, 3}
	for _, tc := range []struct {
		opts gradcheck.Options
		want string
	}{
		{gradcheck.Options{Sample: 2}, "Options.Sample (2 of 3 entries)"},
		{gradcheck.Options{Directions: 2}, "Options.Directions"},
	} {
		rep, err := gradcheck.ComplexStep(fc, grad, x, &tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ComplexStep with %+v: error %v, report %v; want an error naming %s", tc.opts, err, rep, tc.want)
		}
	}
	rep, err := gradcheck.ComplexStep(fc, grad, x, &gradcheck.Options{Sample: 3})
	if err != nil || !rep.OK() || rep.Checked() != 3 {
		t.Errorf("ComplexStep with a Sample of every entry: %v\n%v", err, rep)
	}
}
