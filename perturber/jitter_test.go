package perturber

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// slowBrightness is PIL's blend with a black image, in float64.
func slowBrightness(img []float32, f float64) []float32 {
	dst := make([]float32, len(img))
	for i, x := range img {
		dst[i] = float32(math.Min(1, math.Max(0, 0*(1-f)+float64(x)*f)))
	}
	return dst
}

// slowContrast is PIL's blend with a flat image at the mean grey level
// rounded to an integer level, in float64.
func slowContrast(img []float32, c float64) []float32 {
	levels := 0.0
	for i := len(img) - 1; i >= 0; i-- {
		levels += 255 * float64(img[i])
	}
	m := math.Round(levels/float64(len(img))) / 255
	dst := make([]float32, len(img))
	for i, x := range img {
		dst[i] = float32(math.Min(1, math.Max(0, m*(1-c)+float64(x)*c)))
	}
	return dst
}

func TestBrightnessAndContrastMatchReference(t *testing.T) {
	img := randomImage(rand.New(rand.NewPCG(13, 14)), 24, 24)
	for _, f := range []float64{0, 0.6, 0.93, 1, 1.27, 1.4} {
		t.Run(fmt.Sprintf("brightness %g scales and clips", f), func(t *testing.T) {
			diff := maxAbsDiff(t, Brightness(img, f), slowBrightness(img, f))
			t.Logf("max abs diff %.3g", diff)
			if diff > tolerance {
				t.Errorf("max abs diff %.3g, want <= %g", diff, tolerance)
			}
		})
		t.Run(fmt.Sprintf("contrast %g blends with the mean", f), func(t *testing.T) {
			diff := maxAbsDiff(t, Contrast(img, f), slowContrast(img, f))
			t.Logf("max abs diff %.3g", diff)
			if diff > tolerance {
				t.Errorf("max abs diff %.3g, want <= %g", diff, tolerance)
			}
		})
	}
}

func TestContrastUsesMeanRoundedToGreyLevel(t *testing.T) {
	// Mean 0.3 = 76.5 grey levels, which PIL rounds up to 77.
	img := []float32{0.2, 0.4}
	got := Contrast(img, 0)
	want := float32(77.0 / 255)
	for i, v := range got {
		if v != want {
			t.Errorf("pixel %d: got %g, want %g", i, v, want)
		}
	}
}

func TestUnitFactorsAreIdentity(t *testing.T) {
	img := randomImage(rand.New(rand.NewPCG(15, 16)), 24, 24)
	img[0], img[1] = 0, 1
	cases := []struct {
		name string
		got  []float32
	}{
		{"brightness 1 leaves the image unchanged", Brightness(img, 1)},
		{"contrast 1 leaves the image unchanged", Contrast(img, 1)},
		{"jitter with both factors 1 leaves the image unchanged",
			Jitter(img, JitterParams{Brightness: 1, Contrast: 1, ContrastFirst: true})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !equalFloats(c.got, img) {
				t.Errorf("got max abs diff %.3g, want an exact copy", maxAbsDiff(t, c.got, img))
			}
		})
	}
}

func TestJitterAppliesOpsInTheDrawnOrder(t *testing.T) {
	img := randomImage(rand.New(rand.NewPCG(17, 18)), 24, 24)
	b, c := 1.3, 0.7
	cases := []struct {
		name          string
		contrastFirst bool
		want          []float32
	}{
		{"brightness then contrast", false, Contrast(Brightness(img, b), c)},
		{"contrast then brightness", true, Brightness(Contrast(img, c), b)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := JitterParams{Brightness: b, Contrast: c, ContrastFirst: tc.contrastFirst}
			got := Jitter(img, p)
			if !equalFloats(got, tc.want) {
				t.Errorf("got max abs diff %.3g from the composed ops", maxAbsDiff(t, got, tc.want))
			}
		})
	}
	if equalFloats(cases[0].want, cases[1].want) {
		t.Errorf("the two orders gave the same image; the test image cannot tell them apart")
	}
}

func TestToFloatScalesBy255(t *testing.T) {
	got := ToFloat([]byte{0, 51, 255})
	want := []float32{0, 0.2, 1}
	if !equalFloats(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
