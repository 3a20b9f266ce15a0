package trainer

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/iic-go/iic/config"
)

// Dimension letters used in shape comments: N images in a batch (pairs in
// a training step), M images through the trunk at once (2N in train and
// loss graphs: both views), C channels, S the side of a square feature map,
// F flattened features, H sub-heads and K clusters per sub-head.

// graphKind says what a graph computes.
type graphKind int

const (
	// trainGraph: both views through the trunk and one head, the loss and
	// its gradients.
	trainGraph graphKind = iota
	// lossGraph: like trainGraph but forward only; used to estimate each
	// sub-head's loss without labels.
	lossGraph
	// evalGraph: one view through the trunk and both heads' logits.
	evalGraph
)

// graph is one compiled Gorgonia program over the shared parameters. The
// model keeps one per head for training (Grad needs every learnable to reach
// the loss, engine-notes), one for loss estimates and one per evaluation
// batch size. Train and loss graphs run both views through the trunk as one
// batch of 2N images, x's then x′'s; batch norm always normalises with the
// statistics of the current batch (spec §c.1, h.5), separately for each
// view. Every op is one of the trainer's own (ops_trunk.go, ops_head.go,
// lossop.go), writing into buffers of the model's arena.
type graph struct {
	g  *G.ExprGraph
	vm G.VM
	// x is the input node, [1, M, S, S] in the trunk's channel-major layout
	// (for one channel the same as [M, 1, S, S]); input is its value.
	x     *G.Node
	input *tensor.Dense
	// views is 2 for train and loss graphs, 1 for eval graphs; n is the
	// number of images per view.
	views, n int
	loss     *G.Node
	lossOp   *headLossOp
	learn    []*G.Node // learnables, parallel to learnIdx
	// learnIdx indexes Params.List for each learnable of this graph.
	learnIdx []int
	// logits are the eval graph's pre-bias logits per head, [N, H·K].
	logits map[string]*G.Node
	// bns are the trunk's batch norms, first layer first.
	bns []bnLayer
}

// buildGraph compiles a graph of the given kind for batches of n images
// per view. head names the head for train and loss graphs. Buffers come
// from ar.
func buildGraph(p *Params, m config.Model, lambda float64, kind graphKind, head string,
	n, side int, ar *arena) (*graph, error) {
	switch dt := p.List[0].Value.Dtype(); dt {
	case tensor.Float32:
		return buildGraphOf[float32](p, m, lambda, kind, head, n, side, ar)
	case tensor.Float64:
		return buildGraphOf[float64](p, m, lambda, kind, head, n, side, ar)
	default:
		return nil, fmt.Errorf("build %v graph: unsupported dtype %v", kind, dt)
	}
}

// buildGraphOf builds the graph for element type T. Graph construction
// uses G.Must inside; a panic there is a programming error turned into an
// error.
func buildGraphOf[T float](p *Params, m config.Model, lambda float64, kind graphKind,
	head string, n, side int, ar *arena) (gr *graph, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("build %v graph for head %q: %v", kind, head, r)
		}
	}()
	dt := p.List[0].Value.Dtype()
	gr = &graph{g: G.NewGraph(), logits: map[string]*G.Node{}, views: 2, n: n}
	if kind == evalGraph {
		gr.views = 1
	}
	node := gr.paramNodes(p)

	batch := gr.views * n
	gr.input, _ = arenaTensor[T](ar, "input", 1, batch, side, side)
	gr.x = G.NewTensor(gr.g, dt, 4, G.WithShape(1, batch, side, side), G.WithName("x"),
		G.WithValue(gr.input))
	f, bns := trunk[T](gr.x, m, node, p, gr.views, ar, kind == trainGraph)
	gr.bns = bns
	if kind == evalGraph {
		for hi, h := range []string{"A", "B"} {
			w := node(headIndex(p, hi))
			lin := newLinearOp[T](ar, "logits"+h, batch, p.Features, w.Shape()[1])
			gr.logits[h] = G.Must(G.ApplyOp(lin, f, w))
		}
		gr.vm = G.NewTapeMachine(gr.g)
		return gr, nil
	}

	wi := headIndex(p, map[string]int{"A": 0, "B": 1}[head])
	w, b := node(wi), node(wi+1)
	k := map[string]int{"A": m.KA, "B": m.KB}[head]
	lin := newLinearOp[T](ar, "logits"+head, batch, p.Features, m.SubHeads*k)
	a := G.Must(G.ApplyOp(lin, f, w)) // [2N, H·K]
	mustShape(a, batch, m.SubHeads*k)
	gr.lossOp = newHeadLossOp(n, m.SubHeads, k, lambda, kind == trainGraph)
	gr.loss = G.Must(G.ApplyOp(gr.lossOp, a, b))
	if kind == lossGraph {
		gr.vm = G.NewTapeMachine(gr.g)
		return gr, nil
	}
	if _, err := G.Grad(gr.loss, gr.learn...); err != nil {
		return nil, fmt.Errorf("differentiate head %s: %w", head, err)
	}
	gr.vm = G.NewTapeMachine(gr.g, G.BindDualValues(gr.learn...))
	return gr, nil
}

