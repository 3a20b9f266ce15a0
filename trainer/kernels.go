package trainer

import (
	"math"
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

// gemm computes c = alpha·op(a)·op(b) + beta·c through blasEngine, for
// row-major matrices: op(a) is [m, k], op(b) is [k, n], c is [m, n] with
// leading dimensions lda, ldb and ldc; tA and tB transpose a and b.
func gemm[T float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int,
	beta T, c []T, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	switch a := any(a).(type) {
	case []float32:
		blasEngine{}.Sgemm(ta, tb, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb,
			float32(beta), any(c).([]float32), ldc)
	case []float64:
		blasEngine{}.Dgemm(ta, tb, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb,
			float64(beta), any(c).([]float64), ldc)
	}
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
}

func (g convGeom) pad() int  { return g.k / 2 }
func (g convGeom) area() int { return g.s * g.s }

// rows is the number of rows of the patch matrix, Cin·K·K.
func (g convGeom) rows() int { return g.cin * g.k * g.k }

// chunk is the number of images whose patch matrix fits colBudget.
func (g convGeom) chunk() int {
	return max(1, min(g.m, colBudget/(g.rows()*g.area())))
}

// im2col writes the patch matrix of images [m0, m1) of x [Cin, M, S, S]
// into col [Cin·K·K, (m1−m0)·S·S]: row (ci, ky, kx), column (image, oy, ox)
// holds x[ci, image, oy+ky−pad, ox+kx−pad], zero outside the map.
func im2col[T float](g convGeom, x []T, m0, m1 int, col []T) {
	s, area, cols := g.s, g.area(), (m1-m0)*g.area()
	parallelFor(g.rows(), 4, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ci, dy, dx := r/(g.k*g.k), (r/g.k)%g.k-g.pad(), r%g.k-g.pad()
			dst := col[r*cols : (r+1)*cols]
			for mi := m0; mi < m1; mi++ {
				plane := x[(ci*g.m+mi)*area : (ci*g.m+mi+1)*area]
				out := dst[(mi-m0)*area : (mi-m0+1)*area]
				for oy := range s {
					shiftRow(out[oy*s:(oy+1)*s], plane, oy+dy, dx, s)
				}
			}
		}
	})
}

// shiftRow sets out[ox] = plane[iy, ox+dx] for a map of side s, zero where
// iy or ox+dx falls outside it.
func shiftRow[T float](out, plane []T, iy, dx, s int) {
	if iy < 0 || iy >= s {
		clear(out)
		return
	}
	src := plane[iy*s : (iy+1)*s]
	lo, hi := max(0, -dx), min(s, s-dx)
	clear(out[:lo])
	copy(out[lo:hi], src[lo+dx:hi+dx])
	clear(out[hi:])
}

// col2im writes into images [m0, m1) of dx [Cin, M, S, S] the adjoint of
// im2col applied to dcol [Cin·K·K, (m1−m0)·S·S]: each input pixel receives
// the sum of the patch entries it was copied to, added in (ky, kx) order.
func col2im[T float](g convGeom, dcol []T, m0, m1 int, dx []T) {
	s, area, cols, kk := g.s, g.area(), (m1-m0)*g.area(), g.k*g.k
	parallelFor(g.cin, 1, func(lo, hi int) {
		for ci := lo; ci < hi; ci++ {
			for mi := m0; mi < m1; mi++ {
				plane := dx[(ci*g.m+mi)*area : (ci*g.m+mi+1)*area]
				clear(plane)
				for j := range kk {
					r := ci*kk + j
					dy, ddx := j/g.k-g.pad(), j%g.k-g.pad()
					src := dcol[r*cols+(mi-m0)*area : r*cols+(mi-m0+1)*area]
					for oy := range s {
						addShiftedRow(plane, src[oy*s:(oy+1)*s], oy+dy, ddx, s)
					}
				}
			}
		}
	})
}

