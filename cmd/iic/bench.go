package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"gorgonia.org/tensor"

	"github.com/iic-go/iic/actors"
	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/loader"
	"github.com/iic-go/iic/perturber"
	"github.com/iic-go/iic/trainer"
)

// benchOptions are the flags of `iic bench`.
type benchOptions struct {
	recipes    []string
	paperFile  string
	steps      int
	maxTime    time.Duration
	gemmTime   time.Duration
	workers    int
	evalBatch  int
	jsonOutput bool
	// pipelineSteps is the length of the pipeline run; 0 skips it.
	pipelineSteps int
}

func newBenchCmd() *cobra.Command {
	o := benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure training, perturbation and evaluation speed on this machine",
		Long: "bench measures, on generated images, the speed of each recipe's training\n" +
			"step against the sgemm ceiling measured in the same run on the net's own conv\n" +
			"shapes, the perturbers' throughput, evaluation (Predict) and peak memory.\n" +
			"Images/s count both views of a training pair. Each number says how long it\n" +
			"was measured; build with -tags openblas for the OpenBLAS engine.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := runBench(o, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if o.jsonOutput {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			printBench(cmd.OutOrStdout(), rep)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.recipes, "recipes", []string{"default", "paper"},
		"recipes to measure: default (config.Default) and paper (--paper-config)")
	f.StringVar(&o.paperFile, "paper-config", "configs/mnist-paper.yaml",
		"YAML file of the paper recipe")
	f.IntVar(&o.steps, "steps", 5, "timed training steps per recipe (after one warm-up step)")
	f.DurationVar(&o.maxTime, "max-time", 20*time.Second,
		"stop each timed measurement after this long, even before --steps")
	f.DurationVar(&o.gemmTime, "gemm-time", 300*time.Millisecond,
		"time spent on each sgemm shape of the ceiling")
	f.IntVar(&o.workers, "workers", 0, "perturber pool size; 0 means one per CPU")
	f.IntVar(&o.evalBatch, "eval-batch", 700, "evaluation batch size")
	f.BoolVar(&o.jsonOutput, "json", false, "print the results as JSON")
	f.IntVar(&o.pipelineSteps, "pipeline-steps", 300,
		"steps of the default recipe through the actor pipeline, for the data wait; 0 skips")
	return cmd
}

// benchReport is everything `iic bench` measures; it is also its JSON.
type benchReport struct {
	BLAS       string        `json:"blas"`
	Sgemm      string        `json:"sgemm"`
	GoVersion  string        `json:"go_version"`
	CPU        string        `json:"cpu"`
	CPUs       int           `json:"cpus"`
	GOMAXPROCS int           `json:"gomaxprocs"`
	Recipes    []recipeBench `json:"recipes"`
	// Pipeline is a short run of the default recipe through the actor
	// pipeline on generated digits; null with --pipeline-steps 0.
	Pipeline *pipelineBench `json:"pipeline"`
}

// pipelineBench is what a real pipeline run measures.
type pipelineBench struct {
	Steps   int     `json:"steps"`
	Workers int     `json:"workers"`
	Seconds float64 `json:"seconds"`
	// DataWaitFraction is the share of the run's wall time the trainer
	// spent waiting for batches.
	DataWaitFraction float64 `json:"data_wait_fraction"`
	ImagesSec        float64 `json:"images_per_second"`
}

// recipeBench holds the numbers of one recipe.
type recipeBench struct {
	Name    string `json:"name"`
	Net     string `json:"net"`
	Pairs   int    `json:"pairs"`
	Ceiling struct {
		GFLOPS  float64 `json:"gflops"`
		Seconds float64 `json:"seconds"`
		Shapes  []struct {
			Shape  string  `json:"shape"`
			GFLOPS float64 `json:"gflops"`
		} `json:"shapes"`
	} `json:"sgemm_ceiling"`
	Train struct {
		WarmupSeconds float64 `json:"warmup_seconds"`
		timed
		StepFLOPs float64 `json:"step_flops"`
		GFLOPS    float64 `json:"gflops"`
		Ratio     float64 `json:"ratio_to_ceiling"`
	} `json:"train"`
	Perturb []struct {
		Workers int `json:"workers"`
		timed
	} `json:"perturb"`
	Eval struct {
		Batch int `json:"batch"`
		timed
	} `json:"eval"`
	// PeakRSSMiB is the process's peak resident memory (VmHWM) after this
	// recipe's measurements, which include every earlier recipe's.
	PeakRSSMiB float64 `json:"peak_rss_mib"`
}

