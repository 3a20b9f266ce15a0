package trainer

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// slowChannelMoments returns the mean and biased variance of each channel
// of h [N, C, S, S] over all its values.
func slowChannelMoments(hs [][]float64, ns []int, c, s int) (mean, variance []float64) {
	mean, variance = make([]float64, c), make([]float64, c)
	for ch := range c {
		var vals []float64
		for b, h := range hs {
			for i := range ns[b] {
				vals = append(vals, h[(i*c+ch)*s*s:(i*c+ch+1)*s*s]...)
			}
		}
		for _, v := range vals {
			mean[ch] += v / float64(len(vals))
		}
		for _, v := range vals {
			variance[ch] += (v - mean[ch]) * (v - mean[ch]) / float64(len(vals))
		}
	}
	return mean, variance
}

// TestPopulationBNMatchesReference checks the population statistics
// against their definition: each layer's mean and variance over every
// value the estimation batches feed it through the batch-statistics net,
// then a prediction normalised with them at every layer.
func TestPopulationBNMatchesReference(t *testing.T) {
	c := tinyConfig()
	side := c.Augment.InputSize
	m, err := NewModel(c, 4, tensor.Float64, 3)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	ns := []int{4, 3, 4}
	var xs [][]float32
	for _, n := range ns {
		xs = append(xs, randomImages32(rng, n*side*side))
	}
	test32 := randomImages32(rng, 5*side*side)

	// Reference: the conv outputs each layer sees over the estimation
	// batches, pooled, then a prediction with those statistics.
	layers := len(c.Model.Widths)
	pre := make([][][]float64, layers)
	for _, x := range xs {
		slowPredictBN(m.Params, c.Model, float64s64(x), len(x)/(side*side), side,
			func(l int, h, gamma, beta []float64, ch, s int) []float64 {
				pre[l] = append(pre[l], h)
				return slowBNReLU(h, gamma, beta, len(x)/(side*side), ch, s, 1,
					c.Model.BNEpsilon)
			})
	}
	want := slowPredictBN(m.Params, c.Model, float64s64(test32), 5, side,
		func(l int, h, gamma, beta []float64, ch, s int) []float64 {
			mean, variance := slowChannelMoments(pre[l], ns, ch, s)
			y := make([]float64, len(h))
			for i := range 5 {
				for k := range ch {
					for j := (i*ch + k) * s * s; j < (i*ch+k+1)*s*s; j++ {
						z := gamma[k]*(h[j]-mean[k])/math.Sqrt(variance[k]+c.Model.BNEpsilon) +
							beta[k]
						y[j] = math.Max(0, z)
					}
				}
			}
			return y
		})

	err = m.estimateBN(len(xs), func(b int) ([]float32, int, error) {
		return xs[b], ns[b], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Predict(test32, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"A", "B"} {
		if d := maxDiff(float64s64(got[h]), want[h]); d > 1e-6 {
			t.Errorf("head %s: max difference %.3g from the reference", h, d)
		}
	}

	// With fixed statistics an image's prediction is its own: alone, it
	// gets what it got inside the batch.
	for i := range 5 {
		one, err := m.Predict(test32[i*side*side:(i+1)*side*side], 1)
		if err != nil {
			t.Fatal(err)
		}
		hk := len(one["B"])
		if d := maxDiff(float64s64(one["B"]), float64s64(got["B"][i*hk:(i+1)*hk])); d > 1e-9 {
			t.Errorf("image %d alone differs by %.3g from its prediction in the batch", i, d)
		}
	}

	// Back to batch statistics: the plain reference again.
	m.UseBatchBN()
	got, err = m.Predict(test32, 5)
	if err != nil {
		t.Fatal(err)
	}
	plain := slowPredict(m.Params, c.Model, float64s64(test32), 5, side)
	if d := maxDiff(float64s64(got["B"]), plain["B"]); d > 1e-6 {
		t.Errorf("after UseBatchBN: max difference %.3g from the batch-statistics reference", d)
	}
}

func float64s64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
