package trainer

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
)

// This file holds the numeric kernels behind the trunk's Gorgonia ops, as
// plain generic functions over float32 (training) and float64 (gradient
// tests). Feature maps use the channel-major layout [C, M, S, S]: each
// channel's values for all M images of the batch are contiguous, so that a
// convolution over the whole batch is one matrix product and batch-norm
// statistics are reductions over contiguous memory.
//
// Every parallel loop splits its range into fixed contiguous parts and each
// index's result depends on that index alone, computed in a fixed order:
// results are bit-for-bit the same whatever the number of workers.

// float is the element type of the trainer's own ops.
type float interface{ float32 | float64 }

// colBudget bounds the elements of a convolution's patch matrix: the batch
// is processed in chunks of images whose patch matrix fits, so memory does
// not grow with the batch and the matrix stays warm between im2col and the
// product that reads it. It is a constant so that chunking, and with it the
// order of every sum, never depends on the machine.
const colBudget = 1 << 21

// gemm computes c = alpha·op(a)·op(b) + beta·c for row-major matrices:
// op(a) is [m, k], op(b) is [k, n], c is [m, n] with leading dimensions
// lda, ldb and ldc; tA and tB transpose a and b. float32 goes through sgemm
// (OpenBLAS under -tags openblas, else the package's own blocked sgemm,
// which packs into ws), float64 through blasEngine's Dgemm.
func gemm[T float](ws *gemmScratch, tA, tB bool, m, n, k int, alpha T, a []T, lda int,
	b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		sgemm(ws, tA, tB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb,
			float32(beta), any(c).([]float32), ldc)
	case []float64:
		blasEngine{}.Dgemm(trans(tA), trans(tB), m, n, k, float64(alpha), a, lda,
			any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// parallelFor calls body on contiguous parts [lo, hi) that together cover
// [0, n), one goroutine per part, at most one part per available CPU and
// none smaller than grain indices. It returns when all are done.
func parallelFor(n, grain int, body func(lo, hi int)) {
	parts := min(runtime.GOMAXPROCS(0), n/max(grain, 1))
	if parts <= 1 {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*n/parts, (p+1)*n/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(lo, hi)
		}()
	}
	wg.Wait()
}

// convGeom is the geometry of a same-padded, stride-1 convolution over a
// batch in channel-major layout: input [Cin, M, S, S], kernel
// [Cout, Cin, K, K], output [Cout, M, S, S].
type convGeom struct {
	cin, cout, k, m, s int
	// budget overrides colBudget when positive (tests use it to force
	// several chunks).
	budget int
}

func (g convGeom) pad() int  { return g.k / 2 }
func (g convGeom) area() int { return g.s * g.s }

// rows is the number of rows of the patch matrix, Cin·K·K.
func (g convGeom) rows() int { return g.cin * g.k * g.k }

// chunk is the number of images whose patch matrix fits colBudget.
func (g convGeom) chunk() int {
	budget := colBudget
	if g.budget > 0 {
		budget = g.budget
	}
	return max(1, min(g.m, budget/(g.rows()*g.area())))
}

// im2col writes the patch matrix of images [m0, m1) of x [Cin, M, S, S]
// into col [Cin·K·K, (m1−m0)·S·S]: row (ci, ky, kx), column (image, oy, ox)
// holds x[ci, image, oy+ky−pad, ox+kx−pad], zero outside the map.
func im2col[T float](g convGeom, x []T, m0, m1 int, col []T) {
	area, cols := g.area(), (m1-m0)*g.area()
	parallelFor(g.rows(), 4, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ci, dy, dx := r/(g.k*g.k), (r/g.k)%g.k-g.pad(), r%g.k-g.pad()
			src := x[(ci*g.m+m0)*area : (ci*g.m+m1)*area]
			dst := col[r*cols : (r+1)*cols]
			for i := range m1 - m0 {
				shiftPlane(dst[i*area:(i+1)*area], src[i*area:(i+1)*area], g.s, dy, dx)
			}
		}
	})
}

