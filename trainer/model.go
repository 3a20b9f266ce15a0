// Package trainer holds the numeric core of IIC training: ClusterNet (spec
// §c.1) as Gorgonia graphs over one set of named parameters, the IIC loss of
// spec §a.2 fused with the sub-heads' softmax, Adam, and the head schedule
// of spec §d. It knows nothing of actors; package actors drives it.
package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/iic-go/iic/config"
)

// Model is ClusterNet with its optimiser. It is not safe for concurrent use:
// Gorgonia's tape machines lock their OS thread and keep state between runs,
// and its graphs share one set of buffers, so one goroutine owns a Model.
// Memory is allocated when a graph is first used (per head, and per
// evaluation batch size) and reused by every later step.
type Model struct {
	cfg    config.Model
	lambda float64
	side   int // input side S
	pairs  int // pairs per training step, N of the train graphs

	// Params are the learnable tensors, shared by every graph.
	Params *Params
	// Opt is the optimiser over Params.List.
	Opt *Adam

	graphs map[string]*graph // train and loss graphs, by kind and head
	eval   map[int]*graph    // eval graphs, by batch size
	ar     *arena            // buffers shared by the graphs
	// popBN, when set, holds fixed statistics per trunk batch norm that
	// eval graphs use instead of each batch's (EstimatePopulationBN).
	popBN [][]bnStat
}

// StepResult is what one training step reports.
type StepResult struct {
	// Loss is the mean over sub-heads; SubHeads the loss of each.
	Loss     float64
	SubHeads []float64
}

// NewModel builds ClusterNet for c with pairs pairs per step, initialised
// from seed. dt is tensor.Float32 for training; tests use tensor.Float64.
func NewModel(c config.Config, pairs int, dt tensor.Dtype, seed uint64) (*Model, error) {
	if c.Device != "cpu" {
		return nil, fmt.Errorf("device %q is not built into this binary; use device: cpu",
			c.Device)
	}
	rng := rand.New(rand.NewPCG(seed, 0x11c_1a17))
	p, err := NewParams(c.Model, c.Augment.InputSize, dt, rng)
	if err != nil {
		return nil, err
	}
	sizes := make([]int, len(p.List))
	for i, q := range p.List {
		sizes[i] = q.Value.Shape().TotalSize()
	}
	t := c.Train
	return &Model{
		cfg: c.Model, lambda: t.Lambda, side: c.Augment.InputSize, pairs: pairs,
		Params: p, Opt: NewAdam(t.LR, t.Beta1, t.Beta2, t.Eps, sizes),
		graphs: map[string]*graph{}, eval: map[int]*graph{}, ar: newArena(),
	}, nil
}

// Step runs one training step of head ("A" or "B") on pairs (x[i], xp[i]),
// x and xp [N, 1, S, S] with N = the model's pairs: forward both views,
// backward, Adam. A non-finite loss returns an error before any update.
func (m *Model) Step(head string, x, xp []float32) (StepResult, error) {
	gr, err := m.graphFor(head, trainGraph)
	if err != nil {
		return StepResult{}, err
	}
	defer gr.vm.Reset()
	if err := m.run(gr, x, xp); err != nil {
		return StepResult{}, err
	}
	res := StepResult{SubHeads: append([]float64(nil), gr.lossOp.losses...)}
	for _, l := range res.SubHeads {
		res.Loss += l / float64(len(res.SubHeads))
	}
	for s, l := range res.SubHeads {
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return res, fmt.Errorf("head %s sub-head %d: loss is %v: %w", head, s, l,
				ErrNonFinite)
		}
	}

	for j, n := range gr.learn {
		g, err := n.Grad()
		if err != nil {
			return res, fmt.Errorf("gradient of %s: %w", n.Name(), err)
		}
		i := gr.learnIdx[j]
		w := m.Params.List[i].Value.Data().([]float32)
		m.Opt.Update(i, w, g.Data().([]float32))
	}
	return res, nil
}

// SubHeadLosses evaluates, without updating anything, the loss of each
// sub-head of head on one batch of pairs; it is the label-free signal for
// choosing a sub-head (spec §e.1).
func (m *Model) SubHeadLosses(head string, x, xp []float32) ([]float64, error) {
	gr, err := m.graphFor(head, lossGraph)
	if err != nil {
		return nil, err
	}
	defer gr.vm.Reset()
	if err := m.run(gr, x, xp); err != nil {
		return nil, err
	}
	return append([]float64(nil), gr.lossOp.losses...), nil
}

