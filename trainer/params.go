package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"

	"github.com/iic-go/iic/config"
)

// Param is one learnable tensor of the model with a stable name; names are
// what checkpoints store, so they never depend on Gorgonia's internals.
type Param struct {
	Name  string
	Value *tensor.Dense
	// Head is "A" or "B" for a head's own parameters, "" for the trunk.
	Head string
}

// Params holds every learnable tensor of ClusterNet, in a fixed order: for
// each trunk layer l its conv kernel "conv{l}.w" [C_out, C_in, K, K], BN scale
// "bn{l}.gamma" and shift "bn{l}.beta" [1, C_out, 1, 1]; then per head H in
// A, B its weights "head{H}.w" [F, h·k] and bias "head{H}.b" [h·k], where F is
// the flattened trunk output and the h sub-heads' columns sit side by side.
type Params struct {
	List []Param
	// Features is F, the length of the trunk's flattened output.
	Features int
	// Side is the spatial side of the trunk's last feature map.
	Side int

	subHeads int
}

// NewParams initialises ClusterNet's parameters as the original does
// (spec §c.1): conv kernels Kaiming-normal (fan-in, ReLU gain), BN γ = 1 and
// β = 0, linear weights N(0, 0.01²) and zero biases. rng seeds it all.
func NewParams(m config.Model, inputSize int, dt tensor.Dtype, rng *rand.Rand) (*Params, error) {
	if len(m.Widths) == 0 {
		return nil, fmt.Errorf("model.widths is empty")
	}
	p := &Params{subHeads: m.SubHeads}
	in, side := 1, inputSize
	for l, w := range m.Widths {
		fanIn := in * m.Kernel * m.Kernel
		std := math.Sqrt(2 / float64(fanIn))
		p.add("", fmt.Sprintf("conv%d.w", l), normal(dt, rng, std, w, in, m.Kernel, m.Kernel))
		p.add("", fmt.Sprintf("bn%d.gamma", l), filled(dt, 1, 1, w, 1, 1))
		p.add("", fmt.Sprintf("bn%d.beta", l), filled(dt, 0, 1, w, 1, 1))
		if l < len(m.Widths)-1 {
			side /= 2
		}
		in = w
	}
	if side < 1 {
		return nil, fmt.Errorf("input %d is too small for %d pooling layers", inputSize,
			len(m.Widths)-1)
	}
	p.Side = side
	p.Features = in * side * side
	for _, h := range []struct {
		name string
		k    int
	}{{"A", m.KA}, {"B", m.KB}} {
		p.add(h.name, "head"+h.name+".w", normal(dt, rng, 0.01, p.Features, m.SubHeads*h.k))
		p.add(h.name, "head"+h.name+".b", filled(dt, 0, m.SubHeads*h.k))
	}
	return p, nil
}

func (p *Params) add(head, name string, v *tensor.Dense) {
	p.List = append(p.List, Param{Name: name, Value: v, Head: head})
}

// Get returns the parameter called name, or nil.
func (p *Params) Get(name string) *tensor.Dense {
	for _, q := range p.List {
		if q.Name == name {
			return q.Value
		}
	}
	return nil
}

// Count returns the number of scalar parameters.
func (p *Params) Count() int {
	n := 0
	for _, q := range p.List {
		n += q.Value.Shape().TotalSize()
	}
	return n
}

func normal(dt tensor.Dtype, rng *rand.Rand, std float64, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(rng.NormFloat64() * std)
		}
	case []float64:
		for i := range d {
			d[i] = rng.NormFloat64() * std
		}
	}
	return t
}

func filled(dt tensor.Dtype, v float64, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(v)
		}
	case []float64:
		for i := range d {
			d[i] = v
		}
	}
	return t
}

// SubHeads returns the number of sub-heads per head.
func (p *Params) SubHeads() int { return p.subHeads }
