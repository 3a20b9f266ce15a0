//go:build !openblas

package trainer

// sgemmKernel6x16 adds to the 6×16 block at c (leading dimension ldc) the
// product of a packed 6×k panel of a and a packed k×16 panel of b; k ≥ 1.
//
//go:noescape
func sgemmKernel6x16(k int, a, b, c *float32, ldc int)

func cpuid(leaf, sub uint32) (a, b, c, d uint32)

func xgetbv0() uint32

// hasFMA reports whether the CPU and the OS support AVX2 and FMA, which the
// assembly kernel needs.
func hasFMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if c1&fma == 0 || c1&osxsave == 0 || c1&avx == 0 {
		return false
	}
	if xgetbv0()&6 != 6 { // the OS saves XMM and YMM state
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0 // AVX2
}

// fastSgemm is true where the assembly kernel can run. It is computed once
// at start-up and never changes.
var fastSgemm = hasFMA()

// microKernel runs the assembly kernel on a full block.
func microKernel(k int, a, b, c []float32, ldc int) {
	sgemmKernel6x16(k, &a[0], &b[0], &c[0], ldc)
}
