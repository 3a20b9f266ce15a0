package trainer

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Slow references, written straight from the definitions in the usual
// [N, C, S, S] layout with plain loops.

// slowConv is a same-padded, stride-1 convolution without bias.
func slowConv(x, w []float64, n, cin, cout, k, s int) []float64 {
	y := make([]float64, n*cout*s*s)
	pad := k / 2
	for i := range n {
		for co := range cout {
			for oy := range s {
				for ox := range s {
					sum := 0.0
					for ci := range cin {
						for ky := range k {
							for kx := range k {
								iy, ix := oy+ky-pad, ox+kx-pad
								if iy < 0 || iy >= s || ix < 0 || ix >= s {
									continue
								}
								sum += x[((i*cin+ci)*s+iy)*s+ix] * w[((co*cin+ci)*k+ky)*k+kx]
							}
						}
					}
					y[((i*cout+co)*s+oy)*s+ox] = sum
				}
			}
		}
	}
	return y
}

// slowBNReLU normalises each channel of each group of n/groups images with
// that group's mean and biased variance, then scales, shifts and rectifies.
func slowBNReLU(x, gamma, beta []float64, n, c, s, groups int, eps float64) []float64 {
	y := make([]float64, len(x))
	per := n / groups
	for ch := range c {
		for g := range groups {
			var vals []float64
			for i := g * per; i < (g+1)*per; i++ {
				vals = append(vals, x[(i*c+ch)*s*s:(i*c+ch+1)*s*s]...)
			}
			mean, sq := 0.0, 0.0
			for _, v := range vals {
				mean += v / float64(len(vals))
			}
			for _, v := range vals {
				sq += (v - mean) * (v - mean) / float64(len(vals))
			}
			for i := g * per; i < (g+1)*per; i++ {
				for j := (i*c + ch) * s * s; j < (i*c+ch+1)*s*s; j++ {
					z := gamma[ch]*(x[j]-mean)/math.Sqrt(sq+eps) + beta[ch]
					y[j] = math.Max(0, z)
				}
			}
		}
	}
	return y
}

// slowMaxPool takes the maximum of each 2×2 window of stride 2.
func slowMaxPool(x []float64, planes, s int) []float64 {
	so := s / 2
	y := make([]float64, planes*so*so)
	for p := range planes {
		for oy := range so {
			for ox := range so {
				m := math.Inf(-1)
				for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
					m = math.Max(m, x[(p*s+2*oy+d[0])*s+2*ox+d[1]])
				}
				y[(p*so+oy)*so+ox] = m
			}
		}
	}
	return y
}

// toCM turns [N, C, A] into the trunk's channel-major [C, N, A].
func toCM(x []float64, n, c, a int) []float64 {
	out := make([]float64, len(x))
	for i := range n {
		for ch := range c {
			copy(out[(ch*n+i)*a:(ch*n+i+1)*a], x[(i*c+ch)*a:(i*c+ch+1)*a])
		}
	}
	return out
}

func randomSlice(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

func maxDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// numGrad returns the central-difference gradient of f with respect to p,
// perturbing p in place and restoring it.
func numGrad(p []float64, f func() float64) []float64 {
	const h = 1e-6
	g := make([]float64, len(p))
	for i := range p {
		old := p[i]
		p[i] = old + h
		up := f()
		p[i] = old - h
		down := f()
		p[i] = old
		g[i] = (up - down) / (2 * h)
	}
	return g
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// relErr is the largest |a−b| relative to the larger magnitude (at least 1).
func relErr(a, b []float64) float64 {
	e := 0.0
	for i := range a {
		e = math.Max(e, math.Abs(a[i]-b[i])/math.Max(1, math.Max(math.Abs(a[i]), math.Abs(b[i]))))
	}
	return e
}

var convCases = []struct {
	name               string
	n, cin, cout, k, s int
	budget             int
}{
	{"3x3 kernel on an even map in one chunk", 3, 2, 4, 3, 6, 0},
	{"5x5 kernel on an odd map in one chunk", 2, 3, 2, 5, 5, 0},
	{"3x3 kernel split into chunks of two images", 5, 2, 3, 3, 4, 2 * 2 * 9 * 16},
	{"1x1 kernel, one image per chunk", 3, 4, 2, 1, 3, 1},
}

func TestConvMatchesReference(t *testing.T) {
	for _, tc := range convCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.s)))
			g := convGeom{cin: tc.cin, cout: tc.cout, k: tc.k, m: tc.n, s: tc.s,
				budget: tc.budget}
			x := randomSlice(rng, tc.n*tc.cin*tc.s*tc.s)
			w := randomSlice(rng, tc.cout*tc.cin*tc.k*tc.k)
			want := toCM(slowConv(x, w, tc.n, tc.cin, tc.cout, tc.k, tc.s), tc.n, tc.cout,
				tc.s*tc.s)
			got := make([]float64, len(want))
			col := make([]float64, g.rows()*g.chunk()*g.area())
			convForward(nil, g, toCM(x, tc.n, tc.cin, tc.s*tc.s), w, got, col)
			if d := maxDiff(got, want); d > 1e-12 {
				t.Fatalf("max difference %.3g from the reference", d)
			}
		})
	}
}

