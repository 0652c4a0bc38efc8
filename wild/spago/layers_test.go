package spago

import (
	"fmt"
	"testing"

	"github.com/nlpodyssey/spago/ag"
	"github.com/nlpodyssey/spago/mat"
	"github.com/nlpodyssey/spago/nn"
	"github.com/nlpodyssey/spago/nn/activation"
	"github.com/nlpodyssey/spago/nn/attention/selfattention"
	"github.com/nlpodyssey/spago/nn/birnn"
	"github.com/nlpodyssey/spago/nn/convolution/conv1x1"
	"github.com/nlpodyssey/spago/nn/convolution/convolution1d"
	"github.com/nlpodyssey/spago/nn/convolution/convolution2d"
	"github.com/nlpodyssey/spago/nn/crf"
	"github.com/nlpodyssey/spago/nn/embedding"
	"github.com/nlpodyssey/spago/nn/gnn/slstm"
	"github.com/nlpodyssey/spago/nn/highway"
	"github.com/nlpodyssey/spago/nn/linear"
	"github.com/nlpodyssey/spago/nn/mlpmixer"
	"github.com/nlpodyssey/spago/nn/normalization/batchnorm"
	"github.com/nlpodyssey/spago/nn/normalization/fixnorm"
	"github.com/nlpodyssey/spago/nn/normalization/layernorm"
	"github.com/nlpodyssey/spago/nn/normalization/layernormsimple"
	"github.com/nlpodyssey/spago/nn/normalization/rmsnorm"
	"github.com/nlpodyssey/spago/nn/normalization/scalenorm"
	"github.com/nlpodyssey/spago/nn/recurrent/gru"
	"github.com/nlpodyssey/spago/nn/recurrent/lstm"
	"github.com/nlpodyssey/spago/nn/recurrent/srn"
	"github.com/nlpodyssey/spago/nn/sgu"
	"github.com/nlpodyssey/spago/nn/sqrdist"
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

// modelCase is a layer whose parameters, found by nn.ForEachParam in the
// order it visits them, are the case's first inputs, named p0, p1, …,
// drawn from [−1, 1), and xs its inputs; run applies the layer to them.
func modelCase[M nn.Model](name string, newM func() M, xs []input, run func(m M, x []mat.Tensor) mat.Tensor) opCase {
	var ins []input
	nn.ForEachParam(newM(), func(p *nn.Param) {
		ins = append(ins, in(fmt.Sprintf("p%d", len(ins)), p.Value().Shape(), -1, 1))
	})
	np := len(ins)
	return opCase{name: name, inputs: append(ins, xs...), build: func(v []mat.Tensor) mat.Tensor {
		m := newM()
		var ps []*nn.Param
		nn.ForEachParam(m, func(p *nn.Param) { ps = append(ps, p) })
		set(ps, v[:np])
		return run(m, v[np:])
	}}
}

// seqOf is a sequence of n inputs x1, …, xn of the given shape, drawn
// from [−1, 1).
func seqOf(n int, shape ...int) []input {
	xs := make([]input, n)
	for i := range xs {
		xs[i] = in(fmt.Sprintf("x%d", i+1), shape, -1, 1)
	}
	return xs
}

// seqOfNamed is n inputs name0, …, name(n−1) of the given shape, drawn
// from [−1, 1).
func seqOfNamed(name string, n int, shape ...int) []input {
	xs := make([]input, n)
	for i := range xs {
		xs[i] = in(fmt.Sprintf("%s%d", name, i), shape, -1, 1)
	}
	return xs
}

// flat stacks the outputs of a layer, each flattened.
func flat(ys []mat.Tensor) mat.Tensor {
	fs := make([]mat.Tensor, len(ys))
	for i, y := range ys {
		fs[i] = ag.Flatten(y)
	}
	return ag.Stack(fs...)
}

// moreLayerCasesOf are the layers of spaGO's nn checked through
// modelCase, in T, whose gradients gradcheck accepts, parameters and
// inputs. gMLP and multi-head attention are findings (TestGMLP,
// TestMultiHeadAttentionCycle).
func moreLayerCasesOf[T Float]() []opCase {
	return []opCase{
		modelCase("layernormsimple", layernormsimple.New, seqOf(2, 5),
			func(m *layernormsimple.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("fixnorm", fixnorm.New, seqOf(2, 5),
			func(m *fixnorm.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("scalenorm", func() *scalenorm.Model { return scalenorm.New[T](5) }, seqOf(2, 5),
			func(m *scalenorm.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("highway", func() *highway.Model { return highway.New[T](3, activation.Tanh) }, seqOf(2, 3),
			func(m *highway.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("conv1x1", func() *conv1x1.Model {
			return conv1x1.New[T](conv1x1.Config{InputChannels: 3, OutputChannels: 2})
		}, seqOf(3, 4), func(m *conv1x1.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("convolution1d", func() *convolution1d.Model {
			return convolution1d.New[T](convolution1d.Config{KernelSizeX: 2, KernelSizeY: 2, YStride: 1,
				InputChannels: 2, OutputChannels: 2, Activation: activation.Tanh})
		}, seqOf(2, 2, 4), func(m *convolution1d.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("convolution2d", func() *convolution2d.Model {
			return convolution2d.New[T](convolution2d.Config{KernelSizeX: 2, KernelSizeY: 2, XStride: 1, YStride: 1,
				InputChannels: 2, OutputChannels: 2, Activation: activation.Tanh})
		}, seqOf(2, 3, 3), func(m *convolution2d.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("selfattention", func() *selfattention.Model {
			return selfattention.New[T](selfattention.Config{InputSize: 3, QuerySize: 2, KeySize: 2, ValueSize: 2, ScaleFactor: 0.7})
		}, seqOf(2, 3), func(m *selfattention.Model, x []mat.Tensor) mat.Tensor {
			ys, _, _ := m.Forward(selfattention.Cache{}, x, x)
			return flat(ys)
		}),
		modelCase("selfattention/causal", func() *selfattention.Model {
			return selfattention.New[T](selfattention.Config{InputSize: 3, QuerySize: 2, KeySize: 2, ValueSize: 2, ScaleFactor: 0.7, UseCausalMask: true})
		}, seqOf(2, 3), func(m *selfattention.Model, x []mat.Tensor) mat.Tensor {
			ys, _, _ := m.Forward(selfattention.Cache{}, x, x)
			return flat(ys)
		}),
		modelCase("selfattention/cross", func() *selfattention.Model {
			return selfattention.New[T](selfattention.Config{InputSize: 3, QuerySize: 2, KeySize: 2, ValueSize: 2, ScaleFactor: 0.7, IsCrossAttention: true})
		}, append(seqOfNamed("q", 2, 3), seqOf(3, 3)...), func(m *selfattention.Model, x []mat.Tensor) mat.Tensor {
			ys, _, _ := m.Forward(selfattention.Cache{}, x[:2], x[2:])
			return flat(ys)
		}),
		modelCase("birnn/concat", func() *birnn.Model {
			return birnn.New(srn.New[T](3, 2), srn.New[T](3, 2), birnn.Concat)
		}, seqOf(3, 3), func(m *birnn.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("birnn/avg", func() *birnn.Model {
			return birnn.New(srn.New[T](3, 2), srn.New[T](3, 2), birnn.Avg)
		}, seqOf(3, 3), func(m *birnn.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("slstm", func() *slstm.Model {
			return slstm.New[T](slstm.Config{InputSize: 2, OutputSize: 2, Steps: 3})
		}, seqOf(2, 2), func(m *slstm.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("crf", func() *crf.Model { return crf.New[T](3) }, seqOf(3, 3),
			func(m *crf.Model, x []mat.Tensor) mat.Tensor { return m.NegativeLogLoss(x, []int{0, 2, 1}) }),
		modelCase("sqrdist", func() *sqrdist.Model { return sqrdist.New[T](4, 2) }, seqOf(2, 4),
			func(m *sqrdist.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("sgu", func() *sgu.Model {
			return sgu.New[T](sgu.Config{Dim: 4, DimSeq: 2, Activation: activation.Tanh})
		}, seqOf(2, 4), func(m *sgu.Model, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		modelCase("mlpmixer", func() *mlpmixer.MixerBlock {
			return mlpmixer.New[T](mlpmixer.Config{InputSize: 3, HiddenSizeTokenMixer: 2, HiddenSizeChannelMixer: 2, Channels: 2,
				ActFunctionTokenMixer: activation.Tanh, ActFunctionChannelMixer: activation.Tanh, Eps: 1e-5})
		}, seqOf(2, 3), func(m *mlpmixer.MixerBlock, x []mat.Tensor) mat.Tensor { return flat(m.Forward(x...)) }),
		// nn.ForEachParam does not visit an embedding's Weights: they are
		// the case's inputs e0, …, e3 here.
		{name: "embedding", inputs: seqOfNamed("e", 4, 3), build: func(v []mat.Tensor) mat.Tensor {
			m := embedding.New[T](4, 3)
			set(m.Weights, v)
			return flat(m.MustEncode([]int{1, 3, 1}))
		}},
	}
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

// TestMoreLayers checks the layers of moreLayerCasesOf at two seeded
// points.
func TestMoreLayers(t *testing.T) { checkOK(t, moreLayerCasesOf[float64]()) }
