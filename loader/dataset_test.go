package loader

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeSplits writes a small train set (30 images) and test set (20 images)
// into a fresh folder in MNIST's layout and returns the folder and sets.
func writeSplits(t *testing.T, gz bool) (dir string, train, test *Dataset) {
	t.Helper()
	dir = t.TempDir()
	train, test = Synthetic(30, 1), Synthetic(20, 2)
	if err := WriteIDX(dir, train, "train", gz); err != nil {
		t.Fatal(err)
	}
	if err := WriteIDX(dir, test, "t10k", gz); err != nil {
		t.Fatal(err)
	}
	return dir, train, test
}

func TestLoadMNISTUnverified(t *testing.T) {
	for _, gz := range []bool{true, false} {
		dir, train, test := writeSplits(t, gz)
		for _, tc := range []struct {
			split string
			parts []*Dataset
		}{
			{"all", []*Dataset{train, test}},
			{"train", []*Dataset{train}},
			{"test", []*Dataset{test}},
		} {
			name := "loads split " + tc.split + " from plain files"
			if gz {
				name = "loads split " + tc.split + " from gzip files"
			}
			t.Run(name, func(t *testing.T) {
				ds, err := LoadMNISTUnverified(dir, tc.split)
				if err != nil {
					t.Fatalf("LoadMNISTUnverified: %v", err)
				}
				checkConcat(t, ds, "mnist-"+tc.split, tc.parts)
			})
		}
	}
}

// checkConcat checks that ds is parts joined in order, with MNIST geometry.
func checkConcat(t *testing.T, ds *Dataset, name string, parts []*Dataset) {
	t.Helper()
	var images, labels []byte
	n := 0
	for _, p := range parts {
		images, labels = append(images, p.Images...), append(labels, p.Labels...)
		n += p.N
	}
	if ds.Name != name || ds.N != n || ds.Rows != 28 || ds.Cols != 28 || ds.Classes != 10 {
		t.Errorf("got %s N=%d %dx%d classes=%d, want %s N=%d 28x28 classes=10",
			ds.Name, ds.N, ds.Rows, ds.Cols, ds.Classes, name, n)
	}
	if !bytes.Equal(ds.Images, images) {
		t.Errorf("got %d image bytes differing from the %d written", len(ds.Images), len(images))
	}
	if !bytes.Equal(ds.Labels, labels) {
		t.Errorf("got labels %v, want %v", ds.Labels, labels)
	}
}

