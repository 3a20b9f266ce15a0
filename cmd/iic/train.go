package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/iic-go/iic/actors"
	"github.com/iic-go/iic/checkpoint"
	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/loader"
)

// configFlags are the flags every command that reads a configuration has.
type configFlags struct {
	file string
	set  []string
}

func (f *configFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.file, "config", "", "YAML configuration file (see configs/)")
	cmd.Flags().StringArrayVar(&f.set, "set", nil,
		"override one key, as key=value (repeatable), e.g. --set train.lr=1e-3")
}

func (f *configFlags) load() (config.Config, error) {
	return f.loadOver(nil)
}

// loadOver resolves the configuration starting from base instead of the
// defaults when base is not nil.
func (f *configFlags) loadOver(base *config.Config) (config.Config, error) {
	cfg, err := config.Load(config.LoadOptions{File: f.file, Overrides: f.set, Base: base})
	if err != nil {
		return cfg, &usageError{err: err,
			hint: "fix the configuration; `iic train --help` lists the keys"}
	}
	return cfg, nil
}

func newTrainCmd() *cobra.Command {
	var flags configFlags
	var verbose bool
	var resume string
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train IIC; with no flags, the default recipe on MNIST",
		Long: "Train IIC through the actor pipeline and evaluate every sub-head.\n\n" +
			"The run folder (run.root/run.name) receives config.yaml, metrics.jsonl and\n" +
			"curve.png. Configuration comes from the defaults, --config, IIC_* environment\n" +
			"variables (IIC_TRAIN_LR for train.lr) and --set, later ones winning.\n\n" +
			"Keys:\n  " + keyList(),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			log := newLogger(cmd.ErrOrStderr(), level)
			return train(cmd.Context(), &flags, resume, log, cmd.OutOrStdout(),
				cmd.ErrOrStderr())
		},
	}
	flags.register(cmd)
	cmd.Flags().StringVar(&resume, "resume", "",
		"continue the run in this run folder (or from this checkpoint file)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "log debug messages")
	return cmd
}

func train(ctx context.Context, flags *configFlags, resume string, log *slog.Logger,
	out, errOut io.Writer) error {
	var st *checkpoint.State
	var dir string
	var cfg config.Config
	var err error
	if resume != "" {
		st, dir, err = openResume(resume, log)
		if err != nil {
			return err
		}
		if cfg, err = flags.loadOver(&st.Config); err != nil {
			return err
		}
		if err := checkpoint.Compatible(st.Config, cfg); err != nil {
			return &usageError{err: err, hint: "only per-run keys (train.epochs, " +
				"train.max_steps, eval.*, pipeline.*, checkpoint.*, run.*, and train.lr " +
				"under lr_schedule constant) may change on resume"}
		}
	} else {
		if cfg, err = flags.load(); err != nil {
			return err
		}
		if dir, err = makeRunDir(cfg.Run); err != nil {
			return err
		}
	}
	ds, err := loadData(ctx, cfg.Data, cfg.Seed, log)
	if err != nil {
		return err
	}
	if err := cfg.WriteYAML(filepath.Join(dir, "config.yaml")); err != nil {
		return err
	}
	log.Info("run started", "path", dir, "dataset", ds.Name, "images", ds.N,
		"workers", cfg.Workers())

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, restore the default handling, so that a
		// second Ctrl-C ends the process at once.
		<-ctx.Done()
		stop()
	}()
	opt := actors.Options{Dir: dir, Log: log, Resume: st}
	if f, ok := errOut.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opt.Progress = newBar(f)
	}
	start := time.Now()
	sum, err := actors.Run(ctx, cfg, ds, opt)
	printSummary(out, sum, dir, time.Since(start))
	if errors.Is(err, actors.ErrInterrupted) {
		return errInterrupted
	}
	return err
}

// loadData returns the configured data set.
func loadData(ctx context.Context, d config.Data, seed uint64,
	log *slog.Logger) (*loader.Dataset, error) {
	if d.Dataset == "synthetic" {
		return loader.Synthetic(d.SyntheticSize, seed), nil
	}
	dir := d.Dir
	if dir == "" {
		var err error
		if dir, err = loader.DefaultDir(ctx); err != nil {
			return nil, &usageError{err: err,
				hint: "set data.dir to a folder holding MNIST, or run `iic data fetch DIR`"}
		}
	}
	log.Info("loading data", "path", dir, "split", d.Split)
	ds, err := loader.LoadMNIST(dir, d.Split)
	if err != nil {
		return nil, &usageError{err: err, hint: fmt.Sprintf(
			"check the files with `iic data verify %s`, or download them again with "+
				"`iic data fetch %s`", dir, dir)}
	}
	return ds, nil
}

// makeRunDir creates the run folder; an existing non-empty one is refused so
// that no earlier run's outputs are overwritten.
func makeRunDir(r config.Run) (string, error) {
	name := r.Name
	if name == "" {
		name = time.Now().Format("20060102-150405")
	}
	dir := filepath.Join(r.Root, name)
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return "", &usageError{err: fmt.Errorf("run folder %s exists and is not empty", dir),
			hint: "choose another run.name, or remove the folder"}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create run folder: %w", err)
	}
	return dir, nil
}

// printSummary writes the final per-sub-head table.
func printSummary(out io.Writer, s actors.Summary, dir string, took time.Duration) {
	fmt.Fprintf(out, "\nrun %s: %d steps in %s", dir, s.Steps, took.Round(time.Second))
	if s.Interrupted {
		fmt.Fprint(out, " (interrupted)")
	}
	fmt.Fprintln(out)
	if s.Final == nil || len(s.Final.SubHeads) == 0 {
		return
	}
	r := s.Final
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "sub-head\taccuracy\tNMI\tARI\tIIC loss\t\n")
	for _, h := range r.SubHeads {
		mark := ""
		if h.Index == r.LowestLoss {
			mark = "  <- lowest loss"
		}
		fmt.Fprintf(tw, "%d\t%.2f%%\t%.4f\t%.4f\t%.4f\t%s\n", h.Index, 100*h.Accuracy, h.NMI,
			h.ARI, h.Loss, mark)
	}
	tw.Flush()
	fmt.Fprintf(out, "evaluated at step %d: mean %.2f%% ± %.2f, min %.2f%%, max %.2f%%\n",
		s.FinalStep, 100*r.Mean, 100*r.Std, 100*r.Min, 100*r.Max)
}

func keyList() string {
	s := ""
	for i, k := range config.Keys() {
		if i > 0 {
			s += ", "
		}
		s += k
	}
	return s
}