// shiftPlane sets out[oy, ox] = in[oy+dy, ox+dx] for maps of side s, zero
// where that falls outside. Shifting the flattened map by dy·s+dx moves
// every pixel at once; the columns that wrapped around are then cleared.
func shiftPlane[T float](out, in []T, s, dy, dx int) {
	area, shift := s*s, dy*s+dx
	lo, hi := max(0, -dy)*s, min(s, s-dy)*s // rows whose source row exists
	if lo >= hi {
		clear(out)
		return
	}
	a, b := max(lo, -shift), min(hi, area-shift)
	clear(out[:a])
	copy(out[a:b], in[a+shift:b+shift])
	clear(out[b:])
	switch {
	case dx > 0:
		for row := lo; row < hi; row += s {
			for ox := s - dx; ox < s; ox++ {
				out[row+ox] = 0
			}
		}
	case dx < 0:
		for row := lo; row < hi; row += s {
			for ox := range -dx {
				out[row+ox] = 0
			}
		}
	}
}

// col2im writes into images [m0, m1) of dx [Cin, M, S, S] the adjoint of
// im2col applied to dcol [Cin·K·K, (m1−m0)·S·S]: each input pixel receives
// the sum of the patch entries it was copied to, added in (ky, kx) order.
func col2im[T float](g convGeom, dcol []T, m0, m1 int, dx []T) {
	s, area, cols, kk := g.s, g.area(), (m1-m0)*g.area(), g.k*g.k
	parallelFor(g.cin, 1, func(lo, hi int) {
		for ci := lo; ci < hi; ci++ {
			dst := dx[(ci*g.m+m0)*area : (ci*g.m+m1)*area]
			clear(dst)
			for j := range kk {
				dy, ddx := j/g.k-g.pad(), j%g.k-g.pad()
				x0, x1 := max(0, -ddx), min(s, s-ddx)
				y0, y1 := max(0, -dy), min(s, s-dy)
				src := dcol[(ci*kk+j)*cols : (ci*kk+j+1)*cols]
				for i := range m1 - m0 {
					for oy := y0; oy < y1; oy++ {
						in := src[i*area+oy*s+x0 : i*area+oy*s+x1]
						out := dst[i*area+(oy+dy)*s+x0+ddx : i*area+(oy+dy)*s+x1+ddx]
						for ox, v := range in {
							out[ox] += v
						}
					}
				}
			}
		}
	})
}

// convForward computes y [Cout, M, S, S] = conv(x [Cin, M, S, S], w) chunk
// by chunk, using col as the patch matrix.
func convForward[T float](ws *gemmScratch, g convGeom, x, w, y, col []T) {
	area, ld := g.area(), g.m*g.area()
	for m0 := 0; m0 < g.m; m0 += g.chunk() {
		m1 := min(g.m, m0+g.chunk())
		cols := (m1 - m0) * area
		im2col(g, x, m0, m1, col)
		gemm(ws, false, false, g.cout, cols, g.rows(), 1, w, g.rows(), col, cols, 0,
			y[m0*area:], ld)
	}
}

// convBackwardW computes dw [Cout, Cin·K·K] = Σ_chunks dy·colᵀ, rebuilding
// each chunk's patch matrix into col; chunks are summed in order. The
// product is formed transposed, dwt [Cin·K·K, Cout] = Σ col·dyᵀ, so that the
// large patch matrix is read row by row (packing it transposed cost a third
// of the product) and only the small dyᵀ is read across; dwt is then
// transposed into dw.
func convBackwardW[T float](ws *gemmScratch, g convGeom, x, dy, dw, dwt, col []T) {
	area, ld := g.area(), g.m*g.area()
	for m0 := 0; m0 < g.m; m0 += g.chunk() {
		m1 := min(g.m, m0+g.chunk())
		cols := (m1 - m0) * area
		im2col(g, x, m0, m1, col)
		beta := T(1)
		if m0 == 0 {
			beta = 0
		}
		gemm(ws, false, true, g.rows(), g.cout, cols, 1, col, cols, dy[m0*area:], ld, beta,
			dwt, g.cout)
	}
	for co := range g.cout {
		for r := range g.rows() {
			dw[co*g.rows()+r] = dwt[r*g.cout+co]
		}
	}
}

// convBackwardX computes dx [Cin, M, S, S] = col2im(wᵀ·dy), chunk by chunk,
// using dcol as the patch-gradient matrix.
func convBackwardX[T float](ws *gemmScratch, g convGeom, w, dy, dx, dcol []T) {
	area, ld := g.area(), g.m*g.area()
	for m0 := 0; m0 < g.m; m0 += g.chunk() {
		m1 := min(g.m, m0+g.chunk())
		cols := (m1 - m0) * area
		gemm(ws, true, false, g.rows(), cols, g.cout, 1, w, g.rows(), dy[m0*area:], ld, 0, dcol,
			cols)
		col2im(g, dcol, m0, m1, dx)
	}
}
