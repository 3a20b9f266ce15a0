package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/iic-go/iic/checkpoint"
	"github.com/iic-go/iic/evaluator"
	"github.com/iic-go/iic/perturber"
)

// BatchRequest asks a perturber worker for the batch of one step. The
// loader sends it to the perturber pool; the worker that gets it answers
// with a *BatchReady sent to Trainer.
type BatchRequest struct {
	Step    int
	Indices []int
	Trainer *actor.PID
	// Attempt counts earlier tries that crashed their worker.
	Attempt int
}

// BatchReady carries a perturbed batch, or the error that prevented it,
// from a perturber worker to the trainer. Duration is the time the worker
// spent on it.
type BatchReady struct {
	Batch    *perturber.Batch
	Step     int
	Duration time.Duration
	Err      error
}

// Credit tells the loader that the trainer has consumed every step below
// Consumed, so that it may keep Prefetch batches in flight beyond it. The
// trainer sends it after each step; no reply.
type Credit struct {
	Consumed int
}

// StepDone reports one training step from the trainer to the reporter.
type StepDone struct {
	Step, Epoch int
	Head        string
	// SubHeads holds the trained head's loss per sub-head.
	SubHeads []float64
	// Images is the number of network inputs of the step: both views of
	// every pair, as engine-notes counts images per second.
	Images int
	// Duration is the step's compute time; Wait the time the trainer waited
	// for its batch before it.
	Duration, Wait time.Duration
	// LR is the learning rate the step was taken with.
	LR float64
}

// Predictions carries the cluster assignments of one evaluation from the
// trainer to the evaluator: Preds[h][i] is sub-head h's cluster for image
// Indices[i] (for image i when Indices is nil), Losses[h] sub-head h's
// label-free loss estimate.
type Predictions struct {
	Step    int
	Epoch   float64
	Final   bool
	Head    string
	K       int
	Indices []int
	Preds   [][]int
	Losses  []float64
	// Duration is the trainer's time spent on the forward passes.
	Duration time.Duration
}

// Evaluated carries the scores of one evaluation from the evaluator to the
// reporter.
type Evaluated struct {
	// Images is the number of images scored.
	Images   int
	Step     int
	Epoch    float64
	Final    bool
	Head     string
	Report   evaluator.Report
	Duration time.Duration
	Err      error
}

// TrainingDone tells the evaluator, and through it the reporter, that the
// trainer has stopped. Sent once, after the final *Predictions, so that the
// evaluator's mailbox order puts it after the final scores.
type TrainingDone struct {
	Steps       int
	Interrupted bool
	Err         error
}

// Snapshot carries a copy of the training state from the trainer to the
// checkpointer. It travels through the evaluator and the reporter, in that
// order, so that the reporter can add the metrics history up to its step:
// every record of that step is already in the reporter's mailbox order.
type Snapshot struct {
	State *checkpoint.State
	// Reason says why it was taken: "interval", "best", "stop" or "end".
	Reason string
}

// reportDone hands the run's result from the reporter to the checkpointer,
// which passes it to Run after the snapshots before it are written.
type reportDone struct {
	result result
}

// Stop asks the trainer to stop after the step in progress; no reply. The
// run sends it on Ctrl-C.
type Stop struct{}

// runStep is the trainer's note to itself to take the next step; keeping
// one in the mailbox at a time lets a *Stop in between.
type runStep struct{}
