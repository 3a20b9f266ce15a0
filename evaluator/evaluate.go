package evaluator

import (
	"fmt"
	"math"
)

// SubHead is the evaluation of one sub-head.
type SubHead struct {
	// Index is the sub-head's position in its head, 0-based.
	Index int
	// Accuracy is the 1-to-1 Hungarian matching accuracy (see Match).
	Accuracy float64
	// NMI and ARI are the normalised mutual information and adjusted Rand
	// index of the sub-head's clustering against the labels.
	NMI, ARI float64
	// Loss is the sub-head's label-free IIC loss estimate, NaN if unknown.
	Loss float64
	// Map[c] is the label matched to cluster c, -1 if none.
	Map []int
	// Counts is the confusion matrix counts[cluster][label], [k, classes].
	Counts [][]int
}

// Report is the evaluation of all sub-heads of one head.
type Report struct {
	// SubHeads holds one entry per sub-head, in order.
	SubHeads []SubHead
	// Mean, Std, Min and Max summarise the sub-heads' accuracies; Std is
	// the population standard deviation (divisor h), as numpy's std.
	Mean, Std, Min, Max float64
	// Best is the index of the sub-head with the highest accuracy (the
	// first on ties). Choosing it uses the labels (spec §h.6).
	Best int
	// LowestLoss is the index of the sub-head with the lowest loss, NaNs
	// skipped (the first on ties): the label-free choice. It is -1 when
	// every loss is NaN or no losses were given.
	LowestLoss int
}

// Evaluate scores every sub-head of one head. preds[h][i] is sub-head h's
// predicted cluster in [0, k) for image i (see Argmax), labels[i] is image
// i's label in [0, classes), and losses[h] is sub-head h's label-free IIC
// loss estimate (NaN if unknown). losses may be nil, meaning all unknown;
// otherwise it must have one entry per sub-head.
//
// An error wrapping ErrInvalidInput is returned when there are no
// sub-heads, lengths disagree or ids are out of range.
func Evaluate(preds [][]int, labels []uint8, k, classes int,
	losses []float64) (Report, error) {
	if len(preds) == 0 {
		return Report{}, fmt.Errorf("evaluate: no sub-heads: %w", ErrInvalidInput)
	}
	if losses != nil && len(losses) != len(preds) {
		return Report{}, fmt.Errorf("evaluate: %d losses for %d sub-heads: %w",
			len(losses), len(preds), ErrInvalidInput)
	}

	rep := Report{SubHeads: make([]SubHead, len(preds))}
	for h, pred := range preds {
		m, err := Match(pred, labels, k, classes)
		if err != nil {
			return Report{}, fmt.Errorf("evaluate sub-head %d: %w", h, err)
		}
		loss := math.NaN()
		if losses != nil {
			loss = losses[h]
		}
		rep.SubHeads[h] = SubHead{
			Index: h, Accuracy: m.Accuracy,
			NMI: NMI(pred, labels), ARI: ARI(pred, labels),
			Loss: loss, Map: m.Map, Counts: m.Counts,
		}
	}
	rep.summarise()
	return rep, nil
}

// summarise fills the accuracy statistics and the two sub-head choices.
func (r *Report) summarise() {
	r.Min, r.Max = math.Inf(1), math.Inf(-1)
	losses := make([]float64, len(r.SubHeads))
	for h, s := range r.SubHeads {
		losses[h] = s.Loss
		r.Mean += s.Accuracy
		r.Min = math.Min(r.Min, s.Accuracy)
		if s.Accuracy > r.Max {
			r.Max, r.Best = s.Accuracy, h
		}
	}
	r.LowestLoss = LowestLoss(losses)
	r.Mean /= float64(len(r.SubHeads))
	for _, s := range r.SubHeads {
		d := s.Accuracy - r.Mean
		r.Std += d * d
	}
	r.Std = math.Sqrt(r.Std / float64(len(r.SubHeads)))
}

// Argmax writes into dst[i] the index of the largest of the k
// probabilities of row i of probs, a row-major [n, k] matrix: the
// sub-head's predicted cluster for image i. Ties go to the lowest index;
// a NaN counts as the largest value, as numpy's and torch's argmax do, so
// the first NaN of a row is its prediction.
//
// It returns an error wrapping ErrInvalidInput when k < 1, n < 0,
// len(probs) != n·k or len(dst) < n.
func Argmax(probs []float32, n, k int, dst []int) error {
	if k < 1 || n < 0 || len(probs) != n*k || len(dst) < n {
		return fmt.Errorf("argmax: %d probabilities as [%d, %d] into %d slots: %w",
			len(probs), n, k, len(dst), ErrInvalidInput)
	}
	for i := range n {
		row := probs[i*k : (i+1)*k]
		best := 0
		for j, p := range row {
			if p != p {
				best = j
				break
			}
			if p > row[best] {
				best = j
			}
		}
		dst[i] = best
	}
	return nil
}

// LowestLoss returns the index of the smallest of losses, NaNs skipped and
// the first on ties: the label-free choice of sub-head (spec §e.1). It is
// -1 when every loss is NaN or there are none.
func LowestLoss(losses []float64) int {
	best := -1
	for i, l := range losses {
		if !math.IsNaN(l) && (best < 0 || l < losses[best]) {
			best = i
		}
	}
	return best
}
