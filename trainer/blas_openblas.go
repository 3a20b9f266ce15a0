//go:build openblas

package trainer

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BLAS names the matrix engine compiled in.
const BLAS = "OpenBLAS"

// SgemmKernel describes the float32 matrix product the trainer uses.
func SgemmKernel() string {
	return "OpenBLAS sgemm, single-threaded calls on parallel parts"
}

// blasEngine is the BLAS that the trainer's own ops call for every matrix
// product: OpenBLAS (Debian's libopenblas-dev) through cgo.
type blasEngine = netlib.Implementation

// init routes Gorgonia's and the tensor package's matrix products to
// OpenBLAS as well (both packages keep their BLAS in a package variable, so
// this is process-wide by their design), and makes OpenBLAS single-threaded:
// sgemm runs its parts on goroutines instead. OpenBLAS's own threads spin
// between calls and took a whole core from the trainer's parallel loops (a
// fifth of a step in the profile); the setting is process-wide too.
func init() {
	G.Use(netlib.Implementation{})
	tensor.Use(netlib.Implementation{})
	C.openblas_set_num_threads(1)
}

// sgemm is gemm for float32 through OpenBLAS, one single-threaded call per
// part of the product (see splitGemm), the parts in parallel; ws is not
// needed.
func sgemm(_ *gemmScratch, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	splitGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc, func(_, m, n int, a, b, c []float32) {
		blasEngine{}.Sgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	})
}
