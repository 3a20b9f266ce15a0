package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/report"
)

// sampleState returns a small State whose every field differs from its
// zero value and the defaults, with awkward float32 values (−0, a
// subnormal, the largest finite value) to catch any inexact encoding.
func sampleState(step int) *State {
	cfg := config.Default()
	cfg.Seed = 1<<63 + 7 // beyond int64 and float64 precision
	cfg.Model.Widths = []int{4, 8}
	cfg.Train.LR = 3e-4
	cfg.Train.Schedule = []string{"A", "B"}
	cfg.Augment.RotateDeg = 12.5
	cfg.Data.Dataset = "synthetic"

	shapes := map[string][]int{"conv0.w": {4, 1, 3, 3}, "bn0.gamma": {1, 4, 1, 1}, "headB.b": {5}}
	names := []string{"conv0.w", "bn0.gamma", "headB.b"}
	st := &State{
		Version: FormatVersion, Config: cfg, Seed: cfg.Seed, Step: step, Epoch: step / 7,
		Adam: AdamState{LR: 3e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8},
		Best: Best{Head: "B", SubHead: 2, Loss: -2.2512345678901234, Step: step - 1,
			Accuracy: 0.97125, AccuracySubHead: 1, AccuracyStep: step - 2},
		RNG:       "pcg-splitmix/v1",
		CreatedAt: time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC),
		Extra:     map[string]string{"git": "abc123", "note": "ünïcode <&>"},
		Records:   sampleRecords(step),
	}
	for i, name := range names {
		n, _ := elements(shapes[name])
		st.Params = append(st.Params, Tensor{name, shapes[name], values(n, float32(i+step))})
		st.Adam.M = append(st.Adam.M, values(n, float32(10*i+1)))
		st.Adam.V = append(st.Adam.V, values(n, float32(100*i+2)))
		st.Adam.Steps = append(st.Adam.Steps, step+i)
	}
	return st
}

// values returns n float32 values derived from seed, with −0, a
// subnormal and the largest float32 among them.
func values(n int, seed float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = seed/3 + float32(i)*0.1234567
	}
	special := []float32{float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32,
		math.MaxFloat32}
	copy(out, special[:min(n, len(special))])
	return out
}

// sampleRecords returns one step record and one eval record, NaN-free.
func sampleRecords(step int) []report.Record {
	return []report.Record{
		{Kind: report.KindStep, Epoch: 0.5, Step: step - 1, Time: 12.25, Head: "B",
			Loss: []float64{-1.5, -1.25}, LossMean: -1.375, ImagesPerSec: 812.5, DataWait: 0.125},
		{Kind: report.KindEval, Epoch: 1, Step: step, Time: 20.5, Head: "B",
			Accuracy: []float64{0.5, 0.75}, NMI: []float64{0.4, 0.6}, ARI: []float64{0.3, 0.7},
			SubHeadLoss: []float64{-2.1, -2.2}, AccMean: 0.625, AccStd: 0.125, AccMin: 0.5,
			AccMax: 0.75, Best: 1, LowestLoss: 1},
	}
}

// diffStates returns a description of each field where got and want
// differ, comparing float32 data bit for bit; empty when equal.
func diffStates(got, want *State) []string {
	var diffs []string
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		same := reflect.DeepEqual(g, w)
		switch name {
		case "CreatedAt":
			same = got.CreatedAt.Equal(want.CreatedAt)
		case "Params":
			same = same && sameParams(got.Params, want.Params)
		case "Adam":
			same = same && sameRows(got.Adam.M, want.Adam.M) && sameRows(got.Adam.V, want.Adam.V)
		}
		if !same {
			diffs = append(diffs, fmt.Sprintf("%s:\n got %+v\nwant %+v", name, g, w))
		}
	}
	return diffs
}

