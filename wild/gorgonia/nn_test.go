package gorgonia

import (
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradcheck/gradcheck"
)

// namedInts returns an input node of ints named name. Gorgonia hashes an
// input node by its type, shape and name only, and merges two unnamed
// inputs of one type and shape into one node: the input lengths and the
// target lengths of a CTC loss, both int vectors of length 1, become the
// same node unless they are named.
func namedInts(g *G.ExprGraph, name string, shape []int, v []int) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]int(nil), v...)))
	return G.NodeFromAny(g, t, G.WithName(name))
}

// constLike returns a tensor node named name on like's graph, of like's
// precision (float64 or float32), with the given shape and values.
func constLike(like *G.Node, name string, shape []int, v []float64) *G.Node {
	var back any = v
	if like.Dtype() == tensor.Float32 {
		back = narrow[float32](v)
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(back))
	return G.NodeFromAny(like.Graph(), t, G.WithName(name))
}

// quietLog silences the standard logger for the rest of the test:
// groupNormDiffOp.UsePreallocDo (op_group_norm.go:569) prints every output
// gradient it is given.
func quietLog(t *testing.T) {
	w := log.Writer()
	log.SetOutput(io.Discard)
	t.Cleanup(func() { log.SetOutput(w) })
}

func convCase(seed uint64, xs []int, pad, stride int) opCase {
	n := xs[0] * xs[1] * xs[2] * xs[3]
	return opCase{
		name:   "Conv2d",
		inputs: []input{{"x", xs, values(seed, n, -1, 1)}, {"filter", []int{3, 2, 3, 3}, values(seed+1, 54, -1, 1)}},
		build: func(in []*G.Node) (*G.Node, error) {
			return G.Conv2d(in[0], in[1], tensor.Shape{3, 3}, []int{pad, pad}, []int{stride, stride}, []int{1, 1})
		},
	}
}

func maxPool2DCase(x []float64) opCase {
	return opCase{
		name:   "MaxPool2D",
		inputs: []input{{"x", []int{1, 2, 4, 4}, x}},
		build: func(in []*G.Node) (*G.Node, error) {
			return G.MaxPool2D(in[0], tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2})
		},
	}
}

func averagePool2DCase(seed uint64) opCase {
	return opCase{
		name:   "AveragePool2D",
		inputs: []input{{"x", []int{1, 2, 4, 4}, values(seed, 32, -1, 1)}},
		build: func(in []*G.Node) (*G.Node, error) {
			return G.AveragePool2D(in[0], tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2})
		},
	}
}

func globalAveragePool2DCase(seed uint64) opCase {
	return opCase{
		name:   "GlobalAveragePool2D",
		inputs: []input{{"x", []int{2, 2, 3, 3}, values(seed, 36, -1, 1)}},
		build:  func(in []*G.Node) (*G.Node, error) { return G.GlobalAveragePool2D(in[0]) },
	}
}

func batchNormCase(seed uint64, xs, ss []int) opCase {
	n, c := 1, 1
	for _, d := range xs {
		n *= d
	}
	for _, d := range ss {
		c *= d
	}
	return opCase{
		name: "BatchNorm",
		inputs: []input{
			{"x", xs, values(seed, n, -1, 1)},
			{"scale", ss, values(seed+1, c, 0.5, 1.5)},
			{"bias", ss, values(seed+2, c, -1, 1)},
		},
		build: func(in []*G.Node) (*G.Node, error) {
			y, _, _, _, err := G.BatchNorm(in[0], in[1], in[2], 0.9, 1e-5)
			return y, err
		},
	}
}

func groupNormCase(seed uint64) opCase {
	return opCase{
		name: "GroupNorm",
		inputs: []input{
			{"x", []int{2, 4, 2, 2}, values(seed, 32, -1, 1)},
			{"scale", []int{1, 4, 1, 1}, values(seed+1, 4, 0.5, 1.5)},
			{"bias", []int{1, 4, 1, 1}, values(seed+2, 4, -1, 1)},
		},
		build: func(in []*G.Node) (*G.Node, error) { return G.GroupNorm(in[0], in[1], in[2], 2, 4, 1e-5) },
	}
}

