package loader

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idxBytes returns an IDX file: magic, dims, then payload.
func idxBytes(magic uint32, dims []int, payload []byte) []byte {
	return append(idxHeader(magic, dims...), payload...)
}

// gzipBytes compresses b.
func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeTemp writes content to a file called name in a fresh temporary
// folder and returns its path.
func writeTemp(t *testing.T, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ramp returns n bytes counting up from start.
func ramp(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func TestReadImages(t *testing.T) {
	// Three 5×4 images: the reader accepts sizes other than MNIST's.
	payload := ramp(3*5*4, 7)
	plain := idxBytes(magicImages, []int{3, 5, 4}, payload)
	for _, tc := range []struct {
		name, file string
		content    []byte
	}{
		{"reads a plain file", "img-idx3-ubyte", plain},
		{"reads a gzip file", "img-idx3-ubyte.gz", gzipBytes(t, plain)},
		{"detects gzip by its magic, not its name", "img-idx3-ubyte", gzipBytes(t, plain)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			images, n, rows, cols, err := ReadImages(writeTemp(t, tc.file, tc.content))
			if err != nil {
				t.Fatalf("ReadImages: %v", err)
			}
			if n != 3 || rows != 5 || cols != 4 {
				t.Errorf("got n, rows, cols = %d, %d, %d, want 3, 5, 4", n, rows, cols)
			}
			if !bytes.Equal(images, payload) {
				t.Errorf("got images %v, want %v", images, payload)
			}
		})
	}
}

func TestReadLabels(t *testing.T) {
	payload := []byte{5, 0, 4, 1, 9}
	plain := idxBytes(magicLabels, []int{5}, payload)
	for _, tc := range []struct {
		name, file string
		content    []byte
	}{
		{"reads a plain file", "lbl-idx1-ubyte", plain},
		{"reads a gzip file", "lbl-idx1-ubyte.gz", gzipBytes(t, plain)},
		{"reads a file of zero labels", "lbl-idx1-ubyte", idxBytes(magicLabels, []int{0}, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			labels, err := ReadLabels(writeTemp(t, tc.file, tc.content))
			if err != nil {
				t.Fatalf("ReadLabels: %v", err)
			}
			want := tc.content[8:]
			if strings.HasSuffix(tc.file, ".gz") {
				want = payload
			}
			if !bytes.Equal(labels, want) {
				t.Errorf("got labels %v, want %v", labels, want)
			}
		})
	}
}

// malformedCase is a broken file and the problem the reader must report.
type malformedCase struct {
	name    string
	content []byte
	problem string // substring of FormatError.Problem
}

// malformedContent lists broken decompressed contents; each is tried plain
// and gzip-compressed.
func malformedContent() []malformedCase {
	img := func(dims []int, n int) []byte { return idxBytes(magicImages, dims, ramp(n, 0)) }
	return []malformedCase{
		{"rejects an empty file", nil, "empty file"},
		{"rejects a truncated magic number", img(nil, 0)[:3], "truncated header: 3 bytes, want 16"},
		{"rejects truncated dimensions", img([]int{1, 1}, 0),
			"truncated header: 12 bytes, want 16"},
		{"reports a wrong magic number before a short header",
			idxBytes(magicLabels, []int{1}, nil), "wrong magic number 0x00000801"},
		{"rejects a label file's magic number", idxBytes(magicLabels, []int{1, 2, 2}, ramp(4, 0)),
			"wrong magic number 0x00000801, want 0x00000803 (an IDX image file)"},
		{"rejects a float IDX file", idxBytes(0x00000d03, []int{1, 1, 1}, ramp(4, 0)),
			"wrong magic number 0x00000d03"},
		{"rejects zero rows", img([]int{1, 0, 4}, 0), "image size 0x4"},
		{"rejects zero cols", img([]int{1, 4, 0}, 0), "image size 4x0"},
		{"rejects a payload shorter than the header says", img([]int{2, 3, 3}, 17),
			"truncated payload: 17 bytes after the header, want 18"},
		{"rejects a payload longer than the header says", img([]int{2, 3, 3}, 19),
			"payload longer than the header says: want exactly 18 bytes"},
		{"rejects an absurdly large header", img([]int{1 << 31, 1 << 16, 1 << 16}, 4),
			"more than"},
	}
}

func TestReadImagesRejectsMalformedFiles(t *testing.T) {
	var cases []malformedCase
	for _, c := range malformedContent() {
		cases = append(cases, c)
		gz := c
		gz.name += " (gzip)"
		gz.content = gzipBytes(t, c.content)
		cases = append(cases, gz)
	}
	good := gzipBytes(t, idxBytes(magicImages, []int{4, 28, 28}, ramp(4*28*28, 0)))
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-8] ^= 0xff
	cases = append(cases,
		malformedCase{"rejects a gzip stream cut in the middle", good[:len(good)/2],
			"truncated gzip stream"},
		malformedCase{"rejects a gzip stream cut in its header", good[:5], "truncated gzip stream"},
		malformedCase{"rejects a gzip stream cut in the IDX header", good[:12],
			"truncated gzip stream"},
		malformedCase{"rejects a gzip stream with a wrong CRC", badCRC, "corrupt gzip stream"},
		malformedCase{"rejects garbage after the gzip stream",
			append(bytes.Clone(good), ramp(16, 1)...), "corrupt gzip stream"},
	)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "train-images-idx3-ubyte.gz", tc.content)
			_, _, _, _, err := ReadImages(path)
			checkFormatError(t, err, path, tc.problem)
		})
	}
}

