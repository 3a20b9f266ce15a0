package trainer

import (
	"fmt"
	"math"

	"github.com/iic-go/iic/loader"
	"github.com/iic-go/iic/perturber"
)

// Clusters holds one head's predictions for a set of images.
type Clusters struct {
	// Images are the data set indices predicted, nil meaning all in order.
	Images []int
	// Assign[s][i] is sub-head s's cluster of the i-th image predicted.
	Assign [][]int
	// Prob[s][i] is the probability sub-head s gives that cluster.
	Prob [][]float32
}

// Cluster predicts head's clusters (argmax of each sub-head) for the images
// at indices idx of images (every image when idx is nil) from their
// evaluation view (spec §b.1 tf3), in batches of batch images. Batch norm
// uses each batch's statistics, so the batch size and order are part of the
// result: the trainer and `iic eval` call this same function.
func (m *Model) Cluster(head string, images perturber.Images, idx []int,
	opts perturber.Options, batch int) (*Clusters, error) {
	n := images.Len()
	if idx != nil {
		n = len(idx)
	}
	k, h := m.k(head), m.cfg.SubHeads
	out := &Clusters{Images: idx, Assign: make([][]int, h), Prob: make([][]float32, h)}
	for s := range h {
		out.Assign[s] = make([]int, n)
		out.Prob[s] = make([]float32, n)
	}
	side := opts.InputSize
	view := make([]float32, batch*side*side)
	cur := make([]int, 0, batch)
	for off := 0; off < n; off += batch {
		size := min(batch, n-off)
		cur = sampleSlice(cur, idx, off, size)
		if err := perturber.EvalBatch(images, cur, opts, view[:size*side*side]); err != nil {
			return nil, err
		}
		probs, err := m.Predict(view[:size*side*side], size)
		if err != nil {
			return nil, fmt.Errorf("predict images %d..%d: %w", off, off+size, err)
		}
		out.argmax(probs[head], size, h, k, off)
	}
	return out, nil
}

// argmax records, for n rows of probs [n, h·k], each sub-head's most
// probable cluster and its probability at rows off.. of c.
func (c *Clusters) argmax(probs []float32, n, h, k, off int) {
	for i := range n {
		row := probs[i*h*k : (i+1)*h*k]
		for s := range h {
			best, bestP := 0, float32(math.Inf(-1))
			for j, p := range row[s*k : (s+1)*k] {
				if p > bestP {
					best, bestP = j, p
				}
			}
			c.Assign[s][off+i], c.Prob[s][off+i] = best, bestP
		}
	}
}

// LabelFreeLosses estimates each sub-head's IIC loss of head on batches
// fixed batches of perStep images with fixed perturbations, the same at
// every call for a given seed, so that estimates compare across a run. It
// needs no labels and is the basis of the lowest-loss sub-head choice
// (spec §e.1). With batches 0 every estimate is NaN.
func (m *Model) LabelFreeLosses(head string, images perturber.Images, opts perturber.Options,
	seed uint64, perStep, batches int) ([]float64, error) {
	sum := make([]float64, m.cfg.SubHeads)
	if batches == 0 {
		for i := range sum {
			sum[i] = math.NaN()
		}
		return sum, nil
	}
	const salt = 0x6c6f7373 // "loss"
	perm := loader.Permutation(seed^salt, 0, images.Len())
	idx := make([]int, perStep)
	for j := range batches {
		for i := range idx {
			idx[i] = perm[(j*perStep+i)%len(perm)]
		}
		b, err := perturber.MakeBatch(images, idx, opts, seed^salt, -1-j)
		if err != nil {
			return nil, err
		}
		l, err := m.SubHeadLosses(head, b.X, b.XP)
		if err != nil {
			return nil, err
		}
		for s := range sum {
			sum[s] += l[s] / float64(batches)
		}
	}
	return sum, nil
}

// EvalSample returns the fixed seeded sample of n of the total images that
// evaluations during training score, or nil (every image) when n is 0 or
// not below total.
func EvalSample(seed uint64, n, total int) []int {
	if n <= 0 || n >= total {
		return nil
	}
	const salt = 0x6576616c // "eval"
	return loader.Permutation(seed^salt, 0, total)[:n]
}

func (m *Model) k(head string) int {
	if head == "A" {
		return m.cfg.KA
	}
	return m.cfg.KB
}

// sampleSlice fills cur with the dataset indices of positions off..off+size
// of the sample idx (nil: the whole dataset in order) and returns it.
func sampleSlice(cur, idx []int, off, size int) []int {
	cur = cur[:0]
	for i := off; i < off+size; i++ {
		if idx != nil {
			cur = append(cur, idx[i])
		} else {
			cur = append(cur, i)
		}
	}
	return cur
}
