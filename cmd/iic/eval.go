package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iic-go/iic/actors"
	"github.com/iic-go/iic/checkpoint"
	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/evaluator"
	"github.com/iic-go/iic/loader"
	"github.com/iic-go/iic/perturber"
	"github.com/iic-go/iic/report"
	"github.com/iic-go/iic/trainer"
)

// evalFlags are the options of `iic eval`.
type evalFlags struct {
	config    configFlags
	ckpt      string
	images    string
	asJSON    bool
	predict   string
	confusion string
	subHead   int
	sample    bool
}

func newEvalCmd() *cobra.Command {
	var f evalFlags
	cmd := &cobra.Command{
		Use:   "eval --checkpoint PATH",
		Short: "Evaluate a checkpoint without training",
		Long: "Score every head-B sub-head of a checkpoint: accuracy (Hungarian matching), NMI\n" +
			"and ARI when the data has labels, and each sub-head's label-free IIC loss. The\n" +
			"data set and evaluation keys may differ from training (--set data.split=test);\n" +
			"the model's may not. --images FILE scores unlabelled IDX images instead.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := newLogger(cmd.ErrOrStderr(), slog.LevelInfo)
			return evaluate(cmd.Context(), &f, log, cmd.OutOrStdout())
		},
	}
	f.config.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.ckpt, "checkpoint", "", "checkpoint file, or a run folder (its latest)")
	fl.StringVar(&f.images, "images", "", "score this IDX image file (no labels) instead")
	fl.BoolVar(&f.asJSON, "json", false, "print the results as JSON")
	fl.StringVar(&f.predict, "predict", "",
		"write each image's index, cluster and probability to this CSV file")
	fl.StringVar(&f.confusion, "confusion", "",
		"write the chosen sub-head's confusion matrix to this PNG file (labelled data)")
	fl.IntVar(&f.subHead, "sub-head", -1, "sub-head to predict with; -1: the lowest loss")
	fl.BoolVar(&f.sample, "sample", false,
		"score the seeded sample of eval.subset images that training evaluations scored")
	_ = cmd.MarkFlagRequired("checkpoint") // cannot fail: the flag exists
	return cmd
}

// evalResult is what `iic eval --json` prints.
type evalResult struct {
	Checkpoint string        `json:"checkpoint"`
	Step       int           `json:"step"`
	Images     int           `json:"images"`
	Labelled   bool          `json:"labelled"`
	SubHeads   []evalSubHead `json:"sub_heads"`
	Mean       *float64      `json:"acc_mean,omitempty"`
	Std        *float64      `json:"acc_std,omitempty"`
	Best       *int          `json:"best,omitempty"`
	LowestLoss int           `json:"lowest_loss"`
	Chosen     int           `json:"chosen"`
}

type evalSubHead struct {
	Index    int      `json:"index"`
	Accuracy *float64 `json:"accuracy,omitempty"`
	NMI      *float64 `json:"nmi,omitempty"`
	ARI      *float64 `json:"ari,omitempty"`
	Loss     float64  `json:"loss"`
}

func evaluate(ctx context.Context, f *evalFlags, log *slog.Logger, out io.Writer) error {
	st, path, problems, err := checkpoint.Resolve(f.ckpt)
	for _, p := range problems {
		log.Warn("checkpoint skipped", "err", p)
	}
	if err != nil {
		return &usageError{err: err, hint: "pass a checkpoint file or a run folder"}
	}
	cfg, err := f.config.loadOver(&st.Config)
	if err != nil {
		return err
	}
	if err := sameModel(st.Config, cfg); err != nil {
		return err
	}
	m, err := actors.LoadModel(cfg, st)
	if err != nil {
		return err
	}
	ds, err := evalData(ctx, f, cfg, log)
	if err != nil {
		return err
	}
	log.Info("evaluating", "path", path, "step", st.Step, "images", ds.N)
	start := time.Now()
	res, c, rep, err := score(m, cfg, ds, f)
	if err != nil {
		return err
	}
	res.Checkpoint, res.Step = path, st.Step
	log.Info("evaluated", "duration", time.Since(start).Round(time.Millisecond))
	if err := writeOutputs(f, res, c, rep, ds); err != nil {
		return err
	}
	if f.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printEval(out, res)
	return nil
}