// addShiftedRow adds in[ox] to plane[iy, ox+dx] wherever that is inside the
// map of side s; it is the adjoint of shiftRow.
func addShiftedRow[T float](plane, in []T, iy, dx, s int) {
	if iy < 0 || iy >= s {
		return
	}
	dst := plane[iy*s : (iy+1)*s]
	lo, hi := max(0, -dx), min(s, s-dx)
	for ox := lo; ox < hi; ox++ {
		dst[ox+dx] += in[ox]
	}
}

// convForward computes y [Cout, M, S, S] = conv(x [Cin, M, S, S], w) chunk
// by chunk, using col as the patch matrix.
func convForward[T float](g convGeom, x, w, y, col []T) {
	area, ld := g.area(), g.m*g.area()
	for m0 := 0; m0 < g.m; m0 += g.chunk() {
		m1 := min(g.m, m0+g.chunk())
		cols := (m1 - m0) * area
		im2col(g, x, m0, m1, col)
		gemm(false, false, g.cout, cols, g.rows(), 1, w, g.rows(), col, cols, 0, y[m0*area:], ld)
	}
}

// convBackwardW computes dw [Cout, Cin·K·K] = Σ_chunks dy·colᵀ, rebuilding
// each chunk's patch matrix into col; chunks are summed in order.
func convBackwardW[T float](g convGeom, x, dy, dw, col []T) {
	area, ld := g.area(), g.m*g.area()
	for m0 := 0; m0 < g.m; m0 += g.chunk() {
		m1 := min(g.m, m0+g.chunk())
		cols := (m1 - m0) * area
		im2col(g, x, m0, m1, col)
		beta := T(1)
		if m0 == 0 {
			beta = 0
		}
		gemm(false, true, g.cout, g.rows(), cols, 1, dy[m0*area:], ld, col, cols, beta, dw,
			g.rows())
	}
}

// convBackwardX computes dx [Cin, M, S, S] = col2im(wᵀ·dy), chunk by chunk,
// using dcol as the patch-gradient matrix.
func convBackwardX[T float](g convGeom, w, dy, dx, dcol []T) {
	area, ld := g.area(), g.m*g.area()
	for m0 := 0; m0 < g.m; m0 += g.chunk() {
		m1 := min(g.m, m0+g.chunk())
		cols := (m1 - m0) * area
		gemm(true, false, g.rows(), cols, g.cout, 1, w, g.rows(), dy[m0*area:], ld, 0, dcol,
			cols)
		col2im(g, dcol, m0, m1, dx)
	}
}

// bnStat is one group's batch statistics: mean and 1/√(var+ε).
type bnStat struct{ mean, inv float64 }

// bnGeom is the geometry of a batch norm over x [C, M·S·S] whose batch is
// made of groups equal parts (the views), each normalised with its own
// statistics.
type bnGeom struct {
	c, size, groups int // size = M·S·S per channel
	eps             float64
}

func (g bnGeom) part() int { return g.size / g.groups }

// bnReLUForward computes y = max(0, γ·x̂ + β) per channel, x̂ normalised by
// the statistics of its group, which it stores in stats [C·groups].
func bnReLUForward[T float](g bnGeom, x, gamma, beta, y []T, stats []bnStat) {
	parallelFor(g.c, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			for p := range g.groups {
				off := c*g.size + p*g.part()
				seg, out := x[off:off+g.part()], y[off:off+g.part()]
				st := meanInv(seg, g.eps)
				stats[c*g.groups+p] = st
				scale := float64(gamma[c]) * st.inv
				a, b := T(scale), T(float64(beta[c])-st.mean*scale)
				for i, v := range seg {
					out[i] = max(0, a*v+b)
				}
			}
		}
	})
}

// meanInv returns the mean of seg and 1/√(var+eps) with the biased
// variance, summed in float64 in index order.
func meanInv[T float](seg []T, eps float64) bnStat {
	sum := 0.0
	for _, v := range seg {
		sum += float64(v)
	}
	mean := sum / float64(len(seg))
	ss := 0.0
	for _, v := range seg {
		d := float64(v) - mean
		ss += d * d
	}
	return bnStat{mean: mean, inv: 1 / math.Sqrt(ss/float64(len(seg))+eps)}
}

