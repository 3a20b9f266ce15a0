package config

import "strings"

// knownAliases maps names that users bring from elsewhere (mostly the flags
// of the original PyTorch code, spec §d) to our keys, for suggestions only.
// Plain edit distance would not find these: "learning_rate" is closer to
// "lambda" than to "lr".
var knownAliases = map[string]string{
	"learning_rate":   "train.lr",
	"batch_sz":        "train.images_per_step",
	"batch_size":      "train.images_per_step",
	"num_epochs":      "train.epochs",
	"lamb":            "train.lambda",
	"lamb_a":          "train.lambda",
	"lamb_b":          "train.lambda",
	"head_b_epochs":   "train.schedule",
	"num_sub_heads":   "model.sub_heads",
	"output_k_a":      "model.k_a",
	"output_k_b":      "model.k_b",
	"gt_k":            "model.k_b",
	"num_dataloaders": "augment.repeats",
	"input_sz":        "augment.input_size",
	"rot_val":         "augment.rotate_deg",
	"tf1_crop_sz":     "augment.crop_orig",
	"tf2_crop_szs":    "augment.crop_other",
}

// typoDistance is the largest edit distance taken for a plain typo.
const typoDistance = 2

// suggest returns the valid key closest to the unknown one. In order of
// preference: a key equal to it but for case; the nearest key if it is a
// plain typo away (Levenshtein distance <= typoDistance); a known alias of
// its last part ("learning_rate" → "train.lr"); a key with the same last
// part in another section ("model.lr" → "train.lr"); and otherwise the
// nearest key. Ties go to the first key in sorted order.
func suggest(unknown string, keys []string) string {
	for _, k := range keys {
		if strings.EqualFold(k, unknown) {
			return k
		}
	}
	nearest, dist := nearestKey(unknown, keys)
	if dist <= typoDistance {
		return nearest
	}
	leaf := unknown[strings.LastIndex(unknown, ".")+1:]
	if alias, ok := knownAliases[strings.ToLower(leaf)]; ok {
		return alias
	}
	for _, k := range keys {
		if strings.HasSuffix(k, "."+leaf) || k == leaf {
			return k
		}
	}
	return nearest
}

// nearestKey returns the key at the least Levenshtein distance from s, the
// first in order on ties, and that distance.
func nearestKey(s string, keys []string) (string, int) {
	best, bestDist := "", -1
	for _, k := range keys {
		if d := levenshtein(s, k); bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	return best, bestDist
}

// levenshtein returns the edit distance between a and b: the least number
// of single-rune insertions, deletions and substitutions that turn a into b.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
