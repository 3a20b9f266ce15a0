package perturber

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// slowXPrime builds an x′ view from the slow references: deform, rotate,
// crop, resize, jitter, then erase.
func slowXPrime(t *testing.T, img []float32, p XPrimeParams, o Options) []float32 {
	t.Helper()
	src := img
	if p.Elastic {
		src = slowElastic(img, o.ImageSide, p.ElasticSeed, o.ElasticAlpha, o.ElasticSigma)
	}
	if p.Rotate {
		src = slowRotate(src, o.ImageSide, p.Angle)
	}
	crop, err := Crop(src, o.ImageSide, o.ImageSide, p.Top, p.Left, p.Side)
	mustNoErr(t, err)
	view := slowResize(crop, p.Side, o.InputSize)
	if p.Jitter.ContrastFirst {
		view = slowBrightness(slowContrast(view, p.Jitter.Contrast), p.Jitter.Brightness)
	} else {
		view = slowContrast(slowBrightness(view, p.Jitter.Brightness), p.Jitter.Contrast)
	}
	if p.Erase {
		view = slowErase(view, o.InputSize, p.EraseTop, p.EraseLeft, o.EraseSize)
	}
	return view
}

// slowErase returns a copy of the n×n image img with every pixel (y, x)
// inside the side×side square at (top, left) set to 0, tested pixel by pixel.
func slowErase(img []float32, n, top, left, side int) []float32 {
	dst := make([]float32, len(img))
	for y := range n {
		for x := range n {
			inside := y >= top && y < top+side && x >= left && x < left+side
			if !inside {
				dst[y*n+x] = img[y*n+x]
			}
		}
	}
	return dst
}

func TestErasingOffLeavesTheViewsAndTheirRandomStreamAlone(t *testing.T) {
	on := testOptions()
	on.EraseSize = 10 // EraseProb stays 0: still off
	sameDraws(t, on, testOptions(), func(p XPrimeParams) bool { return p.Erase })
}

// sameDraws checks that options off, which hold an option that is turned
// off, draw the same x′ parameters as options without it, none of them
// flagged by used, and consume the same random numbers.
func sameDraws(t *testing.T, off, without Options, used func(XPrimeParams) bool) {
	t.Helper()
	a, b := rand.New(rand.NewPCG(5, 6)), rand.New(rand.NewPCG(5, 6))
	for i := range 200 {
		pa, pb := DrawXPrimeParams(a, off), DrawXPrimeParams(b, without)
		if pa != pb || used(pa) {
			t.Fatalf("draw %d: %+v with the option off, %+v without it", i, pa, pb)
		}
	}
	if a.Uint64() != b.Uint64() {
		t.Fatal("an option that is off consumed random numbers")
	}
}

func TestErasingDrawsItsSquareUniformlyInsideTheView(t *testing.T) {
	o := testOptions()
	o.EraseProb, o.EraseSize = 0.5, 10
	rng := rand.New(rand.NewPCG(23, 24))
	const draws = 6000
	erased := 0
	offsets := make(map[int]int)
	for range draws {
		p := DrawXPrimeParams(rng, o)
		checkXPrimeRanges(t, p, o)
		if !p.Erase {
			if p.EraseTop != 0 || p.EraseLeft != 0 {
				t.Fatalf("unerased view with a square at (%d, %d)", p.EraseTop, p.EraseLeft)
			}
			continue
		}
		erased++
		offsets[p.EraseTop]++
		offsets[p.EraseLeft]++
	}
	near(t, "erased fraction", float64(erased)/draws, o.EraseProb, 0.04)
	n := o.InputSize - o.EraseSize + 1 // 15 offsets, 0..14
	if len(offsets) != n {
		t.Errorf("square offsets seen %v, want exactly 0..%d", offsets, n-1)
	}
	for off, c := range offsets {
		near(t, fmt.Sprintf("offset %d", off), float64(c)/float64(2*erased), 1/float64(n), 0.025)
	}
}

