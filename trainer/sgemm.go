package trainer

import "runtime"

// A float32 matrix product for the pure-Go build, blocked as in BLIS
// (Goto and van de Geijn): b is packed in panels of sgemmNR columns, a in
// panels of sgemmMR rows, and an assembly micro-kernel (amd64, AVX2 and
// FMA) computes each sgemmMR×sgemmNR block of c in registers. gonum's
// sgemm, which has no such kernel, reaches a fraction of the speed.
//
// Every element of c is computed by one goroutine, summing over k in
// blocks of sgemmKC in order, so results do not depend on the number of
// workers.

const (
	sgemmMR = 6
	sgemmNR = 16
	sgemmKC = 256
	sgemmMC = 96 // a multiple of sgemmMR
	sgemmNC = 2048
)

// gemmScratch holds the packing buffers of blockedSgemm, reused across
// calls; a nil *gemmScratch allocates per call.
type gemmScratch struct {
	buf []float32
}

func (s *gemmScratch) get(n int) []float32 {
	if s == nil {
		return make([]float32, n)
	}
	if cap(s.buf) < n {
		s.buf = make([]float32, n)
	}
	return s.buf[:n]
}

// packSize is the scratch one worker needs: a panel block of a and of b.
const packSize = sgemmMC*sgemmKC + sgemmKC*sgemmNC

// blockedSgemm computes c = alpha·op(a)·op(b) + beta·c for row-major
// matrices (see gemm), in parts computed in parallel (see splitGemm).
func blockedSgemm(ws *gemmScratch, tA, tB bool, m, n, k int, alpha float32, a []float32,
	lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	scaleC(m, n, beta, c, ldc)
	if k == 0 || alpha == 0 {
		return
	}
	pack := ws.get(gemmParts(m, n, k) * packSize)
	splitGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc, func(part, m, n int, a, b, c []float32) {
		sgemmSerial(pack[part*packSize:(part+1)*packSize], tA, tB, m, n, k, alpha, a, lda, b,
			ldb, c, ldc)
	})
}

// gemmParts is the number of parts splitGemm cuts a product into: one per
// CPU of the machine (not per GOMAXPROCS, so that the cut, and with it any
// engine's rounding, never depends on the Go scheduler's settings), fewer
// for small products.
func gemmParts(m, n, k int) int {
	unit, size := sgemmNR, n
	if m > n {
		unit, size = sgemmMR, m
	}
	work := 2 * int64(m) * int64(n) * int64(k) / (1 << 22)
	return int(max(1, min(int64(runtime.NumCPU()), int64((size+unit-1)/unit), work)))
}

// splitGemm cuts the product op(a)·op(b) into gemmParts parts along the
// larger of m and n, in multiples of the micro-kernel's block, and calls run
// on each part with its sizes and its views of a, b and c, the parts in
// parallel. Every element of c belongs to one part.
func splitGemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int,
	c []float32, ldc int, run func(part, m, n int, a, b, c []float32)) {
	parts := gemmParts(m, n, k)
	unit, size := sgemmNR, n
	if m > n {
		unit, size = sgemmMR, m
	}
	blocks := (size + unit - 1) / unit
	parallelFor(parts, 1, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			p0, p1 := p*blocks/parts*unit, min(size, (p+1)*blocks/parts*unit)
			if m > n {
				run(p, p1-p0, n, offsetA(a, tA, lda, p0), b, c[p0*ldc:])
			} else {
				run(p, m, p1-p0, a, offsetB(b, tB, ldb, p0), c[p0:])
			}
		}
	})
}

// offsetA returns a starting at row i of op(a); offsetB b starting at
// column j of op(b).
func offsetA(a []float32, tA bool, lda, i int) []float32 {
	if tA {
		return a[i:]
	}
	return a[i*lda:]
}

func offsetB(b []float32, tB bool, ldb, j int) []float32 {
	if tB {
		return b[j*ldb:]
	}
	return b[j:]
}