// binaryXentCase is BinaryXent(Sigmoid(x), target), the way a logistic
// output is trained.
func binaryXentCase(seed uint64) opCase {
	return opCase{
		name:   "BinaryXent∘Sigmoid",
		inputs: []input{{"x", []int{3, 4}, values(seed, 12, -2, 2)}},
		build: func(in []*G.Node) (*G.Node, error) {
			p, err := G.Sigmoid(in[0])
			if err != nil {
				return nil, err
			}
			return G.BinaryXent(p, constLike(in[0], "target", []int{3, 4}, values(seed+7, 12, 0, 1)))
		},
	}
}

// nnPassing are the layer and loss operations whose gradients agree with
// finite differences in both modes at seed's point.
func nnPassing(seed uint64) []opCase {
	cs := []opCase{
		convCase(seed, []int{1, 2, 5, 5}, 0, 1),
		convCase(seed, []int{1, 2, 5, 5}, 1, 1),
		convCase(seed, []int{1, 2, 5, 5}, 0, 2),
		convCase(seed, []int{2, 2, 5, 5}, 1, 2),
		{
			name:   "Conv1d",
			inputs: []input{{"x", []int{1, 2, 1, 7}, values(seed, 14, -1, 1)}, {"filter", []int{3, 2, 1, 3}, values(seed+1, 18, -1, 1)}},
			build:  func(in []*G.Node) (*G.Node, error) { return G.Conv1d(in[0], in[1], 3, 1, 1, 1) },
		},
		{
			name:   "Im2Col",
			inputs: []input{{"x", []int{1, 2, 4, 4}, values(seed, 32, -1, 1)}},
			build: func(in []*G.Node) (*G.Node, error) {
				return G.Im2Col(in[0], tensor.Shape{3, 3}, tensor.Shape{1, 1}, tensor.Shape{2, 2}, tensor.Shape{1, 1})
			},
		},
		maxPool2DCase(values(seed, 32, -1, 1)),
		{
			name:   "MaxPool1D",
			inputs: []input{{"x", []int{1, 2, 1, 6}, values(seed, 12, -1, 1)}},
			build:  func(in []*G.Node) (*G.Node, error) { return G.MaxPool1D(in[0], 2, 0, 2) },
		},
		// AveragePool1D is MaxPool2D under another name (op_avg_pool.go:14):
		// its gradient is that of the max it computes, and agrees.
		{
			name:   "AveragePool1D",
			inputs: []input{{"x", []int{1, 2, 1, 6}, values(seed, 12, -1, 1)}},
			build:  func(in []*G.Node) (*G.Node, error) { return G.AveragePool1D(in[0], 2, 0, 2) },
		},
		// BinaryXent on probabilities given directly: the rule itself, free
		// of the Sigmoid rewrite that breaks the LispMachine
		// (TestNNBinaryXentSigmoidLispDanglingNode).
		{
			name:   "BinaryXent",
			inputs: []input{{"p", []int{3, 4}, values(seed, 12, 0.05, 0.95)}},
			build: func(in []*G.Node) (*G.Node, error) {
				return G.BinaryXent(in[0], constLike(in[0], "target", []int{3, 4}, values(seed+7, 12, 0, 1)))
			},
		},
		{
			name:   "ReduceAdd",
			inputs: []input{{"a", []int{2, 3}, values(seed, 6, -1, 1)}, {"b", []int{2, 3}, values(seed+1, 6, -1, 1)}, {"c", []int{2, 3}, values(seed+2, 6, -1, 1)}},
			build:  func(in []*G.Node) (*G.Node, error) { return G.ReduceAdd(G.Nodes(in)) },
		},
		// ReduceMul folds Mul, which is a matrix product on matrices:
		// a·b·c of a chain of shapes.
		{
			name:   "ReduceMul",
			inputs: []input{{"a", []int{2, 3}, values(seed, 6, -1, 1)}, {"b", []int{3, 4}, values(seed+1, 12, -1, 1)}, {"c", []int{4, 2}, values(seed+2, 8, -1, 1)}},
			build:  func(in []*G.Node) (*G.Node, error) { return G.ReduceMul(G.Nodes(in)) },
		},
	}
	return cs
}

