package evaluator

import "math"

// table is the contingency table of two labellings, restricted to the
// classes and clusters that occur, as scikit-learn's contingency_matrix.
type table struct {
	n       int64
	cells   [][]int64 // cells[class][cluster]
	classes []int64   // row sums: images per label
	cluster []int64   // column sums: images per cluster
}

// contingency counts pred against labels. Cluster ids may be any ints;
// they are compacted in order of first appearance.
func contingency(pred []int, labels []uint8) table {
	var classIdx [256]int
	for i := range classIdx {
		classIdx[i] = -1
	}
	clusterIdx := map[int]int{}
	var rows [][2]int // (class, cluster) index of each image
	t := table{n: int64(len(pred))}
	for i, c := range pred {
		l := labels[i]
		if classIdx[l] < 0 {
			classIdx[l] = len(t.classes)
			t.classes = append(t.classes, 0)
		}
		ci, ok := clusterIdx[c]
		if !ok {
			ci = len(t.cluster)
			clusterIdx[c] = ci
			t.cluster = append(t.cluster, 0)
		}
		rows = append(rows, [2]int{classIdx[l], ci})
		t.classes[classIdx[l]]++
		t.cluster[ci]++
	}
	t.cells = make([][]int64, len(t.classes))
	for r := range t.cells {
		t.cells[r] = make([]int64, len(t.cluster))
	}
	for _, rc := range rows {
		t.cells[rc[0]][rc[1]]++
	}
	return t
}

// NMI returns the normalised mutual information between a clustering and
// the labels, with the arithmetic-mean normalisation
// I(Y; C) / ((H(Y) + H(C)) / 2), natural logarithms, as scikit-learn's
// default normalized_mutual_info_score. Cluster ids may be any ints.
//
// Degenerate cases follow scikit-learn: when both labellings have a single
// value (or the input is empty) the result is 1; otherwise, when the mutual
// information is 0 (for instance a single cluster against several labels)
// the result is 0. Inputs of different lengths give NaN.
func NMI(pred []int, labels []uint8) float64 {
	if len(pred) != len(labels) {
		return math.NaN()
	}
	t := contingency(pred, labels)
	nc, nk := len(t.classes), len(t.cluster)
	if nc == nk && nc <= 1 {
		return 1
	}
	mi := t.mutualInfo()
	if mi == 0 {
		return 0
	}
	return mi / ((entropy(t.classes, t.n) + entropy(t.cluster, t.n)) / 2)
}

// mutualInfo returns I(Y; C) in nats, 0 when either side has one value and
// clipped at 0 against rounding, as scikit-learn's mutual_info_score.
func (t table) mutualInfo() float64 {
	if len(t.classes) == 1 || len(t.cluster) == 1 {
		return 0
	}
	n := float64(t.n)
	var mi float64
	for r, row := range t.cells {
		for c, nrc := range row {
			if nrc == 0 {
				continue
			}
			p := float64(nrc) / n
			mi += p * (math.Log(float64(nrc)) + math.Log(n) -
				math.Log(float64(t.classes[r])) - math.Log(float64(t.cluster[c])))
		}
	}
	return math.Max(mi, 0)
}

// entropy returns the entropy in nats of the distribution counts/n.
func entropy(counts []int64, n int64) float64 {
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(n)
			h -= p * math.Log(p)
		}
	}
	return h
}

// ARI returns the adjusted Rand index (Hubert & Arabie 1985) between a
// clustering and the labels, as scikit-learn's adjusted_rand_score: from
// the pair counts tp (same label, same cluster), fp (different label, same
// cluster), fn (same label, different cluster) and tn,
//
//	ARI = 2(tp·tn − fn·fp) / ((tp+fn)(fn+tn) + (tp+fp)(fp+tn)).
//
// It is 1 for identical partitions (up to relabelling), about 0 for
// independent ones, and may be negative. Cluster ids may be any ints.
//
// Degenerate cases follow scikit-learn: when fp = fn = 0 (identical
// partitions, including empty input, one image, one cluster against one
// label, or all singletons on both sides) the result is 1. Inputs of
// different lengths give NaN.
func ARI(pred []int, labels []uint8) float64 {
	if len(pred) != len(labels) {
		return math.NaN()
	}
	t := contingency(pred, labels)
	var tp, sameLabel, sameCluster int64
	for r, row := range t.cells {
		sameLabel += choose2(t.classes[r])
		for _, nrc := range row {
			tp += choose2(nrc)
		}
	}
	for _, b := range t.cluster {
		sameCluster += choose2(b)
	}
	fp, fn := sameCluster-tp, sameLabel-tp
	tn := choose2(t.n) - tp - fp - fn
	if fp == 0 && fn == 0 {
		return 1
	}

	// Products reach n⁴/4 pairs², beyond int64 for large n: use float64.
	ftp, ffp, ffn, ftn := float64(tp), float64(fp), float64(fn), float64(tn)
	return 2 * (ftp*ftn - ffn*ffp) / ((ftp+ffn)*(ffn+ftn) + (ftp+ffp)*(ffp+ftn))
}

// choose2 returns n(n−1)/2, the number of unordered pairs among n items.
func choose2(n int64) int64 { return n * (n - 1) / 2 }
