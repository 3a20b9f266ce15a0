package trainer

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opBase supplies the methods of G.Op that the trainer's ops share. Each op
// has a fixed output shape (shapes are fixed per graph) and returns the same
// preallocated tensor from every Do, so a step allocates nothing. Gorgonia
// may keep that tensor in a register only while its node is live; the ops
// never implement UsePreallocDoer, so no other op writes into their memory.
type opBase struct {
	// name is unique per op instance (it carries the op's address), so
	// Gorgonia never merges two nodes of distinct ops.
	name string
	// dims are the ranks of the inputs, then of the output; 0 is a scalar.
	dims  []int
	shape tensor.Shape
}

func newOpBase(label string, self any, shape tensor.Shape, dims ...int) opBase {
	return opBase{name: fmt.Sprintf("%s@%p", label, self), dims: dims, shape: shape}
}

func (b *opBase) Arity() int { return len(b.dims) - 1 }

func (b *opBase) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, len(b.dims))
	for i, d := range b.dims {
		if d == 0 {
			ts[i] = a
		} else {
			ts[i] = G.TensorType{Dims: d, Of: a}
		}
	}
	return hm.NewFnType(ts...)
}

func (b *opBase) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return b.shape.Clone(), nil
}

func (b *opBase) ReturnsPtr() bool      { return false }
func (b *opBase) CallsExtern() bool     { return false }
func (b *opBase) OverwritesInput() int  { return -1 }
func (b *opBase) WriteHash(h hash.Hash) { fmt.Fprint(h, b.name) }
func (b *opBase) Hashcode() uint32      { return hashOf(b) }
func (b *opBase) String() string        { return b.name }

// valuesOf returns the data of vals as []T, or an error naming op when one
// has another element type.
func valuesOf[T float](op string, vals []G.Value) ([][]T, error) {
	out := make([][]T, len(vals))
	for i, v := range vals {
		d, ok := v.Data().([]T)
		if !ok {
			var want T
			return nil, fmt.Errorf("%s: input %d holds %T, want []%T", op, i, v.Data(), want)
		}
		out[i] = d
	}
	return out, nil
}

// arena hands out the buffers of one model's graphs by name. The graphs of
// a model run one at a time and none reads another's buffers after its run,
// so graphs that ask for the same name share memory: the train graphs of
// both heads and the loss graph use one set of activations.
type arena struct {
	bufs map[string]any
	gemm gemmScratch // packing buffers of the pure-Go sgemm
}

func newArena() *arena { return &arena{bufs: map[string]any{}} }

// arenaSlice returns the buffer called name with length n, reusing the
// arena's buffer when it is large enough.
func arenaSlice[E any](a *arena, name string, n int) []E {
	if b, ok := a.bufs[name].([]E); ok && cap(b) >= n {
		return b[:n]
	}
	b := make([]E, n)
	a.bufs[name] = b
	return b
}

// arenaTensor returns a tensor of the given shape over the arena's buffer
// called name.
func arenaTensor[T float](a *arena, name string, shape ...int) (*tensor.Dense, []T) {
	d := arenaSlice[T](a, name, tensor.Shape(shape).TotalSize())
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d)), d
}