func TestReadLabelsRejectsMalformedFiles(t *testing.T) {
	for _, tc := range []malformedCase{
		{"rejects an empty file", nil, "empty file"},
		{"rejects an image file's magic number", idxBytes(magicImages, []int{1}, ramp(1, 0)),
			"wrong magic number 0x00000803, want 0x00000801 (an IDX label file)"},
		{"rejects a truncated header", idxBytes(magicLabels, nil, nil), "truncated header"},
		{"rejects missing labels", idxBytes(magicLabels, []int{3}, ramp(2, 0)),
			"truncated payload: 2 bytes after the header, want 3"},
		{"rejects surplus labels", idxBytes(magicLabels, []int{3}, ramp(4, 0)),
			"payload longer than the header says"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "t10k-labels-idx1-ubyte", tc.content)
			_, err := ReadLabels(path)
			checkFormatError(t, err, path, tc.problem)
		})
	}
}

// checkFormatError fails t unless err is a *FormatError for path whose
// problem contains problem and whose message names the file.
func checkFormatError(t *testing.T, err error, path, problem string) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("got error %v (%T), want a *FormatError", err, err)
	}
	if fe.File != path {
		t.Errorf("got File %q, want %q", fe.File, path)
	}
	if !strings.Contains(fe.Problem, problem) {
		t.Errorf("got Problem %q, want it to contain %q", fe.Problem, problem)
	}
	if want := "loader: " + path + ": " + fe.Problem; err.Error() != want {
		t.Errorf("got message %q, want %q", err.Error(), want)
	}
}

func TestReadReportsMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "train-images-idx3-ubyte.gz")
	_, _, _, _, imgErr := ReadImages(path)
	_, lblErr := ReadLabels(path)
	for name, err := range map[string]error{"ReadImages": imgErr, "ReadLabels": lblErr} {
		t.Run(name+" wraps fs.ErrNotExist and names the file", func(t *testing.T) {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("got %v, want an error wrapping fs.ErrNotExist", err)
			}
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("got %v, want a message naming %s", err, path)
			}
		})
	}
}

func TestReadReportsUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	_, _, _, _, err := ReadImages(dir)
	var fe *FormatError
	if err == nil || errors.As(err, &fe) {
		t.Fatalf("got %v, want an error that is not a *FormatError", err)
	}
	mustMention(t, err, dir)
}
