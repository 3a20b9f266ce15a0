package trainer

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The trunk's Gorgonia ops. Each forward op and each gradient op computes
// with the kernels of kernels.go into buffers from the model's arena, taken
// once when the graph is built. Feature maps are channel-major,
// [C, M, S, S] (see kernels.go); the features op turns the last one into
// the usual [M, F].

// convOp is a same-padded, stride-1 convolution without bias: inputs
// x [Cin, M, S, S] and w [Cout, Cin, K, K], output [Cout, M, S, S].
type convOp[T float] struct {
	opBase
	g      convGeom
	needDX bool // false for the first layer, whose input is the images
	key    string
	// gradName names the arena buffer of the input gradient (gradBuffer).
	gradName string
	ar       *arena
	out      *tensor.Dense
	y        []T
}

func newConvOp[T float](ar *arena, key string, g convGeom, needDX bool) *convOp[T] {
	op := &convOp[T]{g: g, needDX: needDX, key: key, ar: ar}
	op.opBase = newOpBase("Conv"+key, op, tensor.Shape{g.cout, g.m, g.s, g.s}, 4, 4, 4)
	op.out, op.y = arenaTensor[T](ar, key, g.cout, g.m, g.s, g.s)
	return op
}

// scratch returns the shared patch-matrix buffer, sized for this layer.
func (op *convOp[T]) scratch() []T {
	return arenaSlice[T](op.ar, "scratch.col", op.g.rows()*op.g.chunk()*op.g.area())
}

func (op *convOp[T]) Do(vals ...G.Value) (G.Value, error) {
	in, err := valuesOf[T](op.name, vals)
	if err != nil {
		return nil, err
	}
	convForward(&op.ar.gemm, op.g, in[0], in[1], op.y, op.scratch())
	return op.out, nil
}

func (op *convOp[T]) DiffWRT(int) []bool { return []bool{op.needDX, true} }

func (op *convOp[T]) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	out := make(G.Nodes, 2)
	var err error
	if out[1], err = G.ApplyOp(newConvGradOp(op, 1), in[0], grad); err != nil {
		return nil, fmt.Errorf("%s weight gradient: %w", op.name, err)
	}
	if op.needDX {
		// The weight gradient's node is an input only to run it first: the
		// input gradient's buffer may be the one that grad came in.
		if out[0], err = G.ApplyOp(newConvGradOp(op, 0), in[1], grad, out[1]); err != nil {
			return nil, fmt.Errorf("%s input gradient: %w", op.name, err)
		}
	}
	return out, nil
}

// convGradOp is the gradient of a convOp with respect to its input
// (which 0: inputs w, dy and the kernel gradient's node, output dx) or its
// kernel (which 1: inputs x and dy, output dw).
type convGradOp[T float] struct {
	opBase
	conv  *convOp[T]
	which int
	out   *tensor.Dense
	d     []T
}

func newConvGradOp[T float](c *convOp[T], which int) *convGradOp[T] {
	op := &convGradOp[T]{conv: c, which: which}
	g := c.g
	shape, name, dims := tensor.Shape{g.cin, g.m, g.s, g.s}, c.gradName, []int{4, 4, 4, 4}
	if which == 1 {
		shape, name, dims = tensor.Shape{g.cout, g.cin, g.k, g.k}, c.key+".dw", []int{4, 4, 4}
	}
	op.opBase = newOpBase("ConvGrad"+c.key+name, op, shape, dims...)
	op.out, op.d = arenaTensor[T](c.ar, name, shape...)
	return op
}

func (op *convGradOp[T]) Do(vals ...G.Value) (G.Value, error) {
	in, err := valuesOf[T](op.name, vals)
	if err != nil {
		return nil, err
	}
	if op.which == 1 {
		dwt := arenaSlice[T](op.conv.ar, "scratch.dwt", len(op.d))
		convBackwardW(&op.conv.ar.gemm, op.conv.g, in[0], in[1], op.d, dwt, op.conv.scratch())
	} else {
		convBackwardX(&op.conv.ar.gemm, op.conv.g, in[0], in[1], op.d, op.conv.scratch())
	}
	return op.out, nil
}

// bnReLUOp is batch norm with batch statistics followed by ReLU and, when
// pool is set, by a 2×2 max-pool of stride 2: inputs x [C, M, S, S], γ and
// β [1, C, 1, 1], output [C, M, S, S], or [C, M, S/2, S/2] when pooling.
// The batch is made of equal groups (the two views of a training step),
// each normalised with its own statistics, as if each view ran through the
// net alone. Pooling inside the op spares storing the full activation.
type bnReLUOp[T float] struct {
	opBase
	g        bnGeom
	s        int  // side of the input maps
	pool     bool // fused 2×2 max-pool
	key      string
	gradName string // the input gradient's buffer (gradBuffer)
	ar       *arena
	out      *tensor.Dense
	y        []T
	arg      []int32 // position of each window's maximum, when pooling
	stats    []bnStat
}

func newBNReLUOp[T float](ar *arena, key string, g bnGeom, c, m, s int,
	pool bool) *bnReLUOp[T] {
	op := &bnReLUOp[T]{g: g, s: s, pool: pool, key: key, ar: ar}
	shape := tensor.Shape{c, m, s, s}
	if pool {
		shape = tensor.Shape{c, m, s / 2, s / 2}
		op.arg = arenaSlice[int32](ar, key+".arg", shape.TotalSize())
	}
	op.opBase = newOpBase("BNReLU"+key, op, shape, 4, 4, 4, 4)
	op.out, op.y = arenaTensor[T](ar, key, shape...)
	op.stats = arenaSlice[bnStat](ar, key+".stats", g.c*g.groups)
	return op
}

func (op *bnReLUOp[T]) Do(vals ...G.Value) (G.Value, error) {
	in, err := valuesOf[T](op.name, vals)
	if err != nil {
		return nil, err
	}
	if op.pool {
		bnReLUPoolForward(op.g, op.s, in[0], in[1], in[2], op.y, op.arg, op.stats)
	} else {
		bnReLUForward(op.g, in[0], in[1], in[2], op.y, op.stats)
	}
	return op.out, nil
}

// bnLayer is what the model sees of a trunk batch norm: the statistics of
// the last batch it normalised, and the switch to fixed statistics.
type bnLayer interface {
	// lastStats returns the last forward's statistics, [C·groups].
	lastStats() []bnStat
	// setFixed makes later forwards normalise with st [C] instead of their
	// batch's statistics; nil returns to batch statistics. Only for graphs
	// without a backward pass.
	setFixed(st []bnStat)
	epsilon() float64
}

func (op *bnReLUOp[T]) lastStats() []bnStat  { return op.stats }
func (op *bnReLUOp[T]) setFixed(st []bnStat) { op.g.fixed = st }
func (op *bnReLUOp[T]) epsilon() float64     { return op.g.eps }

func (op *bnReLUOp[T]) DiffWRT(int) []bool { return []bool{true, true, true} }

// SymDiff makes one op that computes all three gradients (they share every
// pass over the data) and two that hand out γ's and β's; those take the
// first one's output as input, which orders them after it on the tape.
func (op *bnReLUOp[T]) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	gop := newBNReLUGradOp(op)
	dx, err := G.ApplyOp(gop, in[0], in[1], in[2], out, grad)
	if err != nil {
		return nil, fmt.Errorf("%s gradient: %w", op.name, err)
	}
	res := G.Nodes{dx, nil, nil}
	for i, t := range []*tensor.Dense{gop.dgOut, gop.dbOut} {
		pick := &pickOp{t: t}
		pick.opBase = newOpBase(fmt.Sprintf("BNReLUGrad%s.%d", op.key, i+1), pick,
			t.Shape().Clone(), 4, 4, 4)
		if res[i+1], err = G.ApplyOp(pick, in[i+1], dx); err != nil {
			return nil, fmt.Errorf("%s parameter gradient: %w", op.name, err)
		}
	}
	return res, nil
}

