package trainer

import (
	"math/rand/v2"
	"strings"
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
	c.Model = paperModel()
	benchStep(b, c, 140)
}

func paperModel() config.Model {
	m := config.Default().Model
	m.Widths = []int{64, 128, 256, 512}
	m.Kernel = 5
	return m
}

// BenchmarkSgemmCeiling times raw sgemm, through the compiled-in BLAS, on
// every matrix product of a training step of the default net (128 pairs)
// and the paper net (140 pairs), and reports GFLOP/s per shape.
func BenchmarkSgemmCeiling(b *testing.B) {
	for _, net := range []struct {
		name  string
		m     config.Model
		pairs int
	}{{"default", config.Default().Model, 128}, {"paper", paperModel(), 140}} {
		for _, s := range StepGemms(net.m, 24, net.pairs) {
			b.Run(net.name+"/"+strings.ReplaceAll(s.String(), " ", "_"), func(b *testing.B) {
				benchGemm(b, s)
			})
		}
	}
}

func benchGemm(b *testing.B, s GemmShape) {
	rng := rand.New(rand.NewPCG(1, 2))
	a, x := randomImages32(rng, s.M*s.K), randomImages32(rng, s.K*s.N)
	c := make([]float32, s.M*s.N)
	lda, ldb := s.K, s.N
	ws := &gemmScratch{}
	if s.TransA {
		lda = s.M
	}
	if s.TransB {
		ldb = s.K
	}
	for b.Loop() {
		gemm(ws, s.TransA, s.TransB, s.M, s.N, s.K, 1, a, lda, x, ldb, 0, c, s.N)
	}
	b.ReportMetric(s.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkOps times each trunk kernel on the paper net's second layer
// (64→128 channels, 5×5, 12×12 maps) for a 140-pair step (280 images).
func BenchmarkOps(b *testing.B) {
	g := convGeom{cin: 64, cout: 128, k: 5, m: 280, s: 12}
	rng := rand.New(rand.NewPCG(1, 2))
	x := randomImages32(rng, g.cin*g.m*g.area())
	w := randomImages32(rng, g.cout*g.rows())
	y := make([]float32, g.cout*g.m*g.area())
	dy := randomImages32(rng, len(y))
	dx, dw, dwt := make([]float32, len(x)), make([]float32, len(w)), make([]float32, len(w))
	col := make([]float32, g.rows()*g.chunk()*g.area())
	ws := &gemmScratch{}
	convFLOPs := 2 * float64(g.cout*g.rows()*g.m*g.area())
	for _, c := range []struct {
		name  string
		flops float64
		run   func()
	}{
		{"conv_forward", convFLOPs, func() { convForward(ws, g, x, w, y, col) }},
		{"conv_weights", convFLOPs, func() { convBackwardW(ws, g, x, dy, dw, dwt, col) }},
		{"conv_inputs", convFLOPs, func() { convBackwardX(ws, g, w, dy, dx, col) }},
		{"im2col", 0, func() { im2col(g, x, 0, g.chunk(), col) }},
		{"col2im", 0, func() { col2im(g, col, 0, g.chunk(), dx) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.run()
			}
			if c.flops > 0 {
				b.ReportMetric(c.flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			}
		})
	}

	bg := bnGeom{c: g.cout, size: g.m * g.area(), groups: 2, eps: 1e-5}
	gamma, beta := randomImages32(rng, g.cout), randomImages32(rng, g.cout)
	dg, db := make([]float32, g.cout), make([]float32, g.cout)
	stats := make([]bnStat, g.cout*2)
	dyb := make([]float32, len(y))
	pooled, arg := make([]float32, len(y)/4), make([]int32, len(y)/4)
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"bn_relu_forward", func() { bnReLUForward(bg, dy, gamma, beta, y, stats) }},
		{"bn_relu_backward", func() { bnReLUBackward(bg, dy, y, dy, gamma, dyb, dg, db, stats) }},
		{"bn_relu_pool_forward", func() {
			bnReLUPoolForward(bg, g.s, dy, gamma, beta, pooled, arg, stats)
		}},
		{"bn_relu_pool_backward", func() {
			bnReLUPoolBackward(bg, g.s, dy, gamma, beta, pooled, dyb, dg, db, arg, stats)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.run()
			}
			b.ReportMetric(float64(len(y)*4*b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}

// BenchmarkSgemmEngines compares, on two of the paper net's products, the
// package's blocked sgemm with the BLAS engine compiled in (gonum's pure-Go
// sgemm, or OpenBLAS under -tags openblas).
func BenchmarkSgemmEngines(b *testing.B) {
	shapes := StepGemms(paperModel(), 24, 140)
	for _, s := range []GemmShape{shapes[2], shapes[5]} {
		rng := rand.New(rand.NewPCG(1, 2))
		a, x := randomImages32(rng, s.M*s.K), randomImages32(rng, s.K*s.N)
		c := make([]float32, s.M*s.N)
		lda, ldb := s.K, s.N
		if s.TransA {
			lda = s.M
		}
		if s.TransB {
			ldb = s.K
		}
		name := strings.ReplaceAll(s.String(), " ", "_")
		b.Run(name+"/blocked", func(b *testing.B) {
			ws := &gemmScratch{}
			for b.Loop() {
				blockedSgemm(ws, s.TransA, s.TransB, s.M, s.N, s.K, 1, a, lda, x, ldb, 0, c, s.N)
			}
			b.ReportMetric(s.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(name+"/engine", func(b *testing.B) {
			for b.Loop() {
				blasEngine{}.Sgemm(trans(s.TransA), trans(s.TransB), s.M, s.N, s.K, 1, a, lda, x,
					ldb, 0, c, s.N)
			}
			b.ReportMetric(s.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
