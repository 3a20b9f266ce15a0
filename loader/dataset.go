package loader

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// MNIST geometry.
const (
	mnistRows    = 28
	mnistCols    = 28
	mnistClasses = 10
)

// ErrCountMismatch is wrapped by the error [LoadMNIST] returns when an image
// file and its label file hold different numbers of items.
var ErrCountMismatch = errors.New("image and label counts differ")

// Dataset is a set of equally sized grey images, optionally labelled.
type Dataset struct {
	// Name says where the data came from, such as "mnist-all" or
	// "synthetic".
	Name string
	// Images holds N×Rows×Cols grey values in 0..255, image after image,
	// each row-major.
	Images []byte
	// Labels holds one class in [0, Classes) per image, or is nil when the
	// data is unlabelled.
	Labels []uint8
	// N is the number of images.
	N int
	// Rows and Cols are the height and width of every image.
	Rows, Cols int
	// Classes is the number of ground-truth classes (10 for MNIST).
	Classes int
}

// Image returns the Rows×Cols pixels of image i, row-major, as a slice of
// d.Images (not a copy; its capacity ends with the image). Like a slice
// index, it panics when i is outside [0, N).
func (d *Dataset) Image(i int) []byte {
	size := d.Rows * d.Cols
	return d.Images[i*size : (i+1)*size : (i+1)*size]
}

// check reports a Dataset whose fields disagree with each other.
func (d *Dataset) check() error {
	switch {
	case d == nil:
		return errors.New("nil dataset")
	case d.N < 0 || d.N > math.MaxUint32 || d.Rows <= 0 || d.Cols <= 0:
		return fmt.Errorf("dataset dimensions %d×%d×%d out of range", d.N, d.Rows, d.Cols)
	case len(d.Images) != d.N*d.Rows*d.Cols:
		return fmt.Errorf("dataset has %d image bytes, want %d×%d×%d",
			len(d.Images), d.N, d.Rows, d.Cols)
	case d.Labels != nil && len(d.Labels) != d.N:
		return fmt.Errorf("dataset has %d labels for %d images", len(d.Labels), d.N)
	}
	return nil
}

// LoadMNIST loads MNIST from the four IDX files in dir, each found under
// its gzip name (train-images-idx3-ubyte.gz) or its plain name
// (train-images-idx3-ubyte); the gzip name wins when both exist.
//
// Split is "all" (the 60,000 training images followed by the 10,000 test
// images, 70,000 in all: IIC's protocol), "train" or "test"; only the files
// of the split are read. The result has 28×28 images and 10 classes.
//
// Every file is validated in full: a malformed file, images that are not
// 28×28 or a label of 10 or more give a [*FormatError] naming the file;
// image and label counts that differ give an error wrapping
// [ErrCountMismatch]; a missing file gives an error for which
// errors.Is(err, fs.ErrNotExist) holds.
//
// LoadMNIST also checks the SHA-256 of each file's decompressed content
// against the canonical MNIST files, whatever the folder and compression,
// so that a run labelled "mnist" really used MNIST; a difference gives a
// [*ChecksumError]. The hash is computed while the file is read, at little
// cost. Use [LoadMNISTUnverified] for other data in the same layout.
func LoadMNIST(dir, split string) (*Dataset, error) {
	return loadMNIST(dir, split, canonicalRawSums())
}

// LoadMNISTUnverified is [LoadMNIST] without the checksum comparison: the
// files are validated in full but may hold any 28×28 images with labels
// below 10, such as data written by [WriteIDX].
func LoadMNISTUnverified(dir, split string) (*Dataset, error) {
	return loadMNIST(dir, split, nil)
}

