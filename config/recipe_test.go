package config

import (
	"os"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

// paperRecipe is the path of the paper's MNIST recipe, relative to this package.
const paperRecipe = "../configs/mnist-paper.yaml"

func TestPaperRecipe(t *testing.T) {
	t.Run("loads and validates", func(t *testing.T) {
		clearEnv(t)
		if _, err := Load(LoadOptions{File: paperRecipe}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("holds the settings of the paper's MNIST run", func(t *testing.T) {
		clearEnv(t)
		c, err := Load(LoadOptions{File: paperRecipe})
		if err != nil {
			t.Fatal(err)
		}
		got := []any{c.Model.Widths, c.Model.Kernel, c.Model.KA, c.Model.KB,
			c.Model.SubHeads, c.Train.ImagesPerStep, c.Augment.Repeats, c.Train.LR,
			c.Train.Beta1, c.Train.Beta2, c.Train.Eps, c.Train.Lambda, c.Train.Schedule,
			c.Train.PhaseSteps, c.Augment.InputSize, c.Augment.CropOrig,
			c.Augment.CropOther, c.Augment.RotateDeg, c.Augment.RotateProb,
			c.Augment.Brightness, c.Augment.Contrast, c.Eval.BatchSize, c.Data.Split}
		want := []any{[]int{64, 128, 256, 512}, 5, 50, 10,
			5, 140, 5, 1e-4,
			0.9, 0.999, 1e-8, 1.0, []string{"B", "B", "A"},
			0, 24, 20,
			[]int{16, 20, 24}, 25.0, 0.5,
			0.4, 0.4, 700, "all"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})

	t.Run("sets every key explicitly", func(t *testing.T) {
		data, err := os.ReadFile(paperRecipe)
		if err != nil {
			t.Fatal(err)
		}
		var tree map[string]any
		if err := yaml.Unmarshal(data, &tree); err != nil {
			t.Fatal(err)
		}
		if got, want := flatten(tree, ""), Keys(); !reflect.DeepEqual(got, want) {
			t.Errorf("got keys %v, want %v", got, want)
		}
	})
}

func TestDefaultRecipeFileEqualsDefault(t *testing.T) {
	clearEnv(t)
	got, err := Load(LoadOptions{File: "../configs/default.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Fatalf("configs/default.yaml gives\n%+v\nbut Default() is\n%+v", got, want)
	}
}
