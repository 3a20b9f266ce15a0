package trainer

import "math"

// Batch norm + ReLU fused with the 2×2 max-pool that follows it, and the
// trunk's flattening, over channel-major maps (see kernels.go). The fused
// op never stores the full activation: forward writes only the pooled
// values and the position of each maximum, and backward recomputes the
// ReLU mask at those positions from the conv output.

// bnReLUPoolForward computes, per channel and group, the batch statistics
// of x [C, M, S, S] (stored in stats) and y = maxpool(max(0, a·x + b))
// [C, M, S/2, S/2] with a = γ·inv and b = β − mean·a; arg receives the index
// within its input plane of each window's maximum. A trailing odd row or
// column is dropped. Ties keep the earliest candidate in the order (0,0),
// (0,1), (1,0), (1,1).
func bnReLUPoolForward[T float](g bnGeom, s int, x, gamma, beta, y []T, arg []int32,
	stats []bnStat) {
	area, so := s*s, (s/2)*(s/2)
	parallelFor(g.c, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			for p := range g.groups {
				off := c*g.size + p*g.part()
				st := groupStat(g, c, x[off:off+g.part()])
				stats[c*g.groups+p] = st
				a, b := bnAffine[T](st, gamma[c], beta[c])
				for pl := off / area; pl < (off+g.part())/area; pl++ {
					poolAffineReLU(x[pl*area:(pl+1)*area], y[pl*so:(pl+1)*so],
						arg[pl*so:(pl+1)*so], s, a, b)
				}
			}
		}
	})
}

// poolAffineReLU pools one plane of side s: out holds max(0, a·v + b) of
// each window's largest a·v + b, at its index within the plane. Ties keep
// the earliest candidate.
func poolAffineReLU[T float](in, out []T, at []int32, s int, a, b T) {
	if in32, ok := any(in).([]float32); ok {
		poolAffineReLU32(in32, any(out).([]float32), at, s, float32(a), float32(b))
		return
	}
	so := s / 2
	for oy := range so {
		for ox := range so {
			j := 2*oy*s + 2*ox
			best := j
			for _, c := range [3]int{j + 1, j + s, j + s + 1} {
				if a*in[c]+b > a*in[best]+b {
					best = c
				}
			}
			out[oy*so+ox], at[oy*so+ox] = max(0, a*in[best]+b), int32(best)
		}
	}
}

// poolAffineReLU32 is poolAffineReLU for float32, without branches: it
// compares order-preserving integer keys of a·v + b with integer max and
// sign arithmetic, and applies the ReLU to the winning key (for a positive
// float the key is its bits).
func poolAffineReLU32(in, out []float32, at []int32, s int, a, b float32) {
	so := s / 2
	for oy := range so {
		r0, r1 := in[2*oy*s:2*oy*s+s], in[(2*oy+1)*s:(2*oy+1)*s+s]
		o, t := out[oy*so:oy*so+so], at[oy*so:oy*so+so]
		for ox := range o {
			k0, k1 := orderKey(a*r0[2*ox]+b), orderKey(a*r0[2*ox+1]+b)
			k2, k3 := orderKey(a*r1[2*ox]+b), orderKey(a*r1[2*ox+1]+b)
			i01 := above(k1, k0)
			i23 := int32(s) + above(k3, k2)
			k01, k23 := max(k0, k1), max(k2, k3)
			i := i01 + above(k23, k01)*(i23-i01)
			k := max(k01, k23)
			o[ox] = math.Float32frombits(uint32(k) & uint32((-k&^k)>>31))
			t[ox] = int32(2*oy*s+2*ox) + i
		}
	}
}

// above returns 1 when x > y and 0 otherwise, by the sign of y − x.
func above(x, y int32) int32 {
	return int32(uint64(int64(y)-int64(x)) >> 63)
}

// orderKey maps a float32 to an int32 whose order is the float's (for
// everything but NaN): negative floats have their magnitude bits flipped.
func orderKey(v float32) int32 {
	b := int32(math.Float32bits(v))
	return b ^ (b >> 31 & 0x7fffffff)
}

// bnReLUPoolBackward maps dy [C, M, S/2, S/2], the gradient of
// bnReLUPoolForward's output, to dx [C, M, S, S] and the per-channel dγ and
// dβ [C]. Only the recorded maxima whose a·x + b is positive receive
// gradient (dz); dx is then γ·inv·(dz − mean(dz) − x̂·mean(dz·x̂)) over each
// group.
func bnReLUPoolBackward[T float](g bnGeom, s int, x, gamma, beta, dy, dx, dgamma,
	dbeta []T, arg []int32, stats []bnStat) {
	area, so := s*s, (s/2)*(s/2)
	parallelFor(g.c, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			var sg, sb float64
			for p := range g.groups {
				off, n := c*g.size+p*g.part(), g.part()
				st := stats[c*g.groups+p]
				a, b := bnAffine[T](st, gamma[c], beta[c])
				p0, p1 := off/area, (off+n)/area
				sumDz, sumDzX := 0.0, 0.0
				for pl := p0; pl < p1; pl++ {
					xp := x[pl*area : (pl+1)*area]
					for o, pos := range arg[pl*so : (pl+1)*so] {
						if v := xp[pos]; a*v+b > 0 {
							d := float64(dy[pl*so+o])
							sumDz += d
							sumDzX += d * (float64(v) - st.mean)
						}
					}
				}
				sumDzX *= st.inv
				ka, kb, kc := bnBackwardCoeffs[T](float64(gamma[c]), st, sumDz, sumDzX, n)
				xs, ds := x[off:off+n], dx[off:off+n]
				for i, v := range xs {
					ds[i] = kb*v + kc
				}
				for pl := p0; pl < p1; pl++ {
					xp, dp := x[pl*area:(pl+1)*area], dx[pl*area:(pl+1)*area]
					for o, pos := range arg[pl*so : (pl+1)*so] {
						if a*xp[pos]+b > 0 {
							dp[pos] += ka * dy[pl*so+o]
						}
					}
				}
				sg += sumDzX
				sb += sumDz
			}
			dgamma[c], dbeta[c] = T(sg), T(sb)
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
