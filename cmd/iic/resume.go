package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/iic-go/iic/checkpoint"
)

// openResume loads the checkpoint to resume from (a run folder, its
// checkpoints folder, or a file in it) and returns it with its run folder.
// Checkpoints newer than the one chosen, left by the stopped run, are
// removed, so that the resumed run's own saves are the newest.
func openResume(arg string, log *slog.Logger) (*checkpoint.State, string, error) {
	st, path, problems, err := checkpoint.Resolve(arg)
	for _, p := range problems {
		log.Warn("checkpoint skipped", "err", p)
	}
	if err != nil {
		return nil, "", &usageError{err: err,
			hint: "pass a run folder or a .safetensors file under its checkpoints/"}
	}
	ckptDir := filepath.Dir(path)
	if filepath.Base(ckptDir) != checkpoint.RunDirName {
		return nil, "", &usageError{err: fmt.Errorf("checkpoint %s is not in a run "+
			"folder's %s/ folder", path, checkpoint.RunDirName),
			hint: "resume from the run folder the checkpoint was saved in"}
	}
	log.Info("resuming", "path", path, "step", st.Step)
	if err := removeNewer(checkpoint.Store{Dir: ckptDir}, path, st.Step, log); err != nil {
		return nil, "", err
	}
	return st, filepath.Dir(ckptDir), nil
}

func removeNewer(s checkpoint.Store, keep string, step int, log *slog.Logger) error {
	paths, err := s.List()
	if err != nil {
		return err
	}
	for _, p := range paths {
		var n int
		if _, err := fmt.Sscanf(filepath.Base(p), "step-%d.safetensors", &n); err != nil ||
			n <= step || p == keep {
			continue
		}
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("remove checkpoint newer than the resume point: %w", err)
		}
		log.Info("checkpoint removed", "path", p, "reason", "newer than the resume point")
	}
	return nil
}
