package perturber

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Images is a read-only view of raw 8-bit greyscale images stored back to
// back, [n, Rows, Cols] row-major, as the loader holds them. Build it from a
// loader.Dataset as Images{Pix: ds.Images, Rows: ds.Rows, Cols: ds.Cols}.
type Images struct {
	Pix        []byte
	Rows, Cols int
}

// Len returns the number of whole images in m.
func (m Images) Len() int {
	if m.Rows <= 0 || m.Cols <= 0 {
		return 0
	}
	return len(m.Pix) / (m.Rows * m.Cols)
}

// Image returns the raw pixels [Rows*Cols] of image i, or nil when i is
// outside [0, Len()).
func (m Images) Image(i int) []byte {
	if i < 0 || i >= m.Len() {
		return nil
	}
	n := m.Rows * m.Cols
	return m.Pix[i*n : (i+1)*n]
}

// Batch is the perturber pool's unit of work: the r·B training pairs of one
// step, laid out as r consecutive blocks of the same B images, so that pair
// p = j·B + i holds image i's x view and its j-th x′ view.
type Batch struct {
	// Epoch and Step number the batch; MakeBatch sets Step, the caller
	// sets Epoch.
	Epoch, Step int
	// Indices are the dataset indices of the B distinct images.
	Indices []int
	// Repeats is r, the number of pairs per image.
	Repeats int
	// Side is the side of every view (Options.InputSize).
	Side int
	// X holds the x views [B*r, 1, Side, Side]: image i's single x view is
	// copied into each of the r blocks.
	X []float32
	// XP holds the x′ views [B*r, 1, Side, Side]: r independent draws per
	// image.
	XP []float32
}

// ImageRNG returns the random stream of image slot slot in step step of a
// run seeded with seed. It mixes the three numbers with splitmix64 into the
// two seeds of a PCG generator, so that slots and steps get independent
// streams whoever computes them.
func ImageRNG(seed uint64, step, slot int) *rand.Rand {
	// The constant ("perturbe" in ASCII) keeps these streams apart from
	// other users of the same seed.
	h := splitmix64(seed ^ 0x7065727475726265)
	h = splitmix64(h ^ uint64(step))
	h = splitmix64(h ^ uint64(slot))
	return rand.New(rand.NewPCG(h, splitmix64(h)))
}

// splitmix64 is the output function of Steele et al.'s SplitMix64.
func splitmix64(x uint64) uint64 {
	z := x + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// MakeBatch builds the training batch of step step for the images at
// indices: for each slot i it draws, from ImageRNG(seed, step, i), one x view
// and then r = o.Repeats x′ views.
func MakeBatch(src Images, indices []int, o Options, seed uint64, step int) (*Batch, error) {
	b := new(Batch)
	if err := MakeBatchInto(b, src, indices, o, seed, step); err != nil {
		return nil, err
	}
	return b, nil
}

// MakeBatchInto is MakeBatch writing into b, reusing the capacity of its
// slices; it leaves b.Epoch unchanged. The result does not depend on what b
// held before.
func MakeBatchInto(
	b *Batch, src Images, indices []int, o Options, seed uint64, step int,
) error {
	if err := checkBatch(src, indices, o); err != nil {
		return fmt.Errorf("make batch of step %d: %w", step, err)
	}
	nb, r, s := len(indices), o.Repeats, o.InputSize
	view := s * s
	b.Step, b.Repeats, b.Side = step, r, s
	b.Indices = append(b.Indices[:0], indices...)
	b.X = grow(b.X, nb*r*view)
	b.XP = grow(b.XP, nb*r*view)

	w := newWorkspace(o)
	for i, idx := range indices {
		toFloatInto(w.img, src.Image(idx))
		rng := ImageRNG(seed, step, i)
		w.applyX(b.X[i*view:(i+1)*view], w.img, DrawXParams(rng, o))
		for j := range r {
			p := j*nb + i
			w.applyXPrime(b.XP[p*view:(p+1)*view], w.img, DrawXPrimeParams(rng, o))
		}
	}

	block := b.X[:nb*view]
	for j := 1; j < r; j++ {
		copy(b.X[j*nb*view:(j+1)*nb*view], block)
	}
	return nil
}

// EvalBatch writes the evaluation views of the images at indices into dst
// [len(indices), 1, InputSize, InputSize].
func EvalBatch(src Images, indices []int, o Options, dst []float32) error {
	if err := checkBatch(src, indices, o); err != nil {
		return fmt.Errorf("make eval batch: %w", err)
	}
	view := o.InputSize * o.InputSize
	if len(dst) != len(indices)*view {
		return fmt.Errorf("eval batch of %d images into %d values, want %d: %w",
			len(indices), len(dst), len(indices)*view, ErrShape)
	}
	w := newWorkspace(o)
	centre := centreX(o)
	for i, idx := range indices {
		toFloatInto(w.img, src.Image(idx))
		w.applyX(dst[i*view:(i+1)*view], w.img, centre)
	}
	return nil
}

func checkBatch(src Images, indices []int, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if src.Rows != o.ImageSide || src.Cols != o.ImageSide {
		return fmt.Errorf("images are %d×%d, options expect %d×%d: %w",
			src.Rows, src.Cols, o.ImageSide, o.ImageSide, ErrShape)
	}
	if len(indices) == 0 {
		return fmt.Errorf("no image indices: %w", ErrIndex)
	}
	n := src.Len()
	for _, idx := range indices {
		if idx < 0 || idx >= n {
			return fmt.Errorf("image index %d outside [0, %d): %w", idx, n, ErrIndex)
		}
	}
	return nil
}

// grow returns buf with length n, reusing its capacity when it suffices.
func grow(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return slices.Grow(buf[:0], n)[:n]
}
