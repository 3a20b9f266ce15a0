package report

import (
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestDrawConfusionWritesPNG(t *testing.T) {
	counts := [][]int{{0, 9, 1}, {8, 0, 0}, {1, 0, 7}}
	path := filepath.Join(t.TempDir(), "confusion.png")
	if err := DrawConfusion(path, "sub-head 0", counts, []int{1, 0, 2}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Fatalf("image of %v", b)
	}
}

func TestDrawConfusionRefusesEmptyMatrix(t *testing.T) {
	err := DrawConfusion(filepath.Join(t.TempDir(), "c.png"), "", nil, nil)
	if !errors.Is(err, ErrNoData) {
		t.Fatalf("error %v, want ErrNoData", err)
	}
}

func TestClusterOrderPutsClustersInLabelOrderAndUnmatchedLast(t *testing.T) {
	got := clusterOrder([]int{2, -1, 0, 1, -1})
	if want := []int{2, 3, 0, 1, 4}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}