// scaleC multiplies the m×n matrix c by beta (clearing it for beta 0).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// sgemmSerial adds alpha·op(a)·op(b) to c on the calling goroutine, using
// buf (packSize floats) for the packed panels.
func sgemmSerial(buf []float32, tA, tB bool, m, n, k int, alpha float32, a []float32,
	lda int, b []float32, ldb int, c []float32, ldc int) {
	ap, bp := buf[:sgemmMC*sgemmKC], buf[sgemmMC*sgemmKC:]
	for jc := 0; jc < n; jc += sgemmNC {
		nb := min(sgemmNC, n-jc)
		for pc := 0; pc < k; pc += sgemmKC {
			kb := min(sgemmKC, k-pc)
			packB(tB, b, ldb, pc, jc, kb, nb, bp)
			for ic := 0; ic < m; ic += sgemmMC {
				mb := min(sgemmMC, m-ic)
				packA(tA, a, lda, ic, pc, mb, kb, alpha, ap)
				macroKernel(mb, nb, kb, ap, bp, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// packA copies rows [i0, i0+mb) and columns [l0, l0+kb) of op(a), times
// alpha, into panels of sgemmMR rows stored column by column, padding the
// last panel with zeros.
func packA(tA bool, a []float32, lda, i0, l0, mb, kb int, alpha float32, ap []float32) {
	for ip := 0; ip < mb; ip += sgemmMR {
		panel := ap[ip*kb : (ip+sgemmMR)*kb]
		rows := min(sgemmMR, mb-ip)
		switch {
		case tA && rows == sgemmMR:
			for l := range kb {
				src := a[(l0+l)*lda+i0+ip:]
				dst := (*[sgemmMR]float32)(panel[l*sgemmMR:])
				*dst = [sgemmMR]float32(src[:sgemmMR])
			}
		case !tA && rows == sgemmMR:
			packRows6(a, lda, i0+ip, l0, kb, panel)
		default:
			packEdgeA(tA, a, lda, i0+ip, l0, rows, kb, panel)
		}
		if alpha != 1 {
			for i := range panel {
				panel[i] *= alpha
			}
		}
	}
}

// packRows6 interleaves rows [i, i+6) of a, columns [l0, l0+kb), into
// panel: six reads and one 24-byte write per column. The rows are resliced
// to one length so that the compiler drops the bounds checks.
func packRows6(a []float32, lda, i, l0, kb int, panel []float32) {
	row := func(q int) []float32 { return a[(i+q)*lda+l0 : (i+q)*lda+l0+kb] }
	r0 := row(0)
	r1, r2, r3, r4, r5 := row(1)[:len(r0)], row(2)[:len(r0)], row(3)[:len(r0)],
		row(4)[:len(r0)], row(5)[:len(r0)]
	panel = panel[:len(r0)*sgemmMR]
	for l := range r0 {
		d := panel[l*sgemmMR : l*sgemmMR+sgemmMR : l*sgemmMR+sgemmMR]
		d[0], d[1], d[2], d[3], d[4], d[5] = r0[l], r1[l], r2[l], r3[l], r4[l], r5[l]
	}
}

// packEdgeA packs a panel of fewer than sgemmMR rows, zero-padded.
func packEdgeA(tA bool, a []float32, lda, i0, l0, rows, kb int, panel []float32) {
	clear(panel)
	for r := range rows {
		for l := range kb {
			if tA {
				panel[l*sgemmMR+r] = a[(l0+l)*lda+i0+r]
			} else {
				panel[l*sgemmMR+r] = a[(i0+r)*lda+l0+l]
			}
		}
	}
}

// packB copies rows [l0, l0+kb) and columns [j0, j0+nb) of op(b) into
// panels of sgemmNR columns stored row by row, padding the last panel with
// zeros. Without transposition it reads each row of b once, in order.
func packB(tB bool, b []float32, ldb, l0, j0, kb, nb int, bp []float32) {
	if tB {
		packTransB(b, ldb, l0, j0, kb, nb, bp)
		return
	}
	full := nb / sgemmNR * sgemmNR
	for l := range kb {
		row := b[(l0+l)*ldb+j0 : (l0+l)*ldb+j0+nb]
		for jp := 0; jp < full; jp += sgemmNR {
			dst := (*[sgemmNR]float32)(bp[jp*kb+l*sgemmNR:])
			*dst = [sgemmNR]float32(row[jp : jp+sgemmNR])
		}
		if full < nb {
			dst := bp[full*kb+l*sgemmNR : full*kb+(l+1)*sgemmNR]
			copy(dst, row[full:])
			clear(dst[nb-full:])
		}
	}
}

// packTransB is packB for transposed b: column j of op(b) is row j of b.
func packTransB(b []float32, ldb, l0, j0, kb, nb int, bp []float32) {
	for jp := 0; jp < nb; jp += sgemmNR {
		panel := bp[jp*kb : (jp+sgemmNR)*kb]
		cols := min(sgemmNR, nb-jp)
		if cols < sgemmNR {
			clear(panel)
		}
		for q := range cols {
			col := b[(j0+jp+q)*ldb+l0 : (j0+jp+q)*ldb+l0+kb]
			for l, v := range col {
				panel[l*sgemmNR+q] = v
			}
		}
	}
}

// macroKernel adds the product of the packed blocks ap (mb×kb) and bp
// (kb×nb) to c, one sgemmMR×sgemmNR block at a time; blocks on the edges
// go through a zeroed buffer so that the kernel never writes outside c.
func macroKernel(mb, nb, kb int, ap, bp, c []float32, ldc int) {
	var edge [sgemmMR * sgemmNR]float32
	for jp := 0; jp < nb; jp += sgemmNR {
		cols := min(sgemmNR, nb-jp)
		for ip := 0; ip < mb; ip += sgemmMR {
			rows := min(sgemmMR, mb-ip)
			a, b := ap[ip*kb:(ip+sgemmMR)*kb], bp[jp*kb:(jp+sgemmNR)*kb]
			if rows == sgemmMR && cols == sgemmNR {
				microKernel(kb, a, b, c[ip*ldc+jp:], ldc)
				continue
			}
			clear(edge[:])
			microKernel(kb, a, b, edge[:], sgemmNR)
			for r := range rows {
				dst := c[(ip+r)*ldc+jp : (ip+r)*ldc+jp+cols]
				for q := range dst {
					dst[q] += edge[r*sgemmNR+q]
				}
			}
		}
	}
}