// TestNNPasses checks the operations whose gradients Gorgonia gets right
// in both modes: gradcheck must raise no alarm on any of them.
func TestNNPasses(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		for _, c := range nnPassing(seed) {
			for _, md := range []mode{symbolic, lisp} {
				rep := c.check(t, md, 10+seed)
				if !rep.OK() {
					t.Errorf("%s (%v, seed %d): gradcheck flags a gradient taken to be right:\n%v", c.name, md, seed, rep)
				}
			}
		}
	}
}

// nnSymbolicOnly are the operations whose gradients Gorgonia gets right
// through G.Grad only, at seed's point.
func nnSymbolicOnly(seed uint64) []opCase {
	return []opCase{
		batchNormCase(seed, []int{4, 3}, []int{1, 3}),
		batchNormCase(seed, []int{2, 2, 2, 2}, []int{1, 2, 1, 1}),
		groupNormCase(seed),
		binaryXentCase(seed),
	}
}

// TestNNSymbolicOnlyPasses checks the operations that are right through
// G.Grad and are checked in the lisp mode by tests of their own:
// BatchNorm, GroupNorm and BinaryXent∘Sigmoid.
func TestNNSymbolicOnlyPasses(t *testing.T) {
	quietLog(t)
	for _, seed := range []uint64{1, 2} {
		for _, c := range nnSymbolicOnly(seed) {
			rep := c.check(t, symbolic, 10+seed)
			if !rep.OK() {
				t.Errorf("%s (symbolic, seed %d): gradcheck flags a gradient taken to be right:\n%v", c.name, seed, rep)
			}
		}
	}
}

// TestNNMaxPool2DTie checks MaxPool2D at a point where the first 2×2
// window of channel 0 holds its maximum twice, at x[0,0,0,0] and
// x[0,0,1,1]. The max is not differentiable there: raising either entry
// moves the output at slope 1, lowering it moves nothing, so each of the
// two is a kink whose one-sided slopes are 0 and the cotangent w. Gorgonia
// routes the whole cotangent to one of them and 0 to the other; each value
// lies between the slopes, a subgradient, and must pass as a Kink. Moved
// together, the two tied entries move the max at slope w on both sides,
// and their analytic values sum to it.
func TestNNMaxPool2DTie(t *testing.T) {
	x := values(3, 32, -1, 1)
	x[0], x[5] = 1.5, 1.5 // above every other value in [-1, 1)
	c := maxPool2DCase(x)
	for _, md := range []mode{symbolic, lisp} {
		rep := c.check(t, md, 4)
		if !rep.OK() {
			t.Errorf("MaxPool2D at a tie (%v): gradcheck flags a subgradient:\n%v", md, rep)
			continue
		}
		b := rep.Block("x")
		a0, a5 := b.Entries[0], b.Entries[5]
		if a0.Verdict != gradcheck.Kink || a5.Verdict != gradcheck.Kink {
			t.Errorf("MaxPool2D at a tie (%v): verdicts %v at x[0,0,0,0] and %v at x[0,0,1,1], want Kink at both", md, a0.Verdict, a5.Verdict)
		}
		if (a0.Analytic == 0) == (a5.Analytic == 0) {
			t.Errorf("MaxPool2D at a tie (%v): analytic %g and %g, want the cotangent at one tied entry and 0 at the other", md, a0.Analytic, a5.Analytic)
		}
	}
}

