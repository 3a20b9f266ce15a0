package actors

import (
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/iic-go/iic/perturber"
)

// maxAttempts bounds how often a batch is retried after its worker
// panicked; a batch that fails every time ends the run with an error
// rather than restarting workers forever.
const maxAttempts = 3

// perturbWorker is one member of the perturber pool: it builds the batch of
// a step and sends it straight to the trainer. Its output depends only on
// the request, so the pool's size and timing never change a run.
//
// When a worker panics, the pool router (its supervisor) restarts it. Before
// that, the failing instance receives *actor.Restarting and re-sends the
// request it was working on to its own mailbox, so the restarted worker
// redoes the batch: none is lost, none repeated.
type perturbWorker struct {
	images  perturber.Images
	opts    perturber.Options
	seed    uint64
	current *BatchRequest
	// fault, when set (tests only), may panic to simulate a crash.
	fault func(step, attempt int)
	// poison, when set (tests only), may alter a finished batch.
	poison func(*perturber.Batch)
}

func newPerturbWorker(images perturber.Images, opts perturber.Options, seed uint64,
	fault func(step, attempt int), poison func(*perturber.Batch)) actor.Producer {
	return func() actor.Actor {
		return &perturbWorker{images: images, opts: opts, seed: seed, fault: fault,
			poison: poison}
	}
}

// Receive handles *BatchRequest.
func (w *perturbWorker) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *BatchRequest:
		w.onRequest(ctx, msg)
	case *actor.Restarting:
		w.onRestarting(ctx)
	}
}

func (w *perturbWorker) onRequest(ctx actor.Context, msg *BatchRequest) {
	w.current = msg
	start := time.Now()
	if w.fault != nil {
		w.fault(msg.Step, msg.Attempt)
	}
	b, err := perturber.MakeBatch(w.images, msg.Indices, w.opts, w.seed, msg.Step)
	if err == nil && w.poison != nil {
		w.poison(b)
	}
	ctx.Send(msg.Trainer, &BatchReady{Batch: b, Step: msg.Step, Duration: time.Since(start),
		Err: err})
	w.current = nil
}

// onRestarting runs on the instance that panicked: it hands the request in
// progress to the restarted worker, or gives up on it after maxAttempts.
func (w *perturbWorker) onRestarting(ctx actor.Context) {
	req := w.current
	if req == nil {
		return
	}
	retry := *req
	retry.Attempt++
	if retry.Attempt >= maxAttempts {
		err := fmt.Errorf("perturber worker crashed %d times on this batch: %w", retry.Attempt,
			errWorkerCrashed)
		ctx.Send(req.Trainer, &BatchReady{Step: req.Step, Err: err})
		return
	}
	ctx.Send(ctx.Self(), &retry)
}

var errWorkerCrashed = errors.New("worker crashed")
