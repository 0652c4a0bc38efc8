package spago

import (
	"testing"

	"github.com/nlpodyssey/spago/ag"
	"github.com/nlpodyssey/spago/mat"
	"github.com/nlpodyssey/spago/nn"
	"github.com/nlpodyssey/spago/nn/linear"
	"github.com/nlpodyssey/spago/nn/normalization/batchnorm"
	"github.com/nlpodyssey/spago/nn/normalization/layernorm"
	"github.com/nlpodyssey/spago/nn/normalization/rmsnorm"
	"github.com/nlpodyssey/spago/nn/recurrent/gru"
	"github.com/nlpodyssey/spago/nn/recurrent/lstm"
	"github.com/nlpodyssey/spago/nn/recurrent/srn"
)

// set replaces each parameter's value with the case's input tensor, so
// that the parameter's gradient accumulates in the input.
func set(ps []*nn.Param, ts []mat.Tensor) {
	for i, p := range ps {
		p.ReplaceValue(ts[i].(mat.Matrix))
	}
}

// gates returns the inputs of recurrent gates g with n hidden units and m
// inputs: a weight, a recurrent weight and a bias each.
func gates(n, m int, g ...string) []input {
	var ins []input
	for _, name := range g {
		ins = append(ins, in("W"+name, []int{n, m}, -1, 1), in("W"+name+"Rec", []int{n, n}, -1, 1), in("B"+name, []int{n}, -1, 1))
	}
	return ins
}

// layerCases are a few of spaGO's nn layers, their parameters and inputs
// all differentiated.
func layerCases() []opCase { return layerCasesOf[float64]() }

// layerCasesOf are layerCases in T, the type the layers are built in,
// which must be the inputs'.
func layerCasesOf[T Float]() []opCase {
	seq := []input{in("x1", []int{3}, -1, 1), in("x2", []int{3}, -1, 1)}
	return []opCase{
		{name: "linear", inputs: []input{in("W", []int{3, 4}, -2, 2), in("B", []int{3}, -2, 2), in("x", []int{4}, -2, 2)},
			build: func(v []mat.Tensor) mat.Tensor {
				m := linear.New[T](4, 3)
				set([]*nn.Param{m.W, m.B}, v)
				return m.Forward(v[2])[0]
			}},
		{name: "layernorm", inputs: []input{in("W", v5, -2, 2), in("B", v5, -2, 2), in("x", v5, -2, 2)},
			build: func(v []mat.Tensor) mat.Tensor {
				m := layernorm.New[T](5, 1e-5)
				set([]*nn.Param{m.W, m.B}, v)
				return m.Forward(v[2])[0]
			}},
		{name: "rmsnorm", inputs: []input{in("W", v5, -2, 2), in("B", v5, -2, 2), in("x", v5, -2, 2)},
			build: func(v []mat.Tensor) mat.Tensor {
				m := rmsnorm.New[T](5)
				set([]*nn.Param{m.W, m.B}, v)
				return m.Forward(v[2])[0]
			}},
		{name: "batchnorm", inputs: []input{in("W", []int{4}, 0.5, 2), in("B", []int{4}, -2, 2),
			in("x1", []int{4}, -2, 2), in("x2", []int{4}, -2, 2), in("x3", []int{4}, -2, 2)},
			build: func(v []mat.Tensor) mat.Tensor {
				m := batchnorm.New[T](4)
				set([]*nn.Param{m.W, m.B}, v)
				return ag.Stack(m.ForwardT(v[2:]...)...)
			}},
		{name: "srn", inputs: append([]input{in("W", []int{4, 3}, -1, 1), in("WRec", []int{4, 4}, -1, 1), in("B", []int{4}, -1, 1)}, seq...),
			build: func(v []mat.Tensor) mat.Tensor {
				m := srn.New[T](3, 4)
				set([]*nn.Param{m.W, m.WRec, m.B}, v)
				return ag.Stack(m.Forward(v[3:]...)...)
			}},
		{name: "gru", inputs: append(gates(4, 3, "Part", "Res", "Cand"), seq...),
			build: func(v []mat.Tensor) mat.Tensor {
				m := gru.New[T](3, 4)
				set([]*nn.Param{m.WPart, m.WPartRec, m.BPart, m.WRes, m.WResRec, m.BRes, m.WCand, m.WCandRec, m.BCand}, v)
				return ag.Stack(m.Forward(v[9:]...)...)
			}},
		{name: "lstm", inputs: append(gates(4, 3, "In", "Out", "For", "Cand"), seq...),
			build: func(v []mat.Tensor) mat.Tensor {
				m := lstm.New[T](3, 4)
				set([]*nn.Param{m.WIn, m.WInRec, m.BIn, m.WOut, m.WOutRec, m.BOut,
					m.WFor, m.WForRec, m.BFor, m.WCand, m.WCandRec, m.BCand}, v)
				return ag.Stack(m.Forward(v[12:]...)...)
			}},
	}
}

// TestLayers checks every layer at two seeded points.
func TestLayers(t *testing.T) { checkOK(t, layerCases()) }
