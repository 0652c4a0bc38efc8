package zoo

import (
	"fmt"

	"github.com/gradcheck/gradcheck"
)

// Kinds of case.
const (
	KindCorrect    = "correct"    // a layer as it should be: any finding is a false alarm
	KindRealistic  = "realistic"  // a bug written into a layer's code
	KindSystematic = "systematic" // a Corruption of a correct layer's gradient
)

// Classes of realistic bugs. Systematic corruptions are classed by their
// gradcheck.Pattern.
const (
	ClassCorrect         = "correct"
	ClassMissingTerm     = "missing-term"     // a term of the derivative left out
	ClassExtraTerm       = "extra-term"       // a term added twice
	ClassWrongScale      = "wrong-scale"      // a constant factor forgotten or doubled
	ClassWrongIndex      = "wrong-index"      // the right numbers in the wrong places
	ClassWrongDerivative = "wrong-derivative" // a local derivative computed wrong
	ClassWrongAxis       = "wrong-axis"       // a reduction over the wrong axis
	ClassState           = "state"            // state kept across calls: a hazard, not a wrong entry
)

// A Case is one model of the corpus: a correct layer, or a layer with a
// known bug.
type Case struct {
	// Name is layer/bug, unique in the corpus.
	Name  string
	Layer string
	Kind  string
	Class string
	// Expect is the diagnosis pattern the bug should get, or "" when no
	// single pattern describes it. ExpectBlocks names the blocks that
	// should carry it; nil means every failing block.
	Expect       gradcheck.Pattern
	ExpectBlocks []string
	// RelSize is the bug's error relative to the largest entry of the
	// blocks it changes, for bugs small enough that finite differences
	// may not resolve them; 0 for a gross bug. Run measures it against
	// the whole gradient (Result.Size).
	RelSize float64

	New64 func() *gradcheck.Model[float64]
	New32 func() *gradcheck.Model[float32]
}

// Correct reports whether the case has no bug.
func (c *Case) Correct() bool { return c.Kind == KindCorrect }

// A ctor builds a layer in both precisions.
type ctor struct {
	name string
	f64  func(Bug) *gradcheck.Model[float64]
	f32  func(Bug) *gradcheck.Model[float32]
}

func act2(kind string) ctor {
	return ctor{kind,
		func(b Bug) *gradcheck.Model[float64] { return ActivationModel[float64](kind, b) },
		func(b Bug) *gradcheck.Model[float32] { return ActivationModel[float32](kind, b) }}
}

func conv2(stride, pad int) ctor {
	return ctor{fmt.Sprintf("conv2d-s%dp%d", stride, pad),
		func(b Bug) *gradcheck.Model[float64] { return Conv2DModel[float64](stride, pad, b) },
		func(b Bug) *gradcheck.Model[float32] { return Conv2DModel[float32](stride, pad, b) }}
}

// Layers returns the constructors of every layer and model in the zoo, by
// name.
func layers() []ctor {
	return []ctor{
		{"linear", LinearModel[float64], LinearModel[float32]},
		act2(ReLU), act2(LeakyReLU), act2(Tanh), act2(Sigmoid), act2(GELU),
		{"softmax", SoftmaxModel[float64], SoftmaxModel[float32]},
		{"cross-entropy", CrossEntropyModel[float64], CrossEntropyModel[float32]},
		{"mse", MSEModel[float64], MSEModel[float32]},
		{"huber", HuberModel[float64], HuberModel[float32]},
		conv2(1, 1), conv2(2, 1), conv2(1, 0),
		{"maxpool2d", MaxPoolModel[float64], MaxPoolModel[float32]},
		{"batchnorm", BatchNormModel[float64], BatchNormModel[float32]},
		{"layernorm", LayerNormModel[float64], LayerNormModel[float32]},
		{"dropout", DropoutModel[float64], DropoutModel[float32]},
		{"embedding", EmbeddingModel[float64], EmbeddingModel[float32]},
		{"lstm", LSTMModel[float64], LSTMModel[float32]},
		{"attention", AttentionModel[float64], AttentionModel[float32]},
		{"l2", L2Model[float64], L2Model[float32]},
		{"l1", L1Model[float64], L1Model[float32]},
		{"mlp", MLPModel[float64], MLPModel[float32]},
		{"cnn", CNNModel[float64], CNNModel[float32]},
		{"transformer", TransformerModel[float64], TransformerModel[float32]},
	}
}

