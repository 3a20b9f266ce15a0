package perturber

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// slowTaps follows PIL's ImagingResample for the bilinear filter, for one
// output pixel o of a resize from in to out pixels: the first tap and the
// normalised weights.
func slowTaps(in, out, o int) (int, []float64) {
	scale := float64(in) / float64(out)
	filterScale := math.Max(scale, 1)
	support := 1 * filterScale
	centre := (float64(o) + 0.5) * scale
	lo := int(math.Max(math.Floor(centre-support), 0))
	hi := int(math.Min(math.Ceil(centre+support), float64(in-1)))
	var weights []float64
	total := 0.0
	for i := lo; i <= hi; i++ {
		w := math.Max(0, 1-math.Abs((float64(i)+0.5-centre)/filterScale))
		weights = append(weights, w)
		total += w
	}
	for i := range weights {
		weights[i] /= total
	}
	return lo, weights
}

// slowResize resizes the side×side src to out×out one output pixel at a
// time, in float64.
func slowResize(src []float32, side, out int) []float32 {
	dst := make([]float32, out*out)
	for y := range out {
		y0, wy := slowTaps(side, out, y)
		for x := range out {
			x0, wx := slowTaps(side, out, x)
			sum := 0.0
			for j, vy := range wy {
				for i, vx := range wx {
					sum += vy * vx * float64(src[(y0+j)*side+x0+i])
				}
			}
			dst[y*out+x] = float32(sum)
		}
	}
	return dst
}

func TestResizeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ in, out int }{
		{16, 24}, {20, 24}, {24, 24}, {28, 24}, {7, 3}, {5, 11}, {1, 4}, {24, 1},
	} {
		t.Run(fmt.Sprintf("resizes %d to %d like PIL", c.in, c.out), func(t *testing.T) {
			src := randomImage(rng, c.in, c.in)
			got, err := Resize(src, c.in, c.out)
			mustNoErr(t, err)
			diff := maxAbsDiff(t, got, slowResize(src, c.in, c.out))
			t.Logf("max abs diff %.3g", diff)
			if diff > tolerance {
				t.Errorf("max abs diff %.3g, want <= %g", diff, tolerance)
			}
		})
	}
}

func TestCropResizeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	src := randomImage(rng, MNISTSide, MNISTSide)
	for _, c := range []struct{ side, top, left int }{
		{16, 0, 12}, {20, 4, 4}, {20, 8, 0}, {24, 3, 1}, {28, 0, 0},
	} {
		name := fmt.Sprintf("crops %d at (%d, %d) and resizes", c.side, c.top, c.left)
		t.Run(name, func(t *testing.T) {
			k := newResizeKernel(c.side, 24)
			got := make([]float32, 24*24)
			k.cropResize(got, make([]float32, c.side*24), src, MNISTSide, c.top, c.left)
			crop, err := Crop(src, MNISTSide, MNISTSide, c.top, c.left, c.side)
			mustNoErr(t, err)
			diff := maxAbsDiff(t, got, slowResize(crop, c.side, 24))
			t.Logf("max abs diff %.3g", diff)
			if diff > tolerance {
				t.Errorf("max abs diff %.3g, want <= %g", diff, tolerance)
			}
		})
	}
}

func TestResizeToSameSideIsExactCopy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	src := randomImage(rng, MNISTSide, MNISTSide)
	for _, top := range []int{0, 2, 4} {
		t.Run(fmt.Sprintf("a 24 crop at row %d comes back unchanged", top), func(t *testing.T) {
			k := newResizeKernel(24, 24)
			got := make([]float32, 24*24)
			k.cropResize(got, make([]float32, 24*24), src, MNISTSide, top, 4-top)
			want, err := Crop(src, MNISTSide, MNISTSide, top, 4-top, 24)
			mustNoErr(t, err)
			if !equalFloats(got, want) {
				t.Errorf("got max abs diff %.3g from the crop, want an exact copy",
					maxAbsDiff(t, got, want))
			}
		})
	}
}

func TestResizeInterpolatesWithEdgeClamping(t *testing.T) {
	// Upscaling 2 → 4: centres at 0.25, 0.75, 1.25, 1.75 in input
	// coordinates, i.e. bilinear at -0.25, 0.25, 0.75, 1.25, clamped.
	got, err := Resize([]float32{0, 1, 0, 1}, 2, 4)
	mustNoErr(t, err)
	want := []float32{0, 0.25, 0.75, 1}
	for y := range 4 {
		if row := got[y*4 : y*4+4]; maxAbsDiff(t, row, want) > 1e-7 {
			t.Errorf("row %d: got %v, want %v", y, row, want)
		}
	}
}

func TestCropCopiesTheWindow(t *testing.T) {
	src := make([]float32, 5*7)
	for i := range src {
		src[i] = float32(i)
	}
	got, err := Crop(src, 5, 7, 1, 2, 3)
	mustNoErr(t, err)
	want := []float32{9, 10, 11, 16, 17, 18, 23, 24, 25}
	if !equalFloats(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestResizeAndCropRejectBadShapes(t *testing.T) {
	img := make([]float32, 28*28)
	for _, c := range []struct {
		name string
		err  error
	}{
		{"crop past the right edge", second(Crop(img, 28, 28, 0, 9, 20))},
		{"crop with a negative offset", second(Crop(img, 28, 28, -1, 0, 20))},
		{"crop of side zero", second(Crop(img, 28, 28, 0, 0, 0))},
		{"crop of a short buffer", second(Crop(img[:10], 28, 28, 0, 0, 2))},
		{"resize of a buffer of the wrong size", second(Resize(img, 27, 24))},
		{"resize to side zero", second(Resize(img, 28, 0))},
	} {
		t.Run("rejects "+c.name, func(t *testing.T) {
			if !errors.Is(c.err, ErrShape) {
				t.Errorf("got error %v, want one wrapping ErrShape", c.err)
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }
