package report

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iic-go/iic/evaluator"
)

var nan = math.NaN()

func stepRecord() Record {
	return Record{
		Kind: KindStep, Epoch: 0.25, Step: 30, Time: 12.5, Head: "B",
		Loss: []float64{-1.25, nan, -1.5}, LossMean: nan, ImagesPerSec: 850.5, DataWait: 0.125,
		LR: 2.5e-4,
	}
}

func evalRecord() Record {
	return Record{
		Kind: KindEval, Epoch: 1, Step: 120, Time: 60, Head: "B",
		Accuracy: []float64{0.5, 0.75}, NMI: []float64{0.25, 0.5}, ARI: []float64{0.125, 0.25},
		SubHeadLoss: []float64{nan, -2}, AccMean: 0.625, AccStd: 0.125, AccMin: 0.5,
		AccMax: 0.75, Best: 1, LowestLoss: 1,
	}
}

// sameRecord reports whether two records are equal, NaN matching NaN: their
// JSON agrees (NaN and Inf both read null) and so do their NaN positions.
func sameRecord(a, b Record) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb) && nanPattern(a) == nanPattern(b)
}

// nanPattern lists which float fields of r are NaN.
func nanPattern(r Record) string {
	var sb strings.Builder
	for _, xs := range [][]float64{r.Loss, r.Accuracy, r.NMI, r.ARI, r.SubHeadLoss,
		{r.Epoch, r.Time, r.LossMean, r.ImagesPerSec, r.DataWait, r.LR, r.AccMean, r.AccStd}} {
		for _, x := range xs {
			if math.IsNaN(x) {
				sb.WriteByte('n')
			} else {
				sb.WriteByte('.')
			}
		}
		sb.WriteByte('|')
	}
	return sb.String()
}

func TestMetricsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), MetricsFile)
	w, err := OpenMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{stepRecord(), evalRecord(), {Kind: KindStep, Step: 31, Head: "A"}}
	for _, r := range want {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	got, err := ReadMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameRecord(got[i], want[i]) {
			t.Errorf("record %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestRecordJSON(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
		want string
	}{
		{
			name: "writes a step record with its fixed keys and NaN as null",
			rec:  stepRecord(),
			want: `{"kind":"step","epoch":0.25,"step":30,"time_s":12.5,"head":"B",` +
				`"loss":[-1.25,null,-1.5],"loss_mean":null,"images_per_s":850.5,` +
				`"data_wait_frac":0.125,"lr":0.00025}`,
		},
		{
			name: "writes an eval record with its fixed keys",
			rec:  evalRecord(),
			want: `{"kind":"eval","epoch":1,"step":120,"time_s":60,"head":"B",` +
				`"accuracy":[0.5,0.75],"nmi":[0.25,0.5],"ari":[0.125,0.25],` +
				`"subhead_loss":[null,-2],"acc_mean":0.625,"acc_std":0.125,"acc_min":0.5,` +
				`"acc_max":0.75,"best":1,"lowest_loss":1}`,
		},
		{
			name: "keeps zero values and empty lists instead of dropping keys",
			rec:  Record{Kind: KindEval, LowestLoss: -1, AccMax: math.Inf(1)},
			want: `{"kind":"eval","epoch":0,"step":0,"time_s":0,"head":"",` +
				`"accuracy":[],"nmi":[],"ari":[],"subhead_loss":[],"acc_mean":0,` +
				`"acc_std":0,"acc_min":0,"acc_max":null,"best":0,"lowest_loss":-1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestRecordRejectsUnknownKind(t *testing.T) {
	t.Run("refuses to encode it", func(t *testing.T) {
		_, err := json.Marshal(Record{Kind: "epoch"})
		if !errors.Is(err, ErrUnknownKind) {
			t.Errorf("got %v, want ErrUnknownKind", err)
		}
	})
	t.Run("refuses to decode it", func(t *testing.T) {
		var r Record
		err := json.Unmarshal([]byte(`{"kind":"batch","step":3}`), &r)
		if !errors.Is(err, ErrUnknownKind) {
			t.Errorf("got %v, want ErrUnknownKind", err)
		}
	})
	t.Run("refuses to write it", func(t *testing.T) {
		w, err := OpenMetrics(filepath.Join(t.TempDir(), MetricsFile))
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := w.Write(Record{}); !errors.Is(err, ErrUnknownKind) {
			t.Errorf("got %v, want ErrUnknownKind", err)
		}
	})
}

func TestEvalRecordCopiesReport(t *testing.T) {
	rep, err := evaluator.Evaluate([][]int{{0, 1, 1}, {1, 0, 0}}, []uint8{0, 1, 1}, 2, 2,
		[]float64{nan, -0.5})
	if err != nil {
		t.Fatal(err)
	}
	got := EvalRecord("B", 2.5, 300, 42, rep)
	want := Record{
		Kind: KindEval, Epoch: 2.5, Step: 300, Time: 42, Head: "B",
		Accuracy: []float64{1, 1}, ARI: []float64{1, 1},
		NMI:         []float64{rep.SubHeads[0].NMI, rep.SubHeads[1].NMI}, // 1 within rounding
		SubHeadLoss: []float64{nan, -0.5}, AccMean: 1, AccStd: 0, AccMin: 1, AccMax: 1,
		Best: 0, LowestLoss: 1,
	}
	if !sameRecord(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// writeRecords appends recs to path through a fresh MetricsWriter.
func writeRecords(t *testing.T, path string, recs ...Record) {
	t.Helper()
	w, err := OpenMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// steps returns the Step of each record.
func steps(recs []Record) []int {
	out := make([]int, len(recs))
	for i, r := range recs {
		out[i] = r.Step
	}
	return out
}

func TestOpenMetrics(t *testing.T) {
	line := `{"kind":"step","step":1,"head":"B","loss":[-1],"loss_mean":-1}` + "\n"
	tests := []struct {
		name    string
		initial string
		want    []int
	}{
		{"creates a missing file", "", []int{7}},
		{"appends after existing records", line, []int{1, 7}},
		{"cuts a torn last line", line + `{"kind":"st`, []int{1, 7}},
		{"cuts a file that is one torn line", `{"kind":"eval","ste`, []int{7}},
		{
			"cuts a torn line longer than a read chunk",
			line + strings.Repeat("x", 9000), []int{1, 7},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), MetricsFile)
			if tt.initial != "" {
				if err := os.WriteFile(path, []byte(tt.initial), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			writeRecords(t, path, Record{Kind: KindStep, Step: 7, Head: "B"})
			got, err := ReadMetrics(path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(steps(got), tt.want) {
				t.Errorf("got steps %v, want %v", steps(got), tt.want)
			}
		})
	}

	t.Run("fails in a missing folder", func(t *testing.T) {
		_, err := OpenMetrics(filepath.Join(t.TempDir(), "no", MetricsFile))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("fails to write after close", func(t *testing.T) {
		w, err := OpenMetrics(filepath.Join(t.TempDir(), MetricsFile))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(stepRecord()); !errors.Is(err, os.ErrClosed) {
			t.Errorf("got %v, want os.ErrClosed", err)
		}
	})
}

func TestReadMetrics(t *testing.T) {
	good := `{"kind":"step","step":1,"head":"B","loss":[-1],"loss_mean":-1}`
	tests := []struct {
		name    string
		content string
		want    []int
		wantErr string
	}{
		{"reads nothing from an empty file", "", []int{}, ""},
		{"skips blank lines", "\n" + good + "\n\n", []int{1}, ""},
		{"keeps a whole last line without newline", good + "\n" + good, []int{1, 1}, ""},
		{"skips a torn last line", good + "\n" + `{"kind":"eval","acc`, []int{1}, ""},
		{"names a bad line in the middle", good + "\n{oops\n" + good + "\n", nil, "line 2"},
		{"rejects an unknown kind", `{"kind":"x"}` + "\n", nil, "unknown record kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), MetricsFile)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := ReadMetrics(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(steps(got), tt.want) {
				t.Errorf("got steps %v, want %v", steps(got), tt.want)
			}
		})
	}

	t.Run("reports a missing file", func(t *testing.T) {
		_, err := ReadMetrics(filepath.Join(t.TempDir(), MetricsFile))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want fs.ErrNotExist", err)
		}
	})
}
