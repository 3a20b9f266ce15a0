package loader

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fakeMNIST writes four small stand-ins for the MNIST files into a fresh
// folder, the train files gzip-compressed and the test files plain, and
// returns the folder with a checksum table that they match.
func fakeMNIST(t *testing.T) (string, []fileSum) {
	t.Helper()
	dir := t.TempDir()
	if err := WriteIDX(dir, Synthetic(20, 1), "train", true); err != nil {
		t.Fatal(err)
	}
	if err := WriteIDX(dir, Synthetic(10, 2), "t10k", false); err != nil {
		t.Fatal(err)
	}
	table := canonicalSums()
	for i, s := range table {
		name := s.base
		if s.base[:5] == "train" {
			name += ".gz"
		}
		sum, err := fileSHA256(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		// Only the hash of the form present is used.
		table[i].gz, table[i].raw = sum, sum
	}
	return dir, table
}

func TestVerify(t *testing.T) {
	for _, tc := range []struct {
		name        string
		spoil       func(t *testing.T, dir string)
		wantMissing []string
		wantDiffer  []string
	}{
		{"accepts four matching files, gzip and plain", func(*testing.T, string) {}, nil, nil},
		{"lists a gzip file with one altered byte", func(t *testing.T, dir string) {
			flipByte(t, filepath.Join(dir, "train-labels-idx1-ubyte.gz"))
		}, nil, []string{"train-labels-idx1-ubyte.gz"}},
		{"lists a plain file with one altered byte", func(t *testing.T, dir string) {
			flipByte(t, filepath.Join(dir, "t10k-images-idx3-ubyte"))
		}, nil, []string{"t10k-images-idx3-ubyte"}},
		{"lists every missing and every differing file", func(t *testing.T, dir string) {
			remove(t, filepath.Join(dir, "train-images-idx3-ubyte.gz"))
			remove(t, filepath.Join(dir, "t10k-labels-idx1-ubyte"))
			flipByte(t, filepath.Join(dir, "t10k-images-idx3-ubyte"))
		}, []string{"train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
			[]string{"t10k-images-idx3-ubyte"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, table := fakeMNIST(t)
			tc.spoil(t, dir)
			err := verify(dir, table)
			if tc.wantMissing == nil && tc.wantDiffer == nil {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var ce *ChecksumError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *ChecksumError", err)
			}
			var differ []string
			for _, m := range ce.Differ {
				differ = append(differ, filepath.Base(m.File))
				if m.Got == m.Want || len(m.Got) != 64 {
					t.Errorf("got Mismatch %+v, want two different 64-digit hashes", m)
				}
			}
			if !slices.Equal(ce.Missing, tc.wantMissing) || !slices.Equal(differ, tc.wantDiffer) {
				t.Errorf("got missing %v, differ %v; want %v, %v",
					ce.Missing, differ, tc.wantMissing, tc.wantDiffer)
			}
			mustMention(t, err, append(tc.wantMissing, tc.wantDiffer...)...)
		})
	}
}

func TestVerifyReportsUnreadableFile(t *testing.T) {
	dir, table := fakeMNIST(t)
	path := filepath.Join(dir, "t10k-labels-idx1-ubyte.gz")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	err := verify(dir, table)
	var ce *ChecksumError
	if err == nil || errors.As(err, &ce) {
		t.Fatalf("got %v, want an error that is not a *ChecksumError", err)
	}
	mustMention(t, err, path)
}

func TestVerifyRejectsFakesAgainstCanonicalHashes(t *testing.T) {
	dir, _ := fakeMNIST(t)
	var ce *ChecksumError
	if err := Verify(dir); !errors.As(err, &ce) || len(ce.Differ) != 4 {
		t.Errorf("got %v, want a *ChecksumError listing all four files", err)
	}
}

func TestCanonicalSumsAreDistinctSHA256Digests(t *testing.T) {
	seen := make(map[string]bool)
	for _, s := range canonicalSums() {
		for _, sum := range []string{s.gz, s.raw} {
			if b, err := hex.DecodeString(sum); err != nil || len(b) != 32 {
				t.Errorf("%s: got %q, want 64 hex digits", s.base, sum)
			}
			if seen[sum] {
				t.Errorf("%s: hash %s appears twice", s.base, sum)
			}
			seen[sum] = true
		}
	}
	if len(seen) != 8 {
		t.Errorf("got %d hashes, want 8", len(seen))
	}
}

// flipByte inverts the last byte of the file at path.
func flipByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// remove deletes the file at path.
func remove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}
