//go:build !openblas

package trainer

import "gonum.org/v1/gonum/blas/gonum"

// BLAS names the matrix engine compiled in: pure Go (no cgo) unless the
// binary is built with -tags openblas. SgemmKernel says which float32
// kernel runs.
const BLAS = "pure Go"

// SgemmKernel describes the float32 matrix product the trainer uses on
// this machine.
func SgemmKernel() string {
	if fastSgemm {
		return "trainer's blocked sgemm, AVX2+FMA assembly kernel"
	}
	return "gonum sgemm"
}

// blasEngine is the BLAS that the trainer's own ops call for every matrix
// product. The build tag chooses it at compile time, so no package state is
// needed.
type blasEngine = gonum.Implementation

// sgemm is gemm for float32: the package's blocked sgemm with its assembly
// kernel where the CPU has AVX2 and FMA, gonum's elsewhere.
func sgemm(ws *gemmScratch, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if fastSgemm {
		blockedSgemm(ws, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	blasEngine{}.Sgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