// bnReLUBackward computes dx from dy through the ReLU (where y > 0) and the
// batch norm with batch statistics, and the per-channel gradients dγ and dβ
// [C]; x, y, dy and dx are [C, M·S·S].
func bnReLUBackward[T float](g bnGeom, x, y, dy, gamma, dx, dgamma, dbeta []T,
	stats []bnStat) {
	parallelFor(g.c, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			var sg, sb float64
			for p := range g.groups {
				off := c*g.size + p*g.part()
				end := off + g.part()
				st := stats[c*g.groups+p]
				dg, db := bnSegmentBackward(x[off:end], y[off:end], dy[off:end], dx[off:end],
					float64(gamma[c]), st)
				sg += dg
				sb += db
			}
			dgamma[c], dbeta[c] = T(sg), T(sb)
		}
	})
}

// bnSegmentBackward handles one group of one channel: with dz = dy where
// y > 0 and 0 elsewhere, it writes dx = γ·inv·(dz − mean(dz) − x̂·mean(dz·x̂))
// and returns Σ dz·x̂ and Σ dz.
func bnSegmentBackward[T float](x, y, dy, dx []T, gamma float64, st bnStat) (float64,
	float64) {
	var sumDz, sumDzX float64
	for i, v := range y {
		if v > 0 {
			d := float64(dy[i])
			sumDz += d
			sumDzX += d * (float64(x[i]) - st.mean) * st.inv
		}
	}
	n := float64(len(x))
	k := gamma * st.inv
	mDz, mDzX := sumDz/n, sumDzX/n
	for i, v := range y {
		d := 0.0
		if v > 0 {
			d = float64(dy[i])
		}
		xh := (float64(x[i]) - st.mean) * st.inv
		dx[i] = T(k * (d - mDz - xh*mDzX))
	}
	return sumDzX, sumDz
}

// maxPoolForward applies a 2×2 max-pool of stride 2 to each of the planes
// of side s in x, writing y (side s/2, a trailing odd row or column is
// dropped) and, in arg, the index within its input plane of each maximum.
// Ties and NaNs keep the earliest candidate.
func maxPoolForward[T float](planes, s int, x, y []T, arg []int32) {
	so := s / 2
	parallelFor(planes, 8, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			in := x[p*s*s : (p+1)*s*s]
			for oy := range so {
				for ox := range so {
					j := int32(2*oy*s + 2*ox)
					best, at := in[j], j
					for _, c := range [3]int32{j + 1, j + int32(s), j + int32(s) + 1} {
						if in[c] > best {
							best, at = in[c], c
						}
					}
					o := p*so*so + oy*so + ox
					y[o], arg[o] = best, at
				}
			}
		}
	})
}

// maxPoolBackward routes dy to the maxima recorded by maxPoolForward and
// writes zero elsewhere in dx.
func maxPoolBackward[T float](planes, s int, dy, dx []T, arg []int32) {
	so := s / 2
	parallelFor(planes, 8, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			out := dx[p*s*s : (p+1)*s*s]
			clear(out)
			for o := p * so * so; o < (p+1)*so*so; o++ {
				out[arg[o]] = dy[o]
			}
		}
	})
}

// toFeatures turns x [C, M, A] (A = S·S) into f [M, C·A], the per-image
// flattening in PyTorch's order; fromFeatures is its inverse.
func toFeatures[T float](c, m, a int, x, f []T) {
	parallelFor(m, 16, func(lo, hi int) {
		for mi := lo; mi < hi; mi++ {
			for ci := range c {
				copy(f[(mi*c+ci)*a:(mi*c+ci+1)*a], x[(ci*m+mi)*a:(ci*m+mi+1)*a])
			}
		}
	})
}

func fromFeatures[T float](c, m, a int, f, x []T) {
	parallelFor(m, 16, func(lo, hi int) {
		for mi := lo; mi < hi; mi++ {
			for ci := range c {
				copy(x[(ci*m+mi)*a:(ci*m+mi+1)*a], f[(mi*c+ci)*a:(mi*c+ci+1)*a])
			}
		}
	})
}
