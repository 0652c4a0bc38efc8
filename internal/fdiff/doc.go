// Package fdiff holds the finite-difference arithmetic of gradcheck: the
// stencils, the default steps and their justification, and Ridders'
// extrapolation with an error estimate. It evaluates nothing itself: callers
// hand it function values, so the same arithmetic serves gradients,
// Jacobians and Hessians.
package fdiff
