package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// clearEnv blanks every IIC_* variable of the schema for the test, so that
// the caller's environment cannot leak in (viper ignores empty variables).
func clearEnv(t *testing.T) {
	t.Helper()
	for _, key := range Keys() {
		t.Setenv(envName(key), "")
	}
}

// writeFile writes content to a YAML file in a fresh folder and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	t.Run("returns the defaults when given nothing", func(t *testing.T) {
		clearEnv(t)
		got, err := Load(LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := Default(); !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})

	const file = "seed: 3\ntrain:\n  lr: 0.1\n  epochs: 7\n"
	def := Default()
	precedence := []struct {
		name      string
		file      bool
		env       string
		set       []string
		wantLR    float64
		wantSeed  uint64
		wantEpoch int
	}{
		{"defaults apply when nothing else sets a key", false, "", nil, def.Train.LR, def.Seed,
			def.Train.Epochs},
		{"the file overrides the defaults", true, "", nil, 0.1, 3, 7},
		{"the environment overrides the file", true, "0.2", nil, 0.2, 3, 7},
		{"flags override the environment", true, "0.2", []string{"train.lr=0.3"}, 0.3, 3, 7},
		{"the last of repeated flags wins", false, "",
			[]string{"train.lr=0.3", "train.lr=0.4"}, 0.4, def.Seed, def.Train.Epochs},
	}
	for _, tc := range precedence {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("IIC_TRAIN_LR", tc.env)
			opts := LoadOptions{Overrides: tc.set}
			if tc.file {
				opts.File = writeFile(t, file)
			}
			got, err := Load(opts)
			if err != nil {
				t.Fatal(err)
			}
			if got.Train.LR != tc.wantLR || got.Seed != tc.wantSeed ||
				got.Train.Epochs != tc.wantEpoch {
				t.Errorf("got lr %g seed %d epochs %d, want %g %d %d", got.Train.LR,
					got.Seed, got.Train.Epochs, tc.wantLR, tc.wantSeed, tc.wantEpoch)
			}
		})
	}

	t.Run("reads the environment for nested keys that no file mentions", func(t *testing.T) {
		clearEnv(t)
		t.Setenv("IIC_SEED", "42")
		t.Setenv("IIC_TRAIN_IMAGES_PER_STEP", "32")
		t.Setenv("IIC_MODEL_KERNEL", "5")
		got, err := Load(LoadOptions{File: writeFile(t, "train:\n  epochs: 2\n")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Seed != 42 || got.Train.ImagesPerStep != 32 || got.Model.Kernel != 5 {
			t.Errorf("got seed %d images_per_step %d kernel %d, want 42 32 5",
				got.Seed, got.Train.ImagesPerStep, got.Model.Kernel)
		}
	})
}

func TestLoadParsesTextValues(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		set  []string
		get  func(Config) any
		want any
	}{
		{"a comma-separated list", nil, []string{"model.widths=16,32"},
			func(c Config) any { return c.Model.Widths }, []int{16, 32}},
		{"a comma-separated list with spaces", nil, []string{"model.widths= 16 , 32 "},
			func(c Config) any { return c.Model.Widths }, []int{16, 32}},
		{"a YAML flow list", nil, []string{"model.widths=[16, 32]"},
			func(c Config) any { return c.Model.Widths }, []int{16, 32}},
		{"a list of strings", nil, []string{"train.schedule=B,A"},
			func(c Config) any { return c.Train.Schedule }, []string{"B", "A"}},
		{"a list from the environment", map[string]string{"IIC_AUGMENT_CROP_OTHER": "[12, 14]"},
			nil, func(c Config) any { return c.Augment.CropOther }, []int{12, 14}},
		{"a float in exponent notation", nil, []string{"train.lr=1e-3"},
			func(c Config) any { return c.Train.LR }, 1e-3},
		{"a whole number in float notation", nil, []string{"train.max_steps=1e3"},
			func(c Config) any { return c.Train.MaxSteps }, 1000},
		{"the largest seed", map[string]string{"IIC_SEED": "18446744073709551615"}, nil,
			func(c Config) any { return c.Seed }, uint64(18446744073709551615)},
		{"a string that looks like a number", nil, []string{"run.name=2024"},
			func(c Config) any { return c.Run.Name }, "2024"},
	}
	for _, tc := range cases {
		t.Run("parses "+tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := Load(LoadOptions{Overrides: tc.set})
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.get(c); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestLoadRejectsUnknownKeys(t *testing.T) {
	cases := []struct {
		name     string
		file     string
		set      []string
		wantKeys []string
		wantSugg []string
	}{
		{"suggests lr for learning_rate in a file", "train:\n  learning_rate: 1e-3\n", nil,
			[]string{"train.learning_rate"}, []string{"train.lr"}},
		{"suggests lr for learning_rate in --set", "", []string{"train.learning_rate=1e-3"},
			[]string{"train.learning_rate"}, []string{"train.lr"}},
		{"suggests the key for a misspelling", "", []string{"model.width=16,32"},
			[]string{"model.width"}, []string{"model.widths"}},
		{"suggests the section of a key put at the top", "lr: 1\n", nil,
			[]string{"lr"}, []string{"train.lr"}},
		{"suggests the lowercase key for capitals", "", []string{"Train.LR=1"},
			[]string{"Train.LR"}, []string{"train.lr"}},
		{"suggests a section for a misspelt section", "trian:\n  lr: 1\n", nil,
			[]string{"trian"}, []string{"train"}},
		{"reports every unknown key at once", "seeds: 1\nmodel:\n  kernal: 3\n", nil,
			[]string{"model.kernal", "seeds"}, []string{"model.kernel", "seed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			opts := LoadOptions{Overrides: tc.set}
			source := "--set"
			if tc.file != "" {
				opts.File = writeFile(t, tc.file)
				source = opts.File
			}
			_, err := Load(opts)
			unknown := collect[*UnknownKeyError](err)
			if len(unknown) != len(tc.wantKeys) {
				t.Fatalf("got %d unknown-key errors (%v), want %d", len(unknown), err,
					len(tc.wantKeys))
			}
			for i, u := range unknown {
				if u.Key != tc.wantKeys[i] || u.Suggestion != tc.wantSugg[i] ||
					u.Source != source {
					t.Errorf("got key %q suggestion %q source %q, want %q %q %q", u.Key,
						u.Suggestion, u.Source, tc.wantKeys[i], tc.wantSugg[i], source)
				}
				want := `unknown key "` + tc.wantKeys[i] + `" in ` + source +
					`; did you mean "` + tc.wantSugg[i] + `"?`
				if !strings.Contains(err.Error(), want) {
					t.Errorf("got message %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestLoadNamesTheKeyOfABadValue(t *testing.T) {
	cases := []struct {
		name    string
		file    string
		env     map[string]string
		set     []string
		wantKey string
		wantSrc string // "FILE" stands for the file's path
	}{
		{"text that is not a number from --set", "", nil, []string{"train.lr=abc"},
			"train.lr", "--set train.lr=abc"},
		{"a fraction from the environment", "", map[string]string{"IIC_TRAIN_EPOCHS": "2.5"},
			nil, "train.epochs", "IIC_TRAIN_EPOCHS"},
		{"a fraction in a file", "train:\n  epochs: 2.5\n", nil, nil, "train.epochs", "FILE"},
		{"text in a file", "train:\n  lr: abc\n", nil, nil, "train.lr", "FILE"},
		{"a bad list entry", "model:\n  widths: [16, x]\n", nil, nil, "model.widths", "FILE"},
		{"a malformed YAML list", "", nil, []string{"model.widths=[16,"}, "model.widths",
			"--set model.widths=[16,"},
		{"a negative seed", "seed: -1\n", nil, nil, "seed", "FILE"},
		{"a list for a string", "device: [cpu]\n", nil, nil, "device", "FILE"},
		{"a scalar for a section", "train: 5\n", nil, nil, "train", "FILE"},
		{"a key without a value", "train:\n  lr:\n", nil, nil, "train.lr", "FILE"},
	}
	for _, tc := range cases {
		t.Run("names the key of "+tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			opts := LoadOptions{Overrides: tc.set}
			if tc.file != "" {
				opts.File = writeFile(t, tc.file)
			}
			_, err := Load(opts)
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("got %v, want a *KeyError", err)
			}
			wantSrc := strings.ReplaceAll(tc.wantSrc, "FILE", opts.File)
			if ke.Key != tc.wantKey || ke.Source != wantSrc {
				t.Errorf("got key %q source %q, want %q %q", ke.Key, ke.Source,
					tc.wantKey, wantSrc)
			}
			if !strings.Contains(err.Error(), `"`+tc.wantKey+`"`) {
				t.Errorf("got message %q, want it to name %q", err, tc.wantKey)
			}
		})
	}
}

func TestLoadFailures(t *testing.T) {
	t.Run("rejects an override without an equals sign", func(t *testing.T) {
		clearEnv(t)
		_, err := Load(LoadOptions{Overrides: []string{"train.lr"}})
		if err == nil || !strings.Contains(err.Error(), `--set "train.lr": want key=value`) {
			t.Errorf("got %v, want a key=value error", err)
		}
	})
	t.Run("reports a missing file with its path", func(t *testing.T) {
		clearEnv(t)
		path := filepath.Join(t.TempDir(), "absent.yaml")
		_, err := Load(LoadOptions{File: path})
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
			t.Errorf("got %v, want a not-exist error naming %s", err, path)
		}
	})
	t.Run("reports malformed YAML with its path", func(t *testing.T) {
		clearEnv(t)
		path := writeFile(t, "train: [unclosed\n")
		_, err := Load(LoadOptions{File: path})
		if err == nil || !strings.Contains(err.Error(), "parse "+path) {
			t.Errorf("got %v, want a parse error naming %s", err, path)
		}
	})
	t.Run("returns the decoded config with validation errors", func(t *testing.T) {
		clearEnv(t)
		c, err := Load(LoadOptions{Overrides: []string{"train.lr=-1"}})
		if keys := fieldKeys(err); !reflect.DeepEqual(keys, []string{"train.lr"}) {
			t.Errorf("got invalid keys %v (%v), want [train.lr]", keys, err)
		}
		if c.Train.LR != -1 {
			t.Errorf("got lr %g, want the decoded -1", c.Train.LR)
		}
	})
}

// collect returns the errors of type T in err's tree, in order.
func collect[T error](err error) []T {
	var found []T
	switch e := err.(type) {
	case nil:
	case T:
		found = append(found, e)
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			found = append(found, collect[T](inner)...)
		}
	default:
		found = collect[T](errors.Unwrap(err))
	}
	return found
}

// fieldKeys returns the keys of the *FieldError values in err.
func fieldKeys(err error) []string {
	var keys []string
	for _, fe := range collect[*FieldError](err) {
		keys = append(keys, fe.Key)
	}
	return keys
}

func TestLoadStartsFromBase(t *testing.T) {
	clearEnv(t)
	base := Default()
	base.Model.Widths = []int{8, 8}
	base.Train.Epochs = 2
	got, err := Load(LoadOptions{Base: &base, Overrides: []string{"train.epochs=9"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Model.Widths) != 2 || got.Model.Widths[0] != 8 || got.Train.Epochs != 9 {
		t.Fatalf("got widths %v epochs %d, want [8 8] and 9", got.Model.Widths,
			got.Train.Epochs)
	}
}
