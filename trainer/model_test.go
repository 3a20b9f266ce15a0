package trainer

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/iic-go/iic/config"
)

// tinyConfig is a ClusterNet small enough for finite differences.
func tinyConfig() config.Config {
	c := config.Default()
	c.Model.Widths = []int{2, 3}
	c.Model.Kernel = 3
	c.Model.KA, c.Model.KB, c.Model.SubHeads = 4, 3, 2
	c.Augment.InputSize = 6
	return c
}

func randomImages(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.Float64()
	}
	return x
}

func TestModelGradientMatchesFiniteDifferences(t *testing.T) {
	for _, head := range []string{"A", "B"} {
		t.Run("head "+head, func(t *testing.T) {
			c := tinyConfig()
			const n = 5
			m, err := NewModel(c, n, tensor.Float64, 7)
			if err != nil {
				t.Fatal(err)
			}
			// Larger head weights than the default init make the loss
			// sensitive enough for a meaningful check.
			for _, q := range m.Params.List {
				if q.Head != "" {
					for i, v := range q.Value.Data().([]float64) {
						q.Value.Data().([]float64)[i] = v*100 + 0.1*float64(i%3)
					}
				}
			}
			rng := rand.New(rand.NewPCG(5, 6))
			x, xp := randomImages(rng, n*36), randomImages(rng, n*36)

			gr, err := m.graphFor(head, trainGraph)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.run(gr, x, xp); err != nil {
				t.Fatal(err)
			}
			grads := map[int][]float64{}
			for j, node := range gr.learn {
				g, err := node.Grad()
				if err != nil {
					t.Fatal(err)
				}
				grads[gr.learnIdx[j]] = append([]float64(nil), g.Data().([]float64)...)
			}
			gr.vm.Reset()

			lossAt := func() float64 {
				gr, err := m.graphFor(head, lossGraph)
				if err != nil {
					t.Fatal(err)
				}
				defer gr.vm.Reset()
				if err := m.run(gr, x, xp); err != nil {
					t.Fatal(err)
				}
				return (gr.lossOp.losses[0] + gr.lossOp.losses[1]) / 2
			}
			worst, checked := 0.0, 0
			for i, g := range grads {
				w := m.Params.List[i].Value.Data().([]float64)
				for j := range w {
					const h = 1e-5
					old := w[j]
					w[j] = old + h
					up := lossAt()
					w[j] = old - h
					down := lossAt()
					w[j] = old
					num := (up - down) / (2 * h)
					err := math.Abs(num-g[j]) / math.Max(1e-4, math.Abs(num)+math.Abs(g[j]))
					worst = math.Max(worst, err)
					checked++
				}
			}
			if worst > 1e-4 {
				t.Fatalf("worst relative error %.3g over %d parameters", worst, checked)
			}
			t.Logf("worst relative error %.3g over %d parameters", worst, checked)
		})
	}
}
