//go:build !amd64 || openblas

package trainer

// fastSgemm is false off amd64, where sgemm uses gonum, and in the OpenBLAS
// build, whose cgo rules out Go assembly in this package.
const fastSgemm = false

// microKernel is the portable form of the amd64 kernel; it is not used
// while fastSgemm is false, but keeps blockedSgemm complete everywhere.
func microKernel(k int, a, b, c []float32, ldc int) {
	var acc [sgemmMR * sgemmNR]float32
	for l := range k {
		for r := range sgemmMR {
			for q := range sgemmNR {
				acc[r*sgemmNR+q] += a[l*sgemmMR+r] * b[l*sgemmNR+q]
			}
		}
	}
	for r := range sgemmMR {
		for q := range sgemmNR {
			c[r*ldc+q] += acc[r*sgemmNR+q]
		}
	}
}
