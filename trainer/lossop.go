package trainer

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// headLossOp is the Gorgonia op for the IIC loss of one head: inputs are
// the pre-bias logits a [2n, h·k] of both views, x's n rows then x′'s n
// rows (h sub-heads of k clusters side by side), and the head's bias b
// [h·k]; the output is the scalar mean over sub-heads of IICLoss.
//
// The softmax is fused into the op, so the loss never takes the log of a
// probability computed by Gorgonia (engine-notes: its float32 softmax shifts
// rows by the wrong maximum). Forward also computes the gradients when the
// op is part of a training graph and keeps them for the two gradient ops
// that SymDiff creates; the tape machine runs those after the forward within
// the same RunAll. One op belongs to one graph and one machine.
type headLossOp struct {
	n, h, k int
	lambda  float64
	grad    bool

	// Filled by Do: per-sub-head losses and, when grad is set, the gradients
	// of the mean loss with respect to a (both views) and b.
	losses []float64
	da, db []float64

	a64, b64       []float64 // float64 copies of float32 inputs
	z1, z2, g1, g2 []float64 // per-sub-head scratch, [n, k]
	ws             LossWorkspace
}

func newHeadLossOp(n, h, k int, lambda float64, grad bool) *headLossOp {
	return &headLossOp{
		n: n, h: h, k: k, lambda: lambda, grad: grad,
		losses: make([]float64, h),
		da:     make([]float64, 2*n*h*k),
		db:     make([]float64, h*k),
		a64:    make([]float64, 2*n*h*k),
		b64:    make([]float64, h*k),
		z1:     make([]float64, n*k),
		z2:     make([]float64, n*k),
		g1:     make([]float64, n*k),
		g2:     make([]float64, n*k),
	}
}

func (op *headLossOp) Arity() int { return 2 }

func (op *headLossOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	v := G.TensorType{Dims: 1, Of: a}
	return hm.NewFnType(m, v, a)
}

func (op *headLossOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func (op *headLossOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := float64s(op.a64, vals[0])
	if err != nil {
		return nil, err
	}
	b, err := float64s(op.b64, vals[1])
	if err != nil {
		return nil, err
	}
	mean := op.forward(a, b)
	if vals[0].Dtype() == tensor.Float32 {
		return G.NewF32(float32(mean)), nil
	}
	return G.NewF64(mean), nil
}

// forward evaluates every sub-head; a's first n rows are the x view, the
// next n the x′ view.
func (op *headLossOp) forward(a, b []float64) float64 {
	n, h, k := op.n, op.h, op.k
	width := h * k
	a1, a2 := a[:n*width], a[n*width:]
	d1, d2 := op.da[:n*width], op.da[n*width:]
	scale := 1 / float64(h)
	clear(op.db)
	mean := 0.0
	for s := range h {
		for i := range n {
			for c := range k {
				j := i*width + s*k + c
				op.z1[i*k+c] = a1[j] + b[s*k+c]
				op.z2[i*k+c] = a2[j] + b[s*k+c]
			}
		}
		var g1, g2 []float64
		if op.grad {
			g1, g2 = op.g1, op.g2
		}
		l := IICLoss(op.z1, op.z2, n, k, op.lambda, scale, g1, g2, &op.ws)
		op.losses[s] = l
		mean += l * scale
		if !op.grad {
			continue
		}
		for i := range n {
			for c := range k {
				j := i*width + s*k + c
				d1[j], d2[j] = g1[i*k+c], g2[i*k+c]
				op.db[s*k+c] += g1[i*k+c] + g2[i*k+c]
			}
		}
	}
	return mean
}

func (op *headLossOp) ReturnsPtr() bool     { return false }
func (op *headLossOp) CallsExtern() bool    { return false }
func (op *headLossOp) OverwritesInput() int { return -1 }

func (op *headLossOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%v", op) }

func (op *headLossOp) Hashcode() uint32 { return hashOf(op) }

func (op *headLossOp) String() string {
	return fmt.Sprintf("IICHeadLoss{n=%d,h=%d,k=%d,λ=%g}@%p", op.n, op.h, op.k, op.lambda, op)
}

func (op *headLossOp) DiffWRT(int) []bool { return []bool{true, true} }

func (op *headLossOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if !op.grad {
		return nil, fmt.Errorf("iic loss op built without gradients")
	}
	out := make(G.Nodes, 2)
	for i := range out {
		gop := &headLossGradOp{loss: op, which: i}
		n, err := G.ApplyOp(gop, inputs[0], inputs[1], grad)
		if err != nil {
			return nil, fmt.Errorf("iic loss gradient %d: %w", i, err)
		}
		out[i] = n
	}
	return out, nil
}

// headLossGradOp returns the gradient that its headLossOp computed during
// the forward pass for input which (0: a, 1: b), times the incoming scalar
// gradient, in a tensor it allocates once. Taking the forward's inputs as
// its own keeps it ordered after the forward on the tape.
type headLossGradOp struct {
	loss  *headLossOp
	which int
	out   *tensor.Dense
}

func (op *headLossGradOp) Arity() int { return 3 }

func (op *headLossGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	v := G.TensorType{Dims: 1, Of: a}
	if op.which == 1 {
		return hm.NewFnType(m, v, a, v)
	}
	return hm.NewFnType(m, v, a, m)
}

func (op *headLossGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[op.which].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("iic loss gradient: input %d has no shape", op.which)
	}
	return s.Clone(), nil
}

func (op *headLossGradOp) Do(vals ...G.Value) (G.Value, error) {
	src := [][]float64{op.loss.da, op.loss.db}[op.which]
	up, err := scalarOf(vals[2])
	if err != nil {
		return nil, err
	}
	like := vals[op.which]
	if op.out == nil || op.out.Dtype() != like.Dtype() {
		op.out = tensor.New(tensor.Of(like.Dtype()), tensor.WithShape(like.Shape().Clone()...))
	}
	switch d := op.out.Data().(type) {
	case []float32:
		for i, g := range src {
			d[i] = float32(g * up)
		}
	case []float64:
		for i, g := range src {
			d[i] = g * up
		}
	default:
		return nil, fmt.Errorf("iic loss gradient: unsupported dtype %v", like.Dtype())
	}
	return op.out, nil
}

func (op *headLossGradOp) ReturnsPtr() bool      { return false }
func (op *headLossGradOp) CallsExtern() bool     { return false }
func (op *headLossGradOp) OverwritesInput() int  { return -1 }
func (op *headLossGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%v", op) }
func (op *headLossGradOp) Hashcode() uint32      { return hashOf(op) }
func (op *headLossGradOp) String() string {
	return fmt.Sprintf("IICHeadLossGrad%d@%p", op.which, op.loss)
}

func hashOf(s fmt.Stringer) uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, s.String())
	return h.Sum32()
}

// float64s returns a tensor value's data as float64: float32 data is
// converted into dst, which must have the value's length; float64 data is
// returned as is.
func float64s(dst []float64, v G.Value) ([]float64, error) {
	switch d := v.Data().(type) {
	case []float32:
		if len(d) != len(dst) {
			return nil, fmt.Errorf("iic loss: %d values, want %d", len(d), len(dst))
		}
		for i, x := range d {
			dst[i] = float64(x)
		}
		return dst, nil
	case []float64:
		return d, nil
	}
	return nil, fmt.Errorf("iic loss: unsupported value %T", v.Data())
}

func scalarOf(v G.Value) (float64, error) {
	switch d := v.Data().(type) {
	case float32:
		return float64(d), nil
	case float64:
		return d, nil
	case []float32:
		if len(d) == 1 {
			return float64(d[0]), nil
		}
	case []float64:
		if len(d) == 1 {
			return d[0], nil
		}
	}
	return math.NaN(), fmt.Errorf("iic loss gradient: upstream gradient %T is not a scalar",
		v.Data())
}