// loadMNIST loads split from dir, comparing the SHA-256 of each file's
// decompressed content with sums[base name] when sums is not nil.
func loadMNIST(dir, split string, sums map[string]string) (*Dataset, error) {
	prefixes, err := splitPrefixes(split)
	if err != nil {
		return nil, err
	}

	var images, labels [][]byte
	var differ []Mismatch
	n := 0
	for _, prefix := range prefixes {
		part, bad, err := loadPair(dir, prefix, sums)
		if err != nil {
			return nil, err
		}
		images, labels = append(images, part.Images), append(labels, part.Labels)
		differ = append(differ, bad...)
		n += part.N
	}
	if len(differ) > 0 {
		return nil, &ChecksumError{Dir: dir, Differ: differ}
	}
	return &Dataset{
		Name:    "mnist-" + split,
		Images:  concat(images),
		Labels:  concat(labels),
		N:       n,
		Rows:    mnistRows,
		Cols:    mnistCols,
		Classes: mnistClasses,
	}, nil
}

// concat joins parts, reusing a single part instead of copying it.
func concat(parts [][]byte) []byte {
	if len(parts) == 1 {
		return parts[0]
	}
	return slices.Concat(parts...)
}

// splitPrefixes maps a split name to the file prefixes it reads.
func splitPrefixes(split string) ([]string, error) {
	switch split {
	case "all":
		return []string{"train", "t10k"}, nil
	case "train":
		return []string{"train"}, nil
	case "test":
		return []string{"t10k"}, nil
	}
	return nil, fmt.Errorf("loader: unknown split %q, want \"all\", \"train\" or \"test\"", split)
}

// loadPair reads and cross-checks prefix's image and label files, returning
// the files whose content hash differs from sums.
func loadPair(dir, prefix string, sums map[string]string) (*Dataset, []Mismatch, error) {
	imgPath, err := findFile(dir, prefix+"-images-idx3-ubyte")
	if err != nil {
		return nil, nil, err
	}
	lblPath, err := findFile(dir, prefix+"-labels-idx1-ubyte")
	if err != nil {
		return nil, nil, err
	}

	imgHash, lblHash := sha256.New(), sha256.New()
	images, n, rows, cols, err := readImages(imgPath, imgHash)
	if err != nil {
		return nil, nil, err
	}
	if rows != mnistRows || cols != mnistCols {
		return nil, nil, &FormatError{imgPath,
			fmt.Sprintf("images are %dx%d, want 28x28 for MNIST", rows, cols)}
	}
	labels, err := readLabels(lblPath, lblHash)
	if err != nil {
		return nil, nil, err
	}
	if err := checkLabels(imgPath, n, lblPath, labels); err != nil {
		return nil, nil, err
	}

	var differ []Mismatch
	if m, ok := compareSum(imgPath, imgHash.Sum(nil), sums); !ok {
		differ = append(differ, m)
	}
	if m, ok := compareSum(lblPath, lblHash.Sum(nil), sums); !ok {
		differ = append(differ, m)
	}
	return &Dataset{Images: images, Labels: labels, N: n}, differ, nil
}

// checkLabels checks that there is one label per image and each is below 10.
func checkLabels(imgPath string, n int, lblPath string, labels []uint8) error {
	if len(labels) != n {
		return fmt.Errorf("loader: %s holds %d images but %s holds %d labels: %w",
			imgPath, n, lblPath, len(labels), ErrCountMismatch)
	}
	for i, l := range labels {
		if l >= mnistClasses {
			return &FormatError{lblPath,
				fmt.Sprintf("label %d at index %d out of range, want 0..%d", l, i, mnistClasses-1)}
		}
	}
	return nil
}

// compareSum compares sum with the hash sums holds for path's base name
// (without ".gz"); a nil sums accepts everything.
func compareSum(path string, sum []byte, sums map[string]string) (Mismatch, bool) {
	if sums == nil {
		return Mismatch{}, true
	}
	want := sums[trimGz(filepath.Base(path))]
	got := hex.EncodeToString(sum)
	return Mismatch{File: path, Got: got, Want: want}, got == want
}

// findFile returns the path of base+".gz" in dir if it exists, else of base.
func findFile(dir, base string) (string, error) {
	for _, name := range []string{base + ".gz", base} {
		path := filepath.Join(dir, name)
		_, err := os.Stat(path)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("loader: %w", err)
		}
	}
	return "", fmt.Errorf("loader: neither %s.gz nor %s in %s: %w", base, base, dir, fs.ErrNotExist)
}
