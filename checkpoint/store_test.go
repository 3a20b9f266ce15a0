package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// names returns the base names of paths.
func names(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

// dirNames returns the names of every entry in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Name()
	}
	return out
}

// latestStep returns the step of the checkpoint Latest finds in dir.
func latestStep(t *testing.T, dir string) (int, []error) {
	t.Helper()
	st, _, problems, err := Store{Dir: dir}.Latest()
	if err != nil {
		t.Fatalf("latest: %v (problems %v)", err, problems)
	}
	return st.Step, problems
}

func TestSaveThatFailsKeepsThePreviousCheckpoint(t *testing.T) {
	injected := errors.New("injected failure")
	tests := []struct {
		stage, file string
		newFileKept bool // the new checkpoint reached its final name
	}{
		{"write", "step-00000020.safetensors", false},
		{"sync", "step-00000020.safetensors", false},
		{"rename", "step-00000020.safetensors", false},
		{"syncdir", "step-00000020.safetensors", true},
		{"write", LatestFile, true},
		{"sync", LatestFile, true},
		{"rename", LatestFile, true},
	}
	for _, tt := range tests {
		t.Run("a failure at "+tt.stage+" of "+tt.file+" leaves step 10 latest", func(t *testing.T) {
			dir := t.TempDir()
			mustSave(t, Store{Dir: dir, Keep: 3}, sampleState(10))
			fail := Store{Dir: dir, Keep: 3, fault: func(stage, name string) error {
				if stage == tt.stage && name == tt.file {
					return injected
				}
				return nil
			}}

			path, err := fail.Save(sampleState(20))
			if !errors.Is(err, injected) || path != "" {
				t.Fatalf("save = %q, %v; want no path and the injected error", path, err)
			}
			if got := readPointerFile(t, dir); got != "step-00000010.safetensors" {
				t.Errorf("latest = %q, want step-00000010.safetensors", got)
			}
			if step, problems := latestStep(t, dir); step != 10 || len(problems) != 0 {
				t.Errorf("latest step %d with problems %v, want 10 and none", step, problems)
			}
			want := []string{LatestFile, "step-00000010.safetensors"}
			if tt.newFileKept {
				want = append(want, "step-00000020.safetensors")
			}
			if got := dirNames(t, dir); !reflect.DeepEqual(got, want) {
				t.Errorf("folder = %v, want %v (no temporary file left)", got, want)
			}
		})
	}
}

func TestSaveCreatesTheFolder(t *testing.T) {
	t.Run("a missing folder is created with its parents", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "run", RunDirName)
		mustSave(t, Store{Dir: dir}, sampleState(4))
		if step, _ := latestStep(t, dir); step != 4 {
			t.Errorf("latest step = %d, want 4", step)
		}
	})

	t.Run("a store without a folder is refused", func(t *testing.T) {
		if _, err := (Store{}).Save(sampleState(4)); err == nil {
			t.Error("error = nil, want one")
		}
	})
}

func TestCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	mustSave(t, Store{Dir: dir}, sampleState(10))
	half := []byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"__metad")
	writeFile(t, filepath.Join(dir, ".step-00000020.safetensors.tmp-123"), half)
	writeFile(t, filepath.Join(dir, ".latest.tmp-456"), []byte("step-000"))
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("mine"))

	t.Run("temporary files are ignored by List and Latest", func(t *testing.T) {
		paths, err := Store{Dir: dir}.List()
		if err != nil || !reflect.DeepEqual(names(paths), []string{"step-00000010.safetensors"}) {
			t.Errorf("list = %v, %v; want only step-00000010.safetensors", names(paths), err)
		}
		if step, problems := latestStep(t, dir); step != 10 || len(problems) != 0 {
			t.Errorf("latest step %d with problems %v, want 10 and none", step, problems)
		}
	})

	t.Run("the next save removes them and leaves other files alone", func(t *testing.T) {
		mustSave(t, Store{Dir: dir}, sampleState(30))
		want := []string{LatestFile, "notes.txt", "step-00000010.safetensors",
			"step-00000030.safetensors"}
		if got := dirNames(t, dir); !reflect.DeepEqual(got, want) {
			t.Errorf("folder = %v, want %v", got, want)
		}
	})
}

func TestKeep(t *testing.T) {
	t.Run("save keeps only the newest checkpoints by step", func(t *testing.T) {
		s := Store{Dir: t.TempDir(), Keep: 2}
		for _, step := range []int{1, 2, 3, 4, 5} {
			mustSave(t, s, sampleState(step))
		}
		paths, err := s.List()
		want := []string{"step-00000004.safetensors", "step-00000005.safetensors"}
		if err != nil || !reflect.DeepEqual(names(paths), want) {
			t.Errorf("list = %v, %v; want %v", names(paths), err, want)
		}
	})

	t.Run("save never removes the checkpoint it just wrote", func(t *testing.T) {
		s := Store{Dir: t.TempDir(), Keep: 2}
		for _, step := range []int{10, 20, 30, 5} {
			mustSave(t, s, sampleState(step))
		}
		paths, _ := s.List()
		want := []string{"step-00000005.safetensors", "step-00000020.safetensors",
			"step-00000030.safetensors"}
		if !reflect.DeepEqual(names(paths), want) {
			t.Errorf("list = %v, want %v", names(paths), want)
		}
		if step, _ := latestStep(t, s.Dir); step != 5 {
			t.Errorf("latest step = %d, want 5", step)
		}
	})

	t.Run("keep 0 keeps every checkpoint, listed by step", func(t *testing.T) {
		s := Store{Dir: t.TempDir()}
		for _, step := range []int{100, 9, 123456789} {
			mustSave(t, s, sampleState(step))
		}
		paths, _ := s.List()
		want := []string{"step-00000009.safetensors", "step-00000100.safetensors",
			"step-123456789.safetensors"}
		if !reflect.DeepEqual(names(paths), want) {
			t.Errorf("list = %v, want %v", names(paths), want)
		}
	})
}

