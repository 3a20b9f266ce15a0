package checkpoint

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/iic-go/iic/config"
)

// matchKeys are the config keys a resumed run must share with its
// checkpoint: they fix the model's shape, the data and its order, the
// perturbations, the loss, the optimiser and the random streams, so a
// change would make the resumed run a different run.
var matchKeys = []string{
	"seed",
	"data.dataset", "data.split", "data.synthetic_size",
	"augment.input_size", "augment.crop_orig", "augment.crop_other",
	"augment.rotate_deg", "augment.rotate_prob", "augment.brightness",
	"augment.contrast", "augment.repeats", "augment.erase_prob", "augment.erase_size",
	"augment.elastic_prob", "augment.elastic_alpha", "augment.elastic_sigma",
	"model.widths", "model.kernel", "model.k_a", "model.k_b", "model.sub_heads",
	"model.bn_epsilon",
	"train.images_per_step", "train.beta1", "train.beta2", "train.eps",
	"train.lambda", "train.schedule", "train.phase_steps", "train.lr_schedule",
	"train.lr_final", "train.lr_drop_epoch", "train.restart_every", "train.restart_margin",
	"train.restart_batches", "train.restart_final",
}

// runKeys are the config keys a resumed run may change: where it writes,
// how long it goes on, how it logs, evaluates, checkpoints and spreads
// work, and where the same data are read from. None changes a training
// step but train.lr: a constant learning rate may be lowered (or raised)
// for the steps after the checkpoint, the usual way to continue a run that
// has flattened or diverged; the step records log the rate of each step.
// Under a cosine or step schedule it is matched (Compatible). The device
// may change too: the weights do not depend on it, but results are
// bit-identical only on the same device and build.
var runKeys = []string{
	"device", "train.lr",
	"run.root", "run.name",
	"data.dir",
	"train.epochs", "train.max_steps", "train.log_every", "train.skip_nonfinite",
	"eval.every_steps", "eval.batch_size", "eval.loss_batches", "eval.subset",
	"eval.bn", "eval.bn_images",
	"pipeline.workers", "pipeline.prefetch",
	"checkpoint.every_steps", "checkpoint.keep", "checkpoint.on_error",
}

// Difference is one config key whose value differs between a checkpoint
// and a requested config.
type Difference struct {
	// Key is the dotted config key, such as "model.widths".
	Key string
	// Saved and Requested are the checkpoint's and the requested values.
	Saved, Requested any
}

// IncompatibleError reports the config keys that keep a requested config
// from continuing a checkpoint.
type IncompatibleError struct {
	// Diffs lists the differing keys, sorted by key.
	Diffs []Difference
}

// Error implements error, naming each key with both values.
func (e *IncompatibleError) Error() string {
	parts := make([]string, len(e.Diffs))
	for i, d := range e.Diffs {
		parts[i] = fmt.Sprintf("%s (%s in the checkpoint, %s requested)",
			d.Key, show(d.Saved), show(d.Requested))
	}
	text := strings.Join(parts, ", ")
	if n := len(parts); n > 1 {
		text = strings.Join(parts[:n-1], ", ") + " and " + parts[n-1]
	}
	return "checkpoint: config differs from the checkpoint in " + text
}

// show formats a config value: strings quoted, the rest as %v prints them.
func show(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%v", v)
}

// Compatible returns nil if a run with the requested config may continue
// from a checkpoint saved with config saved, and otherwise an
// *IncompatibleError naming every differing key with both values. Every
// key but the per-run ones (run folder, epochs and step limit, logging,
// evaluation, checkpointing, pipeline, data folder, device, a constant
// learning rate) must match; a
// key this package does not know is treated as one that must match.
func Compatible(saved, requested config.Config) error {
	a, b := leaves(saved), leaves(requested)
	perRun := make(map[string]bool, len(runKeys))
	for _, k := range runKeys {
		perRun[k] = true
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var diffs []Difference
	// The cosine curve and the last restart are placed by train.epochs, so
	// under them the length of the run is no longer a per-run choice (a
	// step down is placed by train.lr_drop_epoch, which must match anyway).
	// A cosine curve and a step both start at train.lr, so that is fixed
	// too: only a constant rate may change.
	t := saved.Train
	if t.LRSchedule == "cosine" || t.RestartEvery > 0 {
		delete(perRun, "train.epochs")
	}
	if t.LRSchedule != "constant" {
		delete(perRun, "train.lr")
	}
	for _, k := range keys {
		if !perRun[k] && !sameValue(a[k], b[k]) {
			diffs = append(diffs, Difference{k, a[k].Interface(), b[k].Interface()})
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	return &IncompatibleError{Diffs: diffs}
}

// sameValue reports whether two config values are equal, an empty list
// equal to a nil one.
func sameValue(a, b reflect.Value) bool {
	if a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// leaves returns the values of c's leaf fields by dotted mapstructure key.
func leaves(c config.Config) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		t := v.Type()
		for i := range t.NumField() {
			name := t.Field(i).Tag.Get("mapstructure")
			if name == "" || name == "-" {
				continue
			}
			if prefix != "" {
				name = prefix + "." + name
			}
			if f := v.Field(i); f.Kind() == reflect.Struct {
				walk(f, name)
			} else {
				out[name] = f
			}
		}
	}
	walk(reflect.ValueOf(c), "")
	return out
}
