package perturber

import (
	"math"
	"math/rand/v2"
)

// JitterParams are the colour-jitter choices of one x′ view. torchvision's
// ColorJitter also draws saturation and hue factors, but both are no-ops on
// greyscale images (spec §b.1), so only their effect on the order remains:
// brightness and contrast run in a random order.
type JitterParams struct {
	// Brightness is the factor that multiplies every pixel.
	Brightness float64
	// Contrast is the factor that scales each pixel's distance to the mean.
	Contrast float64
	// ContrastFirst applies contrast before brightness.
	ContrastFirst bool
}

// ToFloat returns raw 8-bit pixels scaled to [0, 1] by /255, as
// torchvision's ToTensor does.
func ToFloat(raw []byte) []float32 {
	dst := make([]float32, len(raw))
	toFloatInto(dst, raw)
	return dst
}

func toFloatInto(dst []float32, raw []byte) {
	for i, v := range raw {
		dst[i] = float32(v) / 255
	}
}

// Brightness returns img with every pixel multiplied by f and clipped to
// [0, 1], as PIL's ImageEnhance.Brightness (a blend with a black image).
func Brightness(img []float32, f float64) []float32 {
	dst := append([]float32(nil), img...)
	brighten(dst, f)
	return dst
}

// Contrast returns m + c·(x − m) clipped to [0, 1] for every pixel x of img,
// as PIL's ImageEnhance.Contrast, where m is the image's mean rounded to an
// integer grey level the way PIL rounds it: m = ⌊255·mean + ½⌋ / 255.
func Contrast(img []float32, c float64) []float32 {
	dst := append([]float32(nil), img...)
	contrast(dst, c)
	return dst
}

// Jitter returns img with brightness and contrast applied in the order p
// gives.
func Jitter(img []float32, p JitterParams) []float32 {
	dst := append([]float32(nil), img...)
	jitter(dst, p)
	return dst
}

func jitter(img []float32, p JitterParams) {
	if p.ContrastFirst {
		contrast(img, p.Contrast)
		brighten(img, p.Brightness)
		return
	}
	brighten(img, p.Brightness)
	contrast(img, p.Contrast)
}

func brighten(img []float32, f float64) {
	for i, x := range img {
		img[i] = clip01(float64(x) * f)
	}
}

func contrast(img []float32, c float64) {
	if len(img) == 0 {
		return
	}
	var sum float64
	for _, x := range img {
		sum += float64(x)
	}
	m := math.Floor(sum/float64(len(img))*255+0.5) / 255
	for i, x := range img {
		img[i] = clip01(m + c*(float64(x)-m))
	}
}

func clip01(v float64) float32 {
	return float32(min(max(v, 0), 1))
}

// drawJitter draws torchvision's ColorJitter choices: the brightness
// factor, the contrast factor, then the order.
func drawJitter(rng *rand.Rand, o Options) JitterParams {
	b := uniform(rng, 1-o.Brightness, 1+o.Brightness)
	c := uniform(rng, 1-o.Contrast, 1+o.Contrast)
	return JitterParams{Brightness: b, Contrast: c, ContrastFirst: rng.IntN(2) == 1}
}

// uniform draws from [lo, hi), as Python's random.uniform.
func uniform(rng *rand.Rand, lo, hi float64) float64 {
	return lo + (hi-lo)*rng.Float64()
}
