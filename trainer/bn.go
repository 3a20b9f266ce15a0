package trainer

import "math"

// Batch norm with batch statistics, fused with ReLU, over channel-major
// maps (see kernels.go). Sums are taken in float64 with four partial sums
// in a fixed order; float32 data takes branch-free paths, since the
// signs of normalised activations are random and branches on them
// mispredict half the time.

// bnStat is one group's batch statistics: mean and 1/√(var+ε).
type bnStat struct{ mean, inv float64 }

// bnGeom is the geometry of a batch norm over x [C, M·S·S] whose batch is
// made of groups equal parts (the views), each normalised with its own
// statistics.
type bnGeom struct {
	c, size, groups int // size = M·S·S per channel
	eps             float64
	// fixed, when set, holds one statistic per channel that replaces the
	// batch's own (population statistics at evaluation, EstimatePopulationBN).
	fixed []bnStat
}

func (g bnGeom) part() int { return g.size / g.groups }

// groupStat returns the statistics that normalise the values seg of one
// group of channel c: the fixed ones when g has them, else seg's own.
func groupStat[T float](g bnGeom, c int, seg []T) bnStat {
	if g.fixed != nil {
		return g.fixed[c]
	}
	return meanInv(seg, g.eps)
}

// bnReLUForward computes y = max(0, γ·x̂ + β) per channel, x̂ normalised by
// the statistics of its group, which it stores in stats [C·groups].
func bnReLUForward[T float](g bnGeom, x, gamma, beta, y []T, stats []bnStat) {
	parallelFor(g.c, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			for p := range g.groups {
				off := c*g.size + p*g.part()
				seg := x[off : off+g.part()]
				st := groupStat(g, c, seg)
				stats[c*g.groups+p] = st
				a, b := bnAffine[T](st, gamma[c], beta[c])
				affineReLU(seg, y[off:off+g.part()], a, b)
			}
		}
	})
}

// bnAffine returns a = γ·inv and b = β − mean·a, so that batch norm is
// a·x + b.
func bnAffine[T float](st bnStat, gamma, beta T) (T, T) {
	scale := float64(gamma) * st.inv
	return T(scale), T(float64(beta) - st.mean*scale)
}

// meanInv returns the mean of seg and 1/√(var+eps) with the biased
// variance, in one pass over the values shifted by the first one (which
// keeps Σd² − (Σd)²/n accurate: the shift is within a few deviations of
// the mean).
func meanInv[T float](seg []T, eps float64) bnStat {
	if len(seg) == 0 {
		return bnStat{inv: 1 / math.Sqrt(eps)}
	}
	shift := float64(seg[0])
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+4 <= len(seg); i += 4 {
		d0, d1 := float64(seg[i])-shift, float64(seg[i+1])-shift
		d2, d3 := float64(seg[i+2])-shift, float64(seg[i+3])-shift
		s0, s1, s2, s3 = s0+d0, s1+d1, s2+d2, s3+d3
		q0, q1, q2, q3 = q0+d0*d0, q1+d1*d1, q2+d2*d2, q3+d3*d3
	}
	for ; i < len(seg); i++ {
		d := float64(seg[i]) - shift
		s0, q0 = s0+d, q0+d*d
	}
	n := float64(len(seg))
	m := ((s0 + s1) + (s2 + s3)) / n
	v := max(0, ((q0+q1)+(q2+q3))/n-m*m)
	return bnStat{mean: shift + m, inv: 1 / math.Sqrt(v+eps)}
}

// affineReLU writes y = max(0, a·x + b).
func affineReLU[T float](x, y []T, a, b T) {
	if x32, ok := any(x).([]float32); ok {
		y32, a32, b32 := any(y).([]float32), float32(a), float32(b)
		for i, v := range x32 {
			z := a32*v + b32
			y32[i] = math.Float32frombits(math.Float32bits(z) & positive32(z))
		}
		return
	}
	for i, v := range x {
		y[i] = max(0, a*v+b)
	}
}

// relu returns max(0, z), branch-free for float32.
func relu[T float](z T) T {
	if z32, ok := any(z).(float32); ok {
		return T(math.Float32frombits(math.Float32bits(z32) & positive32(z32)))
	}
	return max(0, z)
}

