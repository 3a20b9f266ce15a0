package config

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// ImageSide is the side of the raw square images of both data sets (MNIST
// and the synthetic digits). Crops are taken from the raw image, so Validate
// checks crop sides against it; it is a property of the data, not a setting.
const ImageSide = 28

// MaxElasticAlpha and MaxElasticSigma bound the elastic deformation's
// scale and smoothing, in pixels of the raw image: far beyond any useful
// value, they keep the displacements and the smoothing kernel finite.
const (
	MaxElasticAlpha = 1000
	MaxElasticSigma = 14
)

// Validate checks every value against its allowed range and returns all
// problems joined, one *FieldError each naming the key and the range; nil
// when the config is usable.
func (c Config) Validate() error {
	ch := &checker{}
	ch.check(c.Device == "cpu", "device", c.Device,
		"not available in this build; the cpu device is the only one built (see README)")
	c.Run.validate(ch)
	c.Data.validate(ch)
	c.Augment.validate(ch)
	c.Model.validate(ch)
	c.checkTrunk(ch)
	c.Train.validate(ch)
	c.Eval.validate(ch)
	ch.atLeast("pipeline.workers", c.Pipeline.Workers, 0)
	ch.atLeast("pipeline.prefetch", c.Pipeline.Prefetch, 1)
	ch.atLeast("checkpoint.every_steps", c.Checkpoint.EverySteps, 0)
	ch.atLeast("checkpoint.keep", c.Checkpoint.Keep, 1)
	ch.oneOf("checkpoint.on_error", c.Checkpoint.OnError, "stop", "continue")
	return errors.Join(ch.errs...)
}

