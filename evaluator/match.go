package evaluator

import "fmt"

// Matching is the 1-to-1 assignment of clusters to labels that maximises
// the number of images whose cluster is mapped to their label.
type Matching struct {
	// Map[c] is the label assigned to cluster c, or -1 when cluster c got
	// none (possible only when k > classes).
	Map []int
	// Correct is the number of images whose cluster maps to their label.
	Correct int
	// Accuracy is Correct divided by the number of images.
	Accuracy float64
	// Counts[c][l] is the number of images in cluster c with label l: the
	// confusion matrix, [k, classes].
	Counts [][]int
}

// Match builds the confusion matrix counts[pred][label] and solves the
// 1-to-1 assignment of clusters to labels with maximal total agreement
// (Hungarian on −counts), as spec §e.1 and §e.2 do. pred[i] is image i's
// cluster in [0, k) and labels[i] its label in [0, classes).
//
// For head B k equals classes and every cluster gets a label. When k
// exceeds classes (over-clustering head A), only classes clusters get a
// label and the images of the remaining clusters count as wrong: this is
// the 1-to-1 protocol of the paper's Table 1, not the many-to-one matching
// of IIC+. When k is below classes, the labels left without a cluster
// are never predicted.
//
// An error wrapping ErrInvalidInput is returned for empty or mismatched
// inputs and out-of-range ids.
func Match(pred []int, labels []uint8, k, classes int) (Matching, error) {
	counts, err := confusion(pred, labels, k, classes)
	if err != nil {
		return Matching{}, err
	}
	cost := make([][]float64, k)
	for c, row := range counts {
		cost[c] = make([]float64, classes)
		for l, n := range row {
			cost[c][l] = -float64(n)
		}
	}
	assign, err := Hungarian(cost)
	if err != nil {
		return Matching{}, fmt.Errorf("match %d clusters to %d classes: %w", k, classes, err)
	}

	m := Matching{Map: assign, Counts: counts}
	for c, l := range assign {
		if l >= 0 {
			m.Correct += counts[c][l]
		}
	}
	m.Accuracy = float64(m.Correct) / float64(len(pred))
	return m, nil
}

// confusion returns counts[pred][label], [k, classes], after checking the
// inputs.
func confusion(pred []int, labels []uint8, k, classes int) ([][]int, error) {
	switch {
	case k < 1 || classes < 1:
		return nil, fmt.Errorf("match: k=%d and classes=%d must be positive: %w",
			k, classes, ErrInvalidInput)
	case len(pred) != len(labels):
		return nil, fmt.Errorf("match: %d predictions for %d labels: %w",
			len(pred), len(labels), ErrInvalidInput)
	case len(pred) == 0:
		return nil, fmt.Errorf("match: no images: %w", ErrInvalidInput)
	}
	counts := make([][]int, k)
	for c := range counts {
		counts[c] = make([]int, classes)
	}
	for i, c := range pred {
		l := int(labels[i])
		if c < 0 || c >= k {
			return nil, fmt.Errorf("match: image %d has cluster %d outside [0, %d): %w",
				i, c, k, ErrInvalidInput)
		}
		if l >= classes {
			return nil, fmt.Errorf("match: image %d has label %d outside [0, %d): %w",
				i, l, classes, ErrInvalidInput)
		}
		counts[c][l]++
	}
	return counts, nil
}
