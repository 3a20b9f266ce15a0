package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iic-go/iic/checkpoint"
	"github.com/iic-go/iic/report"
)

// childArgsEnv carries the command line of a child process started by a
// test: the test binary then runs the command instead of the tests.
const childArgsEnv = "IIC_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childArgsEnv); args != "" {
		os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestAKilledRunResumesToTheSameResults(t *testing.T) {
	root := t.TempDir()
	args := func(name string) []string {
		a := tinyArgs(root)
		a[len(a)-1] = "run.name=" + name
		return append(a, "--set", "train.epochs=4", "--set", "train.log_every=1",
			"--set", "checkpoint.every_steps=2", "--set", "checkpoint.keep=2")
	}
	if code, _, stderr := runCLI(t, append([]string{"train"}, args("whole")...)...); code != 0 {
		t.Fatalf("uninterrupted run: exit status %d\n%s", code, stderr)
	}

	// The same run in a child process, killed without warning a random
	// moment after its first checkpoint.
	seed := uint64(time.Now().UnixNano())
	delay := time.Duration(rand.New(rand.NewPCG(seed, 1)).IntN(400)) * time.Millisecond
	t.Logf("SIGKILL %v after the first checkpoint (seed %d)", delay, seed)
	child := startChild(t, args("killed"))
	killed := filepath.Join(root, "killed")
	waitForCheckpoint(t, filepath.Join(killed, checkpoint.RunDirName))
	time.Sleep(delay)
	_ = child.Process.Signal(syscall.SIGKILL) // it may have finished already
	_ = child.Wait()

	code, _, stderr := runCLI(t, "train", "--resume", killed)
	if code != 0 {
		t.Fatalf("resume: exit status %d\n%s", code, stderr)
	}
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "msg=resuming") {
			t.Log(line)
		}
	}
	want, err := report.ReadMetrics(filepath.Join(root, "whole", report.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	got, err := report.ReadMetrics(filepath.Join(killed, report.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d records after resuming, %d in the run never killed", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if w.Kind != g.Kind || w.Step != g.Step || !slices.Equal(w.Loss, g.Loss) ||
			!slices.Equal(w.Accuracy, g.Accuracy) {
			t.Fatalf("record %d:\nresumed %+v\nwhole   %+v", i, g, w)
		}
	}
}

// waitForCheckpoint polls until dir holds a checkpoint, for up to a minute.
func waitForCheckpoint(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if paths, err := (checkpoint.Store{Dir: dir}).List(); err == nil && len(paths) > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no checkpoint in %s after a minute", dir)
}

// startChild runs `iic train` with args in a child process.
func startChild(t *testing.T, args []string) *exec.Cmd {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childArgsEnv+"="+
		strings.Join(append([]string{"train"}, args...), "\x1f"))
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	return child
}

func TestSignalsCheckpointAndExit(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run("on "+sig.String(), func(t *testing.T) {
			root := t.TempDir()
			args := append(tinyArgs(root), "--set", "train.epochs=1000",
				"--set", "checkpoint.every_steps=3")
			child := startChild(t, args)
			ckpts := filepath.Join(root, "r", checkpoint.RunDirName)
			waitForCheckpoint(t, ckpts)
			if err := child.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := child.Wait()
			if code := child.ProcessState.ExitCode(); code != exitInterrupted {
				t.Fatalf("exit status %d (%v), want %d", code, err, exitInterrupted)
			}
			st, _, problems, err := checkpoint.Resolve(filepath.Join(root, "r"))
			if err != nil || len(problems) > 0 {
				t.Fatalf("after the signal: %v %v", err, problems)
			}
			recs, err := report.ReadMetrics(filepath.Join(root, "r", report.MetricsFile))
			if err != nil || len(recs) == 0 {
				t.Fatalf("metrics: %v, %d records", err, len(recs))
			}
			if last := recs[len(recs)-1]; last.Step > st.Step {
				t.Fatalf("metrics reach step %d, the stop checkpoint only %d", last.Step, st.Step)
			}
		})
	}
}

func TestASecondInterruptExitsAtOnceLeavingNoBrokenCheckpoint(t *testing.T) {
	root := t.TempDir()
	args := append(tinyArgs(root), "--set", "train.epochs=1000",
		"--set", "checkpoint.every_steps=1", "--set", "checkpoint.keep=1000")
	child := startChild(t, args)
	ckpts := filepath.Join(root, "r", checkpoint.RunDirName)
	waitForCheckpoint(t, ckpts)
	_ = child.Process.Signal(syscall.SIGINT)
	_ = child.Process.Signal(syscall.SIGINT) // the second one may end the process at once
	_ = child.Wait()
	paths, err := (checkpoint.Store{Dir: ckpts}).List()
	if err != nil || len(paths) == 0 {
		t.Fatalf("checkpoints: %v, %d files", err, len(paths))
	}
	for _, p := range paths {
		if _, err := checkpoint.Load(p); err != nil {
			t.Errorf("checkpoint left broken: %v", err)
		}
	}
	if _, _, _, err := checkpoint.Resolve(filepath.Join(root, "r")); err != nil {
		t.Fatalf("no intact checkpoint to resume from: %v", err)
	}
}