func TestLoadMNISTPrefersGzipName(t *testing.T) {
	dir := t.TempDir()
	plain, gz := Synthetic(10, 1), Synthetic(10, 2)
	for _, w := range []struct {
		ds *Dataset
		gz bool
	}{{plain, false}, {gz, true}} {
		if err := WriteIDX(dir, w.ds, "t10k", w.gz); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := LoadMNISTUnverified(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ds.Images, gz.Images) {
		t.Errorf("got the images of the plain file, want those of the .gz file")
	}
}

// badDataCase spoils a folder written by writeSplits and checks the error
// of loading split from it.
type badDataCase struct {
	name     string
	split    string
	breakDir func(t *testing.T, dir string)
	check    func(t *testing.T, err error, dir string)
}

func TestLoadMNISTRejectsBadData(t *testing.T) {
	for _, tc := range []badDataCase{
		{"reports image and label counts that differ", "train",
			func(t *testing.T, dir string) {
				writeIDXFile(t, dir, "train-labels-idx1-ubyte.gz", magicLabels, []int{29}, 29)
			},
			func(t *testing.T, err error, dir string) {
				if !errors.Is(err, ErrCountMismatch) {
					t.Errorf("got %v, want an error wrapping ErrCountMismatch", err)
				}
				mustMention(t, err, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
					"30 images", "29 labels")
			}},
		{"reports a label of 10 or more", "test",
			func(t *testing.T, dir string) {
				labels := make([]byte, 20)
				labels[13] = 10
				path := filepath.Join(dir, "t10k-labels-idx1-ubyte.gz")
				if err := writeFile(path, idxHeader(magicLabels, 20), labels, true); err != nil {
					t.Fatal(err)
				}
			},
			wantFormatError("t10k-labels-idx1-ubyte.gz", "label 10 at index 13 out of range")},
		{"reports images that are not 28x28", "all",
			func(t *testing.T, dir string) {
				writeIDXFile(t, dir, "t10k-images-idx3-ubyte.gz", magicImages, []int{20, 27, 28},
					20*27*28)
			},
			wantFormatError("t10k-images-idx3-ubyte.gz", "images are 27x28, want 28x28")},
		{"passes on the reader's format errors", "all",
			func(t *testing.T, dir string) {
				writeIDXFile(t, dir, "train-images-idx3-ubyte.gz", magicLabels, []int{30}, 30)
			},
			wantFormatError("train-images-idx3-ubyte.gz", "wrong magic number")},
		{"reports a missing file with both its names", "all",
			func(t *testing.T, dir string) {
				remove(t, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
			},
			func(t *testing.T, err error, dir string) {
				if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("got %v, want an error wrapping fs.ErrNotExist", err)
				}
				mustMention(t, err, "t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte ", dir)
			}},
		{"reports a missing image file", "train",
			func(t *testing.T, dir string) {
				remove(t, filepath.Join(dir, "train-images-idx3-ubyte.gz"))
			},
			func(t *testing.T, err error, dir string) {
				if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("got %v, want an error wrapping fs.ErrNotExist", err)
				}
				mustMention(t, err, "train-images-idx3-ubyte.gz")
			}},
		{"passes on a malformed label file", "test",
			func(t *testing.T, dir string) {
				writeIDXFile(t, dir, "t10k-labels-idx1-ubyte.gz", magicLabels, []int{20}, 19)
			},
			wantFormatError("t10k-labels-idx1-ubyte.gz", "truncated payload")},
		{"rejects an unknown split", "validation",
			func(t *testing.T, dir string) {},
			func(t *testing.T, err error, dir string) {
				mustMention(t, err, `unknown split "validation"`)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _, _ := writeSplits(t, true)
			tc.breakDir(t, dir)
			ds, err := LoadMNISTUnverified(dir, tc.split)
			if err == nil {
				t.Fatalf("got a data set of %d images, want an error", ds.N)
			}
			tc.check(t, err, dir)
		})
	}
}

// writeIDXFile writes a gzip IDX file with the given header and a payload
// of size bytes.
func writeIDXFile(t *testing.T, dir, name string, magic uint32, dims []int, size int) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := writeFile(path, idxHeader(magic, dims...), ramp(size, 0), true); err != nil {
		t.Fatal(err)
	}
}

// wantFormatError returns a check that err is a *FormatError for the file
// named base whose problem contains problem.
func wantFormatError(base, problem string) func(*testing.T, error, string) {
	return func(t *testing.T, err error, dir string) {
		t.Helper()
		checkFormatError(t, err, filepath.Join(dir, base), problem)
	}
}

// mustMention fails t unless err's message contains every word.
func mustMention(t *testing.T, err error, words ...string) {
	t.Helper()
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("got message %q, want it to mention %q", err, w)
		}
	}
}

func TestLoadMNISTReportsDataDirThatIsAFile(t *testing.T) {
	file := writeTemp(t, "not-a-folder", []byte("x"))
	_, err := LoadMNISTUnverified(file, "all")
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want an error other than fs.ErrNotExist", err)
	}
	mustMention(t, err, "not a directory")
}

