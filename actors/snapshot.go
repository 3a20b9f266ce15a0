package actors

import (
	"fmt"
	"math"
	"slices"

	"gorgonia.org/tensor"

	"github.com/iic-go/iic/checkpoint"
	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/trainer"
)

// RNGScheme names how this build derives every random number from the
// seed and the step: PCG streams seeded through splitmix64 (data order per
// pass in package loader, perturbations per step and slot in package
// perturber, initialisation from the seed in package trainer). Because
// nothing else is random, the seed and the step are the whole random state
// of a run, and the loader's position is a function of the step.
const RNGScheme = "pcg-splitmix/v1"

// noBest is the Best of a run that has not evaluated yet.
func noBest() checkpoint.Best {
	return checkpoint.Best{SubHead: -1, Loss: math.NaN(), Step: -1, Accuracy: math.NaN(),
		AccuracySubHead: -1, AccuracyStep: -1}
}

// snapshot copies the model's state at step into a checkpoint state; the
// copy is the checkpointer's, so training goes on meanwhile.
func snapshot(m *trainer.Model, cfg config.Config, s trainer.Schedule, step int,
	best checkpoint.Best) *checkpoint.State {
	st := &checkpoint.State{Config: cfg, Seed: cfg.Seed, Step: step, Epoch: s.Epoch(step),
		RNG: RNGScheme, Best: best}
	for _, p := range m.Params.List {
		st.Params = append(st.Params, checkpoint.Tensor{Name: p.Name,
			Shape: slices.Clone([]int(p.Value.Shape())),
			Data:  slices.Clone(p.Value.Data().([]float32))})
	}
	o := m.Opt
	st.Adam = checkpoint.AdamState{LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps,
		Steps: slices.Clone(o.Steps)}
	for i := range o.M {
		st.Adam.M = append(st.Adam.M, slices.Clone(o.M[i]))
		st.Adam.V = append(st.Adam.V, slices.Clone(o.V[i]))
	}
	return st
}

// restore loads a checkpoint's weights and optimiser state into m, which
// must have the same parameters in the same order and shapes.
func restore(m *trainer.Model, st *checkpoint.State) error {
	if st.RNG != RNGScheme {
		return fmt.Errorf("checkpoint draws random numbers with scheme %q, this build with %q: "+
			"it cannot continue the run exactly", st.RNG, RNGScheme)
	}
	list := m.Params.List
	if len(st.Params) != len(list) || len(st.Adam.M) != len(list) {
		return fmt.Errorf("checkpoint has %d parameters, the model %d", len(st.Params),
			len(list))
	}
	for i, p := range list {
		t := st.Params[i]
		if t.Name != p.Name || !slices.Equal(t.Shape, []int(p.Value.Shape())) {
			return fmt.Errorf("checkpoint parameter %d is %s %v, the model's %s %v", i, t.Name,
				t.Shape, p.Name, p.Value.Shape())
		}
		copy(p.Value.Data().([]float32), t.Data)
	}
	o := m.Opt
	o.LR, o.Beta1, o.Beta2, o.Eps = st.Adam.LR, st.Adam.Beta1, st.Adam.Beta2, st.Adam.Eps
	copy(o.Steps, st.Adam.Steps)
	for i := range o.M {
		copy(o.M[i], st.Adam.M[i])
		copy(o.V[i], st.Adam.V[i])
	}
	return nil
}

// LoadModel builds the model that cfg describes and loads the weights and
// optimiser state of st into it, for evaluation without training. cfg's
// model section must be the checkpoint's.
func LoadModel(cfg config.Config, st *checkpoint.State) (*trainer.Model, error) {
	pairs := cfg.Train.ImagesPerStep * cfg.Augment.Repeats
	m, err := trainer.NewModel(cfg, pairs, tensor.Float32, cfg.Seed)
	if err != nil {
		return nil, err
	}
	if err := restore(m, st); err != nil {
		return nil, err
	}
	return m, nil
}
