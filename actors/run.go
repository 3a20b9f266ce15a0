package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/router"
	"gorgonia.org/tensor"

	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/loader"
	"github.com/iic-go/iic/perturber"
	"github.com/iic-go/iic/trainer"
)

// ErrInterrupted is returned by Run when its context was cancelled before
// the run's end; the metrics written so far are complete and flushed.
var ErrInterrupted = errors.New("run interrupted")

// Options are what Run needs besides the configuration and the data.
type Options struct {
	// Dir is the run folder, which must exist.
	Dir string
	// Log receives the run's log lines and protoactor's warnings.
	Log *slog.Logger
	// Progress, if not nil, shows progress; otherwise progress goes to Log.
	Progress Progress

	// fault, in tests, lets perturber workers crash on purpose.
	fault func(step, attempt int)
}

// Run trains IIC on ds as cfg says, through the actor pipeline: loader →
// perturber pool → trainer → evaluator → reporter. It returns when the run
// ends, fails, or ctx is cancelled (then with ErrInterrupted, after the step
// in progress and the metrics are finished).
func Run(ctx context.Context, cfg config.Config, ds *loader.Dataset, opt Options) (Summary,
	error) {
	plan := loader.Plan{Seed: cfg.Seed, N: ds.N, Batch: cfg.Train.ImagesPerStep}
	if plan.StepsPerPass() == 0 {
		return Summary{}, fmt.Errorf("data set %s has %d images, fewer than "+
			"train.images_per_step = %d", ds.Name, ds.N, cfg.Train.ImagesPerStep)
	}
	sched := trainer.NewSchedule(cfg.Train, plan.StepsPerPass())
	pairs := cfg.Train.ImagesPerStep * cfg.Augment.Repeats
	model, err := trainer.NewModel(cfg, pairs, tensor.Float32, cfg.Seed)
	if err != nil {
		return Summary{}, err
	}
	opt.Log.Info("model built", "parameters", model.Params.Count(), "pairs_per_step", pairs,
		"steps_per_epoch", sched.StepsPerEpoch(), "total_steps", sched.TotalSteps())

	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(warnOnly{opt.Log.Handler()}).With("lib", "protoactor")
	}))
	defer system.Shutdown()
	root := system.Root
	done := make(chan result, 1)

	rep := root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &reporter{dir: opt.Dir, log: opt.Log, progress: opt.Progress,
			logEvery: cfg.Train.LogEvery, total: sched.TotalSteps(),
			stepsPerEpoch: sched.StepsPerEpoch(), done: done}
	}))
	ev := root.Spawn(actor.PropsFromProducer(newEvaluator(ds.Labels, ds.Classes, rep)))
	images := perturber.Images{Pix: ds.Images, Rows: ds.Rows, Cols: ds.Cols}
	popts := perturber.OptionsFrom(cfg.Augment)
	pool := root.Spawn(router.NewRoundRobinPool(cfg.Workers(),
		actor.WithProducer(newPerturbWorker(images, popts, cfg.Seed, opt.fault))))

	// The trainer and the loader address each other: the loader's PID is
	// fixed by its name before either is spawned.
	loaderPID := actor.NewPID(system.Address(), "loader")
	setup := trainerSetup{model: model, sched: sched, images: images, opts: popts,
		seed: cfg.Seed, perStep: cfg.Train.ImagesPerStep, evalAt: evalAt(cfg, sched),
		evalSize: min(cfg.Eval.BatchSize, ds.N), lossN: cfg.Eval.LossBatches,
		subset: cfg.Eval.Subset,
		k:      cfg.Model.KB, log: opt.Log.With("actor", "trainer")}
	trainerPID, err := root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor {
		return &trainerActor{trainerSetup: setup, loader: loaderPID, evaluator: ev, reporter: rep}
	}), "trainer")
	if err != nil {
		return Summary{}, fmt.Errorf("spawn trainer: %w", err)
	}
	_, err = root.SpawnNamed(actor.PropsFromProducer(newLoader(plan, pool, trainerPID,
		cfg.Pipeline.Prefetch, 0, sched.TotalSteps())), "loader")
	if err != nil {
		return Summary{}, fmt.Errorf("spawn loader: %w", err)
	}

	select {
	case res := <-done:
		return res.summary, res.err
	case <-ctx.Done():
	}
	opt.Log.Info("stopping", "reason", context.Cause(ctx))
	root.Send(trainerPID, &Stop{})
	res := <-done
	if res.err == nil && res.summary.Interrupted {
		res.err = ErrInterrupted
	}
	return res.summary, res.err
}

// evalAt returns whether the run evaluates after a given number of steps:
// before training, every Eval.EverySteps steps (or at each epoch's end when
// 0), and at the end.
func evalAt(cfg config.Config, s trainer.Schedule) func(int) bool {
	every := cfg.Eval.EverySteps
	if every == 0 {
		every = s.StepsPerEpoch()
	}
	total := s.TotalSteps()
	return func(step int) bool {
		return step == 0 || step == total || step%every == 0
	}
}

// warnOnly passes on records of level Warn and above: protoactor logs every
// actor start at Info.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnOnly) WithAttrs(as []slog.Attr) slog.Handler {
	return warnOnly{h.Handler.WithAttrs(as)}
}

func (h warnOnly) WithGroup(name string) slog.Handler {
	return warnOnly{h.Handler.WithGroup(name)}
}
