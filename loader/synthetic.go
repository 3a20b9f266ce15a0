package loader

import (
	"math"
	"math/rand/v2"
)

// syntheticStream is the PCG stream constant of Synthetic's generator.
const syntheticStream = 0x5eed_d161_7500_0001

// Ranges of the per-image variations of Synthetic, in pixels where a unit
// applies.
const (
	synthShift     = 3.0  // centre offset, uniform in ±synthShift on each axis
	synthScaleMin  = 0.85 // shape scale, uniform in [synthScaleMin, synthScaleMax]
	synthScaleMax  = 1.15
	synthHalfMin   = 0.8 // half stroke width, uniform in [synthHalfMin, synthHalfMax]
	synthHalfMax   = 1.6
	synthInkMin    = 0.6  // stroke intensity as a fraction of 255, up to 1
	synthNoiseGrey = 16.0 // additive noise, uniform in ±synthNoiseGrey grey levels
)

// stroke is one primitive of a synthetic digit in shape coordinates
// (pixels from the image centre, y down): a segment from (x0, y0) to
// (x1, y1), or, when ring is set, a circle of radius r around (x0, y0).
type stroke struct {
	x0, y0, x1, y1 float64
	ring           bool
	r              float64
}

// seg and circle build strokes.
func seg(x0, y0, x1, y1 float64) stroke { return stroke{x0: x0, y0: y0, x1: x1, y1: y1} }
func circle(r float64) stroke           { return stroke{ring: true, r: r} }

// synthShapes returns the strokes of the ten synthetic classes: ring,
// vertical bar, horizontal bar, falling and rising diagonals, plus, cross,
// square, "=" and "T".
func synthShapes() [10][]stroke {
	return [10][]stroke{
		{circle(7)},
		{seg(0, -8, 0, 8)},
		{seg(-8, 0, 8, 0)},
		{seg(-7, -7, 7, 7)},
		{seg(-7, 7, 7, -7)},
		{seg(0, -7, 0, 7), seg(-7, 0, 7, 0)},
		{seg(-6, -6, 6, 6), seg(-6, 6, 6, -6)},
		{seg(-6, -6, 6, -6), seg(6, -6, 6, 6), seg(6, 6, -6, 6), seg(-6, 6, -6, -6)},
		{seg(-7, -4, 7, -4), seg(-7, 4, 7, 4)},
		{seg(-7, -7, 7, -7), seg(0, -7, 0, 8)},
	}
}

// Synthetic generates n labelled 28×28 images of ten simple shapes (a ring,
// bars, diagonals, a plus, a cross, a square, "=" and "T"), one shape per
// class. Each image moves its shape by up to 3 pixels on each axis, scales
// it by 0.85–1.15, draws it with a stroke 1.6–3.2 pixels wide at 60–100 %
// intensity, and adds uniform noise of ±16 grey levels. Classes are
// balanced: image i of the unshuffled set has label i%10, and the labels
// are then shuffled. The result depends only on n and seed. A negative n
// counts as zero.
func Synthetic(n int, seed uint64) *Dataset {
	n = max(n, 0)
	r := rand.New(rand.NewPCG(seed, syntheticStream))
	labels := make([]uint8, n)
	for i := range labels {
		labels[i] = uint8(i % 10)
	}
	r.Shuffle(n, func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })

	shapes := synthShapes()
	images := make([]byte, n*mnistRows*mnistCols)
	for i, l := range labels {
		drawShape(images[i*mnistRows*mnistCols:(i+1)*mnistRows*mnistCols], shapes[l], r)
	}
	return &Dataset{
		Name:    "synthetic",
		Images:  images,
		Labels:  labels,
		N:       n,
		Rows:    mnistRows,
		Cols:    mnistCols,
		Classes: mnistClasses,
	}
}

// drawShape renders strokes into the 28×28 image img with random shift,
// scale, width, intensity and noise drawn from r.
func drawShape(img []byte, strokes []stroke, r *rand.Rand) {
	uniform := func(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
	cx := mnistCols/2 + uniform(-synthShift, synthShift)
	cy := mnistRows/2 + uniform(-synthShift, synthShift)
	scale := uniform(synthScaleMin, synthScaleMax)
	half := uniform(synthHalfMin, synthHalfMax)
	ink := 255 * uniform(synthInkMin, 1)

	for y := range mnistRows {
		for x := range mnistCols {
			// Distance in pixels from the pixel centre to the nearest stroke.
			qx, qy := (float64(x)+0.5-cx)/scale, (float64(y)+0.5-cy)/scale
			d := math.Inf(1)
			for _, s := range strokes {
				d = min(d, s.distance(qx, qy)*scale)
			}
			// Coverage falls linearly over one pixel at the stroke's edge.
			cover := math.Min(math.Max(half+0.5-d, 0), 1)
			v := cover*ink + uniform(-synthNoiseGrey, synthNoiseGrey)
			img[y*mnistCols+x] = uint8(math.Round(math.Min(math.Max(v, 0), 255)))
		}
	}
}

// distance returns the Euclidean distance from (x, y) to the stroke.
func (s stroke) distance(x, y float64) float64 {
	if s.ring {
		return math.Abs(math.Hypot(x-s.x0, y-s.y0) - s.r)
	}
	dx, dy := s.x1-s.x0, s.y1-s.y0
	t := ((x-s.x0)*dx + (y-s.y0)*dy) / (dx*dx + dy*dy)
	t = math.Min(math.Max(t, 0), 1)
	return math.Hypot(x-(s.x0+t*dx), y-(s.y0+t*dy))
}
