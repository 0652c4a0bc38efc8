// Package gonum checks hand-written derivatives in gonum beyond
// optimize/functions (which the package gonumopt checks): the score
// functions of stat/distuv and stat/distmv, the derivative rules of the
// dual and hyperdual numbers of num/dual and num/hyperdual, and
// mathext.Digamma as the derivative of math.Lgamma.
//
// Every one of them agrees with finite differences at every point tried:
// the tests are evidence that gradcheck raises no false alarm on
// derivatives written by others, kinks included (dual.Abs at 0), and each
// fails if the derivative it checks is wrong. Its tests are its content.
package gonum
