package trainer

import (
	"fmt"
	"time"

	"github.com/iic-go/iic/config"
)

// ForwardMACs returns the multiply-accumulates of ClusterNet's forward pass
// for one image of side inputSize: every convolution, then the matrix
// product of one head, head "A" or "B".
func ForwardMACs(m config.Model, inputSize int, head string) float64 {
	macs, in, side := 0.0, 1, inputSize
	for l, w := range m.Widths {
		macs += float64(w * in * m.Kernel * m.Kernel * side * side)
		if l < len(m.Widths)-1 {
			side /= 2
		}
		in = w
	}
	k := m.KB
	if head == "A" {
		k = m.KA
	}
	return macs + float64(in*side*side*m.SubHeads*k)
}

// TrainFLOPs returns the floating-point operations of one training step of
// head on pairs pairs, by the usual count: two per multiply-accumulate,
// three times the forward for forward and backward, both views.
func TrainFLOPs(m config.Model, inputSize, pairs int, head string) float64 {
	return ForwardMACs(m, inputSize, head) * 2 * 3 * float64(2*pairs)
}

// GemmShape is one float32 matrix product c [M, N] = op(a) [M, K] · op(b)
// [K, N] of a training step, which performs it Count times.
type GemmShape struct {
	// Layer is the trunk layer; Pass is "forward", "weights" (the kernel's
	// gradient) or "inputs" (the input's gradient).
	Layer int
	Pass  string
	// M, N, K are the product's sizes; TransA and TransB say whether a and
	// b are read transposed.
	M, N, K        int
	TransA, TransB bool
	// Count is how many products of this shape one step performs; it is
	// fractional when the batch does not divide into whole chunks.
	Count float64
}

// FLOPs returns the floating-point operations of one product of shape s.
func (s GemmShape) FLOPs() float64 { return 2 * float64(s.M) * float64(s.N) * float64(s.K) }

// String names the shape as "l1 forward 128×1296×1600 (NN)".
func (s GemmShape) String() string {
	t := map[bool]string{false: "N", true: "T"}
	return fmt.Sprintf("l%d %s %d×%d×%d (%s%s)", s.Layer, s.Pass, s.M, s.N, s.K,
		t[s.TransA], t[s.TransB])
}

// StepGemms returns the convolution products of one training step on
// pairs pairs, with the shapes and chunking the trainer's ops use: the
// forward product, the kernel gradient and, for every layer but the first,
// the input gradient.
func StepGemms(m config.Model, inputSize, pairs int) []GemmShape {
	var out []GemmShape
	in, side := 1, inputSize
	for l, w := range m.Widths {
		g := convGeom{cin: in, cout: w, k: m.Kernel, m: 2 * pairs, s: side}
		cols := g.chunk() * g.area()
		count := float64(g.m*g.area()) / float64(cols)
		out = append(out,
			GemmShape{Layer: l, Pass: "forward", M: w, N: cols, K: g.rows(), Count: count},
			GemmShape{Layer: l, Pass: "weights", M: g.rows(), N: w, K: cols, TransB: true,
				Count: count})
		if l > 0 {
			out = append(out, GemmShape{Layer: l, Pass: "inputs", M: g.rows(), N: cols, K: w,
				TransA: true, Count: count})
		}
		if l < len(m.Widths)-1 {
			side /= 2
		}
		in = w
	}
	return out
}

// SgemmRate times float32 products of shape s through the compiled-in BLAS
// (see BLAS), repeating them for at least d after one untimed warm-up, and
// returns GFLOP/s.
func SgemmRate(s GemmShape, d time.Duration) float64 {
	rowsA, colsA := s.M, s.K
	if s.TransA {
		rowsA, colsA = s.K, s.M
	}
	rowsB, colsB := s.K, s.N
	if s.TransB {
		rowsB, colsB = s.N, s.K
	}
	a, b := make([]float32, rowsA*colsA), make([]float32, rowsB*colsB)
	for i := range a {
		a[i] = float32(i%7) * 0.1
	}
	for i := range b {
		b[i] = float32(i%5) * 0.1
	}
	c := make([]float32, s.M*s.N)
	ws := &gemmScratch{}
	run := func() {
		gemm(ws, s.TransA, s.TransB, s.M, s.N, s.K, 1, a, colsA, b, colsB, 0, c, s.N)
	}
	run()
	start, n := time.Now(), 0
	for n == 0 || time.Since(start) < d {
		run()
		n++
	}
	return s.FLOPs() * float64(n) / time.Since(start).Seconds() / 1e9
}

// SgemmCeiling measures each shape for d and returns the rate, in GFLOP/s,
// at which one step's products would run back to back with nothing else to
// do: their total FLOPs over the sum of their times at the measured rates.
// It also returns each shape's rate.
func SgemmCeiling(shapes []GemmShape, d time.Duration) (float64, []float64) {
	rates := make([]float64, len(shapes))
	var flops, secs float64
	for i, s := range shapes {
		rates[i] = SgemmRate(s, d)
		f := s.FLOPs() * s.Count
		flops += f
		secs += f / (rates[i] * 1e9)
	}
	return flops / secs / 1e9, rates
}
