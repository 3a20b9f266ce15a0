package config

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"go.yaml.in/yaml/v3"
)

// unusual returns a valid config whose every section differs from the
// defaults, with values that are hard to round-trip.
func unusual() Config {
	c := Default()
	c.Seed = 1<<63 + 7
	c.Run = Run{Root: "out dir", Name: "2024"}
	c.Data = Data{Dataset: "synthetic", Dir: "/data/mnist", Split: "test", SyntheticSize: 64}
	c.Augment.CropOther = []int{12}
	c.Augment.RotateProb = 1.0 / 3
	c.Model.Widths = []int{8, 16}
	c.Model.BNEpsilon = 1e-3
	c.Train.LR, c.Train.LRFinal, c.Train.LRDropEpoch = 3e-7, 1e-7, 2
	c.Train.Schedule = []string{"A"}
	c.Train.MaxSteps = 5
	c.Eval = Eval{EverySteps: 7, BatchSize: 9, LossBatches: 0, BN: "population", BNImages: 3}
	c.Pipeline = Pipeline{Workers: 2, Prefetch: 1}
	c.Checkpoint = Checkpoint{EverySteps: 11, Keep: 1, OnError: "continue"}
	return c
}

func TestWriteYAML(t *testing.T) {
	for name, c := range map[string]Config{"the defaults": Default(), "unusual values": unusual()} {
		t.Run("loads back "+name+" identically", func(t *testing.T) {
			clearEnv(t)
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := c.WriteYAML(path); err != nil {
				t.Fatal(err)
			}
			got, err := Load(LoadOptions{File: path})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c) {
				t.Errorf("got %+v, want %+v", got, c)
			}
		})
	}

	t.Run("writes exactly the keys that Load reads", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := Default().WriteYAML(path); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
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

	t.Run("replaces an existing file and leaves no temporary file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := unusual().WriteYAML(path); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "config.yaml" {
			t.Errorf("got folder entries %v, want only config.yaml", entries)
		}
	})

	t.Run("fails in a missing folder", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "absent", "config.yaml")
		if err := Default().WriteYAML(path); err == nil {
			t.Error("got nil error, want one")
		}
	})
}

// flatten returns the sorted dotted leaf keys of a parsed YAML tree.
func flatten(tree map[string]any, prefix string) []string {
	var keys []string
	for name, value := range tree {
		key := joinKey(prefix, name)
		if sub, ok := value.(map[string]any); ok {
			keys = append(keys, flatten(sub, key)...)
		} else {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys
}
