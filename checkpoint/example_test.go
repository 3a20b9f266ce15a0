package checkpoint_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/iic-go/iic/checkpoint"
	"github.com/iic-go/iic/config"
)

// Save writes a checkpoint and points "latest" at it; Resolve, given the
// run folder, loads it back.
func ExampleStore_Save() {
	run, err := os.MkdirTemp("", "iic-run")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(run)

	cfg := config.Default()
	st := &checkpoint.State{
		Config: cfg, Seed: cfg.Seed, Step: 130, RNG: "pcg-splitmix/v1",
		Params: []checkpoint.Tensor{{Name: "headB.b", Shape: []int{2}, Data: []float32{0.5, -1}}},
		Adam: checkpoint.AdamState{LR: cfg.Train.LR, Beta1: cfg.Train.Beta1,
			Beta2: cfg.Train.Beta2, Eps: cfg.Train.Eps, Steps: []int{130},
			M: [][]float32{{0, 0}}, V: [][]float32{{0, 0}}},
		Best: checkpoint.Best{SubHead: -1, AccuracySubHead: -1},
	}
	store := checkpoint.Store{Dir: filepath.Join(run, checkpoint.RunDirName), Keep: 3}
	if _, err := store.Save(st); err != nil {
		fmt.Println(err)
		return
	}

	got, path, problems, err := checkpoint.Resolve(run)
	if err != nil {
		fmt.Println(err, problems)
		return
	}
	fmt.Println(filepath.Base(path), got.Step, got.Params[0].Name, got.Params[0].Data)
	// Output: step-00000130.safetensors 130 headB.b [0.5 -1]
}

// Compatible names each key that keeps a config from resuming a run.
func ExampleCompatible() {
	saved, requested := config.Default(), config.Default()
	requested.Seed = 2           // another seed is another run
	requested.Train.Epochs = 100 // per-run: may change
	fmt.Println(checkpoint.Compatible(saved, requested))
	// Output:
	// checkpoint: config differs from the checkpoint in seed (1 in the checkpoint, 2 requested)
}
