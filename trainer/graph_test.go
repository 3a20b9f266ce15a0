package trainer

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gorgonia.org/tensor"

	"github.com/iic-go/iic/config"
)

// slowPredict runs ClusterNet from its definition in the [N, C, S, S]
// layout: conv, batch norm over the n images, ReLU, max-pool, flatten, each
// head's matrix product, bias and softmax per sub-head.
func slowPredict(p *Params, m config.Model, x []float64, n, side int) map[string][]float64 {
	return slowPredictBN(p, m, x, n, side, func(_ int, h, gamma, beta []float64, c,
		s int) []float64 {
		return slowBNReLU(h, gamma, beta, n, c, s, 1, m.BNEpsilon)
	})
}

// slowPredictBN is slowPredict with layer l's batch norm and ReLU done by
// bnReLU on the conv output h [N, C, S, S].
func slowPredictBN(p *Params, m config.Model, x []float64, n, side int,
	bnReLU func(l int, h, gamma, beta []float64, c, s int) []float64) map[string][]float64 {
	h, in, s := x, 1, side
	for l, w := range m.Widths {
		val := func(i int) []float64 { return p.List[3*l+i].Value.Data().([]float64) }
		h = slowConv(h, val(0), n, in, w, m.Kernel, s)
		h = bnReLU(l, h, val(1), val(2), w, s)
		if l < len(m.Widths)-1 {
			h = slowMaxPool(h, n*w, s)
			s /= 2
		}
		in = w
	}
	out := map[string][]float64{}
	for hi, name := range []string{"A", "B"} {
		w := p.List[headIndex(p, hi)].Value.Data().([]float64)
		b := p.List[headIndex(p, hi)+1].Value.Data().([]float64)
		hk, k := len(b), []int{m.KA, m.KB}[hi]
		probs := make([]float64, n*hk)
		for i := range n {
			z := make([]float64, hk)
			for j := range hk {
				z[j] = b[j]
				for f := range p.Features {
					z[j] += h[i*p.Features+f] * w[f*hk+j]
				}
			}
			softmaxRows(z, probs[i*hk:(i+1)*hk], hk/k, k)
		}
		out[name] = probs
	}
	return out
}

func TestPredictMatchesReference(t *testing.T) {
	c := tinyConfig()
	const n = 4
	m, err := NewModel(c, n, tensor.Float64, 3)
	if err != nil {
		t.Fatal(err)
	}
	x32 := randomImages32(rand.New(rand.NewPCG(1, 2)), n*36)
	x := make([]float64, len(x32))
	for i, v := range x32 {
		x[i] = float64(v)
	}
	want := slowPredict(m.Params, c.Model, x, n, c.Augment.InputSize)
	got, err := m.Predict(x32, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"A", "B"} {
		g := make([]float64, len(got[h]))
		for i, v := range got[h] {
			g[i] = float64(v)
		}
		if d := maxDiff(g, want[h]); d > 1e-6 {
			t.Errorf("head %s: max difference %.3g from the reference", h, d)
		}
	}
}

// smallConfig is a net big enough for the parallel loops to split work.
func smallConfig() config.Config {
	c := config.Default()
	c.Model.Widths = []int{4, 8}
	c.Augment.InputSize = 12
	return c
}

func trainSteps(t *testing.T, procs int) (*Model, []float64) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	c := smallConfig()
	const n = 16
	m, err := NewModel(c, n, tensor.Float32, 9)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var losses []float64
	for step := range 3 {
		x, xp := randomImages32(rng, n*144), randomImages32(rng, n*144)
		res, err := m.Step([]string{"B", "A", "B"}[step], x, xp)
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, res.Loss)
	}
	return m, losses
}