func TestErasedViewEqualsTheSlowReference(t *testing.T) {
	o := testOptions()
	o.EraseProb, o.EraseSize = 1, 9
	rng := rand.New(rand.NewPCG(25, 26))
	img := randomImage(rng, o.ImageSide, o.ImageSide)
	for _, corner := range [][2]int{{0, 0}, {15, 15}, {0, 15}, {7, 3}} {
		p := DrawXPrimeParams(rng, o)
		p.EraseTop, p.EraseLeft = corner[0], corner[1]
		got, err := ApplyXPrime(img, p, o)
		mustNoErr(t, err)
		if d := maxAbsDiff(t, got, slowXPrime(t, img, p, o)); d > tolerance {
			t.Errorf("square at %v: differs from the reference by %g", corner, d)
		}
		plain := p
		plain.Erase = false
		whole, err := ApplyXPrime(img, plain, o)
		mustNoErr(t, err)
		zeroed := 0
		for i := range got {
			if got[i] != whole[i] {
				if got[i] != 0 {
					t.Fatalf("square at %v: pixel %d is %g, neither kept nor 0", corner, i, got[i])
				}
				zeroed++
			}
		}
		if zeroed == 0 {
			t.Errorf("square at %v: erasing changed no pixel", corner)
		}
	}
	p := DrawXPrimeParams(rng, o)
	p.EraseTop = o.InputSize - o.EraseSize + 1
	if _, err := ApplyXPrime(img, p, o); !errors.Is(err, ErrShape) {
		t.Errorf("square past the view's edge: err %v, want ErrShape", err)
	}
}

func TestDrawXParamsPicksCentreOrRandomCropEvenly(t *testing.T) {
	o := testOptions()
	rng := rand.New(rand.NewPCG(19, 20))
	const draws = 4000
	centre, offsets := 0, make(map[int]int)
	for range draws {
		p := DrawXParams(rng, o)
		if p.Centre {
			centre++
			if p.Top != 4 || p.Left != 4 {
				t.Fatalf("centre crop at (%d, %d), want (4, 4)", p.Top, p.Left)
			}
			continue
		}
		offsets[p.Top]++
		offsets[p.Left]++
	}
	if f := float64(centre) / draws; math.Abs(f-0.5) > 0.04 {
		t.Errorf("centre crop in %.3f of draws, want 0.5 ± 0.04", f)
	}
	random := 2 * (draws - centre)
	for off := 0; off <= 8; off++ {
		if f := float64(offsets[off]) / float64(random); math.Abs(f-1.0/9) > 0.03 {
			t.Errorf("offset %d in %.3f of random crops, want 1/9 ± 0.03", off, f)
		}
	}
	if len(offsets) != 9 {
		t.Errorf("offsets seen %v, want exactly 0..8", offsets)
	}
}

func TestDrawXPrimeParamsFollowTheOriginalDistributions(t *testing.T) {
	o := testOptions()
	rng := rand.New(rand.NewPCG(21, 22))
	const draws = 6000
	var rotated, contrastFirst int
	var angleSum, angleMin, angleMax float64
	sides := make(map[int]int)
	for range draws {
		p := DrawXPrimeParams(rng, o)
		checkXPrimeRanges(t, p, o)
		sides[p.Side]++
		if p.Jitter.ContrastFirst {
			contrastFirst++
		}
		if p.Rotate {
			rotated++
			angleSum += p.Angle
			angleMin, angleMax = math.Min(angleMin, p.Angle), math.Max(angleMax, p.Angle)
		}
	}
	near(t, "rotated fraction", float64(rotated)/draws, o.RotateProb, 0.04)
	near(t, "contrast-first fraction", float64(contrastFirst)/draws, 0.5, 0.04)
	near(t, "mean angle", angleSum/float64(rotated), 0, 1)
	if angleMin > -24 || angleMax < 24 {
		t.Errorf("angles span [%.2f, %.2f], want close to ±25", angleMin, angleMax)
	}
	for _, s := range o.CropOther {
		near(t, fmt.Sprintf("fraction of side %d", s), float64(sides[s])/draws, 1.0/3, 0.04)
	}
}

func checkXPrimeRanges(t *testing.T, p XPrimeParams, o Options) {
	t.Helper()
	maxOff := o.ImageSide - p.Side
	switch {
	case !p.Rotate && p.Angle != 0, p.Angle < -o.RotateDeg, p.Angle >= o.RotateDeg:
		t.Fatalf("angle %g (rotate %v) outside [-%g, %g)",
			p.Angle, p.Rotate, o.RotateDeg, o.RotateDeg)
	case p.Top < 0 || p.Top > maxOff || p.Left < 0 || p.Left > maxOff:
		t.Fatalf("crop %d at (%d, %d) leaves the image", p.Side, p.Top, p.Left)
	case p.Jitter.Brightness < 0.6 || p.Jitter.Brightness >= 1.4:
		t.Fatalf("brightness %g outside [0.6, 1.4)", p.Jitter.Brightness)
	case p.Jitter.Contrast < 0.6 || p.Jitter.Contrast >= 1.4:
		t.Fatalf("contrast %g outside [0.6, 1.4)", p.Jitter.Contrast)
	case p.Erase && (p.EraseTop < 0 || p.EraseLeft < 0 ||
		p.EraseTop > o.InputSize-o.EraseSize || p.EraseLeft > o.InputSize-o.EraseSize):
		t.Fatalf("erased square %d at (%d, %d) leaves the view",
			o.EraseSize, p.EraseTop, p.EraseLeft)
	}
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s: got %.4f, want %.4f ± %g", what, got, want, tol)
	}
}

