package checkpoint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// LatestFile is the name of the pointer file in a store's folder: one line
// holding the file name of the newest complete checkpoint.
const LatestFile = "latest"

// RunDirName is the folder of a run folder that holds its checkpoints.
const RunDirName = "checkpoints"

var (
	// fileNamePattern matches checkpoint files, capturing the step.
	fileNamePattern = regexp.MustCompile(`^step-(\d+)\.safetensors$`)
	// tempNamePattern matches the temporary files Save writes.
	tempNamePattern = regexp.MustCompile(`^\.(step-\d+\.safetensors|latest)\.tmp-`)
)

// fileName returns the name of the checkpoint file of a step.
func fileName(step int) string {
	return fmt.Sprintf("step-%08d.safetensors", step)
}

// Store saves checkpoints in one folder and finds them again. Only one
// Store may write to a folder at a time.
type Store struct {
	// Dir is the folder; Save creates it if missing.
	Dir string
	// Keep is how many checkpoints Save keeps, counted by step number;
	// 0 or less keeps all.
	Keep int

	// fault, when set, is called before each stage of writing a file, so
	// that a test can make the stage fail: stage is "write" (after the
	// first part of the file is written), "sync", "rename" or "syncdir",
	// and name is the file's final name.
	fault func(stage, name string) error
}

// Save writes st as the checkpoint of its step, then points "latest" at
// it, then removes the oldest checkpoints beyond Keep, and returns the
// file's path.
//
// Each file is written to a temporary file in Dir, synced, renamed to its
// final name, and Dir is synced, so a crash at any point leaves either the
// previous checkpoint or the new one as "latest", never a partial file
// under a final name. Temporary files left by an earlier crash are removed
// first. When Save returns an error with an empty path, "latest" still
// names the previous checkpoint, unless only the last folder sync failed
// after "latest" was renamed; when the path is not empty, the checkpoint
// was saved and only cleanup failed (the error wraps ErrCleanup).
func (s Store) Save(st *State) (string, error) {
	if st == nil {
		return "", errors.New("checkpoint: save: nil state")
	}
	head, buf, err := encode(st, time.Now())
	if err != nil {
		return "", fmt.Errorf("checkpoint: save step %d: %w", st.Step, err)
	}
	if err := s.ensureDir(); err != nil {
		return "", err
	}
	cleanErr := s.removeTemps()

	name := fileName(st.Step)
	if err := s.writeAtomic(name, head, buf); err != nil {
		return "", err
	}
	if err := s.writeAtomic(LatestFile, []byte(name+"\n")); err != nil {
		return "", err
	}
	path := filepath.Join(s.Dir, name)
	if err := errors.Join(cleanErr, s.prune(name)); err != nil {
		return path, fmt.Errorf("checkpoint: saved %s, but %w: %w", path, ErrCleanup, err)
	}
	return path, nil
}

// ensureDir creates Dir if it is missing, and syncs its parent so that the
// new folder survives a crash.
func (s Store) ensureDir() error {
	if s.Dir == "" {
		return errors.New("checkpoint: store has no folder")
	}
	if _, err := os.Stat(s.Dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint: create %s: %w", s.Dir, err)
	}
	return syncDir(filepath.Dir(s.Dir))
}

// writeAtomic writes the parts of a file to a temporary file in Dir,
// syncs it, renames it to name and syncs Dir. The temporary file is
// removed on failure.
func (s Store) writeAtomic(name string, parts ...[]byte) error {
	tmp, err := s.writeTemp(name, parts)
	if err != nil {
		return err
	}
	final := filepath.Join(s.Dir, name)
	if err := s.stage("rename", name); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("checkpoint: rename %s to %s: %w", tmp, final, err)
	}
	if err := s.stage("syncdir", name); err != nil {
		return err
	}
	return syncDir(s.Dir)
}

