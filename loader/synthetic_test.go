package loader

import (
	"bytes"
	"math"
	"testing"
)

func TestSynthetic(t *testing.T) {
	t.Run("has MNIST's geometry", func(t *testing.T) {
		ds := Synthetic(25, 1)
		if ds.N != 25 || ds.Rows != 28 || ds.Cols != 28 || ds.Classes != 10 ||
			len(ds.Images) != 25*784 || len(ds.Labels) != 25 || ds.Name != "synthetic" {
			t.Errorf("got %s N=%d %dx%d classes=%d, %d bytes, %d labels; "+
				"want synthetic N=25 28x28 classes=10, 19600 bytes, 25 labels",
				ds.Name, ds.N, ds.Rows, ds.Cols, ds.Classes, len(ds.Images), len(ds.Labels))
		}
	})
	t.Run("is a pure function of n and seed", func(t *testing.T) {
		a, b, c := Synthetic(50, 7), Synthetic(50, 7), Synthetic(50, 8)
		if !bytes.Equal(a.Images, b.Images) || !bytes.Equal(a.Labels, b.Labels) {
			t.Error("got different data for the same seed")
		}
		if bytes.Equal(a.Images, c.Images) {
			t.Error("got the same images for seeds 7 and 8")
		}
	})
	t.Run("balances the classes", func(t *testing.T) {
		for _, n := range []int{0, 200, 205} {
			var counts [10]int
			for _, l := range Synthetic(n, 3).Labels {
				counts[l]++
			}
			for c, k := range counts {
				if k != n/10 && k != n/10+1 {
					t.Errorf("n=%d: got %d images of class %d, want %d or %d",
						n, k, c, n/10, n/10+1)
				}
			}
		}
	})
	t.Run("shuffles the labels", func(t *testing.T) {
		labels := Synthetic(100, 1).Labels
		inOrder := 0
		for i, l := range labels {
			if int(l) == i%10 {
				inOrder++
			}
		}
		if inOrder > 30 {
			t.Errorf("got %d of 100 labels at position i%%10, want a shuffled order", inOrder)
		}
	})
	t.Run("varies the images of one class", func(t *testing.T) {
		ds := Synthetic(20, 1)
		first := make(map[uint8]int)
		for i, l := range ds.Labels {
			j, seen := first[l]
			if !seen {
				first[l] = i
				continue
			}
			if bytes.Equal(ds.Image(i), ds.Image(j)) {
				t.Errorf("images %d and %d of class %d are identical", i, j, l)
			}
		}
	})
}

// TestSyntheticIsSeparableButNotTrivial classifies one generated set by the
// nearest class mean of another: the classes must be distinct enough for
// this to work well above chance, yet the variations must defeat it often.
func TestSyntheticIsSeparableButNotTrivial(t *testing.T) {
	train, test := Synthetic(500, 1), Synthetic(500, 2)
	var means [10][784]float64
	var counts [10]float64
	for i, l := range train.Labels {
		counts[l]++
		for p, v := range train.Image(i) {
			means[l][p] += float64(v)
		}
	}
	for c := range means {
		for p := range means[c] {
			means[c][p] /= counts[c]
		}
	}

	correct := 0
	for i, l := range test.Labels {
		best, bestDist := -1, math.Inf(1)
		for c := range means {
			d := 0.0
			for p, v := range test.Image(i) {
				d += (float64(v) - means[c][p]) * (float64(v) - means[c][p])
			}
			if d < bestDist {
				best, bestDist = c, d
			}
		}
		if best == int(l) {
			correct++
		}
	}
	acc := float64(correct) / float64(test.N)
	if acc < 0.6 || acc > 0.95 {
		t.Errorf("got nearest-mean accuracy %.3f, want within [0.6, 0.95]", acc)
	}
}

func TestStrokeDistanceMatchesReference(t *testing.T) {
	strokes := []stroke{seg(-7, -7, 7, 7), seg(0, -8, 0, 8), seg(-6, 6, 6, 6), circle(7)}
	maxDiff := 0.0
	for _, s := range strokes {
		for y := -14.0; y <= 14; y += 1.25 {
			for x := -14.0; x <= 14; x += 1.25 {
				maxDiff = max(maxDiff, math.Abs(s.distance(x, y)-slowDistance(s, x, y)))
			}
		}
	}
	// Sampling 5,000 points along a stroke of length <= 44 misses the
	// nearest point by at most 0.0044 pixels.
	if maxDiff > 5e-3 {
		t.Errorf("got max difference %.2g from the sampled reference, want <= 5e-3", maxDiff)
	}
}

// slowDistance measures the distance from (x, y) to s by sampling s densely.
func slowDistance(s stroke, x, y float64) float64 {
	const samples = 5000
	d := math.Inf(1)
	for i := range samples + 1 {
		f := float64(i) / samples
		var px, py float64
		if s.ring {
			px, py = s.x0+s.r*math.Cos(2*math.Pi*f), s.y0+s.r*math.Sin(2*math.Pi*f)
		} else {
			px, py = s.x0+f*(s.x1-s.x0), s.y0+f*(s.y1-s.y0)
		}
		d = min(d, math.Hypot(x-px, y-py))
	}
	return d
}
