package perturber

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/iic-go/iic/config"
)

// tolerance bounds the difference between a fast transform and its slow
// float64 reference.
const tolerance = 1e-5

// testOptions are the default augmentation with the original's r = 5.
func testOptions() Options {
	o := OptionsFrom(config.Default().Augment)
	o.Repeats = 5
	return o
}

// syntheticImages returns n digit-like 28×28 images: a thick ring and a
// stroke at random places, drawn from a fixed seed.
func syntheticImages(n int, seed uint64) Images {
	const side = MNISTSide
	pix := make([]byte, 0, n*side*side)
	for k := range n {
		rng := rand.New(rand.NewPCG(seed, uint64(k)))
		cx, cy := 10+8*rng.Float64(), 10+8*rng.Float64()
		radius := 3 + 4*rng.Float64()
		slope := rng.Float64()*2 - 1
		for y := range side {
			for x := range side {
				dx, dy := float64(x)-cx, float64(y)-cy
				ring := math.Abs(math.Hypot(dx, dy) - radius)
				stroke := math.Abs(dy-slope*dx) + math.Max(0, math.Abs(dx)-6)
				v := math.Max(math.Exp(-ring*ring/2), math.Exp(-stroke*stroke/2))
				pix = append(pix, byte(math.Round(255*v)))
			}
		}
	}
	return Images{Pix: pix, Rows: side, Cols: side}
}

// randomImage returns a rows×cols image of uniform values in [0, 1).
func randomImage(rng *rand.Rand, rows, cols int) []float32 {
	img := make([]float32, rows*cols)
	for i := range img {
		img[i] = rng.Float32()
	}
	return img
}

// maxAbsDiff returns the largest |a[i] - b[i]|; it fails the test when the
// lengths differ.
func maxAbsDiff(t *testing.T, a, b []float32) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("lengths differ: got %d, want %d", len(a), len(b))
	}
	worst := 0.0
	for i := range a {
		worst = math.Max(worst, math.Abs(float64(a[i])-float64(b[i])))
	}
	return worst
}

// mustNoErr fails the test on a non-nil error.
func mustNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// equalFloats reports whether a and b hold the same bits.
func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
