package checkpoint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Latest loads the checkpoint that "latest" names and returns it with its
// path. If the pointer is missing or unreadable, or its file does not load,
// Latest falls back to the newest intact checkpoint by step number, and
// returns the problems it met on the way (such as a *CorruptError), so that
// the caller can say which files it skipped and why. When no checkpoint
// loads, the error wraps ErrNoCheckpoint and the problems are returned too.
func (s Store) Latest() (*State, string, []error, error) {
	found, err := s.list()
	if err != nil {
		return nil, "", nil, err
	}
	var problems []error
	tried := ""
	name, err := s.readPointer()
	switch {
	case errors.Is(err, fs.ErrNotExist) && len(found) == 0:
		return nil, "", nil, fmt.Errorf("checkpoint: %w in %s: the folder has none",
			ErrNoCheckpoint, s.Dir)
	case err != nil:
		problems = append(problems, err)
	default:
		path := filepath.Join(s.Dir, name)
		st, err := Load(path)
		if err == nil {
			return st, path, nil, nil
		}
		problems = append(problems, err)
		tried = name
	}

	for i := len(found) - 1; i >= 0; i-- {
		if found[i].name == tried {
			continue
		}
		path := filepath.Join(s.Dir, found[i].name)
		st, err := Load(path)
		if err == nil {
			return st, path, problems, nil
		}
		problems = append(problems, err)
	}
	return nil, "", problems, fmt.Errorf("checkpoint: %w in %s: %w",
		ErrNoCheckpoint, s.Dir, errors.Join(problems...))
}

// Resolve loads the checkpoint a user names: a checkpoint file; a run
// folder, whose RunDirName subfolder is the store; or a store's folder
// itself. For a folder it returns what Store.Latest returns, problems
// included; for a file, the file or its error.
func Resolve(pathOrRunDir string) (*State, string, []error, error) {
	info, err := os.Stat(pathOrRunDir)
	if err != nil {
		return nil, "", nil, fmt.Errorf("checkpoint: resolve %s: %w", pathOrRunDir, err)
	}
	if !info.IsDir() {
		st, err := Load(pathOrRunDir)
		if err != nil {
			return nil, "", nil, err
		}
		return st, pathOrRunDir, nil, nil
	}
	dir := pathOrRunDir
	sub := filepath.Join(pathOrRunDir, RunDirName)
	if info, err := os.Stat(sub); err == nil && info.IsDir() {
		dir = sub
	}
	return Store{Dir: dir}.Latest()
}
