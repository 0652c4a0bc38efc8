// Package spago checks the gradients of spaGO's operations, its
// hand-written backward rules, against finite differences with gradcheck:
// a corpus of real gradients written by others, as gonum's
// optimize/functions is in the main module (README, "Found in the wild").
//
// spaGO (github.com/nlpodyssey/spago) differentiates by reverse mode: every
// operator of its ag package is a function of mat/gradfn with a Forward and
// a Backward written by hand, and its losses and nn layers are built from
// them. Each case here is one operation on small inputs. Its loss is
// Σ out ⊙ w, with w a seeded random cotangent of the output's shape summed
// in plain Go, and its gradient is spaGO's: the output's gradient is seeded
// with w and ag.Backward propagates it to the inputs. That checks each
// backward rule as a vector-Jacobian product with a random cotangent, not
// through another of spaGO's operations (ReduceSum, whose own backward is
// one of the findings). An operator's tensor hyperparameters (an ELU's
// α, a SoftPlus's β) are checked as inputs too, and an nn layer's
// parameters, which a case replaces by its inputs, with the layer's
// inputs (layers_test.go); the findings on layers are in
// nnfindings_test.go.
//
// A case whose gradient gradcheck rejects carries a closed-form derivative
// derived by hand, which settles whether spaGO's rule or gradcheck's
// estimate is wrong; spaGO's file and line are named in a comment on the
// test. spaGO reports an error in a backward rule with log.Fatalf and runs
// rules in goroutines, whose panics cannot be recovered: such cases run in
// a child process of the test binary.
//
// Every case runs in float32 too (float32_test.go), as mat.Dense[float32]
// checked with a gradcheck.Model[float32], at the same seeded points
// rounded to float32; spaGO's float32 gradient is also compared with its
// float64 one at the same point.
//
// It is a module of its own so that the main module's dependencies stay
// gonum, gonum/plot, go-cmp and rapid. Its tests are its content.
package spago
