package loader

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadIDX feeds arbitrary bytes, plain and gzipped, to both IDX readers:
// they must return an error or a consistent result, never panic.
func FuzzReadIDX(f *testing.F) {
	f.Add(idxHeader(0x803, 2, 2, 2), false)
	f.Add(append(idxHeader(0x803, 1, 2, 2), 1, 2, 3, 4), true)
	f.Add(append(idxHeader(0x801, 3), 1, 2, 9), false)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, data []byte, gz bool) {
		path := filepath.Join(t.TempDir(), "f.idx")
		content := data
		if gz {
			var buf bytes.Buffer
			w := gzip.NewWriter(&buf)
			w.Write(data)
			w.Close()
			content = buf.Bytes()
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		images, n, rows, cols, err := ReadImages(path)
		if err == nil && len(images) != n*rows*cols {
			t.Fatalf("%d pixels for %d images of %dx%d", len(images), n, rows, cols)
		}
		labels, err := ReadLabels(path)
		if err == nil && len(labels) > len(data) {
			t.Fatalf("%d labels from %d bytes", len(labels), len(data))
		}
	})
}
