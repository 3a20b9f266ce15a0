package perturber

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// slowSource maps the centre of output pixel (x, y) of a side×side image
// rotated counter-clockwise (on screen, y pointing down) by angleDeg back to
// the source: the rotation matrix R(θ) = [[cos θ, -sin θ], [sin θ, cos θ]]
// applied to p - c, plus c, with c the image centre.
func slowSource(side int, angleDeg float64, x, y int) (float64, float64) {
	theta := angleDeg / 180 * math.Pi
	r := [2][2]float64{{math.Cos(theta), -math.Sin(theta)}, {math.Sin(theta), math.Cos(theta)}}
	c := float64(side) / 2
	px, py := float64(x)+0.5-c, float64(y)+0.5-c
	return r[0][0]*px + r[0][1]*py + c, r[1][0]*px + r[1][1]*py + c
}

// slowRotate rotates src pixel by pixel, taking the source pixel that
// contains slowSource's point, or 0 outside.
func slowRotate(src []float32, side int, angleDeg float64) []float32 {
	dst := make([]float32, side*side)
	for y := range side {
		for x := range side {
			sx, sy := slowSource(side, angleDeg, x, y)
			sx, sy = math.Floor(sx), math.Floor(sy)
			if sx >= 0 && sx < float64(side) && sy >= 0 && sy < float64(side) {
				dst[y*side+x] = src[int(sy)*side+int(sx)]
			}
		}
	}
	return dst
}

// onBorder reports whether v lies on a pixel border, up to rounding: there
// PIL's 15-decimal matrix and the exact one may pick different pixels.
func onBorder(v float64) bool {
	return math.Abs(v-math.Round(v)) < 1e-9
}

func TestRotateMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	src := randomImage(rng, MNISTSide, MNISTSide)
	angles := []float64{-25, -13.7, -0.4, 3, 11.25, 24.99, 45, 137, 180, -90, 400}
	for range 20 {
		angles = append(angles, uniform(rng, -25, 25))
	}
	for _, a := range angles {
		t.Run(fmt.Sprintf("rotates by %.4g degrees like PIL", a), func(t *testing.T) {
			got, err := Rotate(src, MNISTSide, a)
			mustNoErr(t, err)
			want := slowRotate(src, MNISTSide, a)
			ties, differ := 0, 0
			for i := range got {
				if got[i] == want[i] {
					continue
				}
				sx, sy := slowSource(MNISTSide, a, i%MNISTSide, i/MNISTSide)
				if onBorder(sx) || onBorder(sy) {
					ties++
					continue
				}
				differ++
			}
			t.Logf("%d pixels differ off pixel borders, %d on them", differ, ties)
			if differ != 0 {
				t.Errorf("%d of %d pixels differ off pixel borders, want 0", differ, len(got))
			}
		})
	}
}

func TestRotateByZeroIsIdentity(t *testing.T) {
	src := randomImage(rand.New(rand.NewPCG(9, 10)), MNISTSide, MNISTSide)
	for _, a := range []float64{0, 360, -360} {
		t.Run(fmt.Sprintf("rotating by %g leaves the image unchanged", a), func(t *testing.T) {
			got, err := Rotate(src, MNISTSide, a)
			mustNoErr(t, err)
			if !equalFloats(got, src) {
				t.Errorf("got max abs diff %.3g, want an exact copy", maxAbsDiff(t, got, src))
			}
		})
	}
}

func TestRotateByQuarterTurnsIsExactTranspose(t *testing.T) {
	// PIL's transposes: ROTATE_90 out[y][x] = in[x][n-1-y], ROTATE_180
	// out[y][x] = in[n-1-y][n-1-x], ROTATE_270 out[y][x] = in[n-1-x][y].
	moves := []struct {
		angle float64
		from  func(n, y, x int) (int, int)
	}{
		{90, func(n, y, x int) (int, int) { return x, n - 1 - y }},
		{180, func(n, y, x int) (int, int) { return n - 1 - y, n - 1 - x }},
		{270, func(n, y, x int) (int, int) { return n - 1 - x, y }},
		{-90, func(n, y, x int) (int, int) { return n - 1 - x, y }},
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{6, MNISTSide} {
		src := randomImage(rng, n, n)
		for _, m := range moves {
			name := fmt.Sprintf("rotating %d×%d by %g transposes", n, n, m.angle)
			t.Run(name, func(t *testing.T) {
				got, err := Rotate(src, n, m.angle)
				mustNoErr(t, err)
				want := make([]float32, n*n)
				for y := range n {
					for x := range n {
						sy, sx := m.from(n, y, x)
						want[y*n+x] = src[sy*n+sx]
					}
				}
				if !equalFloats(got, want) {
					t.Errorf("got max abs diff %.3g, want exact", maxAbsDiff(t, got, want))
				}
			})
		}
	}
}

func TestRotateTurnsCounterClockwise(t *testing.T) {
	src := make([]float32, MNISTSide*MNISTSide)
	src[14*MNISTSide+24] = 1 // right of the centre
	got, err := Rotate(src, MNISTSide, 90)
	mustNoErr(t, err)
	if v := got[3*MNISTSide+14]; v != 1 {
		t.Errorf("pixel above the centre after a 90° turn: got %g, want 1", v)
	}
}

func TestRotateRoughlyPreservesMassOfCentredBlob(t *testing.T) {
	src := make([]float32, MNISTSide*MNISTSide)
	mass := 0.0
	for y := range MNISTSide {
		for x := range MNISTSide {
			dx, dy := float64(x)-13.5, float64(y)-13.5
			v := math.Exp(-(dx*dx + 0.5*dy*dy) / (2 * 16))
			src[y*MNISTSide+x] = float32(v)
			mass += float64(float32(v))
		}
	}
	for _, a := range []float64{-25, -10, 5, 17, 25} {
		t.Run(fmt.Sprintf("a %g degree turn keeps the mass within 2%%", a), func(t *testing.T) {
			got, err := Rotate(src, MNISTSide, a)
			mustNoErr(t, err)
			sum := 0.0
			for _, v := range got {
				sum += float64(v)
			}
			if rel := math.Abs(sum-mass) / mass; rel > 0.02 {
				t.Errorf("mass %.4g, want %.4g (relative change %.3g)", sum, mass, rel)
			}
		})
	}
}

func TestRotateRejectsBadInput(t *testing.T) {
	img := make([]float32, 28*28)
	if _, err := Rotate(img, 27, 10); !errors.Is(err, ErrShape) {
		t.Errorf("wrong side: got error %v, want one wrapping ErrShape", err)
	}
	for _, a := range []float64{math.NaN(), math.Inf(1)} {
		if _, err := Rotate(img, 28, a); err == nil {
			t.Errorf("angle %g: got no error, want one", a)
		}
	}
}
