package actors

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/iic-go/iic/checkpoint"
	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/evaluator"
	"github.com/iic-go/iic/perturber"
	"github.com/iic-go/iic/trainer"
)

// trainerSetup is what the trainer actor needs besides the model.
type trainerSetup struct {
	cfg      config.Config
	model    *trainer.Model
	sched    trainer.Schedule
	images   perturber.Images
	opts     perturber.Options
	seed     uint64
	perStep  int // distinct images per step
	start    int // first step to run
	evalAt   func(step int) bool
	evalSize int // evaluation batch
	lossN    int // batches for the label-free loss estimate
	subset   int // images scored by evaluations during training; 0 all
	k        int // clusters of head B
	log      *slog.Logger
	// skipFirstEval is set on resume when the checkpoint's records already
	// hold the evaluation at the start step.
	skipFirstEval bool
	// ckptEvery is the checkpoint interval in steps; 0 means none.
	ckptEvery int
	// best is the best sub-head by label-free loss so far.
	best checkpoint.Best
	// stopAt, in tests, stops the run after this many steps as a Stop
	// would; 0 means never.
	stopAt int
}

// trainerActor owns the model. It takes the batches that the perturber
// pool delivers in any order, trains on them in step order, evaluates at
// the configured steps, and reports to the reporter and the evaluator.
type trainerActor struct {
	trainerSetup
	loader, evaluator, reporter *actor.PID

	buffer    map[int]*perturber.Batch
	next      int
	pending   bool // a runStep is in the mailbox
	waitSince time.Time
	waiting   bool
	stopped   bool
	finished  bool
	lastSnap  int // step of the last snapshot
	evaluated int // step of the last evaluation, -1 for none
}

// Receive handles *BatchReady, *Stop and the trainer's own runStep.
func (a *trainerActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.buffer = map[int]*perturber.Batch{}
		a.next, a.lastSnap, a.evaluated = a.start, a.start, -1
		if a.skipFirstEval {
			a.evaluated = a.start
		}
		if a.evalAt(a.next) && a.evaluated != a.next {
			a.evaluate(ctx, a.next == a.sched.TotalSteps())
		}
		a.schedule(ctx)
	case *BatchReady:
		a.onBatch(ctx, msg)
	case *runStep:
		a.pending = false
		a.onRunStep(ctx)
	case *Stop:
		a.stopped = true
		if !a.pending {
			a.finish(ctx, nil)
		}
	}
}

func (a *trainerActor) schedule(ctx actor.Context) {
	if !a.pending && !a.finished {
		a.pending = true
		ctx.Send(ctx.Self(), &runStep{})
	}
}

func (a *trainerActor) onBatch(ctx actor.Context, msg *BatchReady) {
	if msg.Err != nil {
		a.finish(ctx, fmt.Errorf("perturb step %d: %w", msg.Step, msg.Err))
		return
	}
	a.buffer[msg.Step] = msg.Batch
	if msg.Step == a.next {
		a.schedule(ctx)
	}
}

func (a *trainerActor) onRunStep(ctx actor.Context) {
	end := a.sched.TotalSteps()
	switch {
	case a.finished:
		return
	case a.stopped:
		a.finish(ctx, nil)
		return
	case a.next >= end:
		if a.evaluated != a.next {
			a.evaluate(ctx, true)
		}
		a.finish(ctx, nil)
		return
	}
	b, ok := a.buffer[a.next]
	if !ok {
		if !a.waiting {
			a.waiting, a.waitSince = true, time.Now()
		}
		return
	}
	var wait time.Duration
	if a.waiting {
		wait, a.waiting = time.Since(a.waitSince), false
	}
	delete(a.buffer, a.next)
	if err := a.step(ctx, b, wait); err != nil {
		a.finish(ctx, err)
		return
	}
	a.next++
	ctx.Send(a.loader, &Credit{Consumed: a.next})
	if a.next == a.stopAt {
		a.stopped = true
	}
	if a.ckptEvery > 0 && a.next%a.ckptEvery == 0 {
		a.snapshot(ctx, "interval")
	}
	if a.evalAt(a.next) {
		a.evaluate(ctx, a.next == end)
		if a.next == end {
			a.finish(ctx, nil)
			return
		}
	}
	a.schedule(ctx)
}

