package actors

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/loader"
	"github.com/iic-go/iic/report"
)

// tinyRun is a configuration that trains a small ClusterNet on generated
// digits in a few seconds.
func tinyRun(workers int) config.Config {
	c := config.Default()
	c.Data.Dataset = "synthetic"
	c.Model.Widths = []int{4, 8}
	c.Model.KA, c.Model.KB, c.Model.SubHeads = 8, 10, 2
	c.Train.ImagesPerStep = 16
	c.Augment.Repeats = 2
	c.Train.Schedule = []string{"B", "A"}
	c.Train.PhaseSteps = 4
	c.Train.Epochs = 3
	c.Train.LogEvery = 1
	c.Eval.BatchSize = 100
	c.Eval.LossBatches = 1
	c.Eval.Subset = 100
	c.Pipeline.Workers = workers
	c.Pipeline.Prefetch = 3
	c.Train.LR = 5e-3
	return c
}

func runTiny(t *testing.T, ctx context.Context, c config.Config) (Summary, []report.Record,
	error) {
	t.Helper()
	return runTinyWith(t, ctx, c, nil)
}

func runTinyWith(t *testing.T, ctx context.Context, c config.Config,
	fault func(step, attempt int)) (Summary, []report.Record, error) {
	t.Helper()
	dir := t.TempDir()
	ds := loader.Synthetic(200, 3)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sum, err := Run(ctx, c, ds, Options{Dir: dir, Log: log, fault: fault})
	recs, rerr := report.ReadMetrics(filepath.Join(dir, "metrics.jsonl"))
	if rerr != nil {
		t.Fatalf("read metrics: %v", rerr)
	}
	return sum, recs, err
}

func stepLosses(recs []report.Record) [][]float64 {
	var out [][]float64
	for _, r := range recs {
		if r.Kind == report.KindStep {
			out = append(out, r.Loss)
		}
	}
	return out
}

func TestRunTrainsThroughThePipeline(t *testing.T) {
	c := tinyRun(2)
	sum, recs, err := runTiny(t, context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	total := c.Train.Epochs * c.Train.PhaseSteps * len(c.Train.Schedule)
	if sum.Steps != total || sum.Interrupted {
		t.Fatalf("summary %+v, want %d steps, not interrupted", sum, total)
	}

	t.Run("writes one step record per step, in step order", func(t *testing.T) {
		var steps []int
		for _, r := range recs {
			if r.Kind == report.KindStep {
				steps = append(steps, r.Step)
			}
		}
		want := make([]int, total)
		for i := range want {
			want[i] = i + 1
		}
		if !slices.Equal(steps, want) {
			t.Fatalf("step records %v, want %v", steps, want)
		}
	})

	t.Run("evaluates before training, each epoch and at the end", func(t *testing.T) {
		var at []int
		for _, r := range recs {
			if r.Kind == report.KindEval {
				at = append(at, r.Step)
				if len(r.Accuracy) != c.Model.SubHeads {
					t.Errorf("eval at %d has %d accuracies", r.Step, len(r.Accuracy))
				}
			}
		}
		if want := []int{0, 8, 16, 24}; !slices.Equal(at, want) {
			t.Fatalf("evaluations at steps %v, want %v", at, want)
		}
		if sum.Final == nil || len(sum.Final.SubHeads) != c.Model.SubHeads {
			t.Fatalf("final report %+v", sum.Final)
		}
	})

	t.Run("the head B loss falls", func(t *testing.T) {
		var first, last float64
		seen := false
		for _, r := range recs {
			if r.Kind == report.KindStep && r.Head == "B" {
				if !seen {
					first, seen = r.LossMean, true
				}
				last = r.LossMean
			}
		}
		if !(last < first-0.05) {
			t.Fatalf("head B loss went from %.4f to %.4f", first, last)
		}
	})
}

func TestRunIsDeterministicWhateverTheNumberOfWorkers(t *testing.T) {
	_, one, err := runTiny(t, context.Background(), tinyRun(1))
	if err != nil {
		t.Fatal(err)
	}
	_, three, err := runTiny(t, context.Background(), tinyRun(3))
	if err != nil {
		t.Fatal(err)
	}
	a, b := stepLosses(one), stepLosses(three)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d and %d step records", len(a), len(b))
	}
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Fatalf("record %d: losses %v with 1 worker, %v with 3", i, a[i], b[i])
		}
	}
}

func TestRunStopsCleanlyWhenCancelled(t *testing.T) {
	c := tinyRun(2)
	c.Train.Epochs = 1000 // far more than the test waits for
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop at once: the trainer finishes the step in progress
	sum, recs, err := runTiny(t, ctx, c)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("error %v, want ErrInterrupted", err)
	}
	if !sum.Interrupted || sum.Steps >= c.Train.Epochs*8 {
		t.Fatalf("summary %+v", sum)
	}
	for _, r := range recs {
		if r.Kind == report.KindStep && r.Step > sum.Steps {
			t.Fatalf("record of step %d after %d steps", r.Step, sum.Steps)
		}
	}
}

func TestRunRedoesTheBatchOfACrashedWorker(t *testing.T) {
	_, clean, err := runTiny(t, context.Background(), tinyRun(2))
	if err != nil {
		t.Fatal(err)
	}
	c := tinyRun(2)
	var crashed []int
	var mu sync.Mutex
	sum, recs, err := runTinyWith(t, context.Background(), c, func(step, attempt int) {
		if (step == 3 || step == 10) && attempt == 0 {
			mu.Lock()
			crashed = append(crashed, step)
			mu.Unlock()
			panic("simulated worker crash")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(crashed) != 2 || sum.Steps != len(stepLosses(clean)) {
		t.Fatalf("crashed at %v, %d steps", crashed, sum.Steps)
	}
	a, b := stepLosses(clean), stepLosses(recs)
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Fatalf("record %d: losses %v without crashes, %v with", i, a[i], b[i])
		}
	}
}

func TestRunFailsWhenABatchCrashesItsWorkerEveryTime(t *testing.T) {
	_, _, err := runTinyWith(t, context.Background(), tinyRun(2), func(step, _ int) {
		if step == 5 {
			panic("simulated persistent crash")
		}
	})
	if !errors.Is(err, errWorkerCrashed) {
		t.Fatalf("error %v, want one wrapping errWorkerCrashed", err)
	}
}
