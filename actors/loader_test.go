package actors

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/iic-go/iic/loader"
)

func TestLoaderKeepsAtMostPrefetchBatchesInFlight(t *testing.T) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}))
	defer system.Shutdown()
	got := make(chan int, 100)
	pool := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if req, ok := ctx.Message().(*BatchRequest); ok {
			got <- req.Step
		}
	}))
	plan := loader.Plan{Seed: 1, N: 100, Batch: 10}
	const prefetch = 3
	ld := system.Root.Spawn(actor.PropsFromProducer(newLoader(plan, pool, nil, prefetch, 0, 8)))

	expect := func(want ...int) {
		t.Helper()
		for _, w := range want {
			select {
			case s := <-got:
				if s != w {
					t.Fatalf("request for step %d, want %d", s, w)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no request for step %d", w)
			}
		}
		// A request beyond the credit would arrive right behind the others;
		// a quiet spell shows there is none.
		select {
		case s := <-got:
			t.Fatalf("request for step %d beyond the credit", s)
		case <-time.After(50 * time.Millisecond):
		}
	}
	expect(0, 1, 2)
	system.Root.Send(ld, &Credit{Consumed: 1})
	expect(3)
	system.Root.Send(ld, &Credit{Consumed: 7})
	expect(4, 5, 6, 7) // the run has 8 steps: none beyond
}
