package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// roundBF16 rounds v, as a float32, to bfloat16's 8 significant bits,
// to nearest even.
func roundBF16(v float64) float64 {
	b := math.Float32bits(float32(v))
	b += 0x7fff + (b>>16)&1
	return float64(math.Float32frombits(b &^ 0xffff))
}

// bf16Linear is a 3×3 linear layer y = W·x + b over five inputs whose
// forward pass rounds every product, partial sum, output and residual to
// bfloat16, with the squared residuals summed in float32; its gradient is
// the exact derivative of the unrounded layer, computed in float32, as a
// custom kernel's backward pass is written. sign flips the bias gradient.
func bf16Linear(sign float64) *gradcheck.Model[float64] {
	const d, n = 3, 5
	w := []float64{0.18994423747062683, -0.46159374713897705, 0.14706014096736908, 0.7276210784912109, -0.3782508671283722, -0.485528826713562, 0.11673317849636078, 0.13779352605342865, 0.37951111793518066}
	bias := []float64{-0.02432592399418354, -0.14986245334148407, -0.0682489275932312}
	x := []float64{-0.181640625, -0.103515625, -0.1103515625, 0.83984375, 1.625, -0.88671875, 1.1015625, 0.208984375, -1.0078125, 0.4296875, -1.4296875, 0.6484375, -0.88671875, -0.15625, -0.439453125}
	t := []float64{0.48401638865470886, 0.06072017177939415, 0.7090815901756287, 1.5457823276519775, -0.7088735699653625, -0.8668794631958008, -0.5186787843704224, -0.3867790102958679, -0.26274392008781433, 0.25575926899909973, 1.4154001474380493, 0.731478750705719, -0.36638110876083374, 1.3332679271697998, 0.5096275210380554}
	m := &gradcheck.Model[float64]{Blocks: []gradcheck.Block[float64]{
		{Name: "W", Shape: []int{d, d}, Value: w, Grad: make([]float64, d*d)},
		{Name: "b", Value: bias, Grad: make([]float64, d)},
	}}
	r := roundBF16
	m.Loss = func() float64 {
		var loss float32
		for s := range n {
			for k := range d {
				acc := 0.0
				for j := range d {
					acc = r(acc + r(r(w[k*d+j])*x[s*d+j]))
				}
				e := r(r(acc+r(bias[k])) - t[s*d+k])
				loss += float32(0.5 * e * e)
			}
		}
		return float64(loss)
	}
	m.Gradient = func() {
		gw, gb := m.Blocks[0].Grad, m.Blocks[1].Grad
		for s := range n {
			for k := range d {
				z := float32(bias[k])
				for j := range d {
					z += float32(w[k*d+j]) * float32(x[s*d+j])
				}
				e := z - float32(t[s*d+k])
				for j := range d {
					gw[k*d+j] += float64(e * float32(x[s*d+j]))
				}
				gb[k] += sign * float64(e)
			}
		}
	}
	return m
}

// A loss summed from terms rounded to bfloat16 lies on a staircase whose
// stairs have as many heights as it has terms: the change of one side of
// an entry between steps is no whole number of the stair the other side
// crossed. That did not make it a loss constant near x: W[1,1]'s lower
// side stayed at f(x) from step 0.003 down, its upper side on a stair of
// 0.0038 over three steps, and with no quantum the zeros at the smallest
// steps made the exact derivative, 3.69, a Mismatch against 0 ± 4.6e-11,
// where the central difference at step 0.1 reads 3.74.
func TestSummedStaircaseNotFlat(t *testing.T) {
	rep, err := gradcheck.Check(bf16Linear(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range rep.Blocks {
		for _, e := range b.Entries {
			if e.Verdict == gradcheck.Mismatch {
				t.Errorf("%s: exact gradient %.6g is a Mismatch against %.6g ± %.3g", b.EntryName(e.Index), e.Analytic, e.Numeric, e.ErrEst)
			}
		}
	}
	// The bias gradient with its sign flipped is still found.
	rep, err = gradcheck.Check(bf16Linear(-1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Block("b").Failures(); len(got) == 0 {
		t.Errorf("a bias gradient of the wrong sign passed: %+v", rep.Block("b").Entries)
	}
}
