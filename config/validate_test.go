package config

import (
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	t.Run("accepts the defaults", func(t *testing.T) {
		if err := Default().Validate(); err != nil {
			t.Errorf("got %v, want nil", err)
		}
	})

	cases := []struct {
		name    string
		mutate  func(*Config)
		key     string
		problem string
	}{
		{"a device other than cpu", func(c *Config) { c.Device = "cuda" }, "device",
			"not available in this build; the cpu device is the only one built"},
		{"an empty run root", func(c *Config) { c.Run.Root = "" }, "run.root", "empty"},
		{"a run name with a separator", func(c *Config) { c.Run.Name = "a/b" }, "run.name",
			"one folder name"},
		{"a run name of dot-dot", func(c *Config) { c.Run.Name = ".." }, "run.name",
			"one folder name"},
		{"an unknown dataset", func(c *Config) { c.Data.Dataset = "cifar" }, "data.dataset",
			`one of ["mnist" "synthetic"]`},
		{"an unknown split", func(c *Config) { c.Data.Split = "val" }, "data.split",
			`one of ["all" "train" "test"]`},
		{"a tiny synthetic set", func(c *Config) { c.Data.SyntheticSize = 9 },
			"data.synthetic_size", ">= 10"},
		{"a zero input size", func(c *Config) { c.Augment.InputSize = 0 },
			"augment.input_size", ">= 1"},
		{"an original crop wider than the image", func(c *Config) { c.Augment.CropOrig = 29 },
			"augment.crop_orig", "[1, 28]"},
		{"a zero original crop", func(c *Config) { c.Augment.CropOrig = 0 },
			"augment.crop_orig", "[1, 28]"},
		{"no other crops", func(c *Config) { c.Augment.CropOther = nil },
			"augment.crop_other", "non-empty"},
		{"another crop wider than the image", func(c *Config) {
			c.Augment.CropOther = []int{16, 29}
		}, "augment.crop_other", "[1, 28]"},
		{"a negative rotation", func(c *Config) { c.Augment.RotateDeg = -1 },
			"augment.rotate_deg", "[0, 180]"},
		{"a rotation probability above 1", func(c *Config) { c.Augment.RotateProb = 1.5 },
			"augment.rotate_prob", "[0, 1]"},
		{"a NaN rotation probability", func(c *Config) { c.Augment.RotateProb = math.NaN() },
			"augment.rotate_prob", "[0, 1]"},
		{"a brightness of 1", func(c *Config) { c.Augment.Brightness = 1 },
			"augment.brightness", "[0, 1)"},
		{"a negative contrast", func(c *Config) { c.Augment.Contrast = -0.1 },
			"augment.contrast", "[0, 1)"},
		{"zero repeats", func(c *Config) { c.Augment.Repeats = 0 }, "augment.repeats", ">= 1"},
		{"a NaN erasing probability", func(c *Config) { c.Augment.EraseProb = math.NaN() },
			"augment.erase_prob", "[0, 1]"},
		{"an erased square wider than the input", func(c *Config) { c.Augment.EraseSize = 25 },
			"augment.erase_size", "[0, 24]"},
		{"a negative erased square", func(c *Config) { c.Augment.EraseSize = -1 },
			"augment.erase_size", "[0, 24]"},
		{"an elastic probability above 1", func(c *Config) { c.Augment.ElasticProb = 1.5 },
			"augment.elastic_prob", "[0, 1]"},
		{"a negative elastic scale", func(c *Config) { c.Augment.ElasticAlpha = -3 },
			"augment.elastic_alpha", "[0, 1000]"},
		{"a zero elastic smoothing", func(c *Config) { c.Augment.ElasticSigma = 0 },
			"augment.elastic_sigma", "(0, 14]"},
		{"no widths", func(c *Config) { c.Model.Widths = []int{} }, "model.widths",
			"non-empty"},
		{"a zero width", func(c *Config) { c.Model.Widths = []int{16, 0} }, "model.widths",
			">= 1"},
		{"an even kernel", func(c *Config) { c.Model.Kernel = 4 }, "model.kernel", "odd"},
		{"a zero kernel", func(c *Config) { c.Model.Kernel = 0 }, "model.kernel", ">= 1"},
		{"one cluster in head A", func(c *Config) { c.Model.KA = 1 }, "model.k_a", ">= 2"},
		{"one cluster in head B", func(c *Config) { c.Model.KB = 1 }, "model.k_b", ">= 2"},
		{"no sub-heads", func(c *Config) { c.Model.SubHeads = 0 }, "model.sub_heads", ">= 1"},
		{"a zero BN epsilon", func(c *Config) { c.Model.BNEpsilon = 0 }, "model.bn_epsilon",
			"> 0"},
		{"a trunk that pools the input away", func(c *Config) {
			c.Augment.InputSize = 8
			c.Model.Widths = []int{8, 8, 8, 8, 8}
		}, "model.widths", "4 max-pools reduce augment.input_size 8 below 1x1"},
		{"one image per step", func(c *Config) { c.Train.ImagesPerStep = 1 },
			"train.images_per_step", ">= 2"},
		{"a zero learning rate", func(c *Config) { c.Train.LR = 0 }, "train.lr",
			"finite and > 0"},
		{"an infinite learning rate", func(c *Config) { c.Train.LR = math.Inf(1) }, "train.lr",
			"finite and > 0"},
		{"a NaN learning rate", func(c *Config) { c.Train.LR = math.NaN() }, "train.lr",
			"finite and > 0"},
		{"a beta1 of 1", func(c *Config) { c.Train.Beta1 = 1 }, "train.beta1", "[0, 1)"},
		{"a negative beta2", func(c *Config) { c.Train.Beta2 = -0.5 }, "train.beta2", "[0, 1)"},
		{"a zero Adam epsilon", func(c *Config) { c.Train.Eps = 0 }, "train.eps", "> 0"},
		{"a negative lambda", func(c *Config) { c.Train.Lambda = -1 }, "train.lambda", "> 0"},
		{"an empty schedule", func(c *Config) { c.Train.Schedule = nil }, "train.schedule",
			"non-empty"},
		{"an unknown head in the schedule", func(c *Config) {
			c.Train.Schedule = []string{"B", "C"}
		}, "train.schedule", `"A" or "B"`},
		{"negative phase steps", func(c *Config) { c.Train.PhaseSteps = -1 },
			"train.phase_steps", ">= 0"},
		{"zero epochs", func(c *Config) { c.Train.Epochs = 0 }, "train.epochs", ">= 1"},
		{"negative max steps", func(c *Config) { c.Train.MaxSteps = -1 }, "train.max_steps",
			">= 0"},
		{"an unknown lr schedule", func(c *Config) { c.Train.LRSchedule = "linear" },
			"train.lr_schedule", "cosine"},
		{"a step schedule without a drop epoch", func(c *Config) {
			c.Train.LRSchedule, c.Train.LRDropEpoch = "step", 0
		}, "train.lr_drop_epoch", ">= 1"},
		{"a negative drop epoch", func(c *Config) {
			c.Train.LRSchedule, c.Train.LRDropEpoch = "constant", -1
		}, "train.lr_drop_epoch", ">= 0"},
		{"a final lr above lr", func(c *Config) { c.Train.LRFinal = 1 }, "train.lr_final",
			"[0, train.lr]"},
		{"a negative restart interval", func(c *Config) { c.Train.RestartEvery = -1 },
			"train.restart_every", ">= 0"},
		{"restarts with no batches", func(c *Config) {
			c.Train.RestartEvery, c.Train.RestartBatches = 100, 0
		}, "train.restart_batches", ">= 1"},
		{"a NaN restart margin", func(c *Config) { c.Train.RestartMargin = math.NaN() },
			"train.restart_margin", "0 or more"},
		{"a restart final stretch above 1", func(c *Config) { c.Train.RestartFinal = 1.5 },
			"train.restart_final", "[0, 1]"},
		{"a zero log interval", func(c *Config) { c.Train.LogEvery = 0 }, "train.log_every",
			">= 1"},
		{"a negative eval interval", func(c *Config) { c.Eval.EverySteps = -1 },
			"eval.every_steps", ">= 0"},
		{"an eval batch of one", func(c *Config) { c.Eval.BatchSize = 1 }, "eval.batch_size",
			">= 2"},
		{"negative loss batches", func(c *Config) { c.Eval.LossBatches = -1 },
			"eval.loss_batches", ">= 0"},
		{"an unknown batch-norm mode", func(c *Config) { c.Eval.BN = "running" }, "eval.bn",
			"population"},
		{"negative batch-norm images", func(c *Config) { c.Eval.BNImages = -1 },
			"eval.bn_images", ">= 0"},
		{"negative workers", func(c *Config) { c.Pipeline.Workers = -1 }, "pipeline.workers",
			">= 0"},
		{"zero prefetch", func(c *Config) { c.Pipeline.Prefetch = 0 }, "pipeline.prefetch",
			">= 1"},
		{"a negative checkpoint interval", func(c *Config) { c.Checkpoint.EverySteps = -1 },
			"checkpoint.every_steps", ">= 0"},
		{"keeping no checkpoints", func(c *Config) { c.Checkpoint.Keep = 0 },
			"checkpoint.keep", ">= 1"},
	}
	for _, tc := range cases {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c)
			err := c.Validate()
			if keys := fieldKeys(err); !reflect.DeepEqual(keys, []string{tc.key}) {
				t.Fatalf("got invalid keys %v (%v), want [%s]", keys, err, tc.key)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.key+" = ") || !strings.Contains(msg, tc.problem) {
				t.Errorf("got %q, want it to name %s and contain %q", msg, tc.key, tc.problem)
			}
		})
	}
}

