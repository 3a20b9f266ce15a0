package perturber

import (
	"math"
	"math/rand/v2"
)

// elasticStream is the second PCG seed of an elastic field's random stream;
// the first is the field's own seed, drawn from the view's stream.
const elasticStream = 0x9e3779b97f4a7c15

// elasticField holds the scratch buffers of one elastic deformation of a
// side×side image, and the smoothing kernel of its options.
type elasticField struct {
	side   int
	dx, dy []float32 // [side²] displacements in pixels, x right and y down
	tmp    []float32 // [side²] the first pass of the separable smoothing
	kernel []float32 // normalised Gaussian taps, centre at index radius
	radius int
	pcg    *rand.PCG // reseeded for every field, so that drawing allocates nothing
	rng    *rand.Rand
}

func newElasticField(side int, sigma float64) *elasticField {
	radius := int(math.Ceil(3 * sigma))
	kernel := make([]float32, 2*radius+1)
	var sum float64
	w := make([]float64, len(kernel))
	for k := -radius; k <= radius; k++ {
		w[k+radius] = math.Exp(-float64(k*k) / (2 * sigma * sigma))
		sum += w[k+radius]
	}
	for i := range w {
		kernel[i] = float32(w[i] / sum)
	}
	n := side * side
	pcg := rand.NewPCG(0, elasticStream)
	return &elasticField{
		side: side, radius: radius, kernel: kernel, pcg: pcg, rng: rand.New(pcg),
		dx: make([]float32, n), dy: make([]float32, n), tmp: make([]float32, n),
	}
}

// draw fills dx and dy with the displacement field of seed: uniform noise in
// [-1, 1) per pixel (all of dx's, then all of dy's), each smoothed with the
// Gaussian kernel, zero outside the image, and scaled by alpha.
func (f *elasticField) draw(seed uint64, alpha float64) {
	f.pcg.Seed(seed, elasticStream)
	for _, d := range [2][]float32{f.dx, f.dy} {
		for i := range d {
			d[i] = float32(2*f.rng.Float64() - 1)
		}
		f.smooth(d, float32(alpha))
	}
}

// smooth convolves the side×side image d in place with the kernel along
// rows, then along columns, treating pixels outside as 0, and scales the
// result by scale.
func (f *elasticField) smooth(d []float32, scale float32) {
	n, r := f.side, f.radius
	for y := range n {
		row := d[y*n : (y+1)*n]
		for x := range n {
			var s float32
			for k := max(-r, -x); k <= min(r, n-1-x); k++ {
				s += f.kernel[k+r] * row[x+k]
			}
			f.tmp[y*n+x] = s
		}
	}
	for y := range n {
		for x := range n {
			var s float32
			for k := max(-r, -y); k <= min(r, n-1-y); k++ {
				s += f.kernel[k+r] * f.tmp[(y+k)*n+x]
			}
			d[y*n+x] = scale * s
		}
	}
}

// warp writes into dst the side×side image src sampled at every pixel
// (x, y) from (x + dx, y + dy), bilinearly between the four nearest pixels,
// with pixels outside src taken as 0.
func (f *elasticField) warp(dst, src []float32) {
	n := f.side
	at := func(x, y int) float32 {
		if x < 0 || y < 0 || x >= n || y >= n {
			return 0
		}
		return src[y*n+x]
	}
	for y := range n {
		for x := range n {
			i := y*n + x
			u, v := float64(x)+float64(f.dx[i]), float64(y)+float64(f.dy[i])
			u0, v0 := math.Floor(u), math.Floor(v)
			fu, fv := float32(u-u0), float32(v-v0)
			x0, y0 := int(u0), int(v0)
			top := (1-fu)*at(x0, y0) + fu*at(x0+1, y0)
			bottom := (1-fu)*at(x0, y0+1) + fu*at(x0+1, y0+1)
			dst[i] = (1-fv)*top + fv*bottom
		}
	}
}
