// Package evaluator scores IIC clusterings against ground-truth labels, as
// spec §e describes: per sub-head, the argmax cluster of every image is
// matched 1-to-1 to a label with the Hungarian algorithm (Kuhn–Munkres) and
// the accuracy of that matching is reported, together with NMI and ARI.
//
// It is plain numeric code with no actors: the evaluation actor collects
// the sub-heads' predictions over the whole data set and calls Evaluate.
// Labels are used only to score; the label-free choice of sub-head (lowest
// IIC loss) is reported beside the label-selected one, so that a run can
// say which number needed labels (spec §h.6).
//
// Matching, NMI and ARI follow scikit-learn's conventions, including its
// degenerate cases; each function's doc states them.
package evaluator
