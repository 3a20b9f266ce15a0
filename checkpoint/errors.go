package checkpoint

import (
	"errors"
	"fmt"
)

// ErrNoCheckpoint is wrapped by the errors of Store.Latest and Resolve
// when no intact checkpoint is found.
var ErrNoCheckpoint = errors.New("no intact checkpoint")

// ErrCleanup is wrapped by the error of Store.Save when the checkpoint was
// saved and "latest" updated, but removing old checkpoints or leftover
// temporary files failed.
var ErrCleanup = errors.New("cleanup failed")

// CorruptError reports a checkpoint file that cannot be trusted: damaged,
// truncated, or not a checkpoint at all.
type CorruptError struct {
	// Path is the file.
	Path string
	// Problem says what failed, such as "sha256 mismatch".
	Problem string
}

// Error implements error.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("checkpoint: %s is corrupt: %s", e.Path, e.Problem)
}

// VersionError reports a checkpoint file of a format version this build
// does not read.
type VersionError struct {
	// Path is the file.
	Path string
	// Version is the file's "format_version" value.
	Version string
}

// Error implements error.
func (e *VersionError) Error() string {
	return fmt.Sprintf("checkpoint: %s has format version %q; this build reads version %d",
		e.Path, e.Version, FormatVersion)
}
