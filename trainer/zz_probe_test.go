package trainer

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

func TestZZProbeAccum(t *testing.T) {
	c := tinyConfig()
	m, _ := NewModel(c, 5, tensor.Float64, 7)
	rng := rand.New(rand.NewPCG(5, 6))
	x, xp := randomImages(rng, 5*36), randomImages(rng, 5*36)
	gr, _ := m.graphFor("B", trainGraph)
	for r := 0; r < 3; r++ {
		if err := m.run(gr, x, xp); err != nil {
			t.Fatal(err)
		}
		g, _ := gr.learn[0].Grad()
		t.Logf("run %d: %v", r, g.Data().([]float64)[:3])
		gr.vm.Reset()
	}
}
