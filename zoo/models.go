package zoo

import (
	"math/rand/v2"

	"github.com/gradcheck/gradcheck"
)

// The constructors below build each layer, alone or composed, as a
// *gradcheck.Model. bug plants a mistake (see the Bug constants); the zero
// Bug builds the layer as it should be. Data and weights come from fixed
// seeds: the same constructor builds the same model every time. Sizes are
// small so that a full check takes milliseconds.

// input returns a checked input block x of the given shape.
func input[T gradcheck.Float](r *rand.Rand, shape ...int) *Param[T] {
	return newParam[T]("x", r, 1, shape...)
}

func linear[T gradcheck.Float](r *rand.Rand, prefix string, n, in, out int, bug Bug) *Linear[T] {
	// Weights of scale 1/√in keep every layer's output of order one.
	s := 1 / sqrtf(in)
	return &Linear[T]{N: n, In: in, Out: out, bug: bug,
		W: newParam[T](prefix+"W", r, s, in, out), B: newParam[T](prefix+"b", r, 0.1, out)}
}

func sqrtf(n int) float64 { return float64(sqrt(float32(n))) }

// LinearModel is x (3×4) → Linear(4→3) → probe.
func LinearModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(1)
	x := input[T](r, 3, 4)
	l := linear[T](r, "", 3, 4, 3, bug)
	return (&Net[T]{Input: x, Layers: []Layer[T]{l}, Head: newProbe[T](r, 9), bug: bug}).Model()
}

// ActivationModel is x (3×4) → activation → probe. For ReLU and LeakyReLU
// two inputs are exactly zero: kinks, where any value between the one-sided
// slopes is a right subgradient.
func ActivationModel[T gradcheck.Float](kind string, bug Bug) *gradcheck.Model[T] {
	r := newRand(2)
	x := input[T](r, 3, 4)
	if kind == ReLU || kind == LeakyReLU {
		x.Value[1], x.Value[6] = 0, 0
	}
	return (&Net[T]{Input: x, Layers: []Layer[T]{&Act[T]{Kind: kind, bug: bug}}, Head: newProbe[T](r, 12), bug: bug}).Model()
}

// SoftmaxModel is x (3×4) → softmax along rows → probe.
func SoftmaxModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(3)
	x := input[T](r, 3, 4)
	return (&Net[T]{Input: x, Layers: []Layer[T]{&Softmax[T]{N: 3, C: 4, bug: bug}}, Head: newProbe[T](r, 12), bug: bug}).Model()
}

// CrossEntropyModel is logits x (4×3) → mean softmax cross-entropy.
func CrossEntropyModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(4)
	x := input[T](r, 4, 3)
	return (&Net[T]{Input: x, Head: &CrossEntropy[T]{N: 4, C: 3, Labels: []int{0, 2, 1, 2}, bug: bug}, bug: bug}).Model()
}

// MSEModel is x (3×4) → mean squared error against fixed targets.
func MSEModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(5)
	x := input[T](r, 3, 4)
	return (&Net[T]{Input: x, Head: &MSE[T]{Target: randn[T](r, 12, 1), bug: bug}, bug: bug}).Model()
}

// HuberModel is x (3×4) → Huber loss with δ = 0.5 against fixed targets;
// the residuals fall on both sides of δ.
func HuberModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(6)
	x := input[T](r, 3, 4)
	return (&Net[T]{Input: x, Head: &Huber[T]{Delta: 0.5, Target: randn[T](r, 12, 1), bug: bug}, bug: bug}).Model()
}

// Conv2DModel is x (2×2×5×5) → Conv2D(2→3 channels, 3×3, stride, padding)
// → probe.
func Conv2DModel[T gradcheck.Float](stride, pad int, bug Bug) *gradcheck.Model[T] {
	r := newRand(7)
	x := input[T](r, 2, 2, 5, 5)
	l := &Conv2D[T]{N: 2, C: 2, H: 5, W: 5, F: 3, K: 3, S: stride, P: pad, bug: bug,
		Kern: newParam[T]("kernel", r, 1/sqrtf(18), 3, 2, 3, 3), B: newParam[T]("b", r, 0.1, 3)}
	oh, ow := l.OutHW()
	return (&Net[T]{Input: x, Layers: []Layer[T]{l}, Head: newProbe[T](r, 2*3*oh*ow), bug: bug}).Model()
}

// MaxPoolModel is x (1×2×4×4) → 2×2 max pooling → probe. One window holds
// a tie for its maximum: a kink.
func MaxPoolModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(8)
	x := input[T](r, 1, 2, 4, 4)
	// Window (0,0) of channel 0 is x[0], x[1], x[4], x[5]: make x[1] and x[4]
	// its tied maximum.
	x.Value[1], x.Value[4] = 3, 3
	return (&Net[T]{Input: x, Layers: []Layer[T]{&MaxPool2D[T]{N: 1, C: 2, H: 4, W: 4, K: 2, bug: bug}}, Head: newProbe[T](r, 8), bug: bug}).Model()
}

