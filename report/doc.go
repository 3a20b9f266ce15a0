// Package report writes the outputs a run leaves beside its checkpoints:
// metrics.jsonl, one JSON record per line (see Record), and curve.png, the
// learning curve of spec §d.2 (see DrawCurve).
//
// It is plain code with no actors: the trainer appends step records, the
// evaluation actor appends eval records and redraws the curve. Both files
// are safe to read while a run is writing them: every metrics line is
// written whole by one write call, and the curve is replaced atomically.
package report
