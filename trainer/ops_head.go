package trainer

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// linearOp is a head's matrix product without bias: inputs the features
// f [M, F] and the weights w [F, H·K], output the logits [M, H·K]. The bias
// is added inside the loss op, or by Predict.
type linearOp[T float] struct {
	opBase
	m, f, hk int
	key      string
	ar       *arena
	out      *tensor.Dense
	y        []T
}

func newLinearOp[T float](ar *arena, key string, m, f, hk int) *linearOp[T] {
	op := &linearOp[T]{m: m, f: f, hk: hk, key: key, ar: ar}
	op.opBase = newOpBase("Linear"+key, op, tensor.Shape{m, hk}, 2, 2, 2)
	op.out, op.y = arenaTensor[T](ar, key, m, hk)
	return op
}

func (op *linearOp[T]) Do(vals ...G.Value) (G.Value, error) {
	in, err := valuesOf[T](op.name, vals)
	if err != nil {
		return nil, err
	}
	gemm(&op.ar.gemm, false, false, op.m, op.hk, op.f, 1, in[0], op.f, in[1], op.hk, 0, op.y, op.hk)
	return op.out, nil
}

func (op *linearOp[T]) DiffWRT(int) []bool { return []bool{true, true} }

func (op *linearOp[T]) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	out := make(G.Nodes, 2)
	for which := range out {
		gop := &linearGradOp[T]{lin: op, which: which}
		shape, name := tensor.Shape{op.m, op.f}, op.key+".df"
		if which == 1 {
			shape, name = tensor.Shape{op.f, op.hk}, op.key+".dw"
		}
		gop.opBase = newOpBase("LinearGrad"+name, gop, shape, 2, 2, 2)
		gop.out, gop.d = arenaTensor[T](op.ar, name, shape...)
		var err error
		// The gradient for f needs w, the one for w needs f.
		if out[which], err = G.ApplyOp(gop, in[1-which], grad); err != nil {
			return nil, fmt.Errorf("%s gradient %d: %w", op.name, which, err)
		}
	}
	return out, nil
}

// linearGradOp computes df = dy·wᵀ [M, F] (which 0, inputs w and dy) or
// dw = fᵀ·dy [F, H·K] (which 1, inputs f and dy).
type linearGradOp[T float] struct {
	opBase
	lin   *linearOp[T]
	which int
	out   *tensor.Dense
	d     []T
}

func (op *linearGradOp[T]) Do(vals ...G.Value) (G.Value, error) {
	in, err := valuesOf[T](op.name, vals)
	if err != nil {
		return nil, err
	}
	m, f, hk := op.lin.m, op.lin.f, op.lin.hk
	if op.which == 0 {
		gemm(&op.lin.ar.gemm, false, true, m, f, hk, 1, in[1], hk, in[0], hk, 0, op.d, f)
	} else {
		gemm(&op.lin.ar.gemm, true, false, f, hk, m, 1, in[0], f, in[1], hk, 0, op.d, hk)
	}
	return op.out, nil
}