func TestCentreCropOffset(t *testing.T) {
	for _, c := range []struct{ side, want int }{{20, 4}, {21, 4}, {24, 2}, {16, 6}, {28, 0}} {
		t.Run(fmt.Sprintf("crop of side %d starts at %d", c.side, c.want), func(t *testing.T) {
			if got := centreOffset(MNISTSide, c.side); got != c.want {
				t.Errorf("got %d, want %d", got, c.want)
			}
		})
	}
}

func TestViewsMatchReference(t *testing.T) {
	o := testOptions()
	img := ToFloat(syntheticImages(1, 23).Image(0))
	t.Run("the eval view is the centre crop at 4 resized", func(t *testing.T) {
		got, err := EvalView(img, o)
		mustNoErr(t, err)
		crop, err := Crop(img, 28, 28, 4, 4, 20)
		mustNoErr(t, err)
		if d := maxAbsDiff(t, got, slowResize(crop, 20, 24)); d > tolerance {
			t.Errorf("max abs diff %.3g, want <= %g", d, tolerance)
		}
	})
	rng := rand.New(rand.NewPCG(24, 25))
	for k := range 12 {
		p := DrawXPrimeParams(rng, o)
		name := fmt.Sprintf("x′ view %d (rotate %v, side %d) matches", k, p.Rotate, p.Side)
		t.Run(name, func(t *testing.T) {
			got, err := ApplyXPrime(img, p, o)
			mustNoErr(t, err)
			d := maxAbsDiff(t, got, slowXPrime(t, img, p, o))
			t.Logf("max abs diff %.3g", d)
			if d > tolerance {
				t.Errorf("max abs diff %.3g, want <= %g", d, tolerance)
			}
		})
	}
}

func TestViewsStayInUnitInterval(t *testing.T) {
	o := testOptions()
	o.Brightness, o.Contrast = 0.99, 0.99
	src := syntheticImages(8, 26)
	rng := rand.New(rand.NewPCG(27, 28))
	for k := range 200 {
		view, err := XPrimeView(ToFloat(src.Image(k%8)), rng, o)
		mustNoErr(t, err)
		for i, v := range view {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("draw %d pixel %d: got %g, want a value in [0, 1]", k, i, v)
			}
		}
	}
}

func TestViewsAreFunctionsOfTheirRandomStream(t *testing.T) {
	o := testOptions()
	img := ToFloat(syntheticImages(1, 29).Image(0))
	x1, err := XView(img, rand.New(rand.NewPCG(30, 31)), o)
	mustNoErr(t, err)
	x2, err := ApplyX(img, DrawXParams(rand.New(rand.NewPCG(30, 31)), o), o)
	mustNoErr(t, err)
	if !equalFloats(x1, x2) {
		t.Errorf("XView differs from ApplyX of the same draw by %.3g", maxAbsDiff(t, x1, x2))
	}
	p1, err := XPrimeView(img, rand.New(rand.NewPCG(32, 33)), o)
	mustNoErr(t, err)
	p2, err := ApplyXPrime(img, DrawXPrimeParams(rand.New(rand.NewPCG(32, 33)), o), o)
	mustNoErr(t, err)
	if !equalFloats(p1, p2) {
		t.Errorf("XPrimeView differs from ApplyXPrime of the same draw by %.3g",
			maxAbsDiff(t, p1, p2))
	}
}

func TestApplyRejectsBadParameters(t *testing.T) {
	o := testOptions()
	img := make([]float32, 28*28)
	ok := XPrimeParams{Side: 16, Jitter: JitterParams{Brightness: 1, Contrast: 1}}
	shifted, small, tilted := ok, ok, ok
	shifted.Left = 13
	small.Side = 0
	tilted.Rotate, tilted.Angle = true, math.NaN()
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"an x crop past the edge", second(ApplyX(img, XParams{Top: 9}, o)), ErrShape},
		{"an x′ crop past the edge", second(ApplyXPrime(img, shifted, o)), ErrShape},
		{"an x′ crop of side zero", second(ApplyXPrime(img, small, o)), ErrShape},
		{"a NaN angle", second(ApplyXPrime(img, tilted, o)), nil},
		{"an image of the wrong size", second(EvalView(img[:100], o)), ErrShape},
		{"invalid options", second(EvalView(img, Options{})), ErrInvalidOptions},
	} {
		t.Run("rejects "+c.name, func(t *testing.T) {
			if c.err == nil || (c.want != nil && !errors.Is(c.err, c.want)) {
				t.Errorf("got error %v, want one wrapping %v", c.err, c.want)
			}
		})
	}
}
