package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/iic-go/iic/perturber"
)

// perturbWorker is one member of the perturber pool: it builds the batch of
// a step and sends it straight to the trainer. Its output depends only on
// the request, so the pool's size and timing never change a run.
type perturbWorker struct {
	images perturber.Images
	opts   perturber.Options
	seed   uint64
}

func newPerturbWorker(images perturber.Images, opts perturber.Options,
	seed uint64) actor.Producer {
	return func() actor.Actor {
		return &perturbWorker{images: images, opts: opts, seed: seed}
	}
}

// Receive handles *BatchRequest.
func (w *perturbWorker) Receive(ctx actor.Context) {
	if msg, ok := ctx.Message().(*BatchRequest); ok {
		w.onRequest(ctx, msg)
	}
}

func (w *perturbWorker) onRequest(ctx actor.Context, msg *BatchRequest) {
	start := time.Now()
	b, err := perturber.MakeBatch(w.images, msg.Indices, w.opts, w.seed, msg.Step)
	ctx.Send(msg.Trainer, &BatchReady{Batch: b, Step: msg.Step, Duration: time.Since(start),
		Err: err})
}
