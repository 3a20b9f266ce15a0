//go:build !openblas

package trainer

// BLAS names the matrix engine compiled in: gonum's pure-Go BLAS unless the
// binary is built with -tags openblas.
const BLAS = "pure Go (gonum)"
