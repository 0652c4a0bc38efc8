package gradcheck_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestBlocksSharingMemory: slices of a model that share memory are an
// error naming both and the first shared entry, before any evaluation,
// with the parameters untouched. Without it a Grad that is a Value's
// memory was zeroed by the checker, a hazard blaming Gradient; tied
// weights listed once per use, each with the gradient of its own use,
// failed at every entry; two blocks sharing a Grad read each other's
// gradient; and overlapping views of one buffer passed.
func TestBlocksSharingMemory(t *testing.T) {
	buf := make([]float64, 12)
	gbuf := make([]float64, 12)
	for i := range buf {
		buf[i] = float64(i + 1)
	}
	type blk = gradcheck.Block[float64]
	cases := []struct {
		name   string
		blocks []blk
		want   []string // substrings of the error
	}{
		{"grad is value", []blk{{Name: "w", Value: buf[:3], Grad: buf[:3]}},
			[]string{`Value of block "w" at w[0]`, `Grad of block "w" at w[0]`, "zero the parameters"}},
		{"tied values", []blk{{Name: "embed", Shape: []int{2, 2}, Value: buf[:4], Grad: gbuf[:4]}, {Name: "out", Value: buf[:4], Grad: gbuf[4:8]}},
			[]string{`Value of block "embed" at embed[0,0]`, `Value of block "out" at out[0]`, "tied weights"}},
		{"overlapping views", []blk{{Name: "a", Value: buf[0:3], Grad: gbuf[0:3]}, {Name: "b", Value: buf[2:5], Grad: gbuf[3:6]}},
			[]string{`Value of block "a" at a[2]`, `Value of block "b" at b[0]`}},
		{"shared grad", []blk{{Name: "x", Value: buf[0:2], Grad: gbuf[0:2]}, {Name: "y", Value: buf[2:4], Grad: gbuf[0:2]}},
			[]string{`Grad of block "x" at x[0]`, `Grad of block "y" at y[0]`}},
		{"grad of one is value of another", []blk{{Name: "x", Value: buf[0:2], Grad: buf[3:5]}, {Name: "y", Value: buf[2:5], Grad: gbuf[0:3]}},
			[]string{`Grad of block "x" at x[0]`, `Value of block "y" at y[1]`, "zero the parameters"}},
	}
	// More than 16 blocks take the sorted path: 20 disjoint views, then
	// the last one's Grad moved onto the third block's values.
	var many []blk
	for b := range 20 {
		many = append(many, blk{Name: fmt.Sprint("p", b), Value: make([]float64, 3), Grad: make([]float64, 3)})
	}
	last := many
	last[19].Grad = last[2].Value[1:]
	last[19].Value = last[19].Value[:2]
	cases = append(cases, struct {
		name   string
		blocks []blk
		want   []string
	}{"20 blocks", last, []string{`Value of block "p2" at p2[1]`, `Grad of block "p19" at p19[0]`}})

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]float64(nil), buf...)
			calls := 0
			m := &gradcheck.Model[float64]{
				Blocks:   tc.blocks,
				Loss:     func() float64 { calls++; return 0 },
				Gradient: func() { calls++ },
			}
			rep, err := gradcheck.Check(m, nil)
			if err == nil {
				t.Fatalf("no error; report:\n%v", rep)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if calls != 0 {
				t.Errorf("%d calls of Loss and Gradient before the error", calls)
			}
			for i := range buf {
				if buf[i] != before[i] {
					t.Errorf("buf[%d] = %v, was %v", i, buf[i], before[i])
				}
			}
		})
	}

	// 20 disjoint blocks, views of one buffer each for values and
	// gradients, check as usual.
	vals, grads := make([]float64, 40), make([]float64, 40)
	var disjoint []blk
	for b := range 20 {
		disjoint = append(disjoint, blk{Name: fmt.Sprint("q", b), Value: vals[2*b : 2*b+2], Grad: grads[2*b : 2*b+2]})
	}
	for i := range vals {
		vals[i] = 0.1 * float64(i+1)
	}
	m := &gradcheck.Model[float64]{
		Blocks: disjoint,
		Loss: func() float64 {
			s := 0.0
			for _, v := range vals {
				s += v * v * v
			}
			return s
		},
		Gradient: func() {
			for i, v := range vals {
				grads[i] = 3 * v * v
			}
		},
	}
	if rep, err := gradcheck.Check(m, nil); err != nil || !rep.OK() {
		t.Errorf("disjoint views of one buffer: %v\n%v", err, rep)
	}
}