// step trains on one batch and reports it.
func (a *trainerActor) step(ctx actor.Context, b *perturber.Batch, wait time.Duration) error {
	head := a.sched.Head(a.next)
	start := time.Now()
	if a.sched.RestartAt(a.next) {
		if err := a.restart(); err != nil {
			return fmt.Errorf("restart check at step %d: %w", a.next, err)
		}
	}
	a.model.Opt.LR = a.sched.LRAt(a.next)
	res, err := a.model.Step(head, b.X, b.XP)
	if errors.Is(err, trainer.ErrNonFinite) && a.cfg.Train.SkipNonFinite {
		a.log.Warn("batch skipped", "step", a.next, "err", err)
		err = nil
	}
	if err != nil {
		return fmt.Errorf("step %d: %w", a.next, err)
	}
	ctx.Send(a.reporter, &StepDone{Step: a.next, Epoch: a.sched.Epoch(a.next), Head: head,
		SubHeads: res.SubHeads, Images: 2 * len(b.Indices) * b.Repeats, Duration: time.Since(start),
		Wait: wait, LR: a.model.Opt.LR})
	return nil
}

// restart draws afresh each sub-head of head B whose label-free loss is
// above the lowest by more than train.restart_margin. The losses come from
// the same fixed batches whenever the check runs and the draw is seeded by
// the step and the sub-head, so a resumed run restarts exactly the same.
func (a *trainerActor) restart() error {
	t := a.cfg.Train
	losses, err := a.model.LabelFreeLosses("B", a.images, a.opts, a.seed, a.perStep,
		t.RestartBatches)
	if err != nil {
		return err
	}
	lowest := evaluator.LowestLoss(losses)
	for _, s := range trainer.Restarts(losses, t.RestartMargin) {
		const salt = 0x72657374 // "rest"
		rng := rand.New(rand.NewPCG(a.seed^salt, uint64(a.next)<<8|uint64(s)))
		if err := a.model.ReinitSubHead("B", s, rng); err != nil {
			return err
		}
		a.log.Info("sub-head restarted", "step", a.next, "head", "B", "sub_head", s,
			"loss", losses[s], "lowest_loss", losses[lowest])
	}
	return nil
}

// evaluate predicts head B's clusters for the evaluated images and
// estimates each sub-head's loss without labels, then hands both to the
// evaluator. Final marks the evaluation at the end of the run, which scores
// every image.
func (a *trainerActor) evaluate(ctx actor.Context, final bool) {
	a.evaluated = a.next
	start := time.Now()
	var idx []int
	if !final {
		idx = trainer.EvalSample(a.seed, a.subset, a.images.Len())
	}
	c, err := a.model.ClusterEval("B", a.images, idx, a.opts, a.evalSize, a.cfg.Eval, a.seed)
	var losses []float64
	if err == nil {
		losses, err = a.model.LabelFreeLosses("B", a.images, a.opts, a.seed, a.perStep, a.lossN)
	}
	if err != nil {
		a.log.Error("evaluation failed", "step", a.next, "err", err)
		return
	}
	ctx.Send(a.evaluator, &Predictions{Step: a.next,
		Epoch: float64(a.next) / float64(a.sched.StepsPerEpoch()), Final: final,
		Head: "B", K: a.k, Indices: idx, Preds: c.Assign, Losses: losses,
		Duration: time.Since(start)})
	a.noteLosses(ctx, losses)
}

// noteLosses keeps the sub-head with the lowest label-free loss and takes
// a snapshot when an evaluation after some training improves on it.
func (a *trainerActor) noteLosses(ctx actor.Context, losses []float64) {
	s := evaluator.LowestLoss(losses)
	if s < 0 || (a.best.SubHead >= 0 && !(losses[s] < a.best.Loss)) {
		return
	}
	a.best.Head, a.best.SubHead, a.best.Loss, a.best.Step = "B", s, losses[s], a.next
	if a.next > a.start {
		a.snapshot(ctx, "best")
	}
}

// snapshot hands a copy of the state after a.next steps to the
// checkpointer, through the evaluator and the reporter (see Snapshot).
func (a *trainerActor) snapshot(ctx actor.Context, reason string) {
	if a.next == a.lastSnap {
		return
	}
	a.lastSnap = a.next
	st := snapshot(a.model, a.cfg, a.sched, a.next, a.best)
	ctx.Send(a.evaluator, &Snapshot{State: st, Reason: reason})
}

func (a *trainerActor) finish(ctx actor.Context, err error) {
	if a.finished {
		return
	}
	a.finished = true
	reason := "end"
	if a.stopped || err != nil {
		reason = "stop"
	}
	// After a failed step the model still holds the last good state.
	a.snapshot(ctx, reason)
	ctx.Send(a.evaluator, &TrainingDone{Steps: a.next, Interrupted: a.stopped, Err: err})
}
