package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Load reads the checkpoint file at path and verifies it before returning
// its state: the safetensors layout (header length, JSON, each tensor's
// dtype, shape against its offsets, offsets tiling the buffer), the format
// and version, the sha256 checksum, and the agreement of the tensors with
// the "state" document.
//
// A file that fails a check gives a *CorruptError naming the file and the
// problem, and one of another format version a *VersionError; a file that
// cannot be read gives the wrapped os error. A config key the file lacks
// takes its value from config.Default(), and an unknown one is an error.
func Load(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: read %s: %w", path, err)
	}
	return decode(path, data)
}

// decoder decodes the file at path, and makes its errors.
type decoder struct{ path string }

// corrupt returns a *CorruptError for d's file.
func (d decoder) corrupt(format string, args ...any) error {
	return &CorruptError{Path: d.path, Problem: fmt.Sprintf(format, args...)}
}

// decode parses and verifies a whole checkpoint file.
func decode(path string, data []byte) (*State, error) {
	d := decoder{path}
	header, buf, err := d.split(data)
	if err != nil {
		return nil, err
	}
	meta, infos, err := d.parseHeader(header)
	if err != nil {
		return nil, err
	}
	if meta[keyFormat] != Format {
		return nil, d.corrupt("format is %q, want %q: not an iic checkpoint",
			meta[keyFormat], Format)
	}
	if err := d.checkLayout(infos, len(buf)); err != nil {
		return nil, err
	}
	if err := d.checkSum(meta, buf); err != nil {
		return nil, err
	}
	st, params, err := d.decodeMeta(meta)
	if err != nil {
		return nil, err
	}
	if err := d.fillTensors(st, params, infos, buf); err != nil {
		return nil, err
	}
	if err := st.check(); err != nil {
		return nil, d.corrupt("inconsistent state: %v", err)
	}
	return st, nil
}

// split returns the header and the byte buffer of a file.
func (d decoder) split(data []byte) (header, buf []byte, err error) {
	if len(data) < 8 {
		return nil, nil, d.corrupt("file has %d bytes, too short for the header length",
			len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > uint64(len(data)-8) {
		return nil, nil, d.corrupt("header length %d exceeds the %d bytes that follow"+
			" (truncated file?)", n, len(data)-8)
	}
	return data[8 : 8+n], data[8+n:], nil
}

// parseHeader parses the header's metadata and tensor entries.
func (d decoder) parseHeader(header []byte) (map[string]string, map[string]tensorInfo, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, nil, d.corrupt("header is not valid JSON: %v", err)
	}
	rawMeta, ok := raw[keyMeta]
	if !ok {
		return nil, nil, d.corrupt("header has no %s", keyMeta)
	}
	var meta map[string]string
	if err := json.Unmarshal(rawMeta, &meta); err != nil {
		return nil, nil, d.corrupt("%s: %v", keyMeta, err)
	}

	infos := make(map[string]tensorInfo, len(raw)-1)
	for name, value := range raw {
		if name == keyMeta {
			continue
		}
		var info tensorInfo
		dec := json.NewDecoder(bytes.NewReader(value))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&info); err != nil {
			return nil, nil, d.corrupt("tensor %q: %v", name, err)
		}
		infos[name] = info
	}
	return meta, infos, nil
}

// checkSum checks the checksum and the version. A file of another version
// whose checksum follows version 1's recipe is a *VersionError.
func (d decoder) checkSum(meta map[string]string, buf []byte) error {
	want, ok := meta[keySHA256]
	if !ok {
		return d.corrupt("metadata has no %s", keySHA256)
	}
	got := checksum(meta, buf)
	version := meta[keyVersion]
	switch {
	case got != want && version != strconv.Itoa(FormatVersion):
		return d.corrupt("sha256 mismatch (format version %q)", version)
	case got != want:
		return d.corrupt("sha256 mismatch: the metadata says %.12s…, the content hashes"+
			" to %.12s…", want, got)
	case version != strconv.Itoa(FormatVersion):
		return &VersionError{Path: d.path, Version: version}
	}
	return nil
}