// sameModel refuses changes to what defines the network.
func sameModel(saved, requested config.Config) error {
	err := checkpoint.Compatible(saved, requested)
	ie, ok := err.(*checkpoint.IncompatibleError)
	if !ok {
		return err
	}
	var keys []string
	for _, d := range ie.Diffs {
		if strings.HasPrefix(d.Key, "model.") || d.Key == "augment.input_size" ||
			d.Key == "augment.crop_orig" {
			keys = append(keys, d.Key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return &usageError{err: fmt.Errorf("the model of the checkpoint cannot change: %s",
		strings.Join(keys, ", ")), hint: "drop those keys from --set and --config"}
}

// evalData returns the data set to score: the configured one, or the
// unlabelled images of --images.
func evalData(ctx context.Context, f *evalFlags, cfg config.Config,
	log *slog.Logger) (*loader.Dataset, error) {
	if f.images == "" {
		return loadData(ctx, cfg.Data, cfg.Seed, log)
	}
	pix, n, rows, cols, err := loader.ReadImages(f.images)
	if err != nil {
		return nil, &usageError{err: err, hint: "pass an IDX image file (gzip or plain)"}
	}
	if rows != perturber.MNISTSide || cols != perturber.MNISTSide {
		return nil, &usageError{err: fmt.Errorf("%s holds %dx%d images, want %dx%d",
			f.images, rows, cols, perturber.MNISTSide, perturber.MNISTSide)}
	}
	return &loader.Dataset{Name: f.images, Images: pix, N: n, Rows: rows, Cols: cols,
		Classes: cfg.Model.KB}, nil
}

// score clusters the data with head B, estimates each sub-head's loss and,
// with labels, scores every sub-head.
func score(m *trainer.Model, cfg config.Config, ds *loader.Dataset,
	f *evalFlags) (*evalResult, *trainer.Clusters, *evaluator.Report, error) {
	images := perturber.Images{Pix: ds.Images, Rows: ds.Rows, Cols: ds.Cols}
	opts := perturber.OptionsFrom(cfg.Augment)
	var idx []int
	if f.sample {
		idx = trainer.EvalSample(cfg.Seed, cfg.Eval.Subset, ds.N)
	}
	c, err := m.ClusterEval("B", images, idx, opts, min(cfg.Eval.BatchSize, ds.N), cfg.Eval,
		cfg.Seed)
	if err != nil {
		return nil, nil, nil, err
	}
	losses, err := m.LabelFreeLosses("B", images, opts, cfg.Seed, cfg.Train.ImagesPerStep,
		cfg.Eval.LossBatches)
	if err != nil {
		return nil, nil, nil, err
	}
	res := &evalResult{Images: len(c.Assign[0]), Labelled: ds.Labels != nil}
	res.LowestLoss = evaluator.LowestLoss(losses)
	var rep *evaluator.Report
	if ds.Labels != nil {
		labels := ds.Labels
		if idx != nil {
			labels = make([]uint8, len(idx))
			for i, j := range idx {
				labels[i] = ds.Labels[j]
			}
		}
		r, err := evaluator.Evaluate(c.Assign, labels, cfg.Model.KB, ds.Classes, losses)
		if err != nil {
			return nil, nil, nil, err
		}
		rep = &r
		res.Mean, res.Std, res.Best = &r.Mean, &r.Std, &r.Best
	}
	for s, l := range losses {
		sh := evalSubHead{Index: s, Loss: l}
		if rep != nil {
			sh.Accuracy, sh.NMI, sh.ARI = &rep.SubHeads[s].Accuracy, &rep.SubHeads[s].NMI,
				&rep.SubHeads[s].ARI
		}
		res.SubHeads = append(res.SubHeads, sh)
	}
	res.Chosen = f.subHead
	if res.Chosen < 0 || res.Chosen >= len(losses) {
		res.Chosen = max(res.LowestLoss, 0)
	}
	return res, c, rep, nil
}

// writeOutputs writes the predictions CSV and the confusion matrix.
func writeOutputs(f *evalFlags, res *evalResult, c *trainer.Clusters,
	rep *evaluator.Report, ds *loader.Dataset) error {
	if f.predict != "" {
		if err := writePredictions(f.predict, c, res.Chosen); err != nil {
			return err
		}
	}
	if rep != nil && f.confusion != "" {
		sh := rep.SubHeads[res.Chosen]
		title := fmt.Sprintf("sub-head %d at step %d: %.2f%% on %d images", res.Chosen,
			res.Step, 100*sh.Accuracy, res.Images)
		if err := report.DrawConfusion(f.confusion, title, sh.Counts, sh.Map); err != nil {
			return err
		}
	}
	return nil
}

// writePredictions writes index, cluster and probability of every image
// under sub-head s.
func writePredictions(path string, c *trainer.Clusters, s int) error {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write predictions: %w", err)
	}
	w := csv.NewWriter(file)
	_ = w.Write([]string{"index", "cluster", "probability"}) // errors surface in Flush
	for i, cl := range c.Assign[s] {
		index := i
		if c.Images != nil {
			index = c.Images[i]
		}
		_ = w.Write([]string{strconv.Itoa(index), strconv.Itoa(cl),
			strconv.FormatFloat(float64(c.Prob[s][i]), 'g', 6, 32)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		file.Close()
		return fmt.Errorf("write predictions %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("write predictions %s: %w", path, err)
	}
	return nil
}

func printEval(out io.Writer, r *evalResult) {
	fmt.Fprintf(out, "checkpoint %s (step %d), %d images\n", r.Checkpoint, r.Step, r.Images)
	for _, s := range r.SubHeads {
		mark := ""
		if s.Index == r.LowestLoss {
			mark = "  <- lowest loss"
		}
		if s.Accuracy != nil {
			fmt.Fprintf(out, "  sub-head %d  accuracy %6.2f%%  NMI %.4f  ARI %.4f  loss %.4f%s\n",
				s.Index, 100**s.Accuracy, *s.NMI, *s.ARI, s.Loss, mark)
		} else {
			fmt.Fprintf(out, "  sub-head %d  loss %.4f%s\n", s.Index, s.Loss, mark)
		}
	}
	if r.Mean != nil {
		fmt.Fprintf(out, "mean %.2f%% ± %.2f\n", 100**r.Mean, 100**r.Std)
	}
}