// corruptFile flips a bit near the end of the file at path.
func corruptFile(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-3] ^= 0x04
	writeFile(t, path, data)
}

func TestLatestFallsBack(t *testing.T) {
	setup := func(t *testing.T) (Store, []string) {
		s := Store{Dir: t.TempDir()}
		return s, []string{mustSave(t, s, sampleState(10)), mustSave(t, s, sampleState(20))}
	}

	t.Run("a corrupt newest checkpoint is skipped and reported", func(t *testing.T) {
		s, paths := setup(t)
		corruptFile(t, paths[1])
		st, path, problems, err := s.Latest()
		if err != nil || path != paths[0] || st.Step != 10 {
			t.Fatalf("latest = %s, %v; want %s", path, err, paths[0])
		}
		var ce *CorruptError
		if len(problems) != 1 || !errors.As(problems[0], &ce) || ce.Path != paths[1] ||
			!strings.Contains(ce.Problem, "sha256 mismatch") {
			t.Errorf("problems = %v, want one sha256 mismatch in %s", problems, paths[1])
		}
	})

	t.Run("a missing pointer falls back to the newest and says so", func(t *testing.T) {
		s, paths := setup(t)
		if err := os.Remove(filepath.Join(s.Dir, LatestFile)); err != nil {
			t.Fatal(err)
		}
		_, path, problems, err := s.Latest()
		if err != nil || path != paths[1] || len(problems) != 1 {
			t.Errorf("latest = %s, %v, problems %v; want %s and one problem",
				path, err, problems, paths[1])
		}
	})

	t.Run("a pointer to no checkpoint name falls back to the newest", func(t *testing.T) {
		s, paths := setup(t)
		writeFile(t, filepath.Join(s.Dir, LatestFile), []byte("../../etc/passwd\n"))
		_, path, problems, err := s.Latest()
		if err != nil || path != paths[1] || len(problems) != 1 ||
			!strings.Contains(problems[0].Error(), "not a checkpoint file name") {
			t.Errorf("latest = %s, %v, problems %v; want %s and the bad pointer",
				path, err, problems, paths[1])
		}
	})

	t.Run("when none is intact the error wraps ErrNoCheckpoint and lists why", func(t *testing.T) {
		s, paths := setup(t)
		corruptFile(t, paths[0])
		corruptFile(t, paths[1])
		st, _, problems, err := s.Latest()
		if st != nil || !errors.Is(err, ErrNoCheckpoint) || len(problems) != 2 {
			t.Fatalf("latest = %v, %v, problems %v; want ErrNoCheckpoint and 2 problems",
				st, err, problems)
		}
		for _, p := range paths {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name %s", err, p)
			}
		}
	})

	t.Run("an empty or missing folder has no checkpoint and no problem", func(t *testing.T) {
		for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "none")} {
			_, _, problems, err := Store{Dir: dir}.Latest()
			if !errors.Is(err, ErrNoCheckpoint) || len(problems) != 0 {
				t.Errorf("latest in %s = %v, problems %v; want ErrNoCheckpoint, none",
					dir, err, problems)
			}
		}
	})
}

func TestResolve(t *testing.T) {
	run := t.TempDir()
	s := Store{Dir: filepath.Join(run, RunDirName)}
	mustSave(t, s, sampleState(10))
	newest := mustSave(t, s, sampleState(20))
	older := filepath.Join(s.Dir, "step-00000010.safetensors")

	tests := []struct{ name, arg, wantPath string }{
		{"a run folder resolves to its latest checkpoint", run, newest},
		{"a checkpoints folder resolves to its latest checkpoint", s.Dir, newest},
		{"a checkpoint file resolves to itself", older, older},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, path, problems, err := Resolve(tt.arg)
			if err != nil || path != tt.wantPath || len(problems) != 0 {
				t.Fatalf("resolve = %s, %v, %v; want %s", path, err, problems, tt.wantPath)
			}
			if want := map[string]int{newest: 20, older: 10}[path]; st.Step != want {
				t.Errorf("step = %d, want %d", st.Step, want)
			}
		})
	}

	t.Run("a missing path is an error naming it", func(t *testing.T) {
		missing := filepath.Join(run, "nope")
		_, _, _, err := Resolve(missing)
		if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
			t.Errorf("error = %v, want not-exist naming %s", err, missing)
		}
	})

	t.Run("a corrupt file is a CorruptError", func(t *testing.T) {
		corruptFile(t, older)
		_, _, _, err := Resolve(older)
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Path != older {
			t.Errorf("error = %v, want a *CorruptError for %s", err, older)
		}
	})

	t.Run("a folder without checkpoints wraps ErrNoCheckpoint", func(t *testing.T) {
		if _, _, _, err := Resolve(t.TempDir()); !errors.Is(err, ErrNoCheckpoint) {
			t.Errorf("error = %v, want ErrNoCheckpoint", err)
		}
	})
}
