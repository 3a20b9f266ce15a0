package perturber

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestMakeBatchShapes(t *testing.T) {
	o := testOptions()
	b, err := MakeBatch(syntheticImages(10, 40), []int{3, 1, 4, 9}, o, 7, 12)
	mustNoErr(t, err)
	want := 4 * 5 * 24 * 24
	if len(b.X) != want || len(b.XP) != want {
		t.Errorf("got %d x and %d x′ values, want %d each", len(b.X), len(b.XP), want)
	}
	if b.Step != 12 || b.Repeats != 5 || b.Side != 24 || fmt.Sprint(b.Indices) != "[3 1 4 9]" {
		t.Errorf("got step %d, repeats %d, side %d, indices %v; want 12, 5, 24, [3 1 4 9]",
			b.Step, b.Repeats, b.Side, b.Indices)
	}
}

func TestMakeBatchLayout(t *testing.T) {
	t.Run("default views", func(t *testing.T) { checkBatchLayout(t, testOptions()) })
	t.Run("with erasing and elastic deformation", func(t *testing.T) {
		o := testOptions()
		o.EraseProb, o.EraseSize, o.ElasticProb = 0.5, 6, 0.5
		checkBatchLayout(t, o)
	})
}

// checkBatchLayout checks that MakeBatch lays out for options o the views
// that ApplyX and ApplyXPrime build from each image's own random stream.
func checkBatchLayout(t *testing.T, o Options) {
	src := syntheticImages(6, 41)
	indices := []int{5, 0, 2}
	b, err := MakeBatch(src, indices, o, 99, 3)
	mustNoErr(t, err)
	view, nb := 24*24, len(indices)
	t.Run("every x block is a copy of block 0", func(t *testing.T) {
		for j := 1; j < o.Repeats; j++ {
			block := b.X[j*nb*view : (j+1)*nb*view]
			if !equalFloats(block, b.X[:nb*view]) {
				t.Errorf("x block %d differs from block 0", j)
			}
		}
	})
	t.Run("pair j·B+i holds image i's views drawn from its stream", func(t *testing.T) {
		for i, idx := range indices {
			img := ToFloat(src.Image(idx))
			rng := ImageRNG(99, 3, i)
			x, err := ApplyX(img, DrawXParams(rng, o), o)
			mustNoErr(t, err)
			for j := range o.Repeats {
				p := j*nb + i
				xp, err := ApplyXPrime(img, DrawXPrimeParams(rng, o), o)
				mustNoErr(t, err)
				if !equalFloats(b.X[p*view:(p+1)*view], x) {
					t.Errorf("pair %d: x view is not image %d's", p, i)
				}
				if !equalFloats(b.XP[p*view:(p+1)*view], xp) {
					t.Errorf("pair %d: x′ view is not draw %d of image %d", p, j, i)
				}
			}
		}
	})
	t.Run("the x′ views of one image differ", func(t *testing.T) {
		if equalFloats(b.XP[:view], b.XP[nb*view:(nb+1)*view]) {
			t.Errorf("x′ draws 0 and 1 of image 0 are identical")
		}
	})
}

func TestMakeBatchIsDeterministic(t *testing.T) {
	o := testOptions()
	src := syntheticImages(20, 42)
	indices := []int{19, 4, 7, 7, 0, 11}
	first, err := MakeBatch(src, indices, o, 5, 100)
	mustNoErr(t, err)

	t.Run("building the batch again gives the same bytes", func(t *testing.T) {
		again, err := MakeBatch(src, indices, o, 5, 100)
		mustNoErr(t, err)
		sameBatch(t, again, first)
	})
	t.Run("three goroutines build the same batch", func(t *testing.T) {
		var wg sync.WaitGroup
		got := make([]*Batch, 3)
		errs := make([]error, 3)
		for g := range got {
			wg.Go(func() { got[g], errs[g] = MakeBatch(src, indices, o, 5, 100) })
		}
		wg.Wait()
		for g := range got {
			mustNoErr(t, errs[g])
			sameBatch(t, got[g], first)
		}
	})
	t.Run("reusing a batch of another step gives the same bytes", func(t *testing.T) {
		reused, err := MakeBatch(src, []int{1, 2, 3, 4, 5, 6, 8, 9}, o, 6, 1)
		mustNoErr(t, err)
		mustNoErr(t, MakeBatchInto(reused, src, indices, o, 5, 100))
		sameBatch(t, reused, first)
	})
}

func sameBatch(t *testing.T, got, want *Batch) {
	t.Helper()
	if !equalFloats(got.X, want.X) || !equalFloats(got.XP, want.XP) {
		t.Errorf("batches differ: x by %.3g, x′ by %.3g",
			maxAbsDiff(t, got.X, want.X), maxAbsDiff(t, got.XP, want.XP))
	}
}

