package actors

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"github.com/iic-go/iic/checkpoint"
	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/loader"
	"github.com/iic-go/iic/report"
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
	for _, stop := range []int{5, 8, 13} { // mid-phase, at an evaluation, mid-epoch
		c := tinyRun(2)
		c.Train.LogEvery = 3
		c.Checkpoint.EverySteps = 4

		whole := t.TempDir()
		if _, err := runIn(t, whole, c, Options{}); err != nil {
			t.Fatal(err)
		}
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

		want, got := readRecords(t, whole), readRecords(t, parts)
		if len(got) != len(want) {
			t.Fatalf("stop at %d: %d records after resuming, %d without stopping", stop,
				len(got), len(want))
		}
		for i := range want {
			w, g := want[i], got[i]
			if w.Kind != g.Kind || w.Step != g.Step || !slices.Equal(w.Loss, g.Loss) ||
				!slices.Equal(w.Accuracy, g.Accuracy) ||
				!slices.Equal(w.SubHeadLoss, g.SubHeadLoss) {
				t.Fatalf("stop at %d, record %d:\nresumed %+v\nwhole   %+v", stop, i, g, w)
			}
		}
	}
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
