package actors

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iic-go/iic/checkpoint"
	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/loader"
	"github.com/iic-go/iic/perturber"
	"github.com/iic-go/iic/report"
	"github.com/iic-go/iic/trainer"
)

// runIn runs c on the tiny data set in dir with opt's test hooks.
func runIn(t *testing.T, dir string, c config.Config, opt Options) (Summary, error) {
	t.Helper()
	opt.Dir = dir
	opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	return Run(context.Background(), c, loader.Synthetic(200, 3), opt)
}

func readRecords(t *testing.T, dir string) []report.Record {
	t.Helper()
	recs, err := report.ReadMetrics(filepath.Join(dir, report.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestResumedRunEqualsTheRunNeverStopped(t *testing.T) {
	plain := tinyRun(2)
	plain.Train.LogEvery = 3
	plain.Checkpoint.EverySteps = 4
	plain.Train.LRSchedule = "constant"
	// The learning rate schedules and sub-head restarts depend on the step
	// alone; restarts at steps 4, 8, 12 and 16 put one at a resumed start,
	// and the step down comes at step 8 (epoch 1 of 8-step epochs).
	decayed := plain
	decayed.Train.LRSchedule, decayed.Train.LRFinal = "cosine", 1e-4
	decayed.Train.RestartEvery, decayed.Train.RestartMargin = 4, 0
	decayed.Train.RestartBatches, decayed.Train.RestartFinal = 1, 0.25
	stepped := plain
	stepped.Train.LRSchedule, stepped.Train.LRFinal, stepped.Train.LRDropEpoch = "step", 5e-4, 1

	plainRecs := resumeAt(t, plain, []int{5, 8, 13}) // mid-phase, at an evaluation, mid-epoch
	for _, c := range []config.Config{decayed, stepped} {
		recs := resumeAt(t, c, []int{8, 13})
		if sameRecords(plainRecs, recs) {
			t.Fatalf("lr schedule %s left every record as without it", c.Train.LRSchedule)
		}
		// PhaseSteps is set, so the steps per pass do not matter.
		sched := trainer.NewSchedule(c.Train, 0)
		for _, r := range recs {
			if want := sched.LRAt(r.Step - 1); r.Kind == report.KindStep && r.LR != want {
				t.Fatalf("%s: step %d: record lr %g, want the schedule's %g",
					c.Train.LRSchedule, r.Step, r.LR, want)
			}
		}
	}
}

func TestAResumedRunGoesOnAtALowerConstantLearningRate(t *testing.T) {
	c := tinyRun(2)
	c.Checkpoint.EverySteps = 4
	c.Train.LRSchedule = "constant"
	whole := t.TempDir()
	if _, err := runIn(t, whole, c, Options{}); err != nil {
		t.Fatal(err)
	}
	want := readRecords(t, whole)

	const stop = 8
	dir := t.TempDir()
	if _, err := runIn(t, dir, c, Options{stopAt: stop}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("stopped run: error %v, want ErrInterrupted", err)
	}
	st, _, _, err := checkpoint.Resolve(dir)
	if err != nil {
		t.Fatal(err)
	}
	lower := c
	lower.Train.LR = c.Train.LR / 10
	if err := checkpoint.Compatible(st.Config, lower); err != nil {
		t.Fatalf("a lower constant lr refused: %v", err)
	}
	if _, err := runIn(t, dir, lower, Options{Resume: st}); err != nil {
		t.Fatal(err)
	}
	got := readRecords(t, dir)
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	differs := false
	for i, r := range got {
		if r.Step <= stop && !sameRecords(got[i:i+1], want[i:i+1]) {
			t.Fatalf("record %d (step %d) before the resume point differs:\n%+v\n%+v",
				i, r.Step, r, want[i])
		}
		if r.Kind != report.KindStep {
			continue
		}
		wantLR := c.Train.LR
		if r.Step > stop {
			wantLR = lower.Train.LR
			differs = differs || !slices.Equal(r.Loss, want[i].Loss)
		}
		if r.LR != wantLR {
			t.Errorf("step %d: lr %g, want %g", r.Step, r.LR, wantLR)
		}
	}
	if !differs {
		t.Error("the steps after the resume point lost as much at a tenth of the lr")
	}
}

// resumeAt runs c once without stopping and once stopped after each of
// stops steps and resumed, fails unless every record is identical, and
// returns the uninterrupted run's records.
func resumeAt(t *testing.T, c config.Config, stops []int) []report.Record {
	t.Helper()
	whole := t.TempDir()
	if _, err := runIn(t, whole, c, Options{}); err != nil {
		t.Fatal(err)
	}
	want := readRecords(t, whole)
	for _, stop := range stops {
		parts := t.TempDir()
		if _, err := runIn(t, parts, c, Options{stopAt: stop}); !errors.Is(err, ErrInterrupted) {
			t.Fatalf("stopped run: error %v, want ErrInterrupted", err)
		}
		st, path, problems, err := checkpoint.Resolve(parts)
		if err != nil || len(problems) > 0 {
			t.Fatalf("resolve: %v %v", err, problems)
		}
		if st.Step != stop {
			t.Fatalf("latest checkpoint %s is at step %d, want %d", path, st.Step, stop)
		}
		if _, err := runIn(t, parts, c, Options{Resume: st}); err != nil {
			t.Fatal(err)
		}
		got := readRecords(t, parts)
		if len(got) != len(want) {
			t.Fatalf("stop at %d: %d records after resuming, %d without stopping", stop,
				len(got), len(want))
		}
		for i := range want {
			if !sameRecords(want[i:i+1], got[i:i+1]) {
				t.Fatalf("stop at %d, record %d:\nresumed %+v\nwhole   %+v", stop, i,
					got[i], want[i])
			}
		}
	}
	return want
}

// sameRecords reports whether two record lists agree in kind, step, losses
// and accuracies.
func sameRecords(a, b []report.Record) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		w, g := a[i], b[i]
		if w.Kind != g.Kind || w.Step != g.Step || w.LR != g.LR || !slices.Equal(w.Loss, g.Loss) ||
			!slices.Equal(w.Accuracy, g.Accuracy) ||
			!slices.Equal(w.SubHeadLoss, g.SubHeadLoss) {
			return false
		}
	}
	return true
}

func TestRunRefusesACheckpointOfAnotherScheme(t *testing.T) {
	c := tinyRun(1)
	dir := t.TempDir()
	if _, err := runIn(t, dir, c, Options{stopAt: 3}); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	st, _, _, err := checkpoint.Resolve(dir)
	if err != nil {
		t.Fatal(err)
	}
	st.RNG = "something-else/v0"
	if _, err := runIn(t, dir, c, Options{Resume: st}); err == nil {
		t.Fatal("resumed a checkpoint of another random scheme")
	}
}

func TestAFailedCheckpointSaveStopsOrContinuesAsConfigured(t *testing.T) {
	for _, onError := range []string{"stop", "continue"} {
		t.Run("on_error "+onError, func(t *testing.T) {
			c := tinyRun(2)
			c.Checkpoint.EverySteps = 4
			c.Checkpoint.OnError = onError
			dir := t.TempDir()
			// A file where the checkpoints folder belongs makes every save fail.
			blocker := filepath.Join(dir, checkpoint.RunDirName)
			if err := os.WriteFile(blocker, []byte("not a folder"), 0o644); err != nil {
				t.Fatal(err)
			}
			sum, err := runIn(t, dir, c, Options{})
			total := c.Train.Epochs * c.Train.PhaseSteps * len(c.Train.Schedule)
			switch onError {
			case "stop":
				if err == nil || !strings.Contains(err.Error(), blocker) {
					t.Fatalf("error %v, want one naming %s", err, blocker)
				}
				if sum.Steps >= total {
					t.Fatalf("ran all %d steps despite the failed save", sum.Steps)
				}
			case "continue":
				if err != nil || sum.Steps != total {
					t.Fatalf("error %v after %d of %d steps", err, sum.Steps, total)
				}
			}
			if recs := readRecords(t, dir); len(recs) == 0 {
				t.Fatal("no metrics written")
			}
		})
	}
}

func TestANonFiniteLossStopsWithTheLastGoodStateOrIsSkipped(t *testing.T) {
	const bad = 6
	poison := func(b *perturber.Batch) {
		if b.Step == bad {
			b.XP[0] = float32(math.NaN())
		}
	}
	t.Run("stops and checkpoints the last good state", func(t *testing.T) {
		dir := t.TempDir()
		sum, err := runIn(t, dir, tinyRun(2), Options{poison: poison})
		if !errors.Is(err, trainer.ErrNonFinite) || !strings.Contains(err.Error(), "step 6") ||
			!strings.Contains(err.Error(), "sub-head") {
			t.Fatalf("error %v, want a non-finite loss at step 6 naming the sub-head", err)
		}
		if sum.Steps != bad {
			t.Fatalf("%d steps done, want %d", sum.Steps, bad)
		}
		st, _, _, err := checkpoint.Resolve(dir)
		if err != nil || st.Step != bad {
			t.Fatalf("checkpoint %v at step %v, want step %d", err, st, bad)
		}
		for _, p := range st.Params {
			for _, v := range p.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("checkpointed %s holds %v", p.Name, v)
				}
			}
		}
	})
	t.Run("skips the batch when configured", func(t *testing.T) {
		c := tinyRun(2)
		c.Train.SkipNonFinite = true
		sum, err := runIn(t, t.TempDir(), c, Options{poison: poison})
		if err != nil || sum.Steps != c.Train.Epochs*c.Train.PhaseSteps*2 {
			t.Fatalf("error %v after %d steps", err, sum.Steps)
		}
		for _, s := range sum.Final.SubHeads {
			if math.IsNaN(s.Loss) {
				t.Fatalf("final sub-head loss is NaN after skipping")
			}
		}
	})
}
