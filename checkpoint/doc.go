// Package checkpoint stores and restores the whole state of an IIC run, so
// that a stopped run continues exactly and a trained model can be evaluated
// without training code. It is the storage layer under the checkpointer
// actor, `iic train --resume` and `iic eval`: plain functions and types, no
// actors.
//
// A State is written by Store.Save as one file per checkpoint,
// "step-00001234.safetensors", beside a "latest" pointer file; Load reads a
// file back and verifies it, Store.Latest finds the newest intact one, and
// Resolve accepts a run folder or a file. Compatible says whether a
// requested config may continue a checkpoint.
//
// # File format, version 1
//
// A checkpoint is a valid safetensors file
// (https://huggingface.co/docs/safetensors), so any safetensors reader
// loads its tensors:
//
//   - 8 bytes: N, the header length, an unsigned little-endian integer;
//   - N bytes: the header, a UTF-8 JSON object, padded at the end with
//     spaces (0x20) so that 8+N is a multiple of 8;
//   - the byte buffer: every tensor's data, back to back, in the order
//     given below.
//
// Each header key but "__metadata__" names a tensor and maps to
// {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}: the
// offsets are byte positions relative to the start of the buffer, end is
// exclusive, and end-begin = 4·prod(shape). The data are IEEE 754 float32
// values, little-endian, row-major (C order). The tensors are
//
//   - every learnable parameter under its own name ("conv0.w" [64,1,5,5],
//     "bn0.gamma" [1,64,1,1], "headB.w" [4608,50], ...);
//   - Adam's first moment of each parameter as "adam.m/<name>" and its
//     second moment as "adam.v/<name>", both of the parameter's shape.
//
// The writer lays out the buffer as all parameters in the order of the
// state's "params" list, then their "adam.m/" moments, then their "adam.v/"
// moments in the same order; a reader must rely only on the offsets. The
// offsets of all tensors, sorted, tile the buffer with no gap or overlap.
//
// "__metadata__" is an object of strings only (as safetensors requires):
//
//   - "format": "iic-checkpoint";
//   - "format_version": "1" (a reader must refuse other values);
//   - "config": the resolved config.Config as YAML, with the keys of its
//     yaml tags (the same text config.WriteYAML writes); it is read back
//     over config.Default(), so a key an older file lacks takes its default;
//   - "state": a JSON object, below;
//   - "records": the metrics history, a JSON array of report.Record objects
//     (the lines of metrics.jsonl; a NaN or infinite number is null);
//   - "sha256": the checksum, below.
//
// Other metadata keys may be added within version 1; readers ignore them,
// and the checksum covers them.
//
// The "state" object has the keys
//
//   - "seed" (an unsigned 64-bit integer, equal to the config's seed: read
//     it as an integer, not a double), "step" (optimiser steps completed)
//     and "epoch" (epochs completed);
//   - "params": [{"name": ..., "shape": [...]}, ...], the parameters in
//     order, which is also the order of Adam's lists;
//   - "adam": {"lr", "beta1", "beta2", "eps": numbers, "steps": [integer
//     per parameter, the updates it has received]};
//   - "best": {"head", "sub_head", "loss", "step", "accuracy",
//     "accuracy_sub_head", "accuracy_step"}: see Best; "sub_head" and
//     "loss" are chosen without labels, "accuracy" with labels;
//   - "rng": the name of the random-number scheme, such as
//     "pcg-splitmix/v1";
//   - "created_at": RFC 3339 time in UTC with nanoseconds;
//   - "extra": an object of strings, small additions.
//
// A number in "state" that is not finite is written as the string "NaN",
// "+Inf" or "-Inf"; every other number is a JSON number that reads back to
// the same float64.
//
// The "sha256" value is the lowercase hex SHA-256 of this byte sequence:
// for every other metadata key, in increasing byte order of the keys, the
// key's UTF-8 bytes, one 0x00 byte, the value's UTF-8 bytes and one 0x00
// byte; then the whole byte buffer. The parameter names and shapes are in
// "state", so the checksum covers the tensor table too: a flipped byte
// anywhere is caught by the checksum, by the check of the tensor table
// against the buffer's length and against "state", or, in JSON
// punctuation, by the JSON parser. In Python:
//
//	h = hashlib.sha256()
//	for k in sorted(k for k in meta if k != "sha256"):
//	    h.update(k.encode() + b"\0" + meta[k].encode() + b"\0")
//	h.update(buffer)
//
// # What is not stored, and why
//
// Batch norm always normalises with the statistics of the current batch in
// this project, in training and in evaluation, so there are no running
// statistics to store. Every random choice of a run (initialisation, data
// order, perturbations) is a pure function of the config's seed and the
// step, so the seed, the step and the scheme's name "rng" capture every
// random state; the loader's position in the epoch's permutation and the
// position in the head schedule follow from the step and the config.
//
// Safetensors readers limit the header to 100 MB; the metrics history of a
// very long run (hundreds of thousands of records) could reach it.
package checkpoint
