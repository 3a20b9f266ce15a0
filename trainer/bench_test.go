package trainer

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/iic-go/iic/config"
)

func randomImages32(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()
	}
	return x
}

func benchStep(b *testing.B, c config.Config, pairs int) {
	m, err := NewModel(c, pairs, tensor.Float32, 1)
	if err != nil {
		b.Fatal(err)
	}
	s := c.Augment.InputSize
	rng := rand.New(rand.NewPCG(1, 1))
	x, xp := randomImages32(rng, pairs*s*s), randomImages32(rng, pairs*s*s)
	if _, err := m.Step("B", x, xp); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Step("B", x, xp); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(2*pairs*b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkStepDefault times a training step of the default recipe's net.
func BenchmarkStepDefault(b *testing.B) {
	c := config.Default()
	benchStep(b, c, c.Train.ImagesPerStep*c.Augment.Repeats)
}

// BenchmarkStepPaper times a training step of the paper's ClusterNet6c with
// a 140-pair batch (a fifth of the paper's 700 pairs).
func BenchmarkStepPaper(b *testing.B) {
	c := config.Default()
	c.Model.Widths = []int{64, 128, 256, 512}
	c.Model.Kernel = 5
	benchStep(b, c, 140)
}
