package perturber

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// slowElastic is the float64 reference of an elastic deformation of the
// side×side image img: the field's noise drawn as elasticField.draw
// defines it, smoothed by a direct two-dimensional sum over the whole
// Gaussian window (zero outside the image), scaled by alpha, and img
// sampled at (x + dx, y + dy) from its four neighbours.
func slowElastic(img []float32, side int, seed uint64, alpha, sigma float64) []float32 {
	rng := rand.New(rand.NewPCG(seed, elasticStream))
	noise := [2][]float64{make([]float64, side*side), make([]float64, side*side)}
	for _, d := range noise {
		for i := range d {
			d[i] = 2*rng.Float64() - 1
		}
	}
	r := int(math.Ceil(3 * sigma))
	var norm float64
	for k := -r; k <= r; k++ {
		norm += math.Exp(-float64(k*k) / (2 * sigma * sigma))
	}
	weight := func(i, j int) float64 {
		return math.Exp(-float64(i*i+j*j)/(2*sigma*sigma)) / (norm * norm)
	}
	field := func(d []float64, x, y int) float64 {
		var s float64
		for j := -r; j <= r; j++ {
			for i := -r; i <= r; i++ {
				u, v := x+i, y+j
				if u >= 0 && v >= 0 && u < side && v < side {
					s += weight(i, j) * d[v*side+u]
				}
			}
		}
		return alpha * s
	}
	pixel := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= side || y >= side {
			return 0
		}
		return float64(img[y*side+x])
	}
	dst := make([]float32, side*side)
	for y := range side {
		for x := range side {
			u := float64(x) + field(noise[0], x, y)
			v := float64(y) + field(noise[1], x, y)
			x0, y0 := int(math.Floor(u)), int(math.Floor(v))
			fu, fv := u-math.Floor(u), v-math.Floor(v)
			val := (1-fu)*(1-fv)*pixel(x0, y0) + fu*(1-fv)*pixel(x0+1, y0) +
				(1-fu)*fv*pixel(x0, y0+1) + fu*fv*pixel(x0+1, y0+1)
			dst[y*side+x] = float32(val)
		}
	}
	return dst
}

func TestElasticViewEqualsTheSlowReference(t *testing.T) {
	o := testOptions()
	o.ElasticProb = 1
	rng := rand.New(rand.NewPCG(61, 62))
	img := ToFloat(syntheticImages(1, 63).Image(0))
	for _, c := range []struct{ alpha, sigma float64 }{{34, 4}, {8, 1.5}, {2, 0.6}, {300, 6}} {
		o.ElasticAlpha, o.ElasticSigma = c.alpha, c.sigma
		p := DrawXPrimeParams(rng, o)
		if !p.Elastic {
			t.Fatalf("elastic_prob 1 drew an undeformed view: %+v", p)
		}
		got, err := ApplyXPrime(img, p, o)
		mustNoErr(t, err)
		if d := maxAbsDiff(t, got, slowXPrime(t, img, p, o)); d > tolerance {
			t.Errorf("alpha %g, sigma %g: differs from the reference by %g", c.alpha, c.sigma, d)
		}
		undeformed := p
		undeformed.Elastic, undeformed.ElasticSeed = false, 0
		plain, err := ApplyXPrime(img, undeformed, o)
		mustNoErr(t, err)
		if maxAbsDiff(t, got, plain) < 0.05 {
			t.Errorf("alpha %g, sigma %g: the deformation changed the view by under 0.05",
				c.alpha, c.sigma)
		}
	}
}

func TestElasticWarpMovesByTheField(t *testing.T) {
	const side = 6
	f := newElasticField(side, 1)
	src := randomImage(rand.New(rand.NewPCG(64, 65)), side, side)
	dst := make([]float32, side*side)
	for _, c := range []struct {
		name   string
		dx, dy float32
		want   func(x, y int) float32
	}{
		{"no displacement copies", 0, 0, func(x, y int) float32 { return src[y*side+x] }},
		{"one pixel right samples the right neighbour", 1, 0, func(x, y int) float32 {
			if x == side-1 {
				return 0
			}
			return src[y*side+x+1]
		}},
		{"half a pixel up averages with the pixel above", 0, -0.5, func(x, y int) float32 {
			if y == 0 {
				return src[x] / 2
			}
			return (src[y*side+x] + src[(y-1)*side+x]) / 2
		}},
		{"beyond the image is black", 0, side, func(int, int) float32 { return 0 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i := range f.dx {
				f.dx[i], f.dy[i] = c.dx, c.dy
			}
			f.warp(dst, src)
			for y := range side {
				for x := range side {
					if d := math.Abs(float64(dst[y*side+x] - c.want(x, y))); d > 1e-6 {
						t.Fatalf("pixel (%d, %d): got %g, want %g",
							x, y, dst[y*side+x], c.want(x, y))
					}
				}
			}
		})
	}
}

func TestElasticFieldIsSmoothAndScaledByAlpha(t *testing.T) {
	const side, sigma = 28, 4
	f := newElasticField(side, sigma)
	f.draw(7, 1)
	unit := append([]float32(nil), f.dx...)
	f.draw(7, 34)
	var rough, smooth, ratio float64
	for i, v := range f.dx {
		if unit[i] != 0 {
			ratio = math.Max(ratio, math.Abs(float64(v)/float64(unit[i])-34))
		}
		smooth += math.Abs(float64(v))
		if i%side > 0 {
			rough += math.Abs(float64(v - f.dx[i-1]))
		}
	}
	if ratio > 1e-3 {
		t.Errorf("alpha 34 is not 34 times alpha 1: off by up to %g", ratio)
	}
	// Neighbouring displacements of a field smoothed over 4 pixels differ
	// by far less than the displacements themselves; unsmoothed noise
	// would differ by about as much.
	if rough > smooth/3 {
		t.Errorf("mean neighbour difference %g against mean size %g: not smooth",
			rough/float64(side*(side-1)), smooth/float64(side*side))
	}
}

func TestElasticOffLeavesTheViewsAndTheirRandomStreamAlone(t *testing.T) {
	off := testOptions() // elastic_alpha and elastic_sigma are set, elastic_prob is 0
	noScale := testOptions()
	noScale.ElasticProb, noScale.ElasticAlpha = 1, 0
	plain := testOptions()
	plain.ElasticAlpha, plain.ElasticSigma = 0, 1
	for _, o := range []Options{off, noScale} {
		sameDraws(t, o, plain, func(p XPrimeParams) bool { return p.Elastic })
	}
	p := DrawXPrimeParams(rand.New(rand.NewPCG(68, 69)), off)
	p.Elastic = true
	img := make([]float32, MNISTSide*MNISTSide)
	if _, err := ApplyXPrime(img, p, off); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("deformed parameters with elastic off: err %v, want ErrInvalidOptions", err)
	}
}

func TestElasticDrawsAtItsProbabilityWithDistinctSeeds(t *testing.T) {
	o := testOptions()
	o.ElasticProb = 0.3
	rng := rand.New(rand.NewPCG(70, 71))
	const draws = 5000
	seeds := make(map[uint64]bool)
	for range draws {
		p := DrawXPrimeParams(rng, o)
		if !p.Elastic && p.ElasticSeed != 0 {
			t.Fatalf("undeformed view with field seed %d", p.ElasticSeed)
		}
		if p.Elastic {
			seeds[p.ElasticSeed] = true
		}
	}
	near(t, "deformed fraction", float64(len(seeds))/draws, o.ElasticProb, 0.03)
}
