package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/iic-go/iic/evaluator"
)

// Kinds of Record.
const (
	// KindStep marks a training record, written every Train.LogEvery steps.
	KindStep = "step"
	// KindEval marks an evaluation record, written after each evaluation.
	KindEval = "eval"
)

// ErrUnknownKind is wrapped by the errors for a record whose Kind is
// neither KindStep nor KindEval.
var ErrUnknownKind = errors.New("unknown record kind")

// Record is one line of metrics.jsonl. Kind selects which fields it
// carries: each kind is written with its fixed set of snake_case keys,
// listed beside each field, and the fields of the other kind are left out
// (and read back as zero). A NaN or ±Inf number is written as null and read
// back as NaN, so a diverged loss never breaks the JSON.
type Record struct {
	// Kind is KindStep or KindEval. Key "kind".
	Kind string
	// Epoch is the training progress in epochs when the record was made:
	// completed steps divided by steps per epoch. It is 0 before training,
	// 1 at the end of the first epoch and fractional in between, so that
	// evaluations in mid-epoch fall in place. Key "epoch".
	Epoch float64
	// Step is the number of optimiser steps completed. Key "step".
	Step int
	// Time is the wall time in seconds since the run started; a resumed
	// run continues from the time its checkpoint recorded, if any. Key
	// "time_s".
	Time float64
	// Head is the head trained (step) or evaluated (eval): "A" or "B".
	// Key "head".
	Head string

	// Loss holds the trained head's loss per sub-head, averaged over the
	// steps since the previous step record. Step key "loss".
	Loss []float64
	// LossMean is the mean of Loss. Step key "loss_mean".
	LossMean float64
	// ImagesPerSec is the training throughput, network inputs per second
	// (both views of every pair), since the previous step record. Step key "images_per_s".
	ImagesPerSec float64
	// DataWait is the fraction of wall time since the previous step record
	// that the trainer spent waiting for batches. Step key
	// "data_wait_frac".
	DataWait float64
	// LR is the learning rate of the last step the record covers. Step key
	// "lr".
	LR float64

	// Accuracy, NMI and ARI hold the evaluated head's scores per sub-head
	// (see evaluator.Evaluate). Eval keys "accuracy", "nmi", "ari".
	Accuracy, NMI, ARI []float64
	// SubHeadLoss holds each sub-head's label-free loss estimate, NaN
	// where unknown. Eval key "subhead_loss".
	SubHeadLoss []float64
	// AccMean, AccStd, AccMin and AccMax summarise Accuracy; AccStd is the
	// population standard deviation. Eval keys "acc_mean", "acc_std",
	// "acc_min", "acc_max".
	AccMean, AccStd, AccMin, AccMax float64
	// Best is the sub-head with the highest accuracy, chosen with labels.
	// Eval key "best".
	Best int
	// LowestLoss is the sub-head with the lowest loss, chosen without
	// labels, or -1 if no loss is known. Eval key "lowest_loss".
	LowestLoss int
}

// EvalRecord returns the eval record of rep, the evaluation of head at
// the given progress (see Record for epoch, step and elapsed).
func EvalRecord(head string, epoch float64, step int, elapsed float64,
	rep evaluator.Report) Record {
	r := Record{
		Kind: KindEval, Epoch: epoch, Step: step, Time: elapsed, Head: head,
		AccMean: rep.Mean, AccStd: rep.Std, AccMin: rep.Min, AccMax: rep.Max,
		Best: rep.Best, LowestLoss: rep.LowestLoss,
	}
	for _, s := range rep.SubHeads {
		r.Accuracy = append(r.Accuracy, s.Accuracy)
		r.NMI = append(r.NMI, s.NMI)
		r.ARI = append(r.ARI, s.ARI)
		r.SubHeadLoss = append(r.SubHeadLoss, s.Loss)
	}
	return r
}

// number is a float64 that JSON encodes as null when it is NaN or ±Inf and
// decodes from null as NaN.
type number float64

// MarshalJSON implements json.Marshaler.
func (x number) MarshalJSON() ([]byte, error) {
	f := float64(x)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON implements json.Unmarshaler.
func (x *number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*x = number(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("decode number %s: %w", b, err)
	}
	*x = number(f)
	return nil
}

// numbers converts xs for encoding; nil becomes an empty list so that the
// key reads [] rather than null.
func numbers(xs []float64) []number {
	out := make([]number, len(xs))
	for i, x := range xs {
		out[i] = number(x)
	}
	return out
}

// floats converts decoded numbers back; an empty list becomes nil.
func floats(xs []number) []float64 {
	if len(xs) == 0 {
		return nil
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}
