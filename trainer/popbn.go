package trainer

import (
	"fmt"
	"math"

	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/perturber"
)

// Batch norm at evaluation. The original normalises each evaluation batch
// with that batch's own statistics (spec §h.5), and so does this project by
// default: a prediction then depends a little on the other images of its
// batch. The usual alternative is one set of statistics for the whole data
// set, which frameworks keep as running averages over the training batches.
// Here they are estimated after the fact instead, from the evaluation view
// of a sample of images: the population statistics that running averages
// approximate, without any change to training and without the lag of an
// exponential average.

// EstimatePopulationBN computes, for every trunk batch norm, the mean and
// variance over the evaluation views of the images at indices idx of images
// (every image when idx is nil), passed through the net in batches of
// batch images, and makes Predict and Cluster normalise with them until
// UseBatchBN. Each layer's inputs are those of the net normalised with
// batch statistics up to it, the same inputs the batch-statistics
// evaluation sees.
func (m *Model) EstimatePopulationBN(images perturber.Images, idx []int,
	opts perturber.Options, batch int) error {
	n := images.Len()
	if idx != nil {
		n = len(idx)
	}
	if n == 0 || batch <= 0 {
		return fmt.Errorf("population batch norm: no images to estimate from")
	}
	side := opts.InputSize
	view := make([]float32, batch*side*side)
	cur := make([]int, 0, batch)
	return m.estimateBN((n+batch-1)/batch, func(b int) ([]float32, int, error) {
		off := b * batch
		size := min(batch, n-off)
		cur = sampleSlice(cur, idx, off, size)
		x := view[:size*side*side]
		return x, size, perturber.EvalBatch(images, cur, opts, x)
	})
}

// estimateBN pools the batch statistics of batches inputs, batch b being
// the n images x [n, 1, S, S] that view(b) returns, and sets them as the
// population statistics.
func (m *Model) estimateBN(batches int, view func(b int) ([]float32, int, error)) error {
	m.popBN = nil
	var acc []*bnMoments
	for b := range batches {
		x, n, err := view(b)
		if err != nil {
			return err
		}
		if _, err := m.Predict(x, n); err != nil {
			return fmt.Errorf("population batch norm: batch %d: %w", b, err)
		}
		bns := m.eval[n].bns
		if acc == nil {
			acc = make([]*bnMoments, len(bns))
			for i, l := range bns {
				acc[i] = newBNMoments(len(l.lastStats()), l.epsilon())
			}
		}
		for i, l := range bns {
			acc[i].add(l.lastStats(), float64(n))
		}
	}
	if acc == nil {
		return fmt.Errorf("population batch norm: no images to estimate from")
	}
	pop := make([][]bnStat, len(acc))
	for i, a := range acc {
		pop[i] = a.stats()
	}
	m.popBN = pop
	return nil
}

// UseBatchBN returns Predict and Cluster to batch statistics, the default.
func (m *Model) UseBatchBN() { m.popBN = nil }

// bnMoments pools per-channel batch statistics into population ones: with
// weights w_b (images per batch, each contributing the same number of
// values), mean = Σ w_b·μ_b / Σ w_b and var = Σ w_b·(σ²_b + μ_b²) / Σ w_b −
// mean², which is exactly the biased mean and variance of all the values.
type bnMoments struct {
	eps       float64
	w         float64
	sum, sum2 []float64 // Σ w·μ and Σ w·(σ² + μ²) per channel
}

func newBNMoments(c int, eps float64) *bnMoments {
	return &bnMoments{eps: eps, sum: make([]float64, c), sum2: make([]float64, c)}
}

// add pools one batch's statistics st [C] (mean and 1/√(σ²+ε)) of weight w.
func (b *bnMoments) add(st []bnStat, w float64) {
	b.w += w
	for c, s := range st {
		v := max(0, 1/(s.inv*s.inv)-b.eps)
		b.sum[c] += w * s.mean
		b.sum2[c] += w * (v + s.mean*s.mean)
	}
}

// stats returns the pooled statistics in bnStat's form.
func (b *bnMoments) stats() []bnStat {
	out := make([]bnStat, len(b.sum))
	for c := range out {
		mean := b.sum[c] / b.w
		v := max(0, b.sum2[c]/b.w-mean*mean)
		out[c] = bnStat{mean: mean, inv: 1 / math.Sqrt(v+b.eps)}
	}
	return out
}

// ClusterEval is Cluster with batch norm as e.BN says: "batch", each
// batch's own statistics, or "population", statistics first estimated
// from e.BNImages images of the fixed seeded sample (EvalSample with seed),
// which are dropped again afterwards so that training is unaffected.
func (m *Model) ClusterEval(head string, images perturber.Images, idx []int,
	opts perturber.Options, batch int, e config.Eval, seed uint64) (*Clusters, error) {
	switch e.BN {
	case "batch":
	case "population":
		sample := EvalSample(seed, e.BNImages, images.Len())
		if err := m.EstimatePopulationBN(images, sample, opts, batch); err != nil {
			return nil, err
		}
		defer m.UseBatchBN()
	default:
		return nil, fmt.Errorf("eval.bn is %q, want batch or population", e.BN)
	}
	return m.Cluster(head, images, idx, opts, batch)
}
