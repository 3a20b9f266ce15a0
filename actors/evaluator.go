package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/iic-go/iic/evaluator"
)

// evaluatorActor scores the trainer's predictions against the labels
// (Hungarian matching, NMI, ARI per sub-head) off the training path, and
// passes the scores on to the reporter.
type evaluatorActor struct {
	labels   []uint8
	classes  int
	reporter *actor.PID
}

func newEvaluator(labels []uint8, classes int, reporter *actor.PID) actor.Producer {
	return func() actor.Actor {
		return &evaluatorActor{labels: labels, classes: classes, reporter: reporter}
	}
}

// Receive handles *Predictions, and passes *Snapshot and *TrainingDone on.
func (a *evaluatorActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Predictions:
		a.onPredictions(ctx, msg)
	case *TrainingDone:
		ctx.Send(a.reporter, msg)
	case *Snapshot:
		ctx.Send(a.reporter, msg)
	}
}

func (a *evaluatorActor) onPredictions(ctx actor.Context, msg *Predictions) {
	start := time.Now()
	out := &Evaluated{Step: msg.Step, Epoch: msg.Epoch, Final: msg.Final, Head: msg.Head}
	if a.labels == nil {
		// Unlabelled data: only the label-free losses can be reported.
		out.Report = evaluator.Report{LowestLoss: evaluator.LowestLoss(msg.Losses)}
		for s, l := range msg.Losses {
			out.Report.SubHeads = append(out.Report.SubHeads, evaluator.SubHead{Index: s, Loss: l})
		}
	} else {
		labels := a.labels
		if msg.Indices != nil {
			labels = make([]uint8, len(msg.Indices))
			for i, j := range msg.Indices {
				labels[i] = a.labels[j]
			}
		}
		out.Report, out.Err = evaluator.Evaluate(msg.Preds, labels, msg.K, a.classes,
			msg.Losses)
		out.Images = len(labels)
	}
	out.Duration = msg.Duration + time.Since(start)
	ctx.Send(a.reporter, out)
}
