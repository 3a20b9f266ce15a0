package trainer

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/iic-go/iic/config"
)

// Dimension letters used in shape comments: N images in a batch, C
// channels, S the side of a square feature map, F flattened features, H
// sub-heads and K clusters per sub-head.

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
// batch size. Batch norm always normalises with the statistics of the
// current batch (spec §c.1, h.5), separately for each view.
type graph struct {
	g      *G.ExprGraph
	vm     G.VM
	x1, x2 *G.Node // [N, 1, S, S]
	loss   *G.Node
	lossOp *headLossOp
	learn  []*G.Node // learnables, parallel to learnIdx
	// learnIdx indexes Params.List for each learnable of this graph.
	learnIdx []int
	// logits are the eval graph's pre-bias logits per head, [N, H·K].
	logits map[string]*G.Node
}

// buildGraph compiles a graph of the given kind for batches of n images.
// head names the head for train and loss graphs. Graph construction uses
// G.Must inside; a panic there is a programming error turned into an error.
func buildGraph(p *Params, m config.Model, lambda float64, kind graphKind, head string,
	n, side int) (gr *graph, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("build %v graph for head %q: %v", kind, head, r)
		}
	}()
	dt := p.List[0].Value.Dtype()
	gr = &graph{g: G.NewGraph(), logits: map[string]*G.Node{}}
	nodes := make(map[int]*G.Node)
	node := func(i int) *G.Node {
		if v, ok := nodes[i]; ok {
			return v
		}
		q := p.List[i]
		v := G.NewTensor(gr.g, dt, q.Value.Dims(), G.WithShape(q.Value.Shape().Clone()...),
			G.WithName(q.Name), G.WithValue(q.Value))
		nodes[i] = v
		gr.learn = append(gr.learn, v)
		gr.learnIdx = append(gr.learnIdx, i)
		return v
	}
	input := func(name string) *G.Node {
		return G.NewTensor(gr.g, dt, 4, G.WithShape(n, 1, side, side), G.WithName(name))
	}

	gr.x1 = input("x")
	f1 := trunk(gr.x1, m, node, p.Features)
	if kind == evalGraph {
		for hi, h := range []string{"A", "B"} {
			w := node(headIndex(p, hi))
			gr.logits[h] = G.Must(G.Mul(f1, w))
		}
		gr.vm = G.NewTapeMachine(gr.g)
		return gr, nil
	}

	gr.x2 = input("xp")
	f2 := trunk(gr.x2, m, node, p.Features)
	wi := headIndex(p, map[string]int{"A": 0, "B": 1}[head])
	w, b := node(wi), node(wi+1)
	k := map[string]int{"A": m.KA, "B": m.KB}[head]
	a1 := G.Must(G.Mul(f1, w)) // [N, H·K]
	a2 := G.Must(G.Mul(f2, w))
	gr.lossOp = newHeadLossOp(n, m.SubHeads, k, lambda, kind == trainGraph)
	gr.loss = G.Must(G.ApplyOp(gr.lossOp, a1, a2, b))
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

// trunk applies ClusterNet's conv trunk to x [N, 1, S, S] and returns the
// flattened features [N, F]: per layer conv (same padding, no bias), batch
// norm, ReLU, and a 2×2 max-pool after all but the last layer.
func trunk(x *G.Node, m config.Model, node func(int) *G.Node, features int) *G.Node {
	pad := m.Kernel / 2
	h := x
	for l, w := range m.Widths {
		kern := node(3 * l)
		h = G.Must(G.Conv2d(h, kern, tensor.Shape{m.Kernel, m.Kernel},
			[]int{pad, pad}, []int{1, 1}, []int{1, 1}))
		h, _, _, _ = mustBN(G.BatchNorm(h, node(3*l+1), node(3*l+2), 0.9, m.BNEpsilon))
		h = G.Must(G.Rectify(h))
		if l < len(m.Widths)-1 {
			h = G.Must(G.MaxPool2D(h, tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2}))
		}
		mustShape(h, -1, w, -1, -1)
	}
	n := x.Shape()[0]
	out := G.Must(G.Reshape(h, tensor.Shape{n, features}))
	mustShape(out, n, features)
	return out
}

// headIndex returns the index in Params.List of the weight of the head at
// ordinal (0 for A, 1 for B); its bias follows it.
func headIndex(p *Params, ordinal int) int {
	return len(p.List) - 4 + 2*ordinal
}

func mustBN(y, g, b *G.Node, op *G.BatchNormOp, err error) (*G.Node, *G.Node, *G.Node,
	*G.BatchNormOp) {
	if err != nil {
		panic(err)
	}
	return y, g, b, op
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