func ctorOf(name string) ctor {
	for _, c := range layers() {
		if c.name == name {
			return c
		}
	}
	panic("zoo: no layer " + name)
}

// realistic lists the bugs written into layer code: layer, bug, class,
// expected pattern and the blocks that should carry it.
var realistic = []struct {
	layer  string
	bug    Bug
	class  string
	expect gradcheck.Pattern
	blocks []string
}{
	{"linear", BugTransposedDW, ClassWrongIndex, gradcheck.PatternTranspose, []string{"W"}},
	{"linear", BugBiasLastRow, ClassMissingTerm, "", nil},
	{"linear", BugAccumulate, ClassState, "", nil},
	{ReLU, BugFromOutput, ClassWrongDerivative, "", nil},
	{Sigmoid, BugFromOutput, ClassWrongDerivative, "", nil},
	{Tanh, BugFromOutput, ClassWrongDerivative, "", nil},
	{GELU, BugFromOutput, ClassWrongDerivative, "", nil},
	{GELU, BugGELUNoXPhi, ClassMissingTerm, "", nil},
	{"softmax", BugNoCrossTerm, ClassMissingTerm, "", nil},
	{"softmax", BugWrongAxis, ClassWrongAxis, "", nil},
	{"cross-entropy", BugSumNotMean, ClassWrongScale, gradcheck.PatternScale, nil},
	{"cross-entropy", BugAccumulate, ClassState, "", nil},
	{"mse", BugMissingTwo, ClassWrongScale, gradcheck.PatternScale, nil},
	{"mse", BugResidualSign, ClassWrongDerivative, gradcheck.PatternSign, nil},
	{"huber", BugHuberClipOne, ClassWrongDerivative, "", nil},
	{"conv2d-s1p1", BugConvUnflipped, ClassWrongIndex, "", nil},
	{"conv2d-s1p1", BugConvPadEdge, ClassWrongIndex, gradcheck.PatternEdge, []string{"x"}},
	{"conv2d-s2p1", BugConvPadEdge, ClassWrongIndex, gradcheck.PatternEdge, []string{"x"}},
	{"conv2d-s2p1", BugConvStride, ClassWrongIndex, "", nil},
	{"maxpool2d", BugPoolFirst, ClassWrongIndex, "", nil},
	{"batchnorm", BugBNNoMeanTerms, ClassMissingTerm, "", nil},
	{"batchnorm", BugBNRunningInForward, ClassState, "", nil},
	{"layernorm", BugLNNoVarTerm, ClassMissingTerm, "", nil},
	{"layernorm", BugWrongAxis, ClassWrongAxis, "", nil},
	{"dropout", BugDropoutNoRescale, ClassWrongScale, gradcheck.PatternScale, nil},
	{"dropout", BugNoReseed, ClassState, "", nil},
	{"embedding", BugEmbedPlusOne, ClassWrongIndex, gradcheck.PatternShift, nil},
	{"embedding", BugEmbedOverwrite, ClassWrongIndex, gradcheck.PatternFew, nil},
	{"embedding", BugAccumulate, ClassState, "", nil},
	{"lstm", BugLSTMNoCellPath, ClassMissingTerm, "", nil},
	{"lstm", BugLSTMForgetCt, ClassWrongDerivative, "", nil},
	{"lstm", BugLSTMNoTanhDeriv, ClassMissingTerm, "", nil},
	{"attention", BugAttnNoScale, ClassWrongScale, gradcheck.PatternScale, []string{"Wq", "Wk"}},
	{"attention", BugNoCrossTerm, ClassMissingTerm, "", nil},
	{"attention", BugAttnDVUntransposed, ClassWrongIndex, "", nil},
	{"l2", BugMissingL2, ClassMissingTerm, gradcheck.PatternWeightDecay, []string{"W"}},
	{"l2", BugDoubledL2, ClassExtraTerm, gradcheck.PatternWeightDecay, []string{"W"}},
	{"l1", BugL1AsL2, ClassWrongDerivative, "", nil},
	{"mlp", BugFromOutput, ClassWrongDerivative, "", nil},
	{"mlp", BugMissingL2, ClassMissingTerm, gradcheck.PatternWeightDecay, []string{"fc1.W", "fc2.W", "fc3.W"}},
	{"mlp", BugTransposedDW, ClassWrongIndex, "", nil},
	{"cnn", BugPoolFirst, ClassWrongIndex, "", nil},
	{"cnn", BugSumNotMean, ClassWrongScale, gradcheck.PatternScale, nil},
	{"cnn", BugFromOutput, ClassWrongDerivative, "", nil},
	{"transformer", BugNoSkipGrad, ClassMissingTerm, "", nil},
	{"transformer", BugAttnNoScale, ClassWrongScale, gradcheck.PatternScale, []string{"attn.Wq", "attn.Wk"}},
	{"transformer", BugWrongAxis, ClassWrongAxis, "", nil},
	{"transformer", BugGELUNoXPhi, ClassMissingTerm, "", nil},
}

