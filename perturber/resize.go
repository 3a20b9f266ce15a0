package perturber

import (
	"fmt"
	"math"
)

// resizeKernel holds PIL's bilinear resampling weights along one axis for a
// resize from in to out pixels: output pixel o reads count[o] input pixels
// from first[o] on, with weights weights[o*taps : o*taps+count[o]].
type resizeKernel struct {
	in, out int
	taps    int
	first   []int
	count   []int
	weights []float32
}

// newResizeKernel computes the weights of PIL's ImagingResample with the
// bilinear (triangle) filter of support 1. Output pixel o is centred at
// (o+½)·scale in input coordinates, scale = in/out; when downscaling the
// filter is stretched by scale. Taps that fall outside the image are dropped
// and the rest renormalised, which amounts to edge clamping.
func newResizeKernel(in, out int) *resizeKernel {
	scale := float64(in) / float64(out)
	filterScale := max(scale, 1)
	support := filterScale
	taps := int(math.Ceil(support))*2 + 1
	k := &resizeKernel{
		in: in, out: out, taps: taps,
		first:   make([]int, out),
		count:   make([]int, out),
		weights: make([]float32, out*taps),
	}
	w := make([]float64, taps)
	for o := range out {
		centre := (float64(o) + 0.5) * scale
		// As PIL: round the tap range; taps beyond it have zero weight.
		lo := max(int(centre-support+0.5), 0)
		hi := min(int(centre+support+0.5), in)
		total := 0.0
		for t := range hi - lo {
			d := (float64(lo+t) + 0.5 - centre) / filterScale
			w[t] = max(0, 1-math.Abs(d))
			total += w[t]
		}
		for t := range hi - lo {
			if total != 0 {
				w[t] /= total
			}
			k.weights[o*taps+t] = float32(w[t])
		}
		k.first[o], k.count[o] = lo, hi-lo
	}
	return k
}

// cropResize writes the side×side window at (top, left) of the image src,
// which has cols columns, resized by k (k.in = side) into dst
// [k.out*k.out]. tmp must hold side*k.out values. The horizontal pass runs
// first, as in PIL.
func (k *resizeKernel) cropResize(dst, tmp, src []float32, cols, top, left int) {
	side, out := k.in, k.out
	for r := range side {
		row := src[(top+r)*cols+left : (top+r)*cols+left+side]
		tmpRow := tmp[r*out : (r+1)*out]
		for o := range out {
			ws := k.weights[o*k.taps : o*k.taps+k.count[o]]
			in := row[k.first[o] : k.first[o]+len(ws)]
			var s float32
			for t, w := range ws {
				s += w * in[t]
			}
			tmpRow[o] = s
		}
	}
	for o := range out {
		dstRow := dst[o*out : (o+1)*out]
		clear(dstRow)
		ws := k.weights[o*k.taps : o*k.taps+k.count[o]]
		for t, w := range ws {
			tmpRow := tmp[(k.first[o]+t)*out : (k.first[o]+t+1)*out]
			for x, v := range tmpRow {
				dstRow[x] += w * v
			}
		}
	}
}

// Crop returns the side×side window of the rows×cols image src [rows*cols]
// whose top-left pixel is (top, left), as [side*side].
func Crop(src []float32, rows, cols, top, left, side int) ([]float32, error) {
	if err := checkImage(src, rows, cols); err != nil {
		return nil, err
	}
	if side <= 0 || top < 0 || left < 0 || top+side > rows || left+side > cols {
		return nil, fmt.Errorf("crop %d×%d at (%d, %d) of a %d×%d image: %w",
			side, side, top, left, rows, cols, ErrShape)
	}
	dst := make([]float32, 0, side*side)
	for r := top; r < top+side; r++ {
		dst = append(dst, src[r*cols+left:r*cols+left+side]...)
	}
	return dst, nil
}

// Resize returns the side×side image src [side*side] resized to
// outSide×outSide [outSide*outSide] with PIL's bilinear filter. Resizing to
// the same side returns an exact copy.
func Resize(src []float32, side, outSide int) ([]float32, error) {
	if err := checkImage(src, side, side); err != nil {
		return nil, err
	}
	if outSide <= 0 {
		return nil, fmt.Errorf("resize to side %d: %w", outSide, ErrShape)
	}
	k := newResizeKernel(side, outSide)
	dst := make([]float32, outSide*outSide)
	k.cropResize(dst, make([]float32, side*outSide), src, side, 0, 0)
	return dst, nil
}

// checkImage reports whether src holds a rows×cols image.
func checkImage(src []float32, rows, cols int) error {
	if rows <= 0 || cols <= 0 || len(src) != rows*cols {
		return fmt.Errorf("image of %d values as %d×%d: %w", len(src), rows, cols, ErrShape)
	}
	return nil
}
