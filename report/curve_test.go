package report

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/plot/plotter"
)

// syntheticRun returns the records of a small run: epochs of 30 steps
// (phases B, B, A of 10 steps), a step record every 5 steps, and an
// evaluation of head B's five sub-heads before training and after each
// epoch. Losses fall and accuracies rise, with one sub-head lagging.
func syntheticRun(epochs int) []Record {
	const perEpoch, every = 30, 5
	recs := []Record{evalAt(0, 0)}
	for step := every; step <= epochs*perEpoch; step += every {
		epoch := float64(step) / perEpoch
		head, floor := "B", -math.Log(10)
		if (step-1)%perEpoch >= 20 {
			head, floor = "A", -math.Log(50)
		}
		loss := floor * (1 - math.Exp(-epoch))
		recs = append(recs, Record{
			Kind: KindStep, Epoch: epoch, Step: step, Time: float64(step) / 10, Head: head,
			Loss: []float64{loss, loss}, LossMean: loss, ImagesPerSec: 700,
		})
		if step%perEpoch == 0 {
			recs = append(recs, evalAt(epoch, step))
		}
	}
	return recs
}

// evalAt returns an eval record whose accuracies approach 0.99, one
// sub-head lagging at 0.88.
func evalAt(epoch float64, step int) Record {
	acc := make([]float64, 5)
	for h := range acc {
		top := 0.99
		if h == 3 {
			top = 0.88
		}
		acc[h] = 0.1 + (top-0.1)*(1-math.Exp(-epoch*float64(h+2)/4))
	}
	return Record{Kind: KindEval, Epoch: epoch, Step: step, Head: "B", Accuracy: acc}
}

// decodePNG reads path as a PNG.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

// hasColor reports whether some pixel of img is within 8 levels of the
// opaque colour 0xRRGGBB in every channel.
func hasColor(img image.Image, c uint32) bool {
	want := rgb(c, 0xff)
	near := func(a uint32, b uint8) bool { return math.Abs(float64(a>>8)-float64(b)) <= 8 }
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r, want.R) && near(g, want.G) && near(bl, want.B) {
				return true
			}
		}
	}
	return false
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestDrawCurveWritesPNG(t *testing.T) {
	run := syntheticRun(4)
	resumed := append(syntheticRun(3), syntheticRun(4)[13:]...) // resumed at step 60
	tests := []struct {
		name       string
		recs       []Record
		wantColors []uint32 // line colours that must appear
	}{
		{"draws a whole run", run, []uint32{blue, orange}},
		{"draws a single evaluation and no loss", run[:1], []uint32{blue}},
		{"draws a loss of head B alone", []Record{run[1]}, []uint32{orange}},
		{"draws head A's loss before any evaluation", []Record{run[5]}, []uint32{blue}},
		{"draws a resumed run", resumed, []uint32{blue, orange}},
		{
			"skips NaN values",
			[]Record{run[0], {Kind: KindStep, Epoch: 1, Step: 5, Head: "A", LossMean: math.NaN()},
				{Kind: KindEval, Epoch: 1, Step: 5, Accuracy: []float64{math.NaN()}}},
			[]uint32{blue},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, CurveFile)
			if err := DrawCurve(path, tt.recs); err != nil {
				t.Fatal(err)
			}
			img := decodePNG(t, path)
			if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 450 {
				t.Errorf("got %dx%d pixels, want 1200x450", b.Dx(), b.Dy())
			}
			for _, c := range tt.wantColors {
				if !hasColor(img, c) {
					t.Errorf("found no pixel of colour %06x", c)
				}
			}
			if names := dirNames(t, dir); !slices.Equal(names, []string{CurveFile}) {
				t.Errorf("got files %v, want only %s", names, CurveFile)
			}
		})
	}
}