// timed is one throughput measurement: Runs repetitions in Seconds.
type timed struct {
	Runs      int     `json:"runs"`
	Seconds   float64 `json:"seconds"`
	ImagesSec float64 `json:"images_per_second"`
}

func runBench(o benchOptions, progress io.Writer) (*benchReport, error) {
	rep := &benchReport{BLAS: trainer.BLAS, Sgemm: trainer.SgemmKernel(),
		GoVersion: runtime.Version(), CPU: cpuModel(), CPUs: runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0)}
	for _, name := range o.recipes {
		cfg, err := benchRecipe(name, o.paperFile)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "bench: recipe %s...\n", name)
		r, err := benchOne(name, cfg, o)
		if err != nil {
			return nil, fmt.Errorf("bench recipe %s: %w", name, err)
		}
		rep.Recipes = append(rep.Recipes, *r)
	}
	if o.pipelineSteps > 0 {
		fmt.Fprintf(progress, "bench: pipeline run of %d steps...\n", o.pipelineSteps)
		p, err := benchPipeline(o)
		if err != nil {
			return nil, fmt.Errorf("bench pipeline: %w", err)
		}
		rep.Pipeline = p
	}
	return rep, nil
}

// benchPipeline trains the default recipe for o.pipelineSteps steps through
// the actors on generated digits and measures how long the trainer waited
// for data.
func benchPipeline(o benchOptions) (*pipelineBench, error) {
	cfg := config.Default()
	cfg.Data.Dataset, cfg.Data.SyntheticSize = "synthetic", 5000
	cfg.Train.MaxSteps = o.pipelineSteps
	cfg.Pipeline.Workers = o.workers
	cfg.Eval.Subset, cfg.Eval.LossBatches = 0, 1
	dir, err := os.MkdirTemp("", "iic-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ds := loader.Synthetic(cfg.Data.SyntheticSize, cfg.Seed)
	sum, err := actors.Run(context.Background(), cfg, ds, actors.Options{Dir: dir, Log: log})
	if err != nil {
		return nil, err
	}
	pairs := cfg.Train.ImagesPerStep * cfg.Augment.Repeats
	return &pipelineBench{Steps: sum.Steps, Workers: cfg.Workers(),
		Seconds:          sum.Wall.Seconds(),
		DataWaitFraction: sum.DataWait.Seconds() / sum.Wall.Seconds(),
		ImagesSec:        float64(2*pairs*sum.Steps) / sum.Wall.Seconds()}, nil
}

// benchRecipe returns the configuration of a named recipe.
func benchRecipe(name, paperFile string) (config.Config, error) {
	switch name {
	case "default":
		return config.Default(), nil
	case "paper":
		cfg, err := config.Load(config.LoadOptions{File: paperFile})
		if err != nil {
			return cfg, &usageError{err: err,
				hint: "run from the repository root, or pass --paper-config PATH"}
		}
		return cfg, nil
	}
	return config.Config{}, &usageError{err: fmt.Errorf("unknown recipe %q", name),
		hint: "use --recipes default,paper"}
}

func benchOne(name string, cfg config.Config, o benchOptions) (*recipeBench, error) {
	m := cfg.Model
	r := &recipeBench{Name: name, Pairs: cfg.Train.ImagesPerStep * cfg.Augment.Repeats,
		Net: fmt.Sprintf("%dx%d %s", m.Kernel, m.Kernel, joinInts(m.Widths))}
	ds := loader.Synthetic(max(r.Pairs, o.evalBatch), cfg.Seed)
	images := perturber.Images{Pix: ds.Images, Rows: ds.Rows, Cols: ds.Cols}
	opts := perturber.OptionsFrom(cfg.Augment)

	start := time.Now()
	shapes := trainer.StepGemms(m, cfg.Augment.InputSize, r.Pairs)
	ceiling, rates := trainer.SgemmCeiling(shapes, o.gemmTime)
	r.Ceiling.GFLOPS, r.Ceiling.Seconds = ceiling, time.Since(start).Seconds()
	for i, s := range shapes {
		r.Ceiling.Shapes = append(r.Ceiling.Shapes, struct {
			Shape  string  `json:"shape"`
			GFLOPS float64 `json:"gflops"`
		}{s.String(), rates[i]})
	}

	model, err := trainer.NewModel(cfg, r.Pairs, tensor.Float32, cfg.Seed)
	if err != nil {
		return nil, err
	}
	if err := benchTrain(r, model, cfg, images, opts, o); err != nil {
		return nil, err
	}
	if err := benchPerturb(r, cfg, images, opts, o); err != nil {
		return nil, err
	}
	if err := benchEval(r, model, cfg, images, opts, o); err != nil {
		return nil, err
	}
	r.PeakRSSMiB = peakRSSMiB()
	return r, nil
}

// benchTrain times model's training steps of head B on one batch.
func benchTrain(r *recipeBench, model *trainer.Model, cfg config.Config,
	images perturber.Images, opts perturber.Options, o benchOptions) error {
	idx := make([]int, cfg.Train.ImagesPerStep)
	for i := range idx {
		idx[i] = i
	}
	b, err := perturber.MakeBatch(images, idx, opts, cfg.Seed, 0)
	if err != nil {
		return err
	}
	step := func() error {
		_, err := model.Step("B", b.X, b.XP)
		return err
	}
	start := time.Now()
	if err := step(); err != nil {
		return err
	}
	r.Train.WarmupSeconds = time.Since(start).Seconds()
	t, err := measure(o.steps, o.maxTime, 2*r.Pairs, step)
	if err != nil {
		return err
	}
	r.Train.timed = t
	r.Train.StepFLOPs = trainer.TrainFLOPs(cfg.Model, cfg.Augment.InputSize, r.Pairs, "B")
	r.Train.GFLOPS = r.Train.StepFLOPs * float64(t.Runs) / t.Seconds / 1e9
	r.Train.Ratio = r.Train.GFLOPS / r.Ceiling.GFLOPS
	return nil
}

// benchPerturb times perturber.MakeBatchInto (MakeBatch reusing one batch's
// memory) for one worker, then for a pool of workers goroutines each
// building its own batches. Images count both views of each pair, as the
// trainer's do.
func benchPerturb(r *recipeBench, cfg config.Config, images perturber.Images,
	opts perturber.Options, o benchOptions) error {
	pool := o.workers
	if pool <= 0 {
		pool = runtime.GOMAXPROCS(0)
	}
	perBatch := 2 * r.Pairs
	const budget = 2 * time.Second
	for _, workers := range []int{1, pool} {
		var mu sync.Mutex
		var firstErr error
		total := timed{}
		var wg sync.WaitGroup
		start := time.Now()
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, idx := new(perturber.Batch), sliceIndices(cfg, w)
				t, err := measure(1<<30, budget, perBatch, func() error {
					return perturber.MakeBatchInto(b, images, idx, opts, cfg.Seed, w)
				})
				mu.Lock()
				defer mu.Unlock()
				total.Runs += t.Runs
				firstErr = cmpErr(firstErr, err)
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return firstErr
		}
		total.Seconds = time.Since(start).Seconds()
		total.ImagesSec = float64(total.Runs*perBatch) / total.Seconds
		r.Perturb = append(r.Perturb, struct {
			Workers int `json:"workers"`
			timed
		}{workers, total})
	}
	return nil
}

