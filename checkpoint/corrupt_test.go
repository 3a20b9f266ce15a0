package checkpoint

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// savedFile saves a sample state and returns its path and bytes.
func savedFile(t *testing.T) (string, []byte) {
	t.Helper()
	path := mustSave(t, Store{Dir: t.TempDir()}, sampleState(12))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

// damageCase is one way to damage a good checkpoint file, and the
// problem Load must report.
type damageCase struct {
	name    string
	damage  func(t *testing.T) []byte
	problem string
}

// damageCases returns the ways TestLoadDetectsDamage damages good.
func damageCases(good []byte) []damageCase {
	bufStart := 8 + int(binary.LittleEndian.Uint64(good))
	flip := func(at func(t *testing.T) int) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			data := append([]byte(nil), good...)
			data[at(t)] ^= 0x01
			return data
		}
	}
	in := func(sub string, skip int) func(t *testing.T) int {
		return func(t *testing.T) int { return headerIndex(t, good, sub) + skip }
	}
	// replace edits one metadata value and recomputes the checksum, as a
	// buggy or foreign writer would.
	replace := func(key, old, new string) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			return rewriteMeta(t, good, func(m map[string]string) {
				if !strings.Contains(m[key], old) {
					t.Fatalf("%s metadata has no %q", key, old)
				}
				m[key] = strings.Replace(m[key], old, new, 1)
				m["sha256"] = checksum(m, good[bufStart:])
			})
		}
	}
	without := func(key string) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			return rewriteMeta(t, good, func(m map[string]string) { delete(m, key) })
		}
	}
	// The tensor table's entry, not the escaped shape in the state metadata.
	const convEntry = `"conv0.w":{"dtype":"F32","shape":[4,1,3,3]`
	return []damageCase{
		{"a flipped bit in the weights",
			flip(func(*testing.T) int { return bufStart + 5 }), "sha256 mismatch"},
		{"a flipped bit in the last Adam moment",
			flip(func(*testing.T) int { return len(good) - 1 }), "sha256 mismatch"},
		{"a flipped bit in the config metadata", flip(in("input_size: 24", 12)), "sha256 mismatch"},
		{"a flipped bit in the state metadata", flip(in(`pcg-splitmix`, 0)), "sha256 mismatch"},
		{"a flipped bit in the records metadata", flip(in(`812.5`, 0)), "sha256 mismatch"},
		{"a flipped bit in the checksum", flip(in(`"sha256":"`, 10)), "sha256 mismatch"},
		{"a flipped bit in the format version", flip(in(`"format_version":"1`, 18)),
			"sha256 mismatch"},
		{"a changed shape in the tensor table", flip(in(convEntry, len(convEntry)-2)),
			"spans bytes"},
		{"a changed tensor name", flip(in(`"headB.b":`, 5)), "is missing"},
		{"damaged JSON punctuation", flip(func(*testing.T) int { return 8 }), "not valid JSON"},
		{"a changed header length", flip(func(*testing.T) int { return 3 }), "exceeds"},
		{"a file truncated in the buffer",
			func(*testing.T) []byte { return good[:len(good)-10] }, "truncated"},
		{"a file truncated in the header",
			func(*testing.T) []byte { return good[:bufStart-100] }, "truncated"},
		{"a file shorter than the length field",
			func(*testing.T) []byte { return good[:5] }, "too short"},
		{"a safetensors file of another format", without("format"), "not an iic checkpoint"},
		{"a file without a checksum", without("sha256"), "no sha256"},
		{"a consistent file whose tensors disagree with the state",
			replace("state", `"headB.b"`, `"headC.b"`), `tensor "headC.b" is missing`},
		{"a consistent file with a tensor the state does not list",
			replace("state", `,{"name":"headB.b","shape":[5]}`, ``), "unexpected tensor"},
		{"a consistent file whose state is not JSON",
			replace("state", `{`, `[`), "state:"},
		{"a consistent file with a bad creation time",
			replace("state", `"created_at":"2025`, `"created_at":"x025`), "created_at"},
		{"a consistent file with an unknown config key",
			replace("config", "seed:", "sead:"), "decode config"},
		{"a consistent file with a record of unknown kind",
			replace("records", `"kind":"step"`, `"kind":"stop"`), "decode records"},
		{"a consistent file whose seed differs from its config's",
			replace("state", `"seed":9223372036854775815`, `"seed":3`), "inconsistent state"},
	}
}

func TestLoadDetectsDamage(t *testing.T) {
	_, good := savedFile(t)
	tests := damageCases(good)
	for _, tt := range tests {
		t.Run(tt.name+" is reported as corrupt, naming the file", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "step-00000012.safetensors")
			writeFile(t, path, tt.damage(t))
			_, err := Load(path)
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v, want a *CorruptError", err)
			}
			if ce.Path != path || !strings.Contains(ce.Problem, tt.problem) {
				t.Errorf("error = %v, want path %s and a problem containing %q",
					err, path, tt.problem)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestLoadRefusesAnotherVersion(t *testing.T) {
	_, good := savedFile(t)
	bufStart := 8 + int(binary.LittleEndian.Uint64(good))
	data := rewriteMeta(t, good, func(m map[string]string) {
		m["format_version"] = "2"
		m["sha256"] = checksum(m, good[bufStart:])
	})
	path := filepath.Join(t.TempDir(), "step-00000012.safetensors")
	writeFile(t, path, data)

	_, err := Load(path)
	var ve *VersionError
	if !errors.As(err, &ve) || ve.Version != "2" || ve.Path != path {
		t.Fatalf("error = %v, want a *VersionError for version 2 of %s", err, path)
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, `"2"`) {
		t.Errorf("error %q does not name the file and its version", msg)
	}
}

func TestLoadDetectsEveryFlippedBit(t *testing.T) {
	_, good := savedFile(t)
	const path = "damaged.safetensors"
	data := append([]byte(nil), good...)
	missed := 0
	for i := range data {
		for _, bit := range []byte{0x01, 0x80} {
			data[i] ^= bit
			_, err := decode(path, data)
			var ce *CorruptError
			if !errors.As(err, &ce) && missed < 5 {
				t.Errorf("byte %d of %d xor %#x: error = %v, want a *CorruptError",
					i, len(data), bit, err)
				missed++
			}
			data[i] ^= bit
		}
	}
}

func TestLoadReportsAMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "step-00000001.safetensors")
	_, err := Load(path)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("error = %v, want a not-exist error naming %s", err, path)
	}
}