// wantWrong asserts that rep fails block name exactly where Gorgonia's
// gradient differs from the closed form ref, and that gradcheck's numeric
// estimate agrees with ref there to a relative 1e-6 of the block's scale.
func wantWrong(t *testing.T, what string, rep *gradcheck.Report, name string, ref []float64) {
	t.Helper()
	if rep.OK() {
		t.Errorf("%s: gradcheck passes a gradient that differs from the closed form", what)
	}
	b := rep.Block(name)
	if b == nil {
		t.Fatalf("%s: no block %s in the report", what, name)
	}
	scale := 0.0
	for _, r := range ref {
		scale = math.Max(scale, math.Abs(r))
	}
	tol := 1e-6 * scale
	wrong, example := 0, ""
	for _, e := range b.Entries {
		r := ref[e.Index]
		if math.Abs(e.Analytic-r) <= tol {
			continue
		}
		wrong++
		if example == "" {
			example = fmt.Sprintf("analytic %.4g vs closed form %.4g (numeric %.4g) at %s", e.Analytic, r, e.Numeric, b.EntryName(e.Index))
		}
		if e.Verdict.Pass() {
			t.Errorf("%s: %s: Gorgonia's %g differs from the closed form %g, and gradcheck passes it (%v)", what, b.EntryName(e.Index), e.Analytic, r, e.Verdict)
		}
		if math.Abs(e.Numeric-r) > tol {
			t.Errorf("%s: %s: gradcheck's numeric %g differs from the closed form %g by more than %.2g", what, b.EntryName(e.Index), e.Numeric, r, tol)
		}
	}
	if wrong == 0 {
		t.Errorf("%s: Gorgonia's gradient of %s agrees with the closed form everywhere", what, name)
	}
	t.Logf("%s: %d of %d entries of %s differ from the closed form, e.g. %s; %s", what, wrong, len(b.Entries), name, example, firstDiagnosis(b))
}

func firstDiagnosis(b *gradcheck.BlockReport) string {
	if len(b.Diagnoses) == 0 {
		return "no diagnosis"
	}
	return "diagnosis: " + b.Diagnoses[0].Summary
}

// averagePool2DRef is the closed form of AveragePool2D's gradient for the
// 1×2×4×4 input of averagePool2DCase and the cotangent w of its 1×2×2×2
// output: ∂L/∂x[i] = w[p(i)]/inW (see TestNNAveragePool2DWrong).
func averagePool2DRef(w []float64) []float64 {
	ref := make([]float64, 32)
	for ch := range 2 {
		for h := range 4 {
			for wi := range 4 {
				ref[ch*16+h*4+wi] = w[ch*4+(h/2)*2+wi/2] / 4
			}
		}
	}
	return ref
}

// TestNNAveragePool2DWrong: AveragePool2D's gradient is wrong in both modes.
// The forward pass (op_avg_pool.go:373, avgPoolOp.f64s) sums each window
// and divides by the input's width inW (which is the window's size 4 for a
// 2×2 window on a 4×4 input, as here), so ∂out[p]/∂x[i] = 1/inW for i in
// window p and ∂L/∂x[i] = w[p(i)]/inW. avgPoolDiffOp.f64s
// (op_avg_pool.go:584 and 608) instead adds w[p] at the window's last
// entry only (its "mask", a max pool's argmax bookkeeping), then overwrites
// each entry with the sum of that scatter over a window anchored at the
// entry itself, divided by inW: a gradient unrelated to the windows. Both
// modes run that same diff op (SymDiff at op_avg_pool.go:191, DoDiff at
// op_avg_pool.go:208).
func TestNNAveragePool2DWrong(t *testing.T) {
	const seed = 5
	c := averagePool2DCase(1)
	ref := averagePool2DRef(cotangent(seed, 8))
	for _, md := range []mode{symbolic, lisp} {
		wantWrong(t, "AveragePool2D ("+md.String()+")", c.check(t, md, seed), "x", ref)
	}
}