func sliceIndices(cfg config.Config, w int) []int {
	idx := make([]int, cfg.Train.ImagesPerStep)
	for i := range idx {
		idx[i] = (w*len(idx) + i) % max(cfg.Train.ImagesPerStep, 1)
	}
	return idx
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// benchEval times model's Predict on batches of --eval-batch images; like
// the trainer, it uses the model that trained, whose buffers it shares.
func benchEval(r *recipeBench, model *trainer.Model, cfg config.Config,
	images perturber.Images, opts perturber.Options, o benchOptions) error {
	n := o.evalBatch
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	side := cfg.Augment.InputSize
	view := make([]float32, n*side*side)
	if err := perturber.EvalBatch(images, idx, opts, view); err != nil {
		return err
	}
	predict := func() error {
		_, err := model.Predict(view, n)
		return err
	}
	if err := predict(); err != nil { // builds the graph
		return err
	}
	t, err := measure(o.steps, o.maxTime, n, predict)
	if err != nil {
		return err
	}
	r.Eval.Batch, r.Eval.timed = n, t
	return nil
}

// measure calls fn until it has run runs times or budget has passed (at
// least once) and reports the throughput of images images per call.
func measure(runs int, budget time.Duration, images int, fn func() error) (timed, error) {
	start, n := time.Now(), 0
	for n < runs && (n == 0 || time.Since(start) < budget) {
		if err := fn(); err != nil {
			return timed{}, err
		}
		n++
	}
	secs := time.Since(start).Seconds()
	return timed{Runs: n, Seconds: secs, ImagesSec: float64(n*images) / secs}, nil
}

func printBench(out io.Writer, rep *benchReport) {
	fmt.Fprintf(out, "iic bench: %s build (%s), %d CPUs (%s), GOMAXPROCS %d, %s\n\n",
		rep.BLAS, rep.Sgemm, rep.CPUs, rep.CPU, rep.GOMAXPROCS, rep.GoVersion)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "recipe\tnet\tpairs\ttrain img/s\tGFLOP/s\tsgemm ceiling\tratio\t"+
		"measured\t")
	for _, r := range rep.Recipes {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%.2f\t%d steps in %.1fs\t\n", r.Name,
			r.Net, r.Pairs, r.Train.ImagesSec, r.Train.GFLOPS, r.Ceiling.GFLOPS,
			r.Train.Ratio, r.Train.Runs, r.Train.Seconds)
	}
	tw.Flush()

	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "recipe\tperturb img/s, 1 worker\tpool\tpool img/s\teval img/s\t"+
		"eval measured\tpeak RSS\t")
	for _, r := range rep.Recipes {
		one, pool := r.Perturb[0], r.Perturb[len(r.Perturb)-1]
		fmt.Fprintf(tw, "%s\t%.0f\t%d\t%.0f\t%.1f\t%d×%d images in %.1fs\t%.0f MiB\t\n",
			r.Name, one.ImagesSec, pool.Workers, pool.ImagesSec, r.Eval.ImagesSec, r.Eval.Runs,
			r.Eval.Batch, r.Eval.Seconds, r.PeakRSSMiB)
	}
	tw.Flush()

	fmt.Fprintln(out)
	for _, r := range rep.Recipes {
		fmt.Fprintf(out, "%s: sgemm ceiling from %d conv shapes in %.1fs; warm-up step %.1fs; "+
			"perturbation measured %.1fs per pool size\n", r.Name, len(r.Ceiling.Shapes),
			r.Ceiling.Seconds, r.Train.WarmupSeconds, r.Perturb[0].Seconds)
	}
	fmt.Fprintln(out, "images/s count both views of a pair; GFLOP/s = 6 × forward MACs per image")
	fmt.Fprintln(out, "peak RSS is the process's VmHWM after that recipe (earlier ones included)")
	if p := rep.Pipeline; p != nil {
		fmt.Fprintf(out, "pipeline (default recipe, %d perturbers, generated digits): %d steps "+
			"in %.1fs, %.0f img/s including evaluations; trainer waited for data %.2f%% "+
			"of the time\n", p.Workers, p.Steps, p.Seconds, p.ImagesSec,
			100*p.DataWaitFraction)
	}
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, "-")
}

// peakRSSMiB reads VmHWM from /proc/self/status; 0 where it is missing.
func peakRSSMiB() float64 {
	return procField("/proc/self/status", "VmHWM:", func(v string) float64 {
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
		return kb / 1024
	})
}

// cpuModel reads the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	name := "unknown"
	procField("/proc/cpuinfo", "model name", func(v string) float64 {
		name = strings.TrimSpace(strings.TrimPrefix(v, ":"))
		return 0
	})
	return name
}

// procField finds the first line of path that starts with key and passes
// the rest of it, trimmed, to parse.
func procField(path, key string, parse func(string) float64) float64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			return parse(strings.TrimSpace(rest))
		}
	}
	return 0
}