// BatchNormNet is x (4×3) → BatchNorm → probe. Its first layer is the
// *BatchNorm, whose UpdateRunning a training loop would call.
func BatchNormNet[T gradcheck.Float](bug Bug) *Net[T] {
	r := newRand(9)
	x := input[T](r, 4, 3)
	bn := &BatchNorm[T]{N: 4, F: 3, bug: bug,
		Gamma: newParam[T]("gamma", r, 1, 3), Beta: newParam[T]("beta", r, 0.1, 3),
		RunMean: make([]T, 3), RunVar: []T{1, 1, 1}}
	return &Net[T]{Input: x, Layers: []Layer[T]{bn}, Head: newProbe[T](r, 12), bug: bug}
}

// BatchNormModel is BatchNormNet as a model.
func BatchNormModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	return BatchNormNet[T](bug).Model()
}

// LayerNormModel is x (3×4) → LayerNorm → probe.
func LayerNormModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(10)
	x := input[T](r, 3, 4)
	ln := &LayerNorm[T]{N: 3, F: 4, bug: bug, Gamma: newParam[T]("gamma", r, 1, 4), Beta: newParam[T]("beta", r, 0.1, 4)}
	return (&Net[T]{Input: x, Layers: []Layer[T]{ln}, Head: newProbe[T](r, 12), bug: bug}).Model()
}

// DropoutModel is x (3×4) → Linear(4→4) → Dropout(0.5) → probe, with the
// mask replayed through Model.Reseed. BugNoReseed leaves Reseed out.
func DropoutModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(11)
	x := input[T](r, 3, 4)
	d := &Dropout[T]{P: 0.5, Seed: 17, bug: bug}
	n := &Net[T]{Input: x, Layers: []Layer[T]{linear[T](r, "", 3, 4, 4, bug), d}, Head: newProbe[T](r, 12), bug: bug, Reseed: d.Reseed}
	if bug == BugNoReseed {
		n.Reseed = nil
	}
	return n.Model()
}

// EmbeddingModel looks up 6 ids in an 8×3 table (id 5 twice, and id 7,
// the last row)
// → probe.
func EmbeddingModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(12)
	e := &Embedding[T]{V: 8, D: 3, Ids: []int{7, 2, 5, 0, 5, 3}, E: newParam[T]("E", r, 1, 8, 3), bug: bug}
	return (&Net[T]{Layers: []Layer[T]{e}, Head: newProbe[T](r, 18), bug: bug}).Model()
}

// LSTMModel is x (3 steps × 2 × 3) → LSTM(3→3) unrolled over 3 steps →
// probe on every hidden state.
func LSTMModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(13)
	x := input[T](r, 3, 2, 3)
	l := &LSTM[T]{Steps: 3, N: 2, In: 3, H: 3, bug: bug,
		Wx: newParam[T]("Wx", r, 0.5, 3, 12), Wh: newParam[T]("Wh", r, 0.5, 3, 12), B: newParam[T]("b", r, 0.1, 12)}
	return (&Net[T]{Input: x, Layers: []Layer[T]{l}, Head: newProbe[T](r, 18), bug: bug}).Model()
}

func attention[T gradcheck.Float](r *rand.Rand, prefix string, L, Dm, D int, bug Bug) *Attention[T] {
	s := 1 / sqrtf(Dm)
	return &Attention[T]{Len: L, Dm: Dm, D: D, bug: bug,
		Wq: newParam[T](prefix+"Wq", r, s, Dm, D), Wk: newParam[T](prefix+"Wk", r, s, Dm, D), Wv: newParam[T](prefix+"Wv", r, s, Dm, D)}
}

// AttentionModel is x (4×3) → scaled dot-product self-attention with a
// head of width 4 → probe.
func AttentionModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(14)
	x := input[T](r, 4, 3)
	return (&Net[T]{Input: x, Layers: []Layer[T]{attention[T](r, "", 4, 3, 4, bug)}, Head: newProbe[T](r, 16), bug: bug}).Model()
}

// fixedInput returns a non-checked input of n values.
func fixedInput[T gradcheck.Float](r *rand.Rand, n int) *Param[T] {
	return &Param[T]{Name: "x", Value: randn[T](r, n, 1)}
}

// inputLayer feeds a fixed input to the chain: a layer without parameters
// whose output is the data.
type inputLayer[T gradcheck.Float] struct{ x []T }

func (l *inputLayer[T]) Forward([]T) []T     { return l.x }
func (l *inputLayer[T]) Backward([]T) []T    { return nil }
func (l *inputLayer[T]) Params() []*Param[T] { return nil }