func TestMakeBatchSlotDependsOnlyOnSeedStepAndSlot(t *testing.T) {
	o := testOptions()
	o.Repeats = 2
	src := syntheticImages(8, 43)
	base, err := MakeBatch(src, []int{2, 3, 4}, o, 1, 10)
	mustNoErr(t, err)
	slot0 := func(b *Batch) []float32 {
		return append(append([]float32(nil), b.X[:576]...), b.XP[:576]...)
	}
	for _, c := range []struct {
		name    string
		indices []int
		seed    uint64
		step    int
		same    bool
	}{
		{"other images in the other slots leave slot 0 unchanged", []int{2, 7, 0, 5}, 1, 10, true},
		{"another step changes slot 0", []int{2, 3, 4}, 1, 11, false},
		{"another seed changes slot 0", []int{2, 3, 4}, 2, 10, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := MakeBatch(src, c.indices, o, c.seed, c.step)
			mustNoErr(t, err)
			if got := equalFloats(slot0(b), slot0(base)); got != c.same {
				t.Errorf("slot 0 equal to the base batch's: got %v, want %v", got, c.same)
			}
		})
	}
}

func TestMakeBatchDrawsEachSlotAfresh(t *testing.T) {
	o := testOptions()
	b, err := MakeBatch(syntheticImages(3, 47), []int{2, 2}, o, 1, 0)
	mustNoErr(t, err)
	const view = 576
	if equalFloats(b.XP[:view], b.XP[view:2*view]) {
		t.Errorf("the same image in slots 0 and 1 got the same first x′ view")
	}
}

func TestMakeBatchRejectsBadInput(t *testing.T) {
	o := testOptions()
	src := syntheticImages(4, 44)
	wide := Images{Pix: make([]byte, 2*28*30), Rows: 28, Cols: 30}
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"an index past the end", second(MakeBatch(src, []int{0, 4}, o, 1, 0)), ErrIndex},
		{"a negative index", second(MakeBatch(src, []int{-1}, o, 1, 0)), ErrIndex},
		{"no indices", second(MakeBatch(src, nil, o, 1, 0)), ErrIndex},
		{"images of another size", second(MakeBatch(wide, []int{0}, o, 1, 0)), ErrShape},
		{"invalid options", second(MakeBatch(src, []int{0}, Options{}, 1, 0)), ErrInvalidOptions},
		{"an eval batch too small", EvalBatch(src, []int{0, 1}, o, make([]float32, 576)), ErrShape},
		{"an eval index past the end", EvalBatch(src, []int{9}, o, make([]float32, 576)), ErrIndex},
	} {
		t.Run("rejects "+c.name, func(t *testing.T) {
			if !errors.Is(c.err, c.want) {
				t.Errorf("got error %v, want one wrapping %v", c.err, c.want)
			}
		})
	}
}

func TestImagesSlicesWholeImages(t *testing.T) {
	m := Images{Pix: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, Rows: 2, Cols: 2}
	if m.Len() != 2 {
		t.Errorf("Len: got %d, want 2 (the 2 trailing bytes are no image)", m.Len())
	}
	if got := m.Image(1); fmt.Sprint(got) != "[5 6 7 8]" {
		t.Errorf("Image(1): got %v, want [5 6 7 8]", got)
	}
	for _, i := range []int{-1, 2} {
		if got := m.Image(i); got != nil {
			t.Errorf("Image(%d): got %v, want nil", i, got)
		}
	}
}

func TestEvalBatchHoldsTheEvalViews(t *testing.T) {
	o := testOptions()
	src := syntheticImages(5, 45)
	indices := []int{4, 0, 2}
	dst := make([]float32, len(indices)*576)
	mustNoErr(t, EvalBatch(src, indices, o, dst))
	for i, idx := range indices {
		want, err := EvalView(ToFloat(src.Image(idx)), o)
		mustNoErr(t, err)
		if !equalFloats(dst[i*576:(i+1)*576], want) {
			t.Errorf("slot %d: not the eval view of image %d", i, idx)
		}
	}
}

func BenchmarkMakeBatch(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchmarkMakeBatch(b, testOptions()) })
	b.Run("elastic", func(b *testing.B) {
		o := testOptions()
		o.ElasticProb = 1
		benchmarkMakeBatch(b, o)
	})
}

// benchmarkMakeBatch builds the batches of 64 images × o.Repeats pairs.
func benchmarkMakeBatch(b *testing.B, o Options) {
	src := syntheticImages(64, 46)
	indices := make([]int, 64)
	for i := range indices {
		indices[i] = i
	}
	batch := new(Batch)
	b.ReportAllocs()
	for step := 0; b.Loop(); step++ {
		if err := MakeBatchInto(batch, src, indices, o, 1, step); err != nil {
			b.Fatal(err)
		}
	}
}
