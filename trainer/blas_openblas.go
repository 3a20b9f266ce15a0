//go:build openblas

package trainer

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BLAS names the matrix engine compiled in.
const BLAS = "OpenBLAS"

// blasEngine is the BLAS that the trainer's own ops call for every matrix
// product: OpenBLAS (Debian's libopenblas-dev) through cgo.
type blasEngine = netlib.Implementation

// init routes Gorgonia's and the tensor package's matrix products to
// OpenBLAS as well. Both packages keep their BLAS in a package variable, so
// this is process-wide by their design.
func init() {
	G.Use(netlib.Implementation{})
	tensor.Use(netlib.Implementation{})
}