// checkLayout checks each tensor's dtype and size, and that the tensors
// tile the buffer of bufLen bytes with no gap or overlap.
func (d decoder) checkLayout(infos map[string]tensorInfo, bufLen int) error {
	names := make([]string, 0, len(infos))
	for name := range infos {
		names = append(names, name)
	}
	// By begin, then end, so that empty tensors sort before a neighbour.
	sort.Slice(names, func(i, j int) bool {
		a, b := infos[names[i]].DataOffsets, infos[names[j]].DataOffsets
		return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1])
	})

	var end int64
	for _, name := range names {
		info := infos[name]
		n, ok := elements(info.Shape)
		begin, stop := info.DataOffsets[0], info.DataOffsets[1]
		switch {
		case info.Dtype != dtypeF32:
			return d.corrupt("tensor %q has dtype %q, want %q", name, info.Dtype, dtypeF32)
		case !ok:
			return d.corrupt("tensor %q has invalid shape %v", name, info.Shape)
		case begin != end:
			return d.corrupt("tensor %q starts at byte %d, want %d (offsets do not tile"+
				" the buffer)", name, begin, end)
		case stop-begin != 4*int64(n):
			return d.corrupt("tensor %q of shape %v spans bytes [%d, %d), want %d bytes",
				name, info.Shape, begin, stop, 4*n)
		}
		end = stop
	}
	if end != int64(bufLen) {
		return d.corrupt("tensors end at byte %d of a %d-byte buffer (truncated file?)",
			end, bufLen)
	}
	return nil
}

// decodeMeta decodes the config, the records and the "state" document
// into a State without tensors, and returns the parameter list too.
func (d decoder) decodeMeta(meta map[string]string) (*State, []paramJSON, error) {
	var s stateJSON
	if err := json.Unmarshal([]byte(meta[keyState]), &s); err != nil {
		return nil, nil, d.corrupt("state: %v", err)
	}
	cfg, err := decodeConfig(meta[keyConfig])
	if err != nil {
		return nil, nil, d.corrupt("%v", err)
	}
	records, err := decodeRecords(meta[keyRecords])
	if err != nil {
		return nil, nil, d.corrupt("%v", err)
	}
	created, err := time.Parse(time.RFC3339Nano, s.CreatedAt)
	if err != nil {
		return nil, nil, d.corrupt("state: created_at: %v", err)
	}
	if len(s.Extra) == 0 {
		s.Extra = nil
	}

	a, b := s.Adam, s.Best
	st := &State{
		Version: FormatVersion, Config: cfg, Seed: s.Seed, Step: s.Step, Epoch: s.Epoch,
		Adam: AdamState{
			LR: float64(a.LR), Beta1: float64(a.Beta1), Beta2: float64(a.Beta2),
			Eps: float64(a.Eps), Steps: a.Steps,
		},
		Records: records,
		Best: Best{
			Head: b.Head, SubHead: b.SubHead, Loss: float64(b.Loss), Step: b.Step,
			Accuracy: float64(b.Accuracy), AccuracySubHead: b.AccuracySubHead,
			AccuracyStep: b.AccuracyStep,
		},
		RNG: s.RNG, CreatedAt: created, Extra: s.Extra,
	}
	return st, s.Params, nil
}

// fillTensors reads each parameter and its moments from buf into st,
// checking the header's shapes against the "state" document's.
func (d decoder) fillTensors(st *State, params []paramJSON, infos map[string]tensorInfo,
	buf []byte) error {
	want := map[string]bool{}
	read := func(name string, shape []int) ([]float32, error) {
		want[name] = true
		info, ok := infos[name]
		if !ok {
			return nil, d.corrupt("tensor %q is missing", name)
		}
		if !slices.Equal(info.Shape, shape) {
			return nil, d.corrupt("tensor %q has shape %v in the header, %v in the state",
				name, info.Shape, shape)
		}
		return floats(buf[info.DataOffsets[0]:info.DataOffsets[1]]), nil
	}

	st.Adam.M = make([][]float32, len(params))
	st.Adam.V = make([][]float32, len(params))
	for i, p := range params {
		data, err := read(p.Name, p.Shape)
		if err != nil {
			return err
		}
		if st.Adam.M[i], err = read(adamPrefixM+p.Name, p.Shape); err != nil {
			return err
		}
		if st.Adam.V[i], err = read(adamPrefixV+p.Name, p.Shape); err != nil {
			return err
		}
		st.Params = append(st.Params, Tensor{Name: p.Name, Shape: shapeOf(p.Shape), Data: data})
	}
	for name := range infos {
		if !want[name] {
			return d.corrupt("unexpected tensor %q: the state lists no such parameter", name)
		}
	}
	return nil
}

// shapeOf returns shape, nil for a scalar.
func shapeOf(shape []int) []int {
	if len(shape) == 0 {
		return nil
	}
	return shape
}

// floats decodes little-endian float32 values.
func floats(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}
