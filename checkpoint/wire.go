package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/report"
	"go.yaml.in/yaml/v3"
)

// Metadata keys of a checkpoint file; see the package doc.
const (
	keyFormat  = "format"
	keyVersion = "format_version"
	keyConfig  = "config"
	keyState   = "state"
	keyRecords = "records"
	keySHA256  = "sha256"
	keyMeta    = "__metadata__"
)

// dtypeF32 is the safetensors dtype of every tensor.
const dtypeF32 = "F32"

// tensorInfo is a tensor's entry in the safetensors header.
type tensorInfo struct {
	Dtype       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// stateJSON is the "state" metadata document.
type stateJSON struct {
	Seed      uint64            `json:"seed"`
	Step      int               `json:"step"`
	Epoch     int               `json:"epoch"`
	Params    []paramJSON       `json:"params"`
	Adam      adamJSON          `json:"adam"`
	Best      bestJSON          `json:"best"`
	RNG       string            `json:"rng"`
	CreatedAt string            `json:"created_at"`
	Extra     map[string]string `json:"extra"`
}

// paramJSON names a parameter and its shape in "state".
type paramJSON struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// adamJSON is Adam's constants and step counts in "state".
type adamJSON struct {
	LR    jsonFloat `json:"lr"`
	Beta1 jsonFloat `json:"beta1"`
	Beta2 jsonFloat `json:"beta2"`
	Eps   jsonFloat `json:"eps"`
	Steps []int     `json:"steps"`
}

// bestJSON is Best in "state".
type bestJSON struct {
	Head            string    `json:"head"`
	SubHead         int       `json:"sub_head"`
	Loss            jsonFloat `json:"loss"`
	Step            int       `json:"step"`
	Accuracy        jsonFloat `json:"accuracy"`
	AccuracySubHead int       `json:"accuracy_sub_head"`
	AccuracyStep    int       `json:"accuracy_step"`
}

// jsonFloat is a float64 that JSON encodes exactly: a finite value as a
// number, NaN and ±Inf as the strings "NaN", "+Inf" and "-Inf".
type jsonFloat float64

// MarshalJSON implements json.Marshaler.
func (x jsonFloat) MarshalJSON() ([]byte, error) {
	f := float64(x)
	switch {
	case math.IsNaN(f):
		return []byte(`"NaN"`), nil
	case math.IsInf(f, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON implements json.Unmarshaler.
func (x *jsonFloat) UnmarshalJSON(b []byte) error {
	special := map[string]float64{
		`"NaN"`: math.NaN(), `"+Inf"`: math.Inf(1), `"-Inf"`: math.Inf(-1),
	}
	if f, ok := special[string(b)]; ok {
		*x = jsonFloat(f)
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("decode number %s: %w", b, err)
	}
	*x = jsonFloat(f)
	return nil
}

// checksum returns the "sha256" value of a file with metadata meta and
// byte buffer buf, as the package doc defines it.
func checksum(meta map[string]string, buf []byte) string {
	keys := make([]string, 0, len(meta))
	for k := range meta {
		if k != keySHA256 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)

	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(meta[k]))
		h.Write([]byte{0})
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// encodeConfig returns c as YAML, as config.WriteYAML writes it.
func encodeConfig(c config.Config) (string, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return "", fmt.Errorf("encode config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("encode config: %w", err)
	}
	return b.String(), nil
}

// decodeConfig parses YAML written by encodeConfig over config.Default():
// a key the file lacks keeps its default, and an unknown key is an error.
func decodeConfig(text string) (config.Config, error) {
	c := config.Default()
	dec := yaml.NewDecoder(strings.NewReader(text))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return config.Config{}, fmt.Errorf("decode config: %w", err)
	}
	return c, nil
}

// encodeRecords returns records as a JSON array, [] when empty.
func encodeRecords(records []report.Record) (string, error) {
	if records == nil {
		records = []report.Record{}
	}
	b, err := json.Marshal(records)
	if err != nil {
		return "", fmt.Errorf("encode records: %w", err)
	}
	return string(b), nil
}

// decodeRecords parses a JSON array of records; empty gives nil.
func decodeRecords(text string) ([]report.Record, error) {
	var records []report.Record
	if err := json.Unmarshal([]byte(text), &records); err != nil {
		return nil, fmt.Errorf("decode records: %w", err)
	}
	if len(records) == 0 {
		return nil, nil
	}
	return records, nil
}