// positive32 returns all ones when v > 0 (as a float32; NaNs with the sign
// bit clear count as positive) and zero otherwise, without a branch: for
// the bits m read as an int32, v > 0 exactly when m > 0, that is when both
// −m and ^m are negative.
func positive32(v float32) uint32 {
	m := int32(math.Float32bits(v))
	return uint32((-m &^ m) >> 31)
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
// and returns Σ dz·x̂ and Σ dz. The first pass stores dz in dx and sums;
// the second applies the affine map dx = a·dz + b·x + c.
func bnSegmentBackward[T float](x, y, dy, dx []T, gamma float64, st bnStat) (float64,
	float64) {
	sumDz, sumDzX := maskAndSum(x, y, dy, dx, st.mean)
	sumDzX *= st.inv
	a, b, c := bnBackwardCoeffs[T](gamma, st, sumDz, sumDzX, len(x))
	for i, d := range dx {
		dx[i] = a*d + b*x[i] + c
	}
	return sumDzX, sumDz
}

// bnBackwardCoeffs returns a, b, c such that the input gradient of a group
// of n values is dx = a·dz + b·x + c, given Σ dz and Σ dz·x̂: it is
// γ·inv·(dz − mean(dz) − x̂·mean(dz·x̂)) with x̂ = (x − mean)·inv.
func bnBackwardCoeffs[T float](gamma float64, st bnStat, sumDz, sumDzX float64,
	n int) (T, T, T) {
	k := gamma * st.inv
	mDz, mDzX := sumDz/float64(n), sumDzX/float64(n)
	return T(k), T(-k * mDzX * st.inv), T(-k*mDz + k*mDzX*st.inv*st.mean)
}

// maskAndSum writes dz = dy where y > 0 and 0 elsewhere, and returns Σ dz
// and Σ dz·(x − mean) in float64, each with four partial sums over the
// indices modulo four, added as (s0+s1)+(s2+s3): the order is fixed by the
// length alone, and the additions do not wait on each other.
func maskAndSum[T float](x, y, dy, dz []T, mean float64) (float64, float64) {
	if y32, ok := any(y).([]float32); ok {
		return maskAndSum32(any(x).([]float32), y32, any(dy).([]float32),
			any(dz).([]float32), mean)
	}
	var s, sx float64
	for i, v := range y {
		dz[i] = 0
		if v > 0 {
			dz[i] = dy[i]
			s += float64(dy[i])
			sx += float64(dy[i]) * (float64(x[i]) - mean)
		}
	}
	return s, sx
}

// maskAndSum32 is maskAndSum for float32, selecting with positive32 masks
// instead of branches.
func maskAndSum32(x, y, dy, dz []float32, mean float64) (float64, float64) {
	var s0, s1, s2, s3, t0, t1, t2, t3 float64
	i := 0
	for ; i+4 <= len(y); i += 4 {
		z0 := math.Float32frombits(math.Float32bits(dy[i]) & positive32(y[i]))
		z1 := math.Float32frombits(math.Float32bits(dy[i+1]) & positive32(y[i+1]))
		z2 := math.Float32frombits(math.Float32bits(dy[i+2]) & positive32(y[i+2]))
		z3 := math.Float32frombits(math.Float32bits(dy[i+3]) & positive32(y[i+3]))
		dz[i], dz[i+1], dz[i+2], dz[i+3] = z0, z1, z2, z3
		s0, s1, s2, s3 = s0+float64(z0), s1+float64(z1), s2+float64(z2), s3+float64(z3)
		t0 += float64(z0) * (float64(x[i]) - mean)
		t1 += float64(z1) * (float64(x[i+1]) - mean)
		t2 += float64(z2) * (float64(x[i+2]) - mean)
		t3 += float64(z3) * (float64(x[i+3]) - mean)
	}
	for ; i < len(y); i++ {
		z := math.Float32frombits(math.Float32bits(dy[i]) & positive32(y[i]))
		dz[i] = z
		s0 += float64(z)
		t0 += float64(z) * (float64(x[i]) - mean)
	}
	return (s0 + s1) + (s2 + s3), (t0 + t1) + (t2 + t3)
}
