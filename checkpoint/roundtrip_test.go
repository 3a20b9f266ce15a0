package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	t.Run("every field of the state reads back exactly", func(t *testing.T) {
		want := sampleState(42)
		path := mustSave(t, Store{Dir: t.TempDir()}, want)
		if got, wantName := filepath.Base(path), "step-00000042.safetensors"; got != wantName {
			t.Errorf("file name = %q, want %q", got, wantName)
		}
		got, err := Load(path)
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		for _, d := range diffStates(got, want) {
			t.Error(d)
		}
	})

	t.Run("a state without version or extras reads back with the version", func(t *testing.T) {
		want := sampleState(3)
		want.Version, want.Extra, want.Records = 0, nil, nil
		got, err := Load(mustSave(t, Store{Dir: t.TempDir()}, want))
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		if got.Version != FormatVersion {
			t.Errorf("version = %d, want %d", got.Version, FormatVersion)
		}
		want.Version = FormatVersion
		for _, d := range diffStates(got, want) {
			t.Error(d)
		}
	})

	t.Run("non-finite best losses and accuracies read back", func(t *testing.T) {
		want := sampleState(5)
		want.Best = Best{SubHead: -1, Loss: math.NaN(), Accuracy: math.Inf(-1),
			AccuracySubHead: -1}
		want.Adam.Eps = math.Inf(1)
		got, err := Load(mustSave(t, Store{Dir: t.TempDir()}, want))
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		b := got.Best
		if !math.IsNaN(b.Loss) || !math.IsInf(b.Accuracy, -1) || !math.IsInf(got.Adam.Eps, 1) {
			t.Errorf("best loss, accuracy, adam eps = %v, %v, %v; want NaN, -Inf, +Inf",
				b.Loss, b.Accuracy, got.Adam.Eps)
		}
	})

	t.Run("a zero creation time is replaced by the time of saving", func(t *testing.T) {
		st := sampleState(6)
		st.CreatedAt = time.Time{}
		before := time.Now().Add(-time.Second)
		got, err := Load(mustSave(t, Store{Dir: t.TempDir()}, st))
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		if got.CreatedAt.Before(before) || got.CreatedAt.After(time.Now()) {
			t.Errorf("created at %v, want about %v", got.CreatedAt, time.Now())
		}
	})
}

func TestFileIsValidSafetensors(t *testing.T) {
	st := sampleState(7)
	path := mustSave(t, Store{Dir: t.TempDir()}, st)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := readSafetensors(data)
	if err != nil {
		t.Fatalf("not valid safetensors: %v", err)
	}

	t.Run("it holds each weight and both Adam moments by name", func(t *testing.T) {
		want := map[string][]float32{}
		for i, p := range st.Params {
			want[p.Name] = p.Data
			want["adam.m/"+p.Name] = st.Adam.M[i]
			want["adam.v/"+p.Name] = st.Adam.V[i]
		}
		if len(f.tensors) != len(want) {
			t.Errorf("%d tensors, want %d", len(f.tensors), len(want))
		}
		for name, data := range want {
			if got, ok := f.tensors[name]; !ok || !sameBits(got.data, data) {
				t.Errorf("tensor %q = %v, want %v", name, got.data, data)
			}
		}
	})

	t.Run("its metadata has the documented keys and values", func(t *testing.T) {
		keys := make([]string, 0, len(f.meta))
		for k := range f.meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := "config format format_version records sha256 state"
		if got := strings.Join(keys, " "); got != want {
			t.Errorf("metadata keys = %q, want %q", got, want)
		}
		if f.meta["format"] != "iic-checkpoint" || f.meta["format_version"] != "1" {
			t.Errorf("format %q version %q, want iic-checkpoint 1",
				f.meta["format"], f.meta["format_version"])
		}
		var state map[string]any
		if err := json.Unmarshal([]byte(f.meta["state"]), &state); err != nil {
			t.Errorf("state is not JSON: %v", err)
		}
		if state["rng"] != "pcg-splitmix/v1" || state["step"] != 7.0 {
			t.Errorf("state rng %v step %v, want pcg-splitmix/v1 7", state["rng"], state["step"])
		}
		if !strings.Contains(f.meta["config"], "widths:\n") {
			t.Errorf("config is not the YAML of the config:\n%s", f.meta["config"])
		}
	})

	t.Run("its sha256 follows the documented recipe", func(t *testing.T) {
		h := sha256.New()
		for _, k := range []string{"config", "format", "format_version", "records", "state"} {
			h.Write([]byte(k + "\x00" + f.meta[k] + "\x00"))
		}
		h.Write(f.buf)
		if got, want := f.meta["sha256"], hex.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("sha256 = %s, want %s", got, want)
		}
	})
}

func TestSaveRefusesAnInconsistentState(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(st *State)
		wants string
	}{
		{"a seed other than the config's", func(st *State) { st.Seed++ },
			"differs from the config"},
		{"an empty rng scheme", func(st *State) { st.RNG = "" }, "rng scheme is empty"},
		{"an unknown version", func(st *State) { st.Version = 2 }, "this build writes version 1"},
		{"a negative step", func(st *State) { st.Step = -1 }, "must be >= 0"},
		{"a shape that does not match the data",
			func(st *State) { st.Params[0].Shape = []int{4, 1, 3, 2} }, "does not hold 36 values"},
		{"a negative dimension", func(st *State) { st.Params[2].Shape = []int{-5} }, "shape [-5]"},
		{"a name used twice", func(st *State) { st.Params[1].Name = "conv0.w" }, "used twice"},
		{"a name in the adam namespace",
			func(st *State) { st.Params[1].Name = "adam.m/x" }, "reserved"},
		{"an empty name", func(st *State) { st.Params[1].Name = "" }, "reserved or empty"},
		{"a name that is not UTF-8", func(st *State) { st.Params[1].Name = "a\xff" }, "UTF-8"},
		{"moments missing for a parameter",
			func(st *State) { st.Adam.M = st.Adam.M[:2] }, "2 first moments"},
		{"moments of the wrong size",
			func(st *State) { st.Adam.V[2] = st.Adam.V[2][:4] }, "have 5 and 4 values"},
		{"a negative adam step count", func(st *State) { st.Adam.Steps[0] = -1 }, "step count"},
		{"a record of unknown kind", func(st *State) { st.Records[1].Kind = "x" },
			"unknown record kind"},
	}
	for _, tt := range tests {
		t.Run("it refuses "+tt.name+" and writes nothing", func(t *testing.T) {
			st := sampleState(9)
			tt.edit(st)
			dir := t.TempDir()
			_, err := Store{Dir: dir}.Save(st)
			if err == nil || !strings.Contains(err.Error(), tt.wants) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wants)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the folder holds %d files, want none", len(entries))
			}
		})
	}

	t.Run("it refuses a nil state", func(t *testing.T) {
		if _, err := (Store{Dir: t.TempDir()}).Save(nil); err == nil {
			t.Error("error = nil, want one")
		}
	})
}