// writeTemp writes the parts of the file name to a new temporary file in
// Dir, syncs and closes it, and returns its path. The file is removed on
// failure.
func (s Store) writeTemp(name string, parts [][]byte) (path string, err error) {
	tmp, err := os.CreateTemp(s.Dir, "."+name+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("checkpoint: write %s: %w", filepath.Join(s.Dir, name), err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()

	for i, part := range parts {
		if _, err := tmp.Write(part); err != nil {
			return "", fmt.Errorf("checkpoint: write %s: %w", tmp.Name(), err)
		}
		if i == 0 {
			if err := s.stage("write", name); err != nil {
				return "", err
			}
		}
	}
	if err := s.stage("sync", name); err != nil {
		return "", err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return "", fmt.Errorf("checkpoint: chmod %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("checkpoint: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("checkpoint: close %s: %w", tmp.Name(), err)
	}
	return tmp.Name(), nil
}

// stage calls the fault hook, if any, before a stage of writing name.
func (s Store) stage(stage, name string) error {
	if s.fault == nil {
		return nil
	}
	if err := s.fault(stage, name); err != nil {
		return fmt.Errorf("checkpoint: %s %s: %w", stage, filepath.Join(s.Dir, name), err)
	}
	return nil
}

// syncDir syncs a folder, so that renames and new entries in it survive a
// crash.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("checkpoint: open folder %s: %w", dir, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("checkpoint: sync folder %s: %w", dir, err)
	}
	return nil
}

// removeTemps removes the temporary files an interrupted Save left.
func (s Store) removeTemps() error {
	dirents, err := os.ReadDir(s.Dir)
	if err != nil {
		return fmt.Errorf("checkpoint: list %s: %w", s.Dir, err)
	}
	var errs []error
	for _, e := range dirents {
		if !e.Type().IsRegular() || !tempNamePattern.MatchString(e.Name()) {
			continue
		}
		err := os.Remove(filepath.Join(s.Dir, e.Name()))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove temporary file: %w", err))
		}
	}
	return errors.Join(errs...)
}

// prune removes the oldest checkpoints beyond Keep, never justWritten nor
// the one "latest" names.
func (s Store) prune(justWritten string) error {
	if s.Keep <= 0 {
		return nil
	}
	found, err := s.list()
	if err != nil {
		return err
	}
	protect := map[string]bool{justWritten: true}
	if name, err := s.readPointer(); err == nil {
		protect[name] = true
	}
	var errs []error
	for _, f := range found[:max(0, len(found)-s.Keep)] {
		if protect[f.name] {
			continue
		}
		err := os.Remove(filepath.Join(s.Dir, f.name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove old checkpoint: %w", err))
		}
	}
	return errors.Join(errs...)
}

// found is a checkpoint file in a store's folder.
type found struct {
	name string
	step int
}

// list returns the checkpoint files in Dir sorted by step, then name; a
// missing folder has none.
func (s Store) list() ([]found, error) {
	dirents, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: list %s: %w", s.Dir, err)
	}
	var out []found
	for _, e := range dirents {
		m := fileNamePattern.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		step, err := strconv.Atoi(m[1])
		if err != nil {
			continue // too many digits for an int: not a file Save wrote
		}
		out = append(out, found{e.Name(), step})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.step < b.step || (a.step == b.step && a.name < b.name)
	})
	return out, nil
}

// List returns the paths of the checkpoint files in Dir, sorted by step,
// oldest first. Other files, temporary ones included, are left out; a
// missing folder has none.
func (s Store) List() ([]string, error) {
	found, err := s.list()
	if err != nil {
		return nil, err
	}
	paths := make([]string, len(found))
	for i, f := range found {
		paths[i] = filepath.Join(s.Dir, f.name)
	}
	return paths, nil
}

// readPointer returns the file name "latest" holds.
func (s Store) readPointer() (string, error) {
	path := filepath.Join(s.Dir, LatestFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("checkpoint: read pointer: %w", err)
	}
	name := strings.TrimSpace(string(b))
	if !fileNamePattern.MatchString(name) {
		return "", fmt.Errorf("checkpoint: %s holds %q, not a checkpoint file name", path, name)
	}
	return name, nil
}