func TestTrainingIsIdenticalWhateverTheWorkerCount(t *testing.T) {
	m1, l1 := trainSteps(t, 1)
	m4, l4 := trainSteps(t, 4)
	for i := range l1 {
		if l1[i] != l4[i] {
			t.Fatalf("step %d: loss %v with 1 worker, %v with 4", i, l1[i], l4[i])
		}
	}
	for i, q := range m1.Params.List {
		a, b := q.Value.Data().([]float32), m4.Params.List[i].Value.Data().([]float32)
		for j := range a {
			if math.Float32bits(a[j]) != math.Float32bits(b[j]) {
				t.Fatalf("%s[%d]: %v with 1 worker, %v with 4", q.Name, j, a[j], b[j])
			}
		}
	}
}

// TestIssue4GradientsDoNotAccumulateAcrossSteps guards against Gorgonia's
// dual values, which add every run's gradient to the previous ones.
func TestIssue4GradientsDoNotAccumulateAcrossSteps(t *testing.T) {
	m, err := NewModel(tinyConfig(), 5, tensor.Float64, 7)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	x, xp := randomImages(rng, 5*36), randomImages(rng, 5*36)
	gr, err := m.graphFor("B", trainGraph)
	if err != nil {
		t.Fatal(err)
	}
	var first []float64
	for run := range 2 {
		if err := m.run(gr, x, xp); err != nil {
			t.Fatal(err)
		}
		g, err := gr.learn[0].Grad()
		if err != nil {
			t.Fatal(err)
		}
		got := append([]float64(nil), g.Data().([]float64)...)
		gr.vm.Reset()
		if run == 0 {
			first = got
			continue
		}
		if d := maxDiff(got, first); d != 0 {
			t.Fatalf("second run's gradient differs from the first by %.3g, want 0", d)
		}
	}
}

func TestFloat32StepFollowsFloat64(t *testing.T) {
	c := smallConfig()
	const n = 8
	m32, err := NewModel(c, n, tensor.Float32, 2)
	if err != nil {
		t.Fatal(err)
	}
	m64, err := NewModel(c, n, tensor.Float64, 2)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	x, xp := randomImages32(rng, n*144), randomImages32(rng, n*144)
	l64, err := m64.SubHeadLosses("A", x, xp)
	if err != nil {
		t.Fatal(err)
	}
	l32, err := m32.SubHeadLosses("A", x, xp)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(l32, l64); d > 1e-5 {
		t.Fatalf("sub-head losses differ by %.3g between float32 and float64", d)
	}
}

// TestDeeperNetGradientMatchesFiniteDifferences checks a three-layer net,
// whose backward pass reuses each of the two gradient buffers twice, on a
// sample of its parameters.
func TestDeeperNetGradientMatchesFiniteDifferences(t *testing.T) {
	c := tinyConfig()
	c.Model.Widths = []int{2, 3, 4}
	c.Augment.InputSize = 8
	const n = 4
	m, err := NewModel(c, n, tensor.Float64, 11)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range m.Params.List {
		if q.Head != "" {
			for i, v := range q.Value.Data().([]float64) {
				q.Value.Data().([]float64)[i] = v*100 + 0.1*float64(i%3)
			}
		}
	}
	rng := rand.New(rand.NewPCG(8, 9))
	x, xp := randomImages(rng, n*64), randomImages(rng, n*64)
	gr, err := m.graphFor("B", trainGraph)
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
		lg, err := m.graphFor("B", lossGraph)
		if err != nil {
			t.Fatal(err)
		}
		defer lg.vm.Reset()
		if err := m.run(lg, x, xp); err != nil {
			t.Fatal(err)
		}
		return (lg.lossOp.losses[0] + lg.lossOp.losses[1]) / 2
	}
	worst, checked := 0.0, 0
	for i, g := range grads {
		w := m.Params.List[i].Value.Data().([]float64)
		for j := 0; j < len(w); j += 1 + len(w)/8 {
			num := numGrad(w[j:j+1], lossAt)[0]
			worst = math.Max(worst, math.Abs(num-g[j])/math.Max(1e-4, math.Abs(num)+math.Abs(g[j])))
			checked++
		}
	}
	if worst > 1e-4 {
		t.Fatalf("worst relative error %.3g over %d parameters", worst, checked)
	}
}