// bnReLUGradOp computes, from inputs x, γ, β, the forward's output y and
// dy, the gradient dx [C, M, S, S] (its output) and keeps dγ and dβ for two
// pickOps.
type bnReLUGradOp[T float] struct {
	opBase
	bn                *bnReLUOp[T]
	out, dgOut, dbOut *tensor.Dense
	dx, dgamma, dbeta []T
}

func newBNReLUGradOp[T float](bn *bnReLUOp[T]) *bnReLUGradOp[T] {
	op := &bnReLUGradOp[T]{bn: bn}
	c := bn.g.c
	shape := tensor.Shape{c, bn.g.size / (bn.s * bn.s), bn.s, bn.s}
	op.opBase = newOpBase("BNReLUGrad"+bn.key, op, shape, 4, 4, 4, 4, 4, 4)
	op.out, op.dx = arenaTensor[T](bn.ar, bn.gradName, shape...)
	op.dgOut, op.dgamma = arenaTensor[T](bn.ar, bn.key+".dgamma", 1, c, 1, 1)
	op.dbOut, op.dbeta = arenaTensor[T](bn.ar, bn.key+".dbeta", 1, c, 1, 1)
	return op
}

func (op *bnReLUGradOp[T]) Do(vals ...G.Value) (G.Value, error) {
	in, err := valuesOf[T](op.name, vals)
	if err != nil {
		return nil, err
	}
	x, gamma, beta, y, dy := in[0], in[1], in[2], in[3], in[4]
	bn := op.bn
	if bn.pool {
		bnReLUPoolBackward(bn.g, bn.s, x, gamma, beta, dy, op.dx, op.dgamma, op.dbeta, bn.arg,
			bn.stats)
	} else {
		bnReLUBackward(bn.g, x, y, dy, gamma, op.dx, op.dgamma, op.dbeta, bn.stats)
	}
	return op.out, nil
}

// pickOp returns a tensor that another op computed earlier in the same
// run; its inputs only order it on the tape.
type pickOp struct {
	opBase
	t *tensor.Dense
}

func (op *pickOp) Do(...G.Value) (G.Value, error) { return op.t, nil }

// featuresOp flattens the trunk's last map [C, M, S, S] into the features
// [M, C·S·S] in PyTorch's per-image order; with inverse set it maps the
// features' gradient back, [M, F] to [C, M, S, S].
type featuresOp[T float] struct {
	opBase
	c, m, s int
	inverse bool
	key     string
	// gradName names the buffer of the inverse op built by SymDiff.
	gradName string
	ar       *arena
	out      *tensor.Dense
	y        []T
}

func newFeaturesOp[T float](ar *arena, key string, c, m, s int, inverse bool) *featuresOp[T] {
	op := &featuresOp[T]{c: c, m: m, s: s, inverse: inverse, key: key, ar: ar}
	shape, in := tensor.Shape{m, c * s * s}, 4
	if inverse {
		shape, in = tensor.Shape{c, m, s, s}, 2
	}
	op.opBase = newOpBase("Features"+key, op, shape, in, len(shape))
	op.out, op.y = arenaTensor[T](ar, key, shape...)
	return op
}

func (op *featuresOp[T]) Do(vals ...G.Value) (G.Value, error) {
	in, err := valuesOf[T](op.name, vals)
	if err != nil {
		return nil, err
	}
	if op.inverse {
		fromFeatures(op.c, op.m, op.s*op.s, in[0], op.y)
	} else {
		toFeatures(op.c, op.m, op.s*op.s, in[0], op.y)
	}
	return op.out, nil
}

func (op *featuresOp[T]) DiffWRT(int) []bool { return []bool{true} }

func (op *featuresOp[T]) SymDiff(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	inv := newFeaturesOp[T](op.ar, op.gradName, op.c, op.m, op.s, !op.inverse)
	dx, err := G.ApplyOp(inv, grad)
	if err != nil {
		return nil, fmt.Errorf("%s gradient: %w", op.name, err)
	}
	return G.Nodes{dx}, nil
}