// TestNNGlobalAveragePool2D: globalAveragePoolOp (op_nn.go:1945) has no
// differentiation rule at all. G.Grad panics on it with an index out of
// range in forwardDiffAnalysis (differentiation.go:38, which indexes the
// empty []bool of an op that is no SDOp) instead of returning an error;
// the LispMachine skips it (vm_genera.go:491: it is no ADOp) and leaves a
// zero gradient. The output is out[b,c] = mean over h,w of x[b,c,h,w], so
// ∂L/∂x[b,c,h,w] = w[b,c]/(H·W).
func TestNNGlobalAveragePool2D(t *testing.T) {
	const seed = 5
	c := globalAveragePool2DCase(1)
	m, err := c.model(symbolic, seed)
	if err != nil {
		t.Fatal(err)
	}
	_, err = gradcheck.Check(m, nil)
	if err == nil || !strings.Contains(err.Error(), "index out of range [0] with length 0") {
		t.Errorf("GlobalAveragePool2D (symbolic): error %v, want G.Grad's panic: index out of range [0] with length 0", err)
	}

	w := cotangent(seed, 4)
	ref := make([]float64, 36)
	for i := range ref {
		ref[i] = w[i/9] / 9
	}
	wantWrong(t, "GlobalAveragePool2D (lisp)", c.check(t, lisp, seed), "x", ref)
}

// TestNNGroupNormLispWrong: GroupNorm's gradient with respect to x is wrong
// in the lisp mode. GroupNormOp.DoDiff (op_group_norm.go:475) calls the
// diff op with (x, y, ∂L/∂y), but groupNormDiffOp.Do takes (x, ∂L/∂y)
// (op_group_norm.go:546, as SymDiff passes it) and reads the op's output y
// as the output gradient. With ŷ = (x − μ)·r, r = 1/√(σ² + ε), over each
// sample's group, and ĝ = scale·w the gradient reaching ŷ,
// ∂L/∂x = r·(ĝ − mean(ĝ) − ŷ·mean(ĝ·ŷ)); with ŷ put in for ĝ it is
// r·ŷ·(1 − mean(ŷ²)) = r·ŷ·ε/(σ² + ε), near zero. The scale and bias
// gradients come from the broadcast product and sum, and pass.
func TestNNGroupNormLispWrong(t *testing.T) {
	quietLog(t)
	const seed, eps = 5, 1e-5
	c := groupNormCase(1)
	x, scale := c.inputs[0].value, c.inputs[1].value
	w := cotangent(seed, 32)
	ref := make([]float64, 32)
	// Groups of 2 channels of 2×2: 8 contiguous entries per (sample, group).
	for g0 := 0; g0 < 32; g0 += 8 {
		var mu, v float64
		for i := g0; i < g0+8; i++ {
			mu += x[i] / 8
		}
		for i := g0; i < g0+8; i++ {
			v += (x[i] - mu) * (x[i] - mu) / 8
		}
		r := 1 / math.Sqrt(v+eps)
		var mg, mgy float64
		yh, gh := make([]float64, 8), make([]float64, 8)
		for k := range 8 {
			i := g0 + k
			yh[k] = (x[i] - mu) * r
			gh[k] = scale[(i/4)%4] * w[i]
			mg += gh[k] / 8
			mgy += gh[k] * yh[k] / 8
		}
		for k := range 8 {
			ref[g0+k] = r * (gh[k] - mg - yh[k]*mgy)
		}
	}
	wantWrong(t, "GroupNorm (lisp)", c.check(t, lisp, seed), "x", ref)
}

