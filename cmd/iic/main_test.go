package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iic-go/iic/loader"
	"github.com/iic-go/iic/report"
)

// runCLI runs the command line and returns its exit status and outputs.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// writeMNIST writes a small generated data set in MNIST's file layout.
func writeMNIST(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ds := loader.Synthetic(100, 1)
	for _, prefix := range []string{"train", "t10k"} {
		if err := loader.WriteIDX(dir, ds, prefix, true); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBadInputExitsWithStatusTwoAndAHint(t *testing.T) {
	broken := writeMNIST(t)
	// A gzip stream cut in half.
	img := filepath.Join(broken, "train-images-idx3-ubyte.gz")
	data, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "c.yaml"), []byte("train:\n  lr: -1\n"),
		0o644); err != nil {
		t.Fatal(err)
	}
	runs := t.TempDir()
	cases := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"a missing data folder", []string{"train", "--set", "data.dir=/nonexistent/mnist",
			"--set", "run.root=" + runs}, []string{"/nonexistent/mnist", "hint:", "iic data"}},
		{"a truncated gzip file", []string{"train", "--set", "data.dir=" + broken,
			"--set", "run.root=" + runs}, []string{"train-images-idx3-ubyte.gz", "truncated",
			"hint:"}},
		{"an unknown key", []string{"train", "--set", "train.learning_rate=1"},
			[]string{"train.learning_rate", "train.lr"}},
		{"an invalid value in a file", []string{"train", "--config",
			filepath.Join(empty, "c.yaml")}, []string{"train.lr", "> 0"}},
		{"an unknown device", []string{"train", "--set", "device=cuda"},
			[]string{"cuda", "cpu"}},
		{"an unknown flag", []string{"train", "--epochs", "3"}, []string{"unknown flag"}},
		{"verify on a folder with a damaged file", []string{"data", "verify", broken},
			[]string{"train-images-idx3-ubyte.gz", "iic data fetch"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != exitUsage {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stderr holds a panic trace:\n%s", stderr)
			}
		})
	}
}

func TestTrainOnSyntheticDataWritesTheRunFolder(t *testing.T) {
	root := t.TempDir()
	code, out, stderr := runCLI(t, "train", "--set", "data.dataset=synthetic",
		"--set", "data.synthetic_size=200", "--set", "model.widths=4,8",
		"--set", "train.images_per_step=16", "--set", "train.phase_steps=2",
		"--set", "train.epochs=1", "--set", "eval.loss_batches=1",
		"--set", "run.root="+root, "--set", "run.name=r")
	if code != exitOK {
		t.Fatalf("exit status %d; stderr:\n%s", code, stderr)
	}
	for _, f := range []string{"config.yaml", "metrics.jsonl", "curve.png"} {
		if _, err := os.Stat(filepath.Join(root, "r", f)); err != nil {
			t.Errorf("run folder lacks %s: %v", f, err)
		}
	}
	if !strings.Contains(out, "lowest loss") || !strings.Contains(out, "sub-head") {
		t.Errorf("summary table missing:\n%s", out)
	}
}

// tinyArgs configure a run on generated digits that takes about a second.
func tinyArgs(root string) []string {
	return []string{"--set", "data.dataset=synthetic", "--set", "data.synthetic_size=200",
		"--set", "model.widths=4,8", "--set", "train.images_per_step=16",
		"--set", "train.phase_steps=2", "--set", "train.epochs=2",
		"--set", "eval.loss_batches=1", "--set", "eval.subset=100",
		"--set", "run.root=" + root, "--set", "run.name=r"}
}

func TestEvalReproducesTheFinalEvaluationOfARun(t *testing.T) {
	for _, bn := range []string{"batch", "population"} {
		t.Run("batch norm "+bn, func(t *testing.T) { evalReproducesRun(t, bn) })
	}
}