// systematic hosts: the layer and block each corruption is applied to.
var hosts = []struct{ layer, block string }{
	{"linear", "W"},
	{"lstm", "Wh"},
	{"conv2d-s1p1", "kernel"},
}

// grossCorruptions are applied to every host.
var grossCorruptions = []Corruption{
	{Pattern: gradcheck.PatternZero},
	{Pattern: gradcheck.PatternSign},
	{Pattern: gradcheck.PatternScale, Factor: 2},
	{Pattern: gradcheck.PatternScale, Factor: 0.5},
	{Pattern: gradcheck.PatternTranspose},
	{Pattern: gradcheck.PatternShift},
	{Pattern: gradcheck.PatternWeightDecay, Factor: 0.1},
	{Pattern: gradcheck.PatternEdge},
}

// fewSizes are the relative errors of a single entry, applied to the first
// two hosts.
var fewSizes = []float64{1e-2, 1e-3, 1e-4, 1e-5, 1e-6}

// Corpus returns every case: the correct layers first, then the realistic
// bugs, then the systematic corruptions.
func Corpus() []*Case {
	var out []*Case
	for _, c := range layers() {
		out = append(out, &Case{Name: c.name, Layer: c.name, Kind: KindCorrect, Class: ClassCorrect,
			New64: bind(c.f64, ""), New32: bind(c.f32, "")})
	}
	for _, r := range realistic {
		c := ctorOf(r.layer)
		out = append(out, &Case{Name: r.layer + "/" + string(r.bug), Layer: r.layer, Kind: KindRealistic, Class: r.class,
			Expect: r.expect, ExpectBlocks: r.blocks, New64: bind(c.f64, r.bug), New32: bind(c.f32, r.bug)})
	}
	add := func(hi int, k Corruption, rel float64) {
		h := hosts[hi]
		c := ctorOf(h.layer)
		name := fmt.Sprintf("%s/%s:%s", h.layer, h.block, k.Pattern)
		switch {
		case k.Pattern == gradcheck.PatternFew:
			name += fmt.Sprintf("-%g", k.Factor)
		case k.Factor != 0:
			name += fmt.Sprintf("×%g", k.Factor)
		}
		out = append(out, &Case{Name: name, Layer: h.layer, Kind: KindSystematic, Class: string(k.Pattern),
			Expect: k.Pattern, ExpectBlocks: []string{h.block}, RelSize: rel,
			New64: func() *gradcheck.Model[float64] { return Corrupt(c.f64(""), h.block, k) },
			New32: func() *gradcheck.Model[float32] { return Corrupt(c.f32(""), h.block, k) }})
	}
	for hi := range hosts {
		for _, k := range grossCorruptions {
			add(hi, k, 0)
		}
	}
	for hi := range hosts[:2] {
		for _, d := range fewSizes {
			add(hi, Corruption{Pattern: gradcheck.PatternFew, Factor: d}, d)
		}
	}
	return out
}

func bind[T gradcheck.Float](f func(Bug) *gradcheck.Model[T], b Bug) func() *gradcheck.Model[T] {
	return func() *gradcheck.Model[T] { return f(b) }
}
