package gradcheck

import (
	"math"
	"testing"
)

// TestBlockRelErr: the one-pass sums agree with the scaled computation
// where they can, and the scaled one takes over where squares overflow or
// underflow; an entry without a finite estimate takes no part.
func TestBlockRelErr(t *testing.T) {
	entries := func(scale float64, pairs ...[2]float64) []Entry {
		es := make([]Entry, len(pairs))
		for i, p := range pairs {
			es[i] = Entry{Analytic: p[0] * scale, Numeric: p[1] * scale}
		}
		return es
	}
	pairs := [][2]float64{{1, 1.5}, {-2, -2}, {0.25, 0}, {3, -3}}
	want := blockRelErrScaled(entries(1, pairs...))
	if want <= 0 || want >= 1 {
		t.Fatalf("reference relative error %v", want)
	}
	for _, scale := range []float64{1, 1e-3, 1e150, 1e200, 1e-150, 1e-200, 1e-310} {
		got := blockRelErr(entries(scale, pairs...))
		if math.Abs(got-want) > 1e-14*want {
			t.Errorf("scale %g: %v, want %v", scale, got, want)
		}
	}
	if got := blockRelErr(entries(1, [2]float64{1, 1}, [2]float64{2, 2})); got != 0 {
		t.Errorf("agreeing entries: %v, want 0", got)
	}
	if got := blockRelErr(entries(1e-300, [2]float64{1, 1}, [2]float64{2, 2})); got != 0 {
		t.Errorf("agreeing tiny entries: %v, want 0", got)
	}
	withNaN := append(entries(1, pairs...), Entry{Analytic: 5, Numeric: math.NaN()}, Entry{Analytic: 5, Numeric: math.Inf(1)})
	if got := blockRelErr(withNaN); math.Abs(got-want) > 1e-14*want {
		t.Errorf("with non-finite estimates: %v, want %v", got, want)
	}
	if got := blockRelErr(nil); got != 0 {
		t.Errorf("no entries: %v, want 0", got)
	}
}
