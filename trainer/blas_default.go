//go:build !openblas

package trainer

import "gonum.org/v1/gonum/blas/gonum"

// BLAS names the matrix engine compiled in: gonum's pure-Go BLAS unless the
// binary is built with -tags openblas.
const BLAS = "pure Go (gonum)"

// blasEngine is the BLAS that the trainer's own ops call for every matrix
// product. The build tag chooses it at compile time, so no package state is
// needed.
type blasEngine = gonum.Implementation
