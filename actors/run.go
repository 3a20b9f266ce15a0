package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/router"
	"gorgonia.org/tensor"

	"github.com/iic-go/iic/checkpoint"
	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/loader"
	"github.com/iic-go/iic/perturber"
	"github.com/iic-go/iic/report"
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

	// Resume, when not nil, continues the run saved in this checkpoint; its
	// config must be compatible with the one given (checkpoint.Compatible).
	Resume *checkpoint.State

	// fault, in tests, lets perturber workers crash on purpose.
	fault func(step, attempt int)
	// stopAt, in tests, stops the run after this many steps.
	stopAt int
	// poison, in tests, alters batches after the perturber made them.
	poison func(*perturber.Batch)
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
	start, best, err := resumeModel(model, opt)
	if err != nil {
		return Summary{}, err
	}
	opt.Log.Info("model built", "parameters", model.Params.Count(), "pairs_per_step", pairs,
		"steps_per_epoch", sched.StepsPerEpoch(), "total_steps", sched.TotalSteps(),
		"start_step", start)

	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(warnOnly{opt.Log.Handler()}).With("lib", "protoactor")
	}))
	defer system.Shutdown()
	root := system.Root
	done := make(chan result, 1)

	// The trainer and the loader address each other, and the checkpointer
	// the trainer: their PIDs are fixed by name before they are spawned.
	trainerPID := actor.NewPID(system.Address(), "trainer")
	loaderPID := actor.NewPID(system.Address(), "loader")
	ckpt := root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &checkpointer{store: checkpoint.Store{Dir: filepath.Join(opt.Dir,
			checkpoint.RunDirName), Keep: cfg.Checkpoint.Keep},
			log: opt.Log.With("actor", "checkpointer"), trainer: trainerPID,
			stopOnError: cfg.Checkpoint.OnError == "stop", done: done}
	}))
	rep, err := spawnReporter(root, cfg, sched, opt, ckpt)
	if err != nil {
		return Summary{}, err
	}
	ev := root.Spawn(actor.PropsFromProducer(newEvaluator(ds.Labels, ds.Classes, rep)))
	images := perturber.Images{Pix: ds.Images, Rows: ds.Rows, Cols: ds.Cols}
	popts := perturber.OptionsFrom(cfg.Augment)
	pool := root.Spawn(router.NewRoundRobinPool(cfg.Workers(),
		actor.WithProducer(newPerturbWorker(images, popts, cfg.Seed, opt.fault, opt.poison))))

	setup := trainerSetup{cfg: cfg, model: model, sched: sched, images: images, opts: popts,
		seed: cfg.Seed, perStep: cfg.Train.ImagesPerStep, start: start,
		evalAt: evalAt(cfg, sched), evalSize: min(cfg.Eval.BatchSize, ds.N),
		lossN: cfg.Eval.LossBatches, subset: cfg.Eval.Subset, k: cfg.Model.KB,
		log: opt.Log.With("actor", "trainer"), ckptEvery: cfg.Checkpoint.EverySteps,
		best: best, stopAt: opt.stopAt,
		skipFirstEval: opt.Resume != nil && hasEval(opt.Resume.Records, start)}
	_, err = root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor {
		return &trainerActor{trainerSetup: setup, loader: loaderPID, evaluator: ev, reporter: rep}
	}), trainerPID.Id)
	if err != nil {
		return Summary{}, fmt.Errorf("spawn trainer: %w", err)
	}
	_, err = root.SpawnNamed(actor.PropsFromProducer(newLoader(plan, pool, trainerPID,
		cfg.Pipeline.Prefetch, start, sched.TotalSteps())), loaderPID.Id)
	if err != nil {
		return Summary{}, fmt.Errorf("spawn loader: %w", err)
	}

	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		opt.Log.Info("stopping", "reason", context.Cause(ctx))
		root.Send(trainerPID, &Stop{})
		res = <-done
	}
	if res.err == nil && res.summary.Interrupted {
		res.err = ErrInterrupted
	}
	return res.summary, res.err
}

// resumeModel loads opt.Resume, if any, into the model and returns the
// step to start from and the best sub-head so far.
func resumeModel(m *trainer.Model, opt Options) (int, checkpoint.Best, error) {
	st := opt.Resume
	if st == nil {
		return 0, noBest(), nil
	}
	if err := restore(m, st); err != nil {
		return 0, checkpoint.Best{}, fmt.Errorf("resume from step %d: %w", st.Step, err)
	}
	return st.Step, st.Best, nil
}

// spawnReporter starts the reporter; on resume it first rewrites
// metrics.jsonl with the checkpoint's history, dropping whatever the
// stopped run wrote after its last checkpoint.
func spawnReporter(root *actor.RootContext, cfg config.Config, sched trainer.Schedule,
	opt Options, ckpt *actor.PID) (*actor.PID, error) {
	r := &reporter{dir: opt.Dir, log: opt.Log, progress: opt.Progress,
		logEvery: cfg.Train.LogEvery, total: sched.TotalSteps(),
		stepsPerEpoch: sched.StepsPerEpoch(), checkpointer: ckpt, best: noBest()}
	if st := opt.Resume; st != nil {
		path := filepath.Join(opt.Dir, report.MetricsFile)
		if err := report.RewriteMetrics(path, st.Records); err != nil {
			return nil, err
		}
		r.records = slices.Clone(st.Records)
		if n := len(st.Records); n > 0 {
			r.timeOffset = time.Duration(st.Records[n-1].Time * float64(time.Second))
		}
		r.best = st.Best
		if p, ok := st.Extra[pendingStepsKey]; ok {
			if err := json.Unmarshal([]byte(p), &r.acc); err != nil {
				return nil, fmt.Errorf("resume: pending steps in checkpoint: %w", err)
			}
		}
	}
	return root.Spawn(actor.PropsFromProducer(func() actor.Actor { return r })), nil
}

// hasEval reports whether recs hold an evaluation at step.
func hasEval(recs []report.Record, step int) bool {
	for _, r := range recs {
		if r.Kind == report.KindEval && r.Step == step {
			return true
		}
	}
	return false
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
