package actors

import (
	"errors"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/iic-go/iic/checkpoint"
)

// checkpointer writes the snapshots the trainer takes, off the training
// path, and is the last stop of the pipeline: when the reporter has
// finished, it hands the run's result back to Run once every snapshot
// before it is on disk.
type checkpointer struct {
	store   checkpoint.Store
	log     *slog.Logger
	trainer *actor.PID
	// stopOnError stops training when a save fails (checkpoint.on_error).
	stopOnError bool
	done        chan<- result
	err         error
}

// Receive handles *Snapshot and *reportDone.
func (c *checkpointer) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Snapshot:
		c.onSnapshot(ctx, msg)
	case *reportDone:
		res := msg.result
		res.err = errors.Join(res.err, c.err)
		c.done <- res
	}
}

func (c *checkpointer) onSnapshot(ctx actor.Context, msg *Snapshot) {
	start := time.Now()
	path, err := c.store.Save(msg.State)
	if err != nil && !errors.Is(err, checkpoint.ErrCleanup) {
		c.log.Error("checkpoint not saved", "step", msg.State.Step, "path", c.store.Dir,
			"err", err)
		if c.stopOnError {
			c.err = errors.Join(c.err, err)
			ctx.Send(c.trainer, &Stop{})
		}
		return
	}
	if err != nil {
		c.log.Warn("old checkpoints not removed", "err", err)
	}
	c.log.Info("checkpoint saved", "step", msg.State.Step, "path", path, "reason", msg.Reason,
		"duration", time.Since(start).Round(time.Millisecond))
}