// L2Model is a fixed x (3×4) → Linear(4→3) → probe, plus λ/2·‖W‖² with
// λ = 0.1.
func L2Model[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(15)
	x := fixedInput[T](r, 12)
	l := linear[T](r, "", 3, 4, 3, bug)
	return (&Net[T]{Layers: []Layer[T]{&inputLayer[T]{x.Value}, l}, Head: newProbe[T](r, 9), bug: bug,
		Penalties: []*Penalty[T]{{Lambda: 0.1, Params: []*Param[T]{l.W}, bug: bug}}}).Model()
}

// L1Model is a fixed x (3×4) → Linear(4→3) → probe, plus λ·Σ|W| with
// λ = 0.1. Two weights are exactly zero: kinks of |w|.
func L1Model[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(16)
	x := fixedInput[T](r, 12)
	l := linear[T](r, "", 3, 4, 3, bug)
	l.W.Value[2], l.W.Value[7] = 0, 0
	return (&Net[T]{Layers: []Layer[T]{&inputLayer[T]{x.Value}, l}, Head: newProbe[T](r, 9), bug: bug,
		Penalties: []*Penalty[T]{{L1: true, Lambda: 0.1, Params: []*Param[T]{l.W}, bug: bug}}}).Model()
}

// MLPModel is a fixed batch x (4×5) → Linear(5→6) → ReLU → Linear(6→6) →
// Tanh → Linear(6→3) → softmax cross-entropy, plus an L2 penalty with
// λ = 0.01 on the three weight matrices.
func MLPModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(17)
	x := fixedInput[T](r, 20)
	l1, l2, l3 := linear[T](r, "fc1.", 4, 5, 6, bug), linear[T](r, "fc2.", 4, 6, 6, bug), linear[T](r, "fc3.", 4, 6, 3, bug)
	return (&Net[T]{
		Layers: []Layer[T]{&inputLayer[T]{x.Value}, l1, &Act[T]{Kind: ReLU, bug: bug}, l2, &Act[T]{Kind: Tanh, bug: bug}, l3},
		Head:   &CrossEntropy[T]{N: 4, C: 3, Labels: []int{1, 0, 2, 1}, bug: bug}, bug: bug,
		Penalties: []*Penalty[T]{{Lambda: 0.01, Params: []*Param[T]{l1.W, l2.W, l3.W}, bug: bug}},
	}).Model()
}

// CNNModel is a fixed batch x (2×1×6×6) → Conv2D(1→2, 3×3, stride 1,
// padding 1) → ReLU → 2×2 max pooling → Linear(18→3) → softmax
// cross-entropy.
func CNNModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(18)
	x := fixedInput[T](r, 72)
	conv := &Conv2D[T]{N: 2, C: 1, H: 6, W: 6, F: 2, K: 3, S: 1, P: 1, bug: bug,
		Kern: newParam[T]("conv.kernel", r, 1/3.0, 2, 1, 3, 3), B: newParam[T]("conv.b", r, 0.1, 2)}
	return (&Net[T]{
		Layers: []Layer[T]{&inputLayer[T]{x.Value}, conv, &Act[T]{Kind: ReLU, bug: bug},
			&MaxPool2D[T]{N: 2, C: 2, H: 6, W: 6, K: 2, bug: bug}, linear[T](r, "fc.", 2, 18, 3, bug)},
		Head: &CrossEntropy[T]{N: 2, C: 3, Labels: []int{2, 0}, bug: bug}, bug: bug,
	}).Model()
}

// TransformerModel is one pre-norm transformer block on x (4×4):
// x + Attention(LayerNorm(x)), then that plus
// Linear(8→4)(GELU(Linear(4→8)(LayerNorm(·)))), → probe.
func TransformerModel[T gradcheck.Float](bug Bug) *gradcheck.Model[T] {
	r := newRand(19)
	x := input[T](r, 4, 4)
	ln := func(name string) *LayerNorm[T] {
		return &LayerNorm[T]{N: 4, F: 4, bug: bug, Gamma: newParam[T](name+".gamma", r, 1, 4), Beta: newParam[T](name+".beta", r, 0.1, 4)}
	}
	attn := &Residual[T]{bug: bug, Inner: []Layer[T]{ln("ln1"), attention[T](r, "attn.", 4, 4, 4, bug)}}
	ffn := &Residual[T]{bug: bug, Inner: []Layer[T]{ln("ln2"), linear[T](r, "ff1.", 4, 4, 8, bug), &Act[T]{Kind: GELU, bug: bug}, linear[T](r, "ff2.", 4, 8, 4, bug)}}
	return (&Net[T]{Input: x, Layers: []Layer[T]{attn, ffn}, Head: newProbe[T](r, 16), bug: bug}).Model()
}