func TestLoadMNISTChecksums(t *testing.T) {
	gzDir, train, test := writeSplits(t, true)

	t.Run("rejects files that are not the canonical MNIST", func(t *testing.T) {
		_, err := LoadMNIST(gzDir, "test")
		var ce *ChecksumError
		if !errors.As(err, &ce) {
			t.Fatalf("got %v, want a *ChecksumError", err)
		}
		var got []string
		for _, m := range ce.Differ {
			got = append(got, filepath.Base(m.File))
		}
		want := []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}
		if !slices.Equal(got, want) {
			t.Errorf("got differing files %v, want %v", got, want)
		}
		mustMention(t, err, want...)
	})

	t.Run("compares decompressed content, whatever the compression", func(t *testing.T) {
		plainDir := t.TempDir()
		sums := make(map[string]string)
		for _, ds := range []struct {
			prefix string
			ds     *Dataset
		}{{"train", train}, {"t10k", test}} {
			if err := WriteIDX(plainDir, ds.ds, ds.prefix, false); err != nil {
				t.Fatal(err)
			}
		}
		for _, base := range []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
			"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
			sum, err := fileSHA256(filepath.Join(plainDir, base))
			if err != nil {
				t.Fatal(err)
			}
			sums[base] = sum
		}
		for _, dir := range []string{plainDir, gzDir} {
			ds, err := loadMNIST(dir, "all", sums)
			if err != nil {
				t.Fatalf("loadMNIST(%s) with matching sums: %v", dir, err)
			}
			checkConcat(t, ds, "mnist-all", []*Dataset{train, test})
		}
	})
}

func TestDatasetImage(t *testing.T) {
	ds := Synthetic(3, 1)
	t.Run("returns the pixels of one image", func(t *testing.T) {
		for i := range ds.N {
			if got, want := ds.Image(i), ds.Images[i*784:(i+1)*784]; !bytes.Equal(got, want) {
				t.Errorf("image %d differs from Images[%d:%d]", i, i*784, (i+1)*784)
			}
		}
	})
	t.Run("cannot be appended into the next image", func(t *testing.T) {
		next := ds.Image(1)[0]
		_ = append(ds.Image(0), next+1)
		if got := ds.Image(1)[0]; got != next {
			t.Errorf("got first pixel of image 1 = %d after append, want %d", got, next)
		}
	})
}

func TestWriteIDXRejectsInconsistentDataset(t *testing.T) {
	for _, tc := range []struct {
		name string
		ds   *Dataset
	}{
		{"rejects a nil data set", nil},
		{"rejects too few image bytes", &Dataset{N: 2, Rows: 2, Cols: 2, Images: make([]byte, 7)}},
		{"rejects a label count unlike N", &Dataset{N: 1, Rows: 1, Cols: 1, Images: []byte{1},
			Labels: []byte{1, 2}}},
		{"rejects zero rows", &Dataset{N: 1, Rows: 0, Cols: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := WriteIDX(dir, tc.ds, "train", true); err == nil {
				t.Fatal("got no error, want one")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("got %d files written, want none", len(entries))
			}
		})
	}
}

func TestWriteIDXSkipsLabelsOfUnlabelledData(t *testing.T) {
	dir := t.TempDir()
	ds := &Dataset{N: 2, Rows: 2, Cols: 3, Images: ramp(12, 0)}
	if err := WriteIDX(dir, ds, "x", false); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "x-images-idx3-ubyte" {
		t.Errorf("got files %v, want only x-images-idx3-ubyte", entries)
	}
	images, n, rows, cols, err := ReadImages(filepath.Join(dir, "x-images-idx3-ubyte"))
	if err != nil || n != 2 || rows != 2 || cols != 3 || !bytes.Equal(images, ds.Images) {
		t.Errorf("got %v %d×%d×%d, err %v; want the written images", images, n, rows, cols, err)
	}
}

func TestWriteIDXReportsMissingFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	err := WriteIDX(dir, Synthetic(2, 1), "train", false)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want an error wrapping fs.ErrNotExist", err)
	}
}

// failingWriter accepts budget bytes, then fails.
type failingWriter struct{ budget int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.budget {
		return 0, errors.New("disk full")
	}
	w.budget -= len(p)
	return len(p), nil
}

func TestWriteContentReportsWriteErrors(t *testing.T) {
	header, payload := idxHeader(magicLabels, 100), ramp(100, 0)
	for _, tc := range []struct {
		name   string
		budget int
		gz     bool
	}{
		{"fails on the header of a plain file", 0, false},
		{"fails on the payload of a plain file", 8, false},
		{"fails on the gzip header", 0, true},
		{"fails on the end of the gzip stream", 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := writeContent(&failingWriter{tc.budget}, header, payload, tc.gz)
			if err == nil || err.Error() != "disk full" {
				t.Errorf("got %v, want disk full", err)
			}
		})
	}
}
