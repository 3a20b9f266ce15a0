package loader

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
)

// IDX magic numbers: two zero bytes, the element type (0x08, unsigned byte)
// and the number of dimensions.
const (
	magicImages = 0x00000803
	magicLabels = 0x00000801
)

const (
	// maxPayload bounds the payload size a header may claim (16 GiB), so that
	// a corrupt header is reported instead of attempted.
	maxPayload = 1 << 34
	// maxPrealloc bounds the buffer allocated up front from the header's
	// claim; a larger payload grows the buffer as it arrives.
	maxPrealloc = 64 << 20
)

// FormatError reports a file that is not a well-formed IDX file of the
// expected kind, or whose content breaks a data-set rule (image size, label
// range).
type FormatError struct {
	// File is the path of the offending file, as the caller gave it.
	File string
	// Problem says what is wrong, in words.
	Problem string
}

// Error returns "loader: <file>: <problem>".
func (e *FormatError) Error() string {
	return "loader: " + e.File + ": " + e.Problem
}

// ReadImages reads an IDX3 unsigned-byte file of images, gzip-compressed or
// plain (told apart by the gzip magic bytes 0x1f 0x8b). It returns the
// n×rows×cols grey values, image after image and row-major, with the
// dimensions from the header. Any rows and cols above zero are accepted;
// n may be zero. A malformed file gives a [*FormatError]; a missing file
// gives an error for which errors.Is(err, fs.ErrNotExist) holds.
func ReadImages(path string) (images []byte, n, rows, cols int, err error) {
	return readImages(path, nil)
}

// ReadLabels reads an IDX1 unsigned-byte file of labels, gzip-compressed or
// plain, and returns one byte per item. It does not check the range of the
// labels: that is a rule of the data set, checked by [LoadMNIST]. Errors are
// as for [ReadImages].
func ReadLabels(path string) ([]uint8, error) {
	return readLabels(path, nil)
}

// readImages is ReadImages that also writes the decompressed file content,
// header included, to h when h is not nil.
func readImages(path string, h io.Writer) (images []byte, n, rows, cols int, err error) {
	f, r, err := openIDX(path, h)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	defer f.Close()

	dims, err := readHeader(path, r, magicImages, 3)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	n, rows, cols = int(dims[0]), int(dims[1]), int(dims[2])
	if rows == 0 || cols == 0 {
		return nil, 0, 0, 0, &FormatError{path,
			fmt.Sprintf("image size %dx%d, want rows and cols above zero", rows, cols)}
	}
	images, err = readPayload(path, r, dims)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	return images, n, rows, cols, nil
}

// readLabels is ReadLabels that also writes the decompressed file content,
// header included, to h when h is not nil.
func readLabels(path string, h io.Writer) ([]uint8, error) {
	f, r, err := openIDX(path, h)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	dims, err := readHeader(path, r, magicLabels, 1)
	if err != nil {
		return nil, err
	}
	return readPayload(path, r, dims)
}

// openIDX opens path and returns the file, to be closed by the caller, and
// a reader of its decompressed content that copies what it reads to h.
func openIDX(path string, h io.Writer) (*os.File, io.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("loader: %w", err)
	}
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, readError(path, gzipError{err})
		}
		r = gzipReader{zr}
	}
	if h != nil {
		r = io.TeeReader(r, h)
	}
	return f, r, nil
}

// readHeader reads the magic number, checks it, then reads ndim big-endian
// uint32 dimensions.
func readHeader(path string, r io.Reader, magic uint32, ndim int) ([]uint32, error) {
	hdr := make([]byte, 4*(1+ndim))
	if err := readFullHeader(path, r, hdr[:4], 0, len(hdr)); err != nil {
		return nil, err
	}
	if m := binary.BigEndian.Uint32(hdr); m != magic {
		return nil, &FormatError{path, fmt.Sprintf(
			"wrong magic number 0x%08x, want 0x%08x (%s)", m, magic, kindName(magic))}
	}
	if err := readFullHeader(path, r, hdr[4:], 4, len(hdr)); err != nil {
		return nil, err
	}
	dims := make([]uint32, ndim)
	for i := range dims {
		dims[i] = binary.BigEndian.Uint32(hdr[4*(i+1):])
	}
	return dims, nil
}

// readFullHeader fills part, which starts at offset done of a header of
// size bytes, reporting an empty file or a truncated header.
func readFullHeader(path string, r io.Reader, part []byte, done, size int) error {
	got, err := io.ReadFull(r, part)
	var ge gzipError
	switch {
	case errors.As(err, &ge):
		return readError(path, err)
	case done == 0 && errors.Is(err, io.EOF):
		return &FormatError{path, "empty file"}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &FormatError{path,
			fmt.Sprintf("truncated header: %d bytes, want %d", done+got, size)}
	case err != nil:
		return readError(path, err)
	}
	return nil
}

// kindName names the kind of IDX file a magic number announces.
func kindName(magic uint32) string {
	if magic == magicImages {
		return "an IDX image file"
	}
	return "an IDX label file"
}

// readPayload reads exactly the product of dims bytes and checks that the
// stream ends there.
func readPayload(path string, r io.Reader, dims []uint32) ([]byte, error) {
	want, ok := payloadSize(dims)
	if !ok {
		return nil, &FormatError{path,
			fmt.Sprintf("header claims dimensions %v, more than %d bytes", dims, maxPayload)}
	}

	var buf bytes.Buffer
	buf.Grow(int(min(want, maxPrealloc)) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(r, int64(want)+1)); err != nil {
		return nil, readError(path, err)
	}
	got := uint64(buf.Len())
	switch {
	case got < want:
		return nil, &FormatError{path, fmt.Sprintf(
			"truncated payload: %d bytes after the header, want %d for dimensions %v",
			got, want, dims)}
	case got > want:
		return nil, &FormatError{path, fmt.Sprintf(
			"payload longer than the header says: want exactly %d bytes for dimensions %v",
			want, dims)}
	}
	return buf.Bytes()[:want:want], nil
}

// payloadSize multiplies dims, reporting false past maxPayload.
func payloadSize(dims []uint32) (uint64, bool) {
	size := uint64(1)
	for _, d := range dims {
		hi, lo := bits.Mul64(size, uint64(d))
		if hi != 0 || lo > maxPayload {
			return 0, false
		}
		size = lo
	}
	return size, true
}

// gzipError marks an error raised by the gzip decoder, as opposed to one
// raised by the file system.
type gzipError struct{ err error }

func (e gzipError) Error() string { return e.err.Error() }

// gzipReader wraps a gzip reader so that its errors, other than io.EOF,
// come back as gzipError.
type gzipReader struct{ zr *gzip.Reader }

func (g gzipReader) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = gzipError{err}
	}
	return n, err
}

// readError turns a read failure into a *FormatError when the gzip decoder
// raised it, and wraps it otherwise.
func readError(path string, err error) error {
	var ge gzipError
	if !errors.As(err, &ge) {
		// Other errors come from *os.File, whose *fs.PathError names the file.
		return fmt.Errorf("loader: %w", err)
	}
	if errors.Is(ge.err, io.EOF) || errors.Is(ge.err, io.ErrUnexpectedEOF) {
		return &FormatError{path, "truncated gzip stream"}
	}
	return &FormatError{path, "corrupt gzip stream: " + ge.err.Error()}
}
