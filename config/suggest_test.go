package config

import (
	"slices"
	"sort"
	"strings"
	"testing"
)

// slowLevenshtein is the textbook recursive definition, exponential and
// obviously correct, for short strings only.
func slowLevenshtein(a, b []rune) int {
	switch {
	case len(a) == 0:
		return len(b)
	case len(b) == 0:
		return len(a)
	case a[0] == b[0]:
		return slowLevenshtein(a[1:], b[1:])
	}
	return 1 + min(slowLevenshtein(a[1:], b), slowLevenshtein(a, b[1:]),
		slowLevenshtein(a[1:], b[1:]))
}

func TestLevenshteinMatchesReference(t *testing.T) {
	words := []string{"", "a", "lr", "rl", "seed", "sede", "kernel", "kernal", "k_a", "k_b",
		"epochs", "eps", "beta1", "ß-ä", "train"}
	maxDiff := 0
	for _, a := range words {
		for _, b := range words {
			got, want := levenshtein(a, b), slowLevenshtein([]rune(a), []rune(b))
			if got != want {
				t.Errorf("levenshtein(%q, %q): got %d, want %d", a, b, got, want)
			}
			maxDiff = max(maxDiff, abs(got-want))
		}
	}
	t.Logf("max difference from the reference over %d pairs: %d", len(words)*len(words),
		maxDiff)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestSuggest(t *testing.T) {
	keys := Keys()
	cases := []struct {
		name, unknown, want string
	}{
		{"maps a known alias from the original code", "train.learning_rate", "train.lr"},
		{"maps an original flag name anywhere", "num_dataloaders", "augment.repeats"},
		{"finds the key under other capitals", "Model.Kernel", "model.kernel"},
		{"finds a key placed in the wrong section", "model.lr", "train.lr"},
		{"finds the nearest key for a typo", "trian.epochs", "train.epochs"},
		{"finds the nearest key for a missing letter", "model.width", "model.widths"},
		{"prefers a near typo to an alias", "eval.batch_sz", "eval.batch_size"},
		{"maps an alias when no key is a typo away", "train.batch_size",
			"train.images_per_step"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := suggest(tc.unknown, keys); got != tc.want {
				t.Errorf("suggest(%q): got %q, want %q", tc.unknown, got, tc.want)
			}
		})
	}

	t.Run("suggests only valid keys for its aliases", func(t *testing.T) {
		for alias, key := range knownAliases {
			if !slices.Contains(keys, key) {
				t.Errorf("alias %q: got %q, want a valid key", alias, key)
			}
		}
	})
}

func TestKeys(t *testing.T) {
	keys := Keys()
	t.Run("are sorted", func(t *testing.T) {
		if !sort.StringsAreSorted(keys) {
			t.Errorf("got %v, want sorted", keys)
		}
	})
	t.Run("hold top-level and nested keys but no sections", func(t *testing.T) {
		for _, want := range []string{"seed", "device", "train.lr", "model.widths",
			"checkpoint.keep", "augment.crop_other"} {
			if !slices.Contains(keys, want) {
				t.Errorf("got %v, want it to contain %q", keys, want)
			}
		}
		for _, section := range []string{"run", "train", "model"} {
			if slices.Contains(keys, section) {
				t.Errorf("got section %q among the keys, want only leaves", section)
			}
		}
	})
	t.Run("are lowercase snake_case", func(t *testing.T) {
		for _, k := range keys {
			if strings.Trim(k, "abcdefghijklmnopqrstuvwxyz0123456789_.") != "" {
				t.Errorf("got key %q, want lowercase snake_case", k)
			}
		}
	})
}