// Predict returns the cluster probabilities of head A and head B for n
// images x [n, 1, S, S], as [n, H·K] with each sub-head's K columns side by
// side. Batch norm uses the statistics of these n images, so callers pass
// evaluation batches of a fixed size; after EstimatePopulationBN it uses the
// estimated population statistics instead, and each image's prediction is
// its own.
func (m *Model) Predict(x []float32, n int) (map[string][]float32, error) {
	gr := m.eval[n]
	if gr == nil {
		var err error
		if gr, err = buildGraph(m.Params, m.cfg, m.lambda, evalGraph, "", n, m.side,
			m.ar); err != nil {
			return nil, err
		}
		m.eval[n] = gr
	}
	for i, l := range gr.bns {
		if m.popBN != nil {
			l.setFixed(m.popBN[i])
		} else {
			l.setFixed(nil)
		}
	}
	defer gr.vm.Reset()
	if err := m.run(gr, x, nil); err != nil {
		return nil, err
	}
	out := map[string][]float32{}
	for hi, h := range []string{"A", "B"} {
		k := []int{m.cfg.KA, m.cfg.KB}[hi]
		bias := m.Params.List[headIndex(m.Params, hi)+1].Value
		b, err := float64s(make([]float64, bias.Shape().TotalSize()), bias)
		if err != nil {
			return nil, err
		}
		z, err := float64s(make([]float64, n*len(b)), gr.logits[h].Value())
		if err != nil {
			return nil, err
		}
		out[h] = headProbs(z, b, n, k)
	}
	return out, nil
}

// headProbs returns, for logits z [n, H·K] without bias and the bias b
// [H·K], the softmax of z + b over each sub-head's K columns, [n, H·K].
func headProbs(z, b []float64, n, k int) []float32 {
	hk := len(b)
	probs := make([]float32, n*hk)
	row, p := make([]float64, k), make([]float64, k)
	for i := range n {
		for s := 0; s < hk; s += k {
			for c := range k {
				row[c] = z[i*hk+s+c] + b[s+c]
			}
			softmaxRows(row, p, 1, k)
			for c := range k {
				probs[i*hk+s+c] = float32(p[c])
			}
		}
	}
	return probs
}

func (m *Model) graphFor(head string, kind graphKind) (*graph, error) {
	if head != "A" && head != "B" {
		return nil, fmt.Errorf("unknown head %q, want A or B", head)
	}
	key := fmt.Sprintf("%v/%s", kind, head)
	if gr := m.graphs[key]; gr != nil {
		return gr, nil
	}
	gr, err := buildGraph(m.Params, m.cfg, m.lambda, kind, head, m.pairs, m.side, m.ar)
	if err != nil {
		return nil, err
	}
	m.graphs[key] = gr
	return gr, nil
}

// run copies the inputs, []float32 or (in tests) []float64, into the
// graph's input tensor, x then xp, and runs the graph's machine once.
// Gorgonia adds each run's gradients into the learnables' dual values, so
// run clears those first: a step's gradients are its own.
func (m *Model) run(gr *graph, x, xp any) error {
	views := []any{x, xp}[:gr.views]
	per := gr.input.Shape().TotalSize() / gr.views
	for v, data := range views {
		if err := copyView(gr.input.Data(), data, v*per, per); err != nil {
			return fmt.Errorf("input %d of %d images of side %d: %w", v, gr.n, m.side, err)
		}
	}
	for _, n := range gr.learn {
		if g, err := n.Grad(); err == nil && g != nil {
			if err := zero(g); err != nil {
				return err
			}
		}
	}
	if err := gr.vm.RunAll(); err != nil {
		return fmt.Errorf("run graph: %w", err)
	}
	return nil
}

// copyView copies src into dst[off:off+n]; both must hold the same element
// type and src exactly n values.
func copyView(dst, src any, off, n int) error {
	switch d := dst.(type) {
	case []float32:
		if s, ok := src.([]float32); ok && len(s) == n {
			copy(d[off:off+n], s)
			return nil
		}
	case []float64:
		switch s := src.(type) {
		case []float64:
			if len(s) == n {
				copy(d[off:off+n], s)
				return nil
			}
		case []float32:
			if len(s) == n {
				for i, v := range s {
					d[off+i] = float64(v)
				}
				return nil
			}
		}
	}
	return fmt.Errorf("got %T of %d values, want %T of %d", src, lenOf(src), dst, n)
}

func lenOf(v any) int {
	switch d := v.(type) {
	case []float32:
		return len(d)
	case []float64:
		return len(d)
	}
	return 0
}

// zero clears a gradient value in place.
func zero(v G.Value) error {
	switch d := v.Data().(type) {
	case []float32:
		clear(d)
	case []float64:
		clear(d)
	default:
		return fmt.Errorf("clear gradient: unsupported value %T", v.Data())
	}
	return nil
}