// TestNNBatchNormLispCrash: BatchNorm cannot be differentiated by the
// LispMachine. BatchNormOp has arity 1, but its DoDiff (op_nn.go:1237)
// reads inputs[1] and inputs[2], the scale and bias that BatchNorm applies
// with separate nodes: an index out of range that panics in the machine's
// own goroutine and takes the process down, beyond any recover. The test
// runs it in a child process and reads the crash.
func TestNNBatchNormLispCrash(t *testing.T) {
	if os.Getenv("GORGONIA_NN_BATCHNORM_LISP") == "1" {
		c := batchNormCase(1, []int{4, 3}, []int{1, 3})
		m, err := c.model(lisp, 5)
		if err != nil {
			t.Fatal(err)
		}
		m.Gradient()
		t.Fatal("the LispMachine differentiated BatchNorm without crashing")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNNBatchNormLispCrash$")
	cmd.Env = append(os.Environ(), "GORGONIA_NN_BATCHNORM_LISP=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("BatchNorm (lisp): the child process succeeded:\n%s", out)
	}
	for _, want := range []string{"index out of range [1] with length 1", "(*BatchNormOp).DoDiff", "op_nn.go:1237"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("BatchNorm (lisp): the crash does not mention %q:\n%s", want, out)
		}
	}
}

// TestNNBinaryXentSigmoidLispDanglingNode: BinaryXent(Sigmoid(x), t) cannot
// run on the LispMachine. BinaryXent's log(1 + 1e-16 − p) (nn.go:47) is
// rewritten at construction: 1 + 1e-16 rounds to 1 in float64, so the
// constant is Gorgonia's one, 1 − sigmoid(x) becomes sigmoid(−x)
// (stabilization.go, oneMinusSigmoidStabilization) and the log of that is
// rewritten again, which leaves the node −x in the graph with no consumer.
// The LispMachine takes every root of the graph for a cost and refuses a
// matrix one (and writes the graph to err.dot in the working directory,
// vm_genera.go:241, which the test points at a temporary one).
func TestNNBinaryXentSigmoidLispDanglingNode(t *testing.T) {
	t.Chdir(t.TempDir())
	m, err := binaryXentCase(1).model(lisp, 5)
	if err != nil {
		t.Fatal(err)
	}
	_, err = gradcheck.Check(m, nil)
	const want = "Expected cost to be a scalar. Got neg(%1) :: Matrix float64 with shape (3, 4) instead"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("BinaryXent∘Sigmoid (lisp): error %v, want one containing %q", err, want)
	}
}

// ctcModel is CTCLoss(LogSoftMax(x), targets (1, 2)) with x of shape
// (T=5, batch 1, 3 classes), summed over the batch, as a gradcheck model.
// It is built here and not with opCase: the loss is a 0-d tensor, which
// the harness's product with a scalar cotangent refuses ("Type Mismatch:
// Tensor-0 float64 != float64"), and a Reshape before the product makes
// ctcLossDiffOp panic, as it takes its output gradient for an *F64
// (op_ctc_loss.go:569). The CTC loss is the cost itself here.
func ctcModel(md mode, x []float64) *gradcheck.Model[float64] {
	m := &gradcheck.Model[float64]{Blocks: []gradcheck.Block[float64]{
		{Name: "x", Shape: []int{5, 1, 3}, Value: x, Grad: make([]float64, len(x))},
	}}
	run := func(grad bool) (float64, error) {
		g := G.NewGraph()
		xt := tensor.New(tensor.WithShape(5, 1, 3), tensor.WithBacking(append([]float64(nil), x...)))
		xn := G.NodeFromAny(g, xt, G.WithName("x"))
		lp, err := G.LogSoftMax(xn, 2)
		if err != nil {
			return 0, err
		}
		loss, err := G.CTCLoss(lp,
			namedInts(g, "targets", []int{1, 2}, []int{1, 2}),
			namedInts(g, "inputLengths", []int{1}, []int{5}),
			namedInts(g, "targetLengths", []int{1}, []int{2}),
			G.ReductionSum)
		if err != nil {
			return 0, err
		}
		var vm G.VM
		var grads G.Nodes
		switch {
		case md == lisp && grad:
			vm = G.NewLispMachine(g)
		case md == lisp:
			vm = G.NewLispMachine(g, G.ExecuteFwdOnly())
		default:
			if grad {
				if grads, err = G.Grad(loss, xn); err != nil {
					return 0, err
				}
			}
			vm = G.NewTapeMachine(g)
		}
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			return 0, err
		}
		if grad {
			var gv G.Value
			if md == lisp {
				if gv, err = xn.Grad(); err != nil {
					return 0, err
				}
			} else {
				gv = grads[0].Value()
			}
			copy(m.Blocks[0].Grad, gv.Data().([]float64))
		}
		switch v := loss.Value().Data().(type) {
		case float64:
			return v, nil
		case []float64:
			return v[0], nil
		}
		return 0, nil
	}
	setRun(m, run)
	return m
}

