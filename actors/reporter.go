package actors

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/iic-go/iic/checkpoint"
	"github.com/iic-go/iic/evaluator"
	"github.com/iic-go/iic/report"
)

// Progress shows a run's progress to a person, for instance as a bar on a
// terminal. The reporter calls it from its own goroutine only.
type Progress interface {
	// Update shows that step steps of total are done.
	Update(step, total int, loss, imagesPerSec float64)
	// Finish removes or completes the display.
	Finish()
}

// Summary is the outcome of a run.
type Summary struct {
	// Steps is the number of steps completed.
	Steps int
	// Interrupted says the run was stopped before its end.
	Interrupted bool
	// Final is the last evaluation, if any ran.
	Final *evaluator.Report
	// FinalStep is the step Final was made at.
	FinalStep int
	// DataWait is the time the trainer waited for batches, and Wall the
	// time from the pipeline's start to its end, in this attempt.
	DataWait, Wall time.Duration
}

// reporter writes metrics.jsonl and curve.png, logs evaluations and drives
// the progress display. Step metrics are aggregated over LogEvery steps.
type reporter struct {
	dir           string
	log           *slog.Logger
	progress      Progress
	logEvery      int
	total         int
	stepsPerEpoch int
	checkpointer  *actor.PID
	// timeOffset continues time_s of a resumed run.
	timeOffset time.Duration

	metrics *report.MetricsWriter
	records []report.Record
	start   time.Time
	last    time.Time // of the last step record
	lastLog time.Time // of the last progress log line
	last0   time.Time // when this attempt started
	acc     []StepDone
	summary Summary
	err     error
	// best is the label-selected best accuracy so far.
	best checkpoint.Best
}

// pendingStepsKey names, in a checkpoint's Extra, the steps done since the
// last step record, as a JSON array of StepDone.
const pendingStepsKey = "pending_steps"

// result is what the reporter hands back to Run when training is over.
type result struct {
	summary Summary
	err     error
}

// Receive handles *StepDone, *Evaluated, *Snapshot and *TrainingDone.
func (r *reporter) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		r.onStarted()
	case *StepDone:
		r.onStep(msg)
	case *Evaluated:
		r.onEvaluated(msg)
	case *Snapshot:
		r.onSnapshot(ctx, msg)
	case *TrainingDone:
		r.onDone(ctx, msg)
	}
}

func (r *reporter) onStarted() {
	r.last0 = time.Now()
	r.start = r.last0.Add(-r.timeOffset)
	r.last, r.lastLog = time.Now(), time.Now()
	w, err := report.OpenMetrics(filepath.Join(r.dir, "metrics.jsonl"))
	if err != nil {
		r.fail(err)
		return
	}
	r.metrics = w
}

func (r *reporter) onStep(msg *StepDone) {
	if len(r.acc) > 0 && r.acc[0].Head != msg.Head {
		r.flushSteps() // a record covers one head
	}
	r.acc = append(r.acc, *msg)
	r.summary.Steps = msg.Step + 1
	r.summary.DataWait += msg.Wait
	if (msg.Step+1)%r.logEvery == 0 || msg.Step+1 == r.total {
		r.flushSteps()
	}
}

// flushSteps writes the accumulated steps as one record and shows progress.
func (r *reporter) flushSteps() {
	if len(r.acc) == 0 {
		return
	}
	rec := r.stepRecord()
	r.acc = r.acc[:0]
	r.write(rec)
	if r.progress != nil {
		r.progress.Update(rec.Step, r.total, rec.LossMean, rec.ImagesPerSec)
	} else if time.Since(r.lastLog) > 30*time.Second {
		r.lastLog = time.Now()
		r.log.Info("training", "step", rec.Step, "total_steps", r.total, "head", rec.Head,
			"loss", rec.LossMean, "images_per_s", rec.ImagesPerSec)
	}
}

