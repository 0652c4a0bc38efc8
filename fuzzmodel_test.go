package gradcheck_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// FuzzModelRestored is FuzzParametersRestored for float32 models of
// several shaped blocks, under the options that change how a check runs
// (a sample, directions with localization, workers on clones, a shard,
// hazards skipped, a stated noise), with a Loss and Gradient that misbehave
// (panic at some call, return NaN, mutate a parameter, accumulate their
// gradient): the check returns without panicking, every block is left bit
// for bit as it was, and a report returned without an error is complete
// (not Partial) and names only blocks of the model.
func FuzzModelRestored(f *testing.F) {
	f.Add([]byte{0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64}, uint8(0), uint16(0), uint16(0))
	f.Add([]byte{0, 0, 192, 127, 0, 0, 0, 64, 1, 2, 3, 4}, uint8(1), uint16(3), uint16(0x0101))
	f.Add([]byte{255, 255, 127, 127, 0, 0, 128, 191, 0, 0, 0, 0, 0, 0, 0, 128}, uint8(4), uint16(9), uint16(0x2a17))
	f.Add([]byte{0, 0, 128, 63, 0, 0, 0, 192, 0, 0, 64, 64, 0, 0, 32, 65}, uint8(3), uint16(1), uint16(0x00c0))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8, when uint16, opt uint16) {
		n := len(data) / 4
		if n < 1 || n > 24 {
			return
		}
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		// Up to three blocks, the first shaped 2×k where it can be.
		cuts := []int{0, (n + 1) / 2, n}
		if n >= 3 && opt&0x8000 != 0 {
			cuts = []int{0, n / 3, 2 * n / 3, n}
		}
		type blockData struct {
			value, grad []float32
			shape       []int
		}
		var bd []blockData
		for k := 0; k+1 < len(cuts); k++ {
			if cuts[k] == cuts[k+1] {
				continue
			}
			v := vals[cuts[k]:cuts[k+1]]
			var shape []int
			if len(v)%2 == 0 && k == 0 {
				shape = []int{2, len(v) / 2}
			}
			bd = append(bd, blockData{value: v, grad: make([]float32, len(v)), shape: shape})
		}
		want := slices.Clone(vals)

		build := func(values [][]float32) *gradcheck.Model[float32] {
			grads := make([][]float32, len(values))
			calls := 0
			m := &gradcheck.Model[float32]{}
			for k, v := range values {
				grads[k] = make([]float32, len(v))
				m.Blocks = append(m.Blocks, gradcheck.Block[float32]{Name: fmt.Sprintf("B%d", k), Shape: bd[k].shape, Value: v, Grad: grads[k]})
			}
			m.Loss = func() float64 {
				calls++
				switch mode % 6 {
				case 1:
					if calls == int(when%97)+1 {
						panic("fuzz panic")
					}
				case 2:
					if calls%7 == int(when%7) {
						return math.NaN()
					}
				case 3:
					if calls == int(when%13)+1 {
						values[0][int(when)%len(values[0])] = 3 // mutates a parameter
					}
				}
				var s float64
				for _, v := range values {
					for _, x := range v {
						u := float64(x)
						s += math.Sin(u) + 1e-3*u*u + math.Abs(u-0.5)
					}
				}
				return s
			}
			m.Gradient = func() {
				for k, v := range values {
					for i, x := range v {
						u := float64(x)
						g := math.Cos(u) + 2e-3*u
						if u > 0.5 {
							g++
						} else if u < 0.5 {
							g--
						}
						if mode%6 == 4 {
							grads[k][i] += float32(g) // accumulates across calls
						} else {
							grads[k][i] = float32(g)
						}
					}
				}
				if mode%6 == 5 && when%5 == 0 {
					panic("fuzz gradient panic")
				}
			}
			return m
		}
		values := make([][]float32, len(bd))
		for k := range bd {
			values[k] = bd[k].value
		}
		m := build(values)
		opts := &gradcheck.Options{
			Seed:        uint64(when),
			SkipHazards: opt&1 != 0,
		}
		switch (opt >> 1) & 3 {
		case 1:
			opts.Sample = int(opt>>3)%5 + 1
		case 2:
			opts.Directions = int(opt>>3)%3 + 1
		case 3:
			opts.Shards = int(opt>>3)%3 + 1
			opts.Shard = int(when) % opts.Shards
		}
		if opt&0x40 != 0 {
			opts.Workers = 2
			m.Clone = func() *gradcheck.Model[float32] {
				cv := make([][]float32, len(values))
				for k := range values {
					cv[k] = slices.Clone(values[k])
				}
				return build(cv)
			}
		}
		if opt&0x80 != 0 {
			opts.Noise = 1e-6
		}
		rep, err := gradcheck.Check(m, opts)
		for i := range vals {
			if math.Float32bits(vals[i]) != math.Float32bits(want[i]) {
				t.Fatalf("parameter %d = %v after the check, was %v (mode %d, opts %+v, err %v)", i, vals[i], want[i], mode%6, *opts, err)
			}
		}
		if err == nil && rep != nil {
			if rep.Partial {
				t.Fatalf("a report without an error is Partial (mode %d, opts %+v)", mode%6, *opts)
			}
			for _, b := range rep.Blocks {
				found := false
				for _, mb := range m.Blocks {
					found = found || mb.Name == b.Name
				}
				if !found {
					t.Fatalf("the report names a block %q the model does not have", b.Name)
				}
			}
		}
	})
}