// ctcReference returns the gradient of −log P(target | x), with blank 0,
// by summing over all 3⁵ label paths: with p_t = softmax(x[t]) and P the
// total probability of the paths that collapse to the target,
// ∂(−log P)/∂x[t,k] = p_t(k) − Σ_{π: π_t = k} Π_s p_s(π_s) / P.
func ctcReference(x []float64, target []int) []float64 {
	const T, K = 5, 3
	p := make([]float64, T*K)
	for t := range T {
		var z float64
		for k := range K {
			p[t*K+k] = math.Exp(x[t*K+k])
			z += p[t*K+k]
		}
		for k := range K {
			p[t*K+k] /= z
		}
	}
	var total float64
	mass := make([]float64, T*K)
	path := make([]int, T)
	for code := 0; code < 243; code++ {
		c := code
		for t := range T {
			path[t], c = c%K, c/K
		}
		var col []int
		for t, l := range path {
			if l != 0 && (t == 0 || path[t-1] != l) {
				col = append(col, l)
			}
		}
		if len(col) != len(target) || col[0] != target[0] || col[1] != target[1] {
			continue
		}
		pr := 1.0
		for t, l := range path {
			pr *= p[t*K+l]
		}
		total += pr
		for t, l := range path {
			mass[t*K+l] += pr
		}
	}
	ref := make([]float64, T*K)
	for i := range ref {
		ref[i] = p[i] - mass[i]/total
	}
	return ref
}

// TestNNCTCLoss: CTCLoss's symbolic gradient agrees; on the LispMachine it
// is zero. ctcLossOp (op_ctc_loss.go) has a SymDiff (line 493) but no
// DoDiff, so the LispMachine, which differentiates only ADOps
// (vm_genera.go:491), skips it without an error and every logit gets a
// zero gradient; the closed form is ctcReference.
func TestNNCTCLoss(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		xs := values(seed, 15, -1, 1)
		rep, err := gradcheck.Check(ctcModel(symbolic, xs), nil)
		if err != nil {
			t.Fatalf("CTCLoss (symbolic, seed %d): %v", seed, err)
		}
		if !rep.OK() {
			t.Errorf("CTCLoss (symbolic, seed %d): gradcheck flags a gradient taken to be right:\n%v", seed, rep)
		}
		ref := ctcReference(xs, []int{1, 2})
		for _, e := range rep.Block("x").Entries {
			if math.Abs(e.Analytic-ref[e.Index]) > 1e-9 {
				t.Errorf("CTCLoss (symbolic, seed %d): x[%d]: Gorgonia's %g differs from the closed form %g", seed, e.Index, e.Analytic, ref[e.Index])
			}
		}
	}
	x := values(1, 15, -1, 1)
	rep, err := gradcheck.Check(ctcModel(lisp, x), nil)
	if err != nil {
		t.Fatalf("CTCLoss (lisp): %v", err)
	}
	wantWrong(t, "CTCLoss (lisp)", rep, "x", ctcReference(x, []int{1, 2}))
}
