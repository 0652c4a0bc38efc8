// Package gorgonia checks the gradients of Gorgonia's operations, its
// hand-written differentiation rules, against finite differences with
// gradcheck: a corpus of real gradients written by others, as gonum's
// optimize/functions is in the main module (README, "Found in the wild").
//
// Every operation is checked through both of Gorgonia's ways to
// differentiate: symbolic differentiation (G.Grad, each operation's
// DiffExpr, run on a tape machine) and the LispMachine's automatic
// differentiation (each operation's DoDiff). They are separate code, and
// an operation can be right in one and wrong in the other.
//
// Each case is checked in float64; the operations whose gradient is right
// and the wrong rules are checked again in float32, built of
// tensor.Float32 and checked as a gradcheck.Model[float32]
// (float32_test.go).
//
// It is a module of its own so that the main module's dependencies stay
// gonum, gonum/plot, go-cmp and rapid. Its tests are its content. go.mod
// requires a newer go4.org/unsafe/assume-no-moving-gc than the one
// Gorgonia v0.9.18 names: that one panics at init on any Go it was not
// released for, 1.26 among them.
package gorgonia
