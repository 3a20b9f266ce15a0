package actors

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/iic-go/iic/loader"
)

// loaderActor hands out the steps of the run to the perturber pool in step
// order, keeping at most prefetch batches in flight beyond the last step
// the trainer consumed: the pipeline's back-pressure.
type loaderActor struct {
	plan     loader.Plan
	pool     *actor.PID
	trainer  *actor.PID
	prefetch int
	next     int // next step to request
	end      int // one past the last step of the run
	consumed int // steps below this one are done
}

func newLoader(plan loader.Plan, pool, trainer *actor.PID,
	prefetch, start, end int) actor.Producer {
	return func() actor.Actor {
		return &loaderActor{plan: plan, pool: pool, trainer: trainer, prefetch: prefetch,
			next: start, end: end, consumed: start}
	}
}

// Receive handles *Credit.
func (a *loaderActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.fill(ctx)
	case *Credit:
		a.consumed = max(a.consumed, msg.Consumed)
		a.fill(ctx)
	}
}

// fill requests batches until prefetch are in flight or the run is covered.
func (a *loaderActor) fill(ctx actor.Context) {
	for a.next < a.end && a.next < a.consumed+a.prefetch {
		ctx.Send(a.pool, &BatchRequest{Step: a.next, Indices: a.plan.Indices(a.next),
			Trainer: a.trainer})
		a.next++
	}
}