// sameParams compares tensors, their data bit for bit.
func sameParams(a, b []Tensor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !reflect.DeepEqual(a[i].Shape, b[i].Shape) ||
			!sameBits(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

// sameRows compares lists of float32 slices bit for bit.
func sameRows(a, b [][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameBits(a[i], b[i]) {
			return false
		}
	}
	return true
}

// sameBits compares float32 slices bit for bit, so −0 differs from 0.
func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// stFile is a safetensors file as the independent test reader sees it.
type stFile struct {
	meta    map[string]string
	tensors map[string]stTensor
	raw     map[string]json.RawMessage // the header's entries, unparsed
	buf     []byte
}

// stTensor is one tensor read by readSafetensors.
type stTensor struct {
	shape []int
	data  []float32
}

// readSafetensors is a minimal safetensors reader written from the
// format's description, independent of the package's decoder: it checks
// the header length, the JSON, string-only metadata, F32 sizes and that
// the offsets tile the buffer.
func readSafetensors(data []byte) (stFile, error) {
	if len(data) < 8 {
		return stFile{}, errors.New("shorter than 8 bytes")
	}
	n := binary.LittleEndian.Uint64(data[:8])
	if n > uint64(len(data)-8) || n == 0 || data[8] != '{' {
		return stFile{}, fmt.Errorf("bad header length %d or start", n)
	}
	if (8+n)%8 != 0 {
		return stFile{}, fmt.Errorf("buffer starts at %d, not 8-byte aligned", 8+n)
	}
	f := stFile{tensors: map[string]stTensor{}, buf: data[8+n:]}
	if err := json.Unmarshal(data[8:8+n], &f.raw); err != nil {
		return stFile{}, fmt.Errorf("header: %w", err)
	}
	if err := json.Unmarshal(f.raw["__metadata__"], &f.meta); err != nil {
		return stFile{}, fmt.Errorf("metadata is not an object of strings: %w", err)
	}

	var spans [][2]int
	for name, raw := range f.raw {
		if name == "__metadata__" {
			continue
		}
		tensor, span, err := readEntry(name, raw, f.buf)
		if err != nil {
			return stFile{}, err
		}
		f.tensors[name] = tensor
		spans = append(spans, span)
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	at := 0
	for _, s := range spans {
		if s[0] != at {
			return stFile{}, fmt.Errorf("a tensor starts at %d, want %d", s[0], at)
		}
		at = s[1]
	}
	if at != len(f.buf) {
		return stFile{}, fmt.Errorf("tensors end at %d of %d bytes", at, len(f.buf))
	}
	return f, nil
}

// readEntry reads one F32 tensor entry of a safetensors header and its
// data from buf, and returns its byte span.
func readEntry(name string, raw json.RawMessage, buf []byte) (stTensor, [2]int, error) {
	var e struct {
		Dtype   string `json:"dtype"`
		Shape   []int  `json:"shape"`
		Offsets []int  `json:"data_offsets"`
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.Dtype != "F32" || len(e.Offsets) != 2 {
		return stTensor{}, [2]int{}, fmt.Errorf("tensor %q: bad entry %s", name, raw)
	}
	size := 4
	for _, d := range e.Shape {
		size *= d
	}
	begin, end := e.Offsets[0], e.Offsets[1]
	if begin < 0 || end > len(buf) || end-begin != size {
		return stTensor{}, [2]int{}, fmt.Errorf("tensor %q: offsets %v for %d bytes"+
			" in a %d-byte buffer", name, e.Offsets, size, len(buf))
	}
	data := make([]float32, size/4)
	for i := range data {
		data[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[begin+4*i:]))
	}
	return stTensor{e.Shape, data}, [2]int{begin, end}, nil
}

// rewriteMeta returns the file data with its metadata changed by edit and
// the header re-encoded (and re-padded); the buffer is unchanged.
func rewriteMeta(t *testing.T, data []byte, edit func(meta map[string]string)) []byte {
	t.Helper()
	f, err := readSafetensors(data)
	if err != nil {
		t.Fatalf("read the file to rewrite: %v", err)
	}
	edit(f.meta)
	meta, err := json.Marshal(f.meta)
	if err != nil {
		t.Fatal(err)
	}
	f.raw["__metadata__"] = meta
	header, err := json.Marshal(f.raw)
	if err != nil {
		t.Fatal(err)
	}
	for (8+len(header))%8 != 0 {
		header = append(header, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, f.buf...)
}

// headerIndex returns the position in data of the first occurrence of
// sub within the header, failing the test if there is none.
func headerIndex(t *testing.T, data []byte, sub string) int {
	t.Helper()
	n := int(binary.LittleEndian.Uint64(data))
	i := bytes.Index(data[8:8+n], []byte(sub))
	if i < 0 {
		t.Fatalf("%q not found in the header %.200s…", sub, data[8:8+n])
	}
	return 8 + i
}

// writeFile writes data to path, failing the test on error.
func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// mustSave saves st in s, failing the test on error.
func mustSave(t *testing.T, s Store, st *State) string {
	t.Helper()
	path, err := s.Save(st)
	if err != nil {
		t.Fatalf("save step %d: %v", st.Step, err)
	}
	return path
}

// readPointerFile returns the trimmed content of dir's "latest" file.
func readPointerFile(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(dir + "/" + LatestFile)
	if err != nil {
		t.Fatalf("read the pointer: %v", err)
	}
	return strings.TrimSpace(string(b))
}