// evalReproducesRun trains a tiny run evaluating with batch norm mode bn,
// and checks that iic eval of its last checkpoint reports the same numbers.
func evalReproducesRun(t *testing.T, bn string) {
	root := t.TempDir()
	args := append([]string{"train"}, tinyArgs(root)...)
	args = append(args, "--set", "eval.bn="+bn, "--set", "eval.bn_images=150")
	if code, _, stderr := runCLI(t, args...); code != 0 {
		t.Fatalf("train: exit status %d\n%s", code, stderr)
	}
	run := filepath.Join(root, "r")
	recs, err := report.ReadMetrics(filepath.Join(run, report.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	if last.Kind != report.KindEval {
		t.Fatalf("last record is %q, want the final evaluation", last.Kind)
	}

	csvPath, png := filepath.Join(root, "p.csv"), filepath.Join(root, "c.png")
	code, out, stderr := runCLI(t, "eval", "--checkpoint", run, "--json", "--predict", csvPath,
		"--confusion", png, "--set", "eval.bn="+bn, "--set", "eval.bn_images=150")
	if code != 0 {
		t.Fatalf("eval: exit status %d\n%s", code, stderr)
	}
	var res evalResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("eval --json printed %q: %v", out, err)
	}
	if res.Step != last.Step || len(res.SubHeads) != len(last.Accuracy) {
		t.Fatalf("eval at step %d with %d sub-heads, run evaluated step %d with %d",
			res.Step, len(res.SubHeads), last.Step, len(last.Accuracy))
	}
	for i, s := range res.SubHeads {
		if *s.Accuracy != last.Accuracy[i] || s.Loss != last.SubHeadLoss[i] {
			t.Errorf("sub-head %d: eval %v / %v, run reported %v / %v", i, *s.Accuracy, s.Loss,
				last.Accuracy[i], last.SubHeadLoss[i])
		}
	}
	lines, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(lines), "\n"); n != 201 {
		t.Errorf("predictions have %d lines, want a header and 200 rows", n)
	}
	if _, err := os.Stat(png); err != nil {
		t.Errorf("no confusion matrix: %v", err)
	}
}

func TestResumeContinuesARunAndRefusesAnotherModel(t *testing.T) {
	root := t.TempDir()
	args := append([]string{"train"}, tinyArgs(root)...)
	if code, _, stderr := runCLI(t, append(args, "--set", "train.max_steps=3")...); code != 0 {
		t.Fatalf("train: exit status %d\n%s", code, stderr)
	}
	run := filepath.Join(root, "r")

	code, _, stderr := runCLI(t, "train", "--resume", run, "--set", "model.kernel=5")
	if code != exitUsage || !strings.Contains(stderr, "model.kernel") {
		t.Fatalf("resume with another kernel: exit status %d\n%s", code, stderr)
	}

	code, out, stderr := runCLI(t, "train", "--resume", run, "--set", "train.max_steps=0")
	if code != 0 {
		t.Fatalf("resume: exit status %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "resuming") || !strings.Contains(out, "12 steps") {
		t.Fatalf("resume did not continue to step 12:\n%s\n%s", out, stderr)
	}
}

func TestEachDataProblemNamesTheFileWithStatusTwo(t *testing.T) {
	type edit func(t *testing.T, dir string)
	patch := func(name string, off int, b ...byte) edit {
		return func(t *testing.T, dir string) {
			path := filepath.Join(dir, name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			copy(data[off:], b)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name string
		file string
		edit edit
		want string
	}{
		{"a wrong magic number", "train-images-idx3-ubyte",
			patch("train-images-idx3-ubyte", 2, 0x08, 0x01), "magic"},
		{"wrong dimensions", "train-images-idx3-ubyte",
			patch("train-images-idx3-ubyte", 11, 27), "27"},
		{"a label out of range", "t10k-labels-idx1-ubyte",
			patch("t10k-labels-idx1-ubyte", 8, 42), "42"},
		{"counts that differ", "t10k-labels-idx1-ubyte",
			patch("t10k-labels-idx1-ubyte", 7, 99), "99"},
		{"an empty file", "train-labels-idx1-ubyte", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte"), nil,
				0o644); err != nil {
				t.Fatal(err)
			}
		}, "empty"},
		{"a missing file", "t10k-images-idx3-ubyte", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "t10k-images-idx3-ubyte")); err != nil {
				t.Fatal(err)
			}
		}, "t10k-images"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ds := loader.Synthetic(50, 1)
			for _, prefix := range []string{"train", "t10k"} {
				if err := loader.WriteIDX(dir, ds, prefix, false); err != nil {
					t.Fatal(err)
				}
			}
			tc.edit(t, dir)
			code, _, stderr := runCLI(t, "train", "--set", "data.dir="+dir,
				"--set", "run.root="+t.TempDir())
			if code != exitUsage {
				t.Fatalf("exit status %d, want %d\n%s", code, exitUsage, stderr)
			}
			for _, w := range []string{tc.file, tc.want, "hint:", "iic data"} {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "goroutine ") {
				t.Errorf("stderr holds a panic trace:\n%s", stderr)
			}
		})
	}
}