// paramNodes returns a function that gives the node of parameter i of p,
// creating it, as a learnable of gr, on first use.
func (gr *graph) paramNodes(p *Params) func(int) *G.Node {
	nodes := make(map[int]*G.Node)
	return func(i int) *G.Node {
		if v, ok := nodes[i]; ok {
			return v
		}
		q := p.List[i]
		v := G.NewTensor(gr.g, q.Value.Dtype(), q.Value.Dims(),
			G.WithShape(q.Value.Shape().Clone()...), G.WithName(q.Name), G.WithValue(q.Value))
		nodes[i] = v
		gr.learn = append(gr.learn, v)
		gr.learnIdx = append(gr.learnIdx, i)
		return v
	}
}

// trunk applies ClusterNet's conv trunk to x [1, M, S, S] and returns the
// flattened features [M, F]: per layer conv (same padding, no bias), and
// batch norm, ReLU and (after all but the last layer) a 2×2 max-pool in one
// op, which it also returns, first layer first.
// Batch norm takes its statistics over each of the views' equal parts of
// the batch. With train set it sizes the gradient buffers (gradNames).
func trunk[T float](x *G.Node, m config.Model, node func(int) *G.Node, p *Params, views int,
	ar *arena, train bool) (*G.Node, []bnLayer) {
	var bns []bnLayer
	batch, side := x.Shape()[1], x.Shape()[2]
	grads := gradNames(len(m.Widths))
	if train {
		for _, name := range []string{gradBuffer(0), gradBuffer(1)} {
			arenaSlice[T](ar, name, m.Widths[0]*batch*side*side)
		}
	}
	h, in := x, 1
	for l, w := range m.Widths {
		key := fmt.Sprintf("l%d.", l)
		g := convGeom{cin: in, cout: w, k: m.Kernel, m: batch, s: side}
		conv := newConvOp[T](ar, key+"conv", g, l > 0)
		conv.gradName = grads[key+"conv"]
		h = G.Must(G.ApplyOp(conv, h, node(3*l)))
		mustShape(h, w, batch, side, side)
		bg := bnGeom{c: w, size: batch * side * side, groups: views, eps: m.BNEpsilon}
		pool := l < len(m.Widths)-1
		bn := newBNReLUOp[T](ar, key+"bn", bg, w, batch, side, pool)
		bn.gradName = grads[key+"bn"]
		bns = append(bns, bn)
		h = G.Must(G.ApplyOp(bn, h, node(3*l+1), node(3*l+2)))
		if pool {
			side /= 2
		}
		mustShape(h, w, batch, side, side)
		in = w
	}
	feat := newFeaturesOp[T](ar, "features", in, batch, side, false)
	feat.gradName = grads["features"]
	out := G.Must(G.ApplyOp(feat, h))
	mustShape(out, batch, p.Features)
	return out, bns
}

// gradNames names the buffer of each trunk op's input gradient, by op key.
// Backward, those gradients form one chain (features, then per layer from
// the last: batch norm with pooling, conv), each read only by the next op of the
// chain, so they alternate between two buffers of the largest size. The
// conv's weight gradient, which reads the same incoming gradient as its
// input gradient, is ordered before it (convOp.SymDiff).
func gradNames(layers int) map[string]string {
	names := map[string]string{}
	pos := 0
	next := func(key string) {
		names[key] = gradBuffer(pos)
		pos++
	}
	next("features")
	for l := layers - 1; l >= 0; l-- {
		key := fmt.Sprintf("l%d.", l)
		next(key + "bn")
		if l > 0 {
			next(key + "conv")
		}
	}
	return names
}

// gradBuffer is the name of the gradient buffer at position pos of the
// backward chain.
func gradBuffer(pos int) string { return fmt.Sprintf("grad.%d", pos%2) }

// headIndex returns the index in Params.List of the weight of the head at
// ordinal (0 for A, 1 for B); its bias follows it.
func headIndex(p *Params, ordinal int) int {
	return len(p.List) - 4 + 2*ordinal
}

// mustShape panics (caught by buildGraph) when n's shape differs from dims;
// -1 matches any size.
func mustShape(n *G.Node, dims ...int) {
	s := n.Shape()
	if len(s) != len(dims) {
		panic(fmt.Sprintf("%s: shape %v, want %d dims", n.Name(), s, len(dims)))
	}
	for i, d := range dims {
		if d >= 0 && s[i] != d {
			panic(fmt.Sprintf("%s: shape %v, want %v", n.Name(), s, dims))
		}
	}
}

func (k graphKind) String() string {
	return [...]string{"train", "loss", "eval"}[k]
}