// validate checks the run section.
func (r Run) validate(ch *checker) {
	ch.check(r.Root != "", "run.root", r.Root, "must not be empty")
	single := !strings.ContainsAny(r.Name, `/\`) && r.Name != "." && r.Name != ".."
	ch.check(single, "run.name", r.Name,
		"must be one folder name (no path separators), or empty for a timestamp")
}

// validate checks the data section.
func (d Data) validate(ch *checker) {
	ch.oneOf("data.dataset", d.Dataset, "mnist", "synthetic")
	ch.oneOf("data.split", d.Split, "all", "train", "test")
	ch.atLeast("data.synthetic_size", d.SyntheticSize, 10)
}

// validate checks the augment section.
func (a Augment) validate(ch *checker) {
	ch.atLeast("augment.input_size", a.InputSize, 1)
	ch.inRange("augment.crop_orig", a.CropOrig, 1, ImageSide)
	checkList(ch, "augment.crop_other", a.CropOther, fmt.Sprintf("in [1, %d]", ImageSide),
		func(s int) bool { return s >= 1 && s <= ImageSide })
	ch.check(a.RotateDeg >= 0 && a.RotateDeg <= 180, "augment.rotate_deg", a.RotateDeg,
		"must be in [0, 180]")
	ch.check(a.RotateProb >= 0 && a.RotateProb <= 1, "augment.rotate_prob", a.RotateProb,
		"must be in [0, 1]")
	ch.check(a.Brightness >= 0 && a.Brightness < 1, "augment.brightness", a.Brightness,
		"must be in [0, 1)")
	ch.check(a.Contrast >= 0 && a.Contrast < 1, "augment.contrast", a.Contrast,
		"must be in [0, 1)")
	ch.atLeast("augment.repeats", a.Repeats, 1)
	ch.check(a.EraseProb >= 0 && a.EraseProb <= 1, "augment.erase_prob", a.EraseProb,
		"must be in [0, 1]")
	ch.inRange("augment.erase_size", a.EraseSize, 0, a.InputSize)
	ch.check(a.ElasticProb >= 0 && a.ElasticProb <= 1, "augment.elastic_prob", a.ElasticProb,
		"must be in [0, 1]")
	ch.check(a.ElasticAlpha >= 0 && a.ElasticAlpha <= MaxElasticAlpha, "augment.elastic_alpha",
		a.ElasticAlpha, fmt.Sprintf("must be in [0, %d] pixels", MaxElasticAlpha))
	ch.check(a.ElasticSigma > 0 && a.ElasticSigma <= MaxElasticSigma, "augment.elastic_sigma",
		a.ElasticSigma, fmt.Sprintf("must be in (0, %d] pixels", MaxElasticSigma))
}

// validate checks the model section.
func (m Model) validate(ch *checker) {
	checkList(ch, "model.widths", m.Widths, ">= 1", func(w int) bool { return w >= 1 })
	ch.check(m.Kernel >= 1 && m.Kernel%2 == 1, "model.kernel", m.Kernel,
		"must be odd and >= 1")
	ch.atLeast("model.k_a", m.KA, 2)
	ch.atLeast("model.k_b", m.KB, 2)
	ch.atLeast("model.sub_heads", m.SubHeads, 1)
	ch.positive("model.bn_epsilon", m.BNEpsilon)
}

// checkTrunk checks that the trunk's len(widths)-1 max-pools, each halving
// the side with floor, leave at least a 1×1 feature map.
func (c Config) checkTrunk(ch *checker) {
	side, pools := c.Augment.InputSize, len(c.Model.Widths)-1
	if side < 1 || pools < 1 {
		return
	}
	for range pools {
		side /= 2
	}
	ch.check(side >= 1, "model.widths", c.Model.Widths, fmt.Sprintf(
		"%d max-pools reduce augment.input_size %d below 1x1; use fewer widths or a larger input",
		pools, c.Augment.InputSize))
}

// validate checks the train section.
func (t Train) validate(ch *checker) {
	ch.atLeast("train.images_per_step", t.ImagesPerStep, 2)
	ch.positive("train.lr", t.LR)
	ch.oneOf("train.lr_schedule", t.LRSchedule, "constant", "cosine", "step")
	lrOK := t.LR > 0 && !math.IsInf(t.LR, 1) // else train.lr is the problem reported
	ch.check(t.LRFinal >= 0 && (t.LRFinal <= t.LR || !lrOK), "train.lr_final", t.LRFinal,
		"must be in [0, train.lr]")
	if t.LRSchedule == "step" {
		ch.atLeast("train.lr_drop_epoch", t.LRDropEpoch, 1)
	} else {
		ch.atLeast("train.lr_drop_epoch", t.LRDropEpoch, 0)
	}
	ch.check(t.Beta1 >= 0 && t.Beta1 < 1, "train.beta1", t.Beta1, "must be in [0, 1)")
	ch.check(t.Beta2 >= 0 && t.Beta2 < 1, "train.beta2", t.Beta2, "must be in [0, 1)")
	ch.positive("train.eps", t.Eps)
	ch.positive("train.lambda", t.Lambda)
	checkList(ch, "train.schedule", t.Schedule, `"A" or "B"`,
		func(h string) bool { return h == "A" || h == "B" })
	ch.atLeast("train.phase_steps", t.PhaseSteps, 0)
	ch.atLeast("train.epochs", t.Epochs, 1)
	ch.atLeast("train.max_steps", t.MaxSteps, 0)
	ch.atLeast("train.log_every", t.LogEvery, 1)
	ch.atLeast("train.restart_every", t.RestartEvery, 0)
	ch.check(t.RestartMargin >= 0, "train.restart_margin", t.RestartMargin,
		"must be 0 or more")
	if t.RestartEvery > 0 {
		ch.atLeast("train.restart_batches", t.RestartBatches, 1)
	}
	ch.check(t.RestartFinal >= 0 && t.RestartFinal <= 1, "train.restart_final",
		t.RestartFinal, "must be in [0, 1]")
}

// validate checks the eval section.
func (e Eval) validate(ch *checker) {
	ch.atLeast("eval.every_steps", e.EverySteps, 0)
	ch.atLeast("eval.batch_size", e.BatchSize, 2)
	ch.atLeast("eval.loss_batches", e.LossBatches, 0)
	ch.atLeast("eval.subset", e.Subset, 0)
	ch.oneOf("eval.bn", e.BN, "batch", "population")
	ch.atLeast("eval.bn_images", e.BNImages, 0)
}

// checker collects the problems found by Validate.
type checker struct {
	errs []error
}

// check records a problem with key unless ok.
func (ch *checker) check(ok bool, key string, value any, problem string) {
	if !ok {
		ch.errs = append(ch.errs, &FieldError{Key: key, Value: value, Problem: problem})
	}
}

// atLeast checks that an integer is >= lo.
func (ch *checker) atLeast(key string, v, lo int) {
	ch.check(v >= lo, key, v, fmt.Sprintf("must be >= %d", lo))
}

// inRange checks that an integer is in [lo, hi].
func (ch *checker) inRange(key string, v, lo, hi int) {
	ch.check(v >= lo && v <= hi, key, v, fmt.Sprintf("must be in [%d, %d]", lo, hi))
}

// positive checks that a float is finite and > 0 (NaN fails too).
func (ch *checker) positive(key string, v float64) {
	ch.check(v > 0 && !math.IsInf(v, 1), key, v, "must be finite and > 0")
}

// oneOf checks that a string is one of the allowed values.
func (ch *checker) oneOf(key, v string, allowed ...string) {
	ch.check(slices.Contains(allowed, v), key, v,
		fmt.Sprintf("must be one of %q", allowed))
}

// checkList checks that a list is non-empty and that every entry satisfies
// ok, described by want.
func checkList[T any](ch *checker, key string, v []T, want string, ok func(T) bool) {
	ch.check(len(v) > 0 && !slices.ContainsFunc(v, func(x T) bool { return !ok(x) }),
		key, v, "must be a non-empty list with every entry "+want)
}
