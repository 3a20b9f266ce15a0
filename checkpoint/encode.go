package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// entry is one tensor of a file: its name, shape and data.
type entry struct {
	name  string
	shape []int
	data  []float32
}

// entries returns the tensors of st in buffer order: the parameters, then
// their first moments, then their second moments.
func entries(st *State) []entry {
	out := make([]entry, 0, 3*len(st.Params))
	for _, p := range st.Params {
		out = append(out, entry{p.Name, p.Shape, p.Data})
	}
	for i, p := range st.Params {
		out = append(out, entry{adamPrefixM + p.Name, p.Shape, st.Adam.M[i]})
	}
	for i, p := range st.Params {
		out = append(out, entry{adamPrefixV + p.Name, p.Shape, st.Adam.V[i]})
	}
	return out
}

// encode returns the file of st in two parts: the length and header, then
// the byte buffer. now is the creation time used if st.CreatedAt is zero.
func encode(st *State, now time.Time) (head, buf []byte, err error) {
	if err := st.check(); err != nil {
		return nil, nil, err
	}
	tensors := entries(st)
	buf, infos := encodeBuffer(tensors)
	meta, err := encodeMetadata(st, now)
	if err != nil {
		return nil, nil, err
	}
	meta[keySHA256] = checksum(meta, buf)

	header, err := encodeHeader(meta, tensors, infos)
	if err != nil {
		return nil, nil, err
	}
	head = make([]byte, 8, 8+len(header))
	binary.LittleEndian.PutUint64(head, uint64(len(header)))
	return append(head, header...), buf, nil
}

// encodeBuffer lays the tensors' data out back to back, little-endian,
// and returns the buffer and each tensor's header entry.
func encodeBuffer(tensors []entry) ([]byte, []tensorInfo) {
	size := 0
	for _, t := range tensors {
		size += 4 * len(t.data)
	}
	buf := make([]byte, size)
	infos := make([]tensorInfo, len(tensors))
	off := 0
	for i, t := range tensors {
		begin := off
		for _, v := range t.data {
			binary.LittleEndian.PutUint32(buf[off:], math.Float32bits(v))
			off += 4
		}
		shape := t.shape
		if shape == nil {
			shape = []int{} // a scalar: JSON [] rather than null
		}
		infos[i] = tensorInfo{dtypeF32, shape, [2]int64{int64(begin), int64(off)}}
	}
	return buf, infos
}

// encodeMetadata returns every metadata value but the checksum.
func encodeMetadata(st *State, now time.Time) (map[string]string, error) {
	cfg, err := encodeConfig(st.Config)
	if err != nil {
		return nil, err
	}
	records, err := encodeRecords(st.Records)
	if err != nil {
		return nil, err
	}
	state, err := json.Marshal(stateOf(st, now))
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	meta := map[string]string{
		keyFormat:  Format,
		keyVersion: strconv.Itoa(FormatVersion),
		keyConfig:  cfg,
		keyState:   string(state),
		keyRecords: records,
	}
	// JSON replaces invalid UTF-8, which would break the checksum.
	for k, v := range meta {
		if !utf8.ValidString(v) {
			return nil, fmt.Errorf("encode %s: not valid UTF-8", k)
		}
	}
	return meta, nil
}

// stateOf returns the "state" document of st.
func stateOf(st *State, now time.Time) stateJSON {
	created := st.CreatedAt
	if created.IsZero() {
		created = now
	}
	params := make([]paramJSON, len(st.Params))
	for i, p := range st.Params {
		shape := p.Shape
		if shape == nil {
			shape = []int{}
		}
		params[i] = paramJSON{p.Name, shape}
	}
	extra := st.Extra
	if extra == nil {
		extra = map[string]string{}
	}
	a, b := st.Adam, st.Best
	return stateJSON{
		Seed: st.Seed, Step: st.Step, Epoch: st.Epoch, Params: params,
		Adam: adamJSON{
			jsonFloat(a.LR), jsonFloat(a.Beta1), jsonFloat(a.Beta2), jsonFloat(a.Eps), a.Steps,
		},
		Best: bestJSON{
			b.Head, b.SubHead, jsonFloat(b.Loss), b.Step,
			jsonFloat(b.Accuracy), b.AccuracySubHead, b.AccuracyStep,
		},
		RNG:       st.RNG,
		CreatedAt: created.UTC().Format(time.RFC3339Nano),
		Extra:     extra,
	}
}

// encodeHeader returns the header JSON, padded with spaces so that the
// buffer starts at a multiple of 8 bytes. The tensors keep buffer order.
func encodeHeader(meta map[string]string, tensors []entry, infos []tensorInfo) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"` + keyMeta + `":`)
	m, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("encode metadata: %w", err)
	}
	b.Write(m)
	for i, t := range tensors {
		name, err := json.Marshal(t.name)
		if err != nil {
			return nil, fmt.Errorf("encode tensor name %q: %w", t.name, err)
		}
		info, err := json.Marshal(infos[i])
		if err != nil {
			return nil, fmt.Errorf("encode tensor %q: %w", t.name, err)
		}
		b.WriteByte(',')
		b.Write(name)
		b.WriteByte(':')
		b.Write(info)
	}
	b.WriteByte('}')
	for (8+b.Len())%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}