// stepRecord averages the accumulated steps into one record: losses per
// sub-head, throughput and data-wait fraction over the wall time since the
// previous record.
func (r *reporter) stepRecord() report.Record {
	now := time.Now()
	wall := now.Sub(r.last).Seconds()
	r.last = now
	lastMsg := r.acc[len(r.acc)-1]
	rec := report.Record{Kind: report.KindStep, Step: lastMsg.Step + 1, Head: lastMsg.Head,
		Epoch: float64(lastMsg.Step+1) / float64(r.stepsPerEpoch),
		Time:  now.Sub(r.start).Seconds(), Loss: make([]float64, len(lastMsg.SubHeads))}
	images, wait, n := 0, 0.0, len(r.acc)
	for _, s := range r.acc {
		images += s.Images
		wait += s.Wait.Seconds()
		for i, l := range s.SubHeads {
			rec.Loss[i] += l
		}
	}
	for i := range rec.Loss {
		rec.Loss[i] /= float64(n)
		rec.LossMean += rec.Loss[i] / float64(len(rec.Loss))
	}
	rec.LR = lastMsg.LR
	if wall > 0 {
		rec.ImagesPerSec = float64(images) / wall
		rec.DataWait = wait / wall
	}
	return rec
}

func (r *reporter) onEvaluated(msg *Evaluated) {
	if msg.Err != nil {
		r.log.Error("evaluation failed", "step", msg.Step, "err", msg.Err)
		return
	}
	rep := msg.Report
	rec := report.EvalRecord(msg.Head, msg.Epoch, msg.Step, time.Since(r.start).Seconds(), rep)
	r.write(rec)
	r.summary.Final, r.summary.FinalStep = &rep, msg.Step
	if b := rep.SubHeads[rep.Best].Accuracy; !(b <= r.best.Accuracy) {
		r.best.Accuracy, r.best.AccuracySubHead, r.best.AccuracyStep = b, rep.Best, msg.Step
	}
	r.log.Info("evaluated", "step", msg.Step, "epoch", msg.Epoch, "head", msg.Head,
		"images", msg.Images,
		"accuracy", rec.Accuracy, "acc_mean", rep.Mean, "best", rep.Best,
		"lowest_loss", rep.LowestLoss, "duration", msg.Duration.Round(time.Millisecond))
	if err := report.DrawCurve(filepath.Join(r.dir, "curve.png"), r.records); err != nil {
		r.log.Warn("curve not drawn", "err", err)
	}
}

func (r *reporter) write(rec report.Record) {
	r.records = append(r.records, rec)
	if r.metrics == nil {
		return
	}
	if err := r.metrics.Write(rec); err != nil {
		r.fail(err)
	}
}

func (r *reporter) fail(err error) {
	if r.err == nil {
		r.err = fmt.Errorf("write metrics: %w", err)
		r.log.Error("metrics not written", "err", err)
	}
}

// onSnapshot completes a snapshot with the metrics history and the
// label-selected best, and passes it to the checkpointer.
func (r *reporter) onSnapshot(ctx actor.Context, msg *Snapshot) {
	st := msg.State
	st.Records = slices.Clone(r.records)
	if len(r.acc) > 0 {
		// The steps since the last record go along, so that a resumed run
		// averages its next record over the same steps.
		pending, err := json.Marshal(r.acc)
		if err != nil {
			r.log.Error("pending steps not saved", "err", err)
		} else {
			st.Extra = map[string]string{pendingStepsKey: string(pending)}
		}
	}
	st.Best.Accuracy = r.best.Accuracy
	st.Best.AccuracySubHead, st.Best.AccuracyStep = r.best.AccuracySubHead, r.best.AccuracyStep
	ctx.Send(r.checkpointer, msg)
}

func (r *reporter) onDone(ctx actor.Context, msg *TrainingDone) {
	r.flushSteps()
	if r.progress != nil {
		r.progress.Finish()
	}
	if r.metrics != nil {
		if err := r.metrics.Close(); err != nil {
			r.fail(err)
		}
	}
	r.summary.Interrupted = msg.Interrupted
	r.summary.Wall = time.Since(r.last0)
	ctx.Send(r.checkpointer, &reportDone{result{summary: r.summary,
		err: errors.Join(msg.Err, r.err)}})
}
