package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary YAML and overrides to Load: it must return an
// error or a configuration that validates, never panic.
func FuzzLoad(f *testing.F) {
	f.Add("train:\n  lr: 0.1\n", "model.widths=8,16")
	f.Add("seed: 3\nmodel:\n  widths: [1, 2]\n", "train.schedule=[A, B]")
	f.Add("{", "x=1")
	f.Add("train: [1, 2]\n", "train.lr=")
	f.Fuzz(func(t *testing.T, file, set string) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(LoadOptions{File: path, Overrides: []string{set}})
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Load accepted a config that Validate refuses: %v", verr)
			}
		}
	})
}