func TestValidateBoundaries(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Config)
	}{
		{"accepts crops of the full image side", func(c *Config) {
			c.Augment.CropOrig = ImageSide
			c.Augment.CropOther = []int{1, ImageSide}
		}},
		{"accepts a trunk that pools down to exactly 1x1", func(c *Config) {
			c.Augment.InputSize = 8
			c.Model.Widths = []int{8, 8, 8, 8}
		}},
		{"accepts a single-layer trunk on a 1x1 input", func(c *Config) {
			c.Augment.InputSize = 1
			c.Model.Widths = []int{4}
		}},
		{"accepts zero for the optional limits", func(c *Config) {
			c.Train.PhaseSteps, c.Train.MaxSteps, c.Eval.LossBatches = 0, 0, 0
			c.Pipeline.Workers, c.Augment.Brightness, c.Augment.RotateProb = 0, 0, 0
		}},
		{"accepts a probability of 1 and a beta of 0", func(c *Config) {
			c.Augment.RotateProb, c.Train.Beta1 = 1, 0
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("got %v, want nil", err)
			}
		})
	}

	t.Run("reports every problem at once", func(t *testing.T) {
		c := Default()
		c.Device, c.Train.LR, c.Checkpoint.Keep = "tpu", -1, 0
		want := []string{"device", "train.lr", "checkpoint.keep"}
		if got := fieldKeys(c.Validate()); !reflect.DeepEqual(got, want) {
			t.Errorf("got invalid keys %v, want %v", got, want)
		}
	})
}

func TestWorkers(t *testing.T) {
	cases := []struct {
		name    string
		workers int
		want    int
	}{
		{"resolves zero to the number of CPUs", 0, runtime.NumCPU()},
		{"keeps an explicit count", 3, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.Pipeline.Workers = tc.workers
			if got := c.Workers(); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}
