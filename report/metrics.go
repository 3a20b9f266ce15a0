package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// MetricsFile is the name of the metrics log inside a run folder.
const MetricsFile = "metrics.jsonl"

// MetricsWriter appends Records to a metrics.jsonl file, one JSON object
// per line. Each Write hands its whole line to the operating system in one
// call, so a reader sees only whole lines (or, after a crash mid-write, a
// torn last line that ReadMetrics skips); Flush and Close also fsync.
// A MetricsWriter is owned by one goroutine: it is not safe for
// concurrent use.
type MetricsWriter struct {
	f    *os.File
	path string
}

// OpenMetrics opens path for appending, creating it if needed, so that a
// resumed run continues the same log. A torn last line left by a crash is
// cut off first, so the next record starts on a line of its own.
func OpenMetrics(path string) (*MetricsWriter, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open metrics %s: %w", path, err)
	}
	if err := cutTornLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("open metrics %s: %w", path, err)
	}
	return &MetricsWriter{f: f, path: path}, nil
}

// cutTornLine truncates f after its last newline when it does not end
// with one.
func cutTornLine(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	end := info.Size()
	const chunk = 4096
	buf := make([]byte, chunk)
	for pos := end; pos > 0; {
		n := min(pos, chunk)
		pos -= n
		if _, err := f.ReadAt(buf[:n], pos); err != nil {
			return fmt.Errorf("read tail at %d: %w", pos, err)
		}
		i := bytes.LastIndexByte(buf[:n], '\n')
		if pos+n == end && i == int(n)-1 {
			return nil // ends with a newline: nothing torn
		}
		if i >= 0 {
			return truncate(f, pos+int64(i)+1)
		}
	}
	return truncate(f, 0)
}

// truncate cuts f to size bytes; a no-op when it is already that long.
func truncate(f *os.File, size int64) error {
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if info.Size() == size {
		return nil
	}
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("cut torn line at %d: %w", size, err)
	}
	return nil
}

// Write appends rec as one line.
func (w *MetricsWriter) Write(rec Record) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("write metrics %s: %w", w.path, err)
	}
	if _, err := w.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write metrics %s: %w", w.path, err)
	}
	return nil
}

// Flush makes the lines written so far durable (fsync).
func (w *MetricsWriter) Flush() error {
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync metrics %s: %w", w.path, err)
	}
	return nil
}

// Close flushes and closes the file. Writes after Close fail.
func (w *MetricsWriter) Close() error {
	syncErr := w.Flush()
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close metrics %s: %w", w.path, err)
	}
	return syncErr
}

// ReadMetrics returns the records of a metrics.jsonl file in file order.
// Blank lines are skipped, and so is a last line that has no newline and
// does not parse (torn by a crash); any other bad line is an error naming
// its line number. Records of a resumed run's earlier attempt are kept:
// see DrawCurve for how the curve handles them.
func ReadMetrics(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read metrics %s: %w", path, err)
	}
	defer f.Close()

	var recs []Record
	r := bufio.NewReader(f)
	for lineNo := 1; ; lineNo++ {
		line, readErr := r.ReadBytes('\n')
		if readErr != nil && !errors.Is(readErr, io.EOF) {
			return nil, fmt.Errorf("read metrics %s line %d: %w", path, lineNo, readErr)
		}
		torn := errors.Is(readErr, io.EOF)
		if len(bytes.TrimSpace(line)) > 0 {
			var rec Record
			err := json.Unmarshal(line, &rec)
			if err != nil && !torn {
				return nil, fmt.Errorf("read metrics %s line %d: %w", path, lineNo, err)
			}
			if err == nil {
				recs = append(recs, rec)
			}
		}
		if torn {
			return recs, nil
		}
	}
}

// RewriteMetrics replaces the file at path, atomically, with exactly recs:
// a resumed run starts its metrics.jsonl again from its checkpoint's
// history, so that it reads as the run that was never stopped.
func RewriteMetrics(path string, recs []Record) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		for _, r := range recs {
			line, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if _, err := w.Write(append(line, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
}