func TestDrawCurveRefusesNoData(t *testing.T) {
	tests := []struct {
		name string
		recs []Record
	}{
		{"refuses no records", nil},
		{"refuses only NaN losses", []Record{{Kind: KindStep, Head: "B", LossMean: math.NaN()}}},
		{"refuses evaluations of head A only", []Record{{Kind: KindEval, Head: "A",
			Accuracy: []float64{0.5}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			err := DrawCurve(filepath.Join(dir, CurveFile), tt.recs)
			if !errors.Is(err, ErrNoData) {
				t.Errorf("got %v, want ErrNoData", err)
			}
			if names := dirNames(t, dir); len(names) != 0 {
				t.Errorf("got files %v, want none", names)
			}
		})
	}
}

func TestDrawCurveIsAtomic(t *testing.T) {
	t.Run("replaces an existing curve", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, CurveFile)
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := DrawCurve(path, syntheticRun(1)); err != nil {
			t.Fatal(err)
		}
		decodePNG(t, path)
		if names := dirNames(t, dir); !slices.Equal(names, []string{CurveFile}) {
			t.Errorf("got files %v, want only %s", names, CurveFile)
		}
	})
	t.Run("leaves no temporary file when the rename fails", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, CurveFile)
		// A non-empty folder named curve.png cannot be replaced by a file.
		if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := DrawCurve(path, syntheticRun(1)); err == nil {
			t.Fatal("got no error, want a failed rename")
		}
		if names := dirNames(t, dir); !slices.Equal(names, []string{CurveFile}) {
			t.Errorf("got files %v, want only the folder %s", names, CurveFile)
		}
	})
	t.Run("fails in a missing folder", func(t *testing.T) {
		err := DrawCurve(filepath.Join(t.TempDir(), "no", CurveFile), syntheticRun(1))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v, want os.ErrNotExist", err)
		}
	})
}

func TestLatestAttempt(t *testing.T) {
	rec := func(kind string, step int) Record { return Record{Kind: kind, Step: step} }
	tests := []struct {
		name string
		recs []Record
		want []string // step and head of each record kept
	}{
		{
			"keeps a single attempt",
			[]Record{rec(KindStep, 1), rec(KindStep, 2)}, []string{"1", "2"},
		},
		{
			"drops the earlier attempt from the resume step on",
			[]Record{rec(KindStep, 10), rec(KindStep, 20), rec(KindStep, 30), rec(KindStep, 20),
				{Kind: KindStep, Step: 30, Head: "new"}},
			[]string{"10", "20", "30new"},
		},
		{
			"keeps records of the other kind out of it",
			[]Record{rec(KindStep, 10), rec(KindEval, 5), rec(KindStep, 20), rec(KindEval, 15)},
			[]string{"10", "20"},
		},
		{
			"keeps the later of two records at one step",
			[]Record{rec(KindStep, 10), {Kind: KindStep, Step: 10, Head: "new"}},
			[]string{"10new"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range latestAttempt(tt.recs, KindStep) {
				got = append(got, fmt.Sprint(r.Step, r.Head))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEpochLossesAveragesEachEpoch(t *testing.T) {
	recs := []Record{
		{Kind: KindStep, Head: "B", Epoch: 0.5, LossMean: -1},
		{Kind: KindStep, Head: "B", Epoch: 1, LossMean: -2}, // epoch 1: (−1 − 2)/2
		{Kind: KindStep, Head: "B", Epoch: 1.5, LossMean: -4},
		{Kind: KindStep, Head: "A", Epoch: 2, LossMean: -3},
		{Kind: KindStep, Head: "A", Epoch: 2, LossMean: math.Inf(-1)}, // skipped
	}
	got := epochLosses(recs)
	want := map[string]plotter.XYs{
		"B": {{X: 1, Y: -1.5}, {X: 2, Y: -4}},
		"A": {{X: 2, Y: -3}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestEvalErrorsSpanSubHeads(t *testing.T) {
	recs := []Record{
		{Kind: KindEval, Head: "B", Epoch: 0.5, Accuracy: []float64{0.9, 0.6, math.NaN(), 0.75}},
		{Kind: KindEval, Head: "A", Epoch: 0.5, Accuracy: []float64{0.1}},
	}
	s := evalErrors(recs)
	// Errors 0.1, 0.4, 0.25: mean 0.25, min 0.1, max 0.4.
	got := []float64{s.mean[0].X, s.mean[0].Y, s.lo[0].Y, s.hi[0].Y}
	want := []float64{0.5, 0.25, 0.1, 0.4}
	if len(s.mean) != 1 {
		t.Fatalf("got %d points, want 1", len(s.mean))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("got (x, mean, min, max) %v, want %v", got, want)
			break
		}
	}
}