func TestConvGradientsMatchFiniteDifferences(t *testing.T) {
	for _, tc := range convCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2, uint64(tc.s)))
			g := convGeom{cin: tc.cin, cout: tc.cout, k: tc.k, m: tc.n, s: tc.s,
				budget: tc.budget}
			x := randomSlice(rng, tc.n*tc.cin*tc.s*tc.s)
			w := randomSlice(rng, tc.cout*tc.cin*tc.k*tc.k)
			r := randomSlice(rng, tc.n*tc.cout*tc.s*tc.s)
			col := make([]float64, g.rows()*g.chunk()*g.area())
			y := make([]float64, len(r))
			loss := func() float64 {
				convForward(nil, g, x, w, y, col)
				return dot(r, y)
			}
			dw, dx := make([]float64, len(w)), make([]float64, len(x))
			convBackwardW(nil, g, x, r, dw, make([]float64, len(w)), col)
			convBackwardX(nil, g, w, r, dx, col)
			if e := relErr(dw, numGrad(w, loss)); e > 1e-7 {
				t.Errorf("kernel gradient: relative error %.3g", e)
			}
			if e := relErr(dx, numGrad(x, loss)); e > 1e-7 {
				t.Errorf("input gradient: relative error %.3g", e)
			}
		})
	}
}

var bnCases = []struct {
	name           string
	n, c, s, group int
}{
	{"one group", 4, 3, 3, 1},
	{"two views with their own statistics", 6, 2, 4, 2},
}

func TestBNReLUMatchesReference(t *testing.T) {
	for _, tc := range bnCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(tc.n)))
			x := randomSlice(rng, tc.n*tc.c*tc.s*tc.s)
			for i := range x {
				x[i] = x[i]*2 + float64(i%tc.c) // channels with distinct means
			}
			gamma, beta := randomSlice(rng, tc.c), randomSlice(rng, tc.c)
			const eps = 1e-5
			a := tc.s * tc.s
			want := toCM(slowBNReLU(x, gamma, beta, tc.n, tc.c, tc.s, tc.group, eps), tc.n,
				tc.c, a)
			g := bnGeom{c: tc.c, size: tc.n * a, groups: tc.group, eps: eps}
			got := make([]float64, len(x))
			bnReLUForward(g, toCM(x, tc.n, tc.c, a), gamma, beta, got,
				make([]bnStat, tc.c*tc.group))
			if d := maxDiff(got, want); d > 1e-12 {
				t.Fatalf("max difference %.3g from the reference", d)
			}
		})
	}
}

func TestBNReLUGradientsMatchFiniteDifferences(t *testing.T) {
	for _, tc := range bnCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(4, uint64(tc.n)))
			size := tc.n * tc.s * tc.s
			g := bnGeom{c: tc.c, size: size, groups: tc.group, eps: 1e-5}
			x, r := randomSlice(rng, tc.c*size), randomSlice(rng, tc.c*size)
			gamma, beta := randomSlice(rng, tc.c), randomSlice(rng, tc.c)
			y, stats := make([]float64, len(x)), make([]bnStat, tc.c*tc.group)
			loss := func() float64 {
				bnReLUForward(g, x, gamma, beta, y, stats)
				return dot(r, y)
			}
			loss()
			dx, dg, db := make([]float64, len(x)), make([]float64, tc.c),
				make([]float64, tc.c)
			bnReLUBackward(g, x, y, r, gamma, dx, dg, db, stats)
			for _, c := range []struct {
				name     string
				got, wrt []float64
			}{{"input", dx, x}, {"scale", dg, gamma}, {"shift", db, beta}} {
				if e := relErr(c.got, numGrad(c.wrt, loss)); e > 1e-6 {
					t.Errorf("%s gradient: relative error %.3g", c.name, e)
				}
			}
		})
	}
}

var poolCases = []struct {
	name            string
	n, c, s, groups int
}{
	{"even maps, one group", 3, 2, 4, 1},
	{"odd maps drop their last row and column", 4, 2, 5, 2},
}

