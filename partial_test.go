package gradcheck_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// partialReportHoldsVerdicts checks a report returned together with an
// error: every entry it holds has one of the documented verdicts, the text
// shows no other, and the report reads back from its own JSON.
func partialReportHoldsVerdicts(t *testing.T, what string, rep *gradcheck.Report) {
	t.Helper()
	if rep == nil {
		t.Fatalf("%s: no report", what)
	}
	for _, b := range rep.Blocks {
		for _, e := range b.Entries {
			if e.Verdict > gradcheck.NonFinite {
				t.Errorf("%s: %s has verdict %v, none of the documented verdicts", what, b.EntryName(e.Index), e.Verdict)
			}
		}
	}
	if s := rep.String(); strings.Contains(s, "Verdict(") {
		t.Errorf("%s: the text report shows an undocumented verdict:\n%s", what, s)
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if _, err := gradcheck.ReadJSON(&buf); err != nil {
		t.Errorf("%s: the report does not read back from its JSON: %v", what, err)
	}
}

// TestPartialReportHoldsOnlyVerdicts stops checks by cancelling, by a
// panic in Loss and by a panic in Reseed, at an evaluation in the first
// pass and at one in refinement, in every mode. The gradient is wrong at
// the even entries, so that the first pass leaves them waiting for the
// noise measurement. Those entries once came back in the partial report
// with the checker's internal verdict (255), which the text printed as
// Verdict(255) and ReadJSON rejected.
func TestPartialReportHoldsOnlyVerdicts(t *testing.T) {
	const n = 8
	modes := []struct {
		name string
		opts gradcheck.Options
	}{
		{"serial", gradcheck.Options{}},
		{"workers", gradcheck.Options{Workers: 3}},
		{"sampled", gradcheck.Options{Sample: 6, Seed: 2}},
		{"shard", gradcheck.Options{Shard: 1, Shards: 2}},
	}
	// The setup makes three loss evaluations and five Reseed calls
	// (three losses, two gradients); each entry's first pass two more.
	// Loss call 10 and Reseed call 12 are x[3] + h in a serial check,
	// after x[0] and x[2] were left waiting. Loss call 34 is in
	// refinement in every mode: after the first pass (19 evaluations, 15
	// sampled, 11 in a shard) and the noise measurement (12), before the
	// last refinement ends (at 63, 59 and 39).
	stops := []struct {
		name         string
		lossAt, seed int64
		cancel       bool
	}{
		{"cancel in the first pass", 10, 0, true},
		{"Loss panic in the first pass", 10, 0, false},
		{"Reseed panic in the first pass", 0, 12, false},
		{"cancel in refinement", 34, 0, true},
		{"Loss panic in refinement", 34, 0, false},
	}
	for _, mode := range modes {
		for _, stop := range stops {
			what := mode.name + ", " + stop.name
			x := make([]float64, n)
			for i := range x {
				x[i] = 0.3 + 0.2*float64(i)
			}
			saved := slices.Clone(x)
			ctx, cancel := context.WithCancel(context.Background())
			var losses, seeds atomic.Int64
			model := func(x []float64) *gradcheck.Model[float64] {
				g := make([]float64, n)
				return &gradcheck.Model[float64]{
					Blocks: []gradcheck.Block[float64]{{Name: "x", Value: x, Grad: g}},
					Loss: func() float64 {
						if losses.Add(1) == stop.lossAt {
							if stop.cancel {
								cancel()
							} else {
								panic("planted")
							}
						}
						return sumSin(x)
					},
					Gradient: func() {
						sumSinGrad(g, x)
						for i := 0; i < n; i += 2 {
							g[i] *= 1.01
						}
					},
					Reseed: func() {
						if seeds.Add(1) == stop.seed {
							panic("planted")
						}
					},
				}
			}
			m := model(x)
			if mode.opts.Workers > 1 {
				m.Clone = func() *gradcheck.Model[float64] { return model(slices.Clone(saved)) }
			}
			opts := mode.opts
			rep, err := gradcheck.CheckContext(ctx, m, &opts)
			cancel()
			var pe *gradcheck.PanicError
			if !errors.Is(err, context.Canceled) && !errors.As(err, &pe) {
				t.Fatalf("%s: error %v, want the check stopped", what, err)
			}
			partialReportHoldsVerdicts(t, what, rep)
			if !bitsEqual(x, saved) {
				t.Errorf("%s: x = %v after the check, saved %v", what, x, saved)
			}
			if mode.name == "serial" && strings.HasSuffix(stop.name, "first pass") {
				var got []string
				for _, e := range rep.Blocks[0].Entries {
					got = append(got, fmt.Sprintf("x[%d]", e.Index))
				}
				if want := []string{"x[1]"}; !slices.Equal(got, want) {
					t.Errorf("%s: the report holds %v, want %v: the entries judged before the stop", what, got, want)
				}
			}
		}
	}
}

// TestPartialVJPReportHoldsOnlyVerdicts: a VJP check's report is made of
// the reports of the scalar checks of its cotangents, partial ones too.
func TestPartialVJPReportHoldsOnlyVerdicts(t *testing.T) {
	x := []float64{0.4, -1.2, 0.9, 2.1}
	const m = 3
	calls := 0
	f := func(dst, x []float64) {
		calls++
		if calls == 10 { // in the first pass of the first cotangent, after vjp0[2] was left waiting
			panic("planted")
		}
		for i := range dst {
			dst[i] = math.Sin(x[0]*float64(i+1)) + x[1]*x[2]*float64(i)
		}
	}
	vjp := func(dst, x, w []float64) {
		clear(dst)
		for i := range m {
			fi := float64(i)
			dst[0] += w[i] * (fi + 1) * math.Cos(x[0]*(fi+1))
			dst[1] += w[i] * x[2] * fi
			dst[2] += w[i] * x[1] * fi * 1.01 // wrong
		}
	}
	rep, err := gradcheck.VJP(f, vjp, m, x, nil)
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v, want the planted panic", err)
	}
	partialReportHoldsVerdicts(t, "VJP", rep)
}
