package loader

import (
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteIDX writes ds as an MNIST-style pair of IDX files into dir:
// prefix+"-images-idx3-ubyte" and, when ds has labels,
// prefix+"-labels-idx1-ubyte", each with a ".gz" suffix and gzip-compressed
// when gz is true. With prefix "train" or "t10k" the files are named as
// [LoadMNIST] expects them. Existing files are overwritten. It is meant for
// tests and smoke runs that need MNIST-shaped files.
func WriteIDX(dir string, ds *Dataset, prefix string, gz bool) error {
	if err := ds.check(); err != nil {
		return fmt.Errorf("write idx %s: %w", prefix, err)
	}
	suffix := ""
	if gz {
		suffix = ".gz"
	}

	imgPath := filepath.Join(dir, prefix+"-images-idx3-ubyte"+suffix)
	hdr := idxHeader(magicImages, ds.N, ds.Rows, ds.Cols)
	if err := writeFile(imgPath, hdr, ds.Images, gz); err != nil {
		return err
	}
	if ds.Labels == nil {
		return nil
	}
	lblPath := filepath.Join(dir, prefix+"-labels-idx1-ubyte"+suffix)
	return writeFile(lblPath, idxHeader(magicLabels, ds.N), ds.Labels, gz)
}

// idxHeader encodes a magic number and dimensions as big-endian uint32s.
func idxHeader(magic uint32, dims ...int) []byte {
	hdr := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		hdr = binary.BigEndian.AppendUint32(hdr, uint32(d))
	}
	return hdr
}

// writeFile writes header and payload to path, gzip-compressed if gz.
func writeFile(path string, header, payload []byte, gz bool) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write idx: %w", err)
	}
	err = writeContent(f, header, payload, gz)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write idx %s: %w", path, err)
	}
	return nil
}

// writeContent writes header then payload to w, through gzip if gz.
func writeContent(w io.Writer, header, payload []byte, gz bool) error {
	if !gz {
		if _, err := w.Write(header); err != nil {
			return err
		}
		_, err := w.Write(payload)
		return err
	}
	zw := gzip.NewWriter(w)
	if _, err := zw.Write(header); err != nil {
		return err
	}
	if _, err := zw.Write(payload); err != nil {
		return err
	}
	return zw.Close()
}
