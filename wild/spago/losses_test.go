package spago

import (
	"testing"

	"github.com/nlpodyssey/spago/losses"
	"github.com/nlpodyssey/spago/mat"
)

// lossCases are spaGO's losses on vectors of five, with the target, where
// it is a tensor, differentiated too.
func lossCases() []opCase { return lossCasesOf[float64]() }

// lossCasesOf are lossCases in T, the type of the weights of the weighted
// losses, which must be the inputs'.
func lossCasesOf[T Float]() []opCase {
	x, y := in("x", v5, -2, 2), in("y", v5, -2, 2)
	p, q := in("p", v5, 0.1, 1), in("q", v5, 0, 1)
	one := func(name string, f func(x mat.Tensor) mat.Tensor) opCase {
		return opCase{name: name, inputs: []input{x},
			build: func(v []mat.Tensor) mat.Tensor { return f(v[0]) }}
	}
	weights := mat.NewDense[T](mat.WithBacking([]T{0.5, 1, 1.5, 2, 2.5}))
	return []opCase{
		binary("MSE", x, y, func(a, b mat.Tensor) mat.Tensor { return losses.MSE(a, b, false) }),
		binary("MSE/mean", x, y, func(a, b mat.Tensor) mat.Tensor { return losses.MSE(a, b, true) }),
		binary("MAE", x, y, func(a, b mat.Tensor) mat.Tensor { return losses.MAE(a, b, false) }),
		binary("MAE/mean", x, y, func(a, b mat.Tensor) mat.Tensor { return losses.MAE(a, b, true) }),
		binary("NLL", p, q, losses.NLL),
		one("CrossEntropy", func(x mat.Tensor) mat.Tensor { return losses.CrossEntropy(x, 2) }),
		one("WeightedCrossEntropy", func(x mat.Tensor) mat.Tensor { return losses.WeightedCrossEntropy(weights)(x, 3) }),
		one("FocalLoss", func(x mat.Tensor) mat.Tensor { return losses.FocalLoss(x, 1, 2) }),
		one("WeightedFocalLoss", func(x mat.Tensor) mat.Tensor { return losses.WeightedFocalLoss(weights)(x, 4, 1.5) }),
		one("Perplexity", func(x mat.Tensor) mat.Tensor { return losses.Perplexity(x, 0) }),
		one("ZeroOneQuantization", losses.ZeroOneQuantization),
		one("Norm2Quantization", losses.Norm2Quantization),
		one("OneHotQuantization", func(x mat.Tensor) mat.Tensor { return losses.OneHotQuantization(x, 0.7) }),
		{name: "Distance", inputs: []input{in("x", s, -2, 2)},
			build: func(v []mat.Tensor) mat.Tensor { return losses.Distance(v[0], 3) }},
		{name: "MSESeq", inputs: []input{x, y, in("x2", v5, -2, 2), in("y2", v5, -2, 2)},
			build: func(v []mat.Tensor) mat.Tensor {
				return losses.MSESeq([]mat.Tensor{v[0], v[2]}, []mat.Tensor{v[1], v[3]}, true)
			}},
		{name: "MAESeq", inputs: []input{x, y, in("x2", v5, -2, 2), in("y2", v5, -2, 2)},
			build: func(v []mat.Tensor) mat.Tensor {
				return losses.MAESeq([]mat.Tensor{v[0], v[2]}, []mat.Tensor{v[1], v[3]}, true)
			}},
		{name: "CrossEntropySeq", inputs: []input{x, in("x2", v5, -2, 2)},
			build: func(v []mat.Tensor) mat.Tensor { return losses.CrossEntropySeq(v, []int{1, 4}, true) }},
		{name: "SPG", inputs: []input{x, y, in("x2", v5, -2, 2), in("y2", v5, -2, 2)},
			build: func(v []mat.Tensor) mat.Tensor {
				return losses.SPG([]mat.Tensor{v[0], v[2]}, []mat.Tensor{v[1], v[3]})
			}},
	}
}

// TestLosses checks every loss at two seeded points.
func TestLosses(t *testing.T) { checkOK(t, lossCases()) }