func TestBNReLUPoolMatchesReference(t *testing.T) {
	for _, tc := range poolCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, uint64(tc.s)))
			a, so := tc.s*tc.s, (tc.s/2)*(tc.s/2)
			x := randomSlice(rng, tc.n*tc.c*a)
			gamma, beta := randomSlice(rng, tc.c), randomSlice(rng, tc.c)
			const eps = 1e-5
			bn := slowBNReLU(x, gamma, beta, tc.n, tc.c, tc.s, tc.groups, eps)
			want := toCM(slowMaxPool(bn, tc.n*tc.c, tc.s), tc.n, tc.c, so)
			g := bnGeom{c: tc.c, size: tc.n * a, groups: tc.groups, eps: eps}
			got, arg := make([]float64, len(want)), make([]int32, len(want))
			bnReLUPoolForward(g, tc.s, toCM(x, tc.n, tc.c, a), gamma, beta, got, arg,
				make([]bnStat, tc.c*tc.groups))
			if d := maxDiff(got, want); d > 1e-12 {
				t.Fatalf("max difference %.3g from the reference", d)
			}
		})
	}
}

func TestBNReLUPoolGradientsMatchFiniteDifferences(t *testing.T) {
	for _, tc := range poolCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(6, uint64(tc.s)))
			size, so := tc.n*tc.s*tc.s, (tc.s/2)*(tc.s/2)
			g := bnGeom{c: tc.c, size: size, groups: tc.groups, eps: 1e-5}
			x, r := randomSlice(rng, tc.c*size), randomSlice(rng, tc.c*tc.n*so)
			gamma, beta := randomSlice(rng, tc.c), randomSlice(rng, tc.c)
			y, arg := make([]float64, len(r)), make([]int32, len(r))
			stats := make([]bnStat, tc.c*tc.groups)
			loss := func() float64 {
				bnReLUPoolForward(g, tc.s, x, gamma, beta, y, arg, stats)
				return dot(r, y)
			}
			loss()
			dx, dg, db := make([]float64, len(x)), make([]float64, tc.c),
				make([]float64, tc.c)
			bnReLUPoolBackward(g, tc.s, x, gamma, beta, r, dx, dg, db, arg, stats)
			for _, c := range []struct {
				name     string
				got, wrt []float64
			}{{"input", dx, x}, {"scale", dg, gamma}, {"shift", db, beta}} {
				if e := relErr(c.got, numGrad(c.wrt, loss)); e > 1e-6 {
					t.Errorf("%s gradient: relative error %.3g", c.name, e)
				}
			}
		})
	}
}

func TestBNReLUPoolFloat32FollowsFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const n, c, s = 6, 3, 6
	x := randomSlice(rng, n*c*s*s)
	gamma, beta := randomSlice(rng, c), randomSlice(rng, c)
	g := bnGeom{c: c, size: n * s * s, groups: 2, eps: 1e-5}
	y64, arg64 := make([]float64, len(x)/4), make([]int32, len(x)/4)
	bnReLUPoolForward(g, s, x, gamma, beta, y64, arg64, make([]bnStat, 2*c))
	y32, arg32 := make([]float32, len(x)/4), make([]int32, len(x)/4)
	bnReLUPoolForward(g, s, toFloat32s(x), toFloat32s(gamma), toFloat32s(beta), y32, arg32,
		make([]bnStat, 2*c))
	for i := range y64 {
		if d := math.Abs(float64(y32[i]) - y64[i]); d > 1e-5 {
			t.Fatalf("output %d: float32 %v, float64 %v", i, y32[i], y64[i])
		}
	}
}

func toFloat32s(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func TestFeaturesFlattenPerImageAndInvert(t *testing.T) {
	const c, m, a = 3, 4, 5
	x := make([]float64, c*m*a)
	for i := range x {
		x[i] = float64(i)
	}
	f, back := make([]float64, len(x)), make([]float64, len(x))
	toFeatures(c, m, a, x, f)
	for i := range m {
		for ch := range c {
			for p := range a {
				if got, want := f[(i*c+ch)*a+p], x[(ch*m+i)*a+p]; got != want {
					t.Fatalf("feature (%d, %d, %d) = %v, want %v", i, ch, p, got, want)
				}
			}
		}
	}
	fromFeatures(c, m, a, f, back)
	if d := maxDiff(back, x); d != 0 {
		t.Fatalf("round trip differs by %v", d)
	}
}

func TestParallelForCoversEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 7, 100} {
		seen := make([]int, n)
		parallelFor(n, 2, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: index %d visited %d times, want 1", n, i, c)
			}
		}
	}
}
