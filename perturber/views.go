package perturber

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// XParams are the random choices of one x view (tf1).
type XParams struct {
	// Centre tells that the centre crop was chosen rather than a random one.
	Centre bool
	// Top and Left place the CropOrig×CropOrig crop in the raw image.
	Top, Left int
}

// XPrimeParams are the random choices of one x′ view (tf2).
type XPrimeParams struct {
	// Rotate tells whether the raw image is rotated, by Angle degrees
	// counter-clockwise (0 when not rotated).
	Rotate bool
	Angle  float64
	// Side, Top and Left place the Side×Side crop in the (rotated) image.
	Side, Top, Left int
	// Jitter holds the colour-jitter factors and order.
	Jitter JitterParams
	// Erase tells whether the Options.EraseSize square at (EraseTop,
	// EraseLeft) of the resized, jittered view is set to 0.
	Erase               bool
	EraseTop, EraseLeft int
	// Elastic tells whether the raw image is first deformed by the elastic
	// field that ElasticSeed draws (0 when not deformed).
	Elastic     bool
	ElasticSeed uint64
}

// DrawXParams draws the choices of an x view from rng, for valid options o:
// torchvision's RandomChoice between a random and the centre CropOrig crop,
// then, for a random crop, its top and left offsets, each uniform in
// [0, ImageSide-CropOrig].
func DrawXParams(rng *rand.Rand, o Options) XParams {
	if rng.IntN(2) == 1 {
		off := centreOffset(o.ImageSide, o.CropOrig)
		return XParams{Centre: true, Top: off, Left: off}
	}
	n := o.ImageSide - o.CropOrig + 1
	return XParams{Top: intN(rng, n), Left: intN(rng, n)}
}

// DrawXPrimeParams draws the choices of an x′ view from rng, for valid
// options o, in the original's order: whether to rotate (probability
// RotateProb) and the angle, uniform in [-RotateDeg, RotateDeg); the crop side,
// uniform over CropOther; its top and left offsets, uniform in
// [0, ImageSide-Side]; then the jitter factors and order; then, only when
// erasing is on, whether to erase (probability EraseProb) and the square's
// top and left, uniform in [0, InputSize-EraseSize]; then, only when
// elastic deformation is on, whether to deform (probability ElasticProb)
// and the seed of the field.
func DrawXPrimeParams(rng *rand.Rand, o Options) XPrimeParams {
	var p XPrimeParams
	if rng.Float64() < o.RotateProb {
		p.Rotate = true
		p.Angle = uniform(rng, -o.RotateDeg, o.RotateDeg)
	}
	if len(o.CropOther) > 0 {
		p.Side = o.CropOther[rng.IntN(len(o.CropOther))]
	}
	n := o.ImageSide - p.Side + 1
	p.Top, p.Left = intN(rng, n), intN(rng, n)
	p.Jitter = drawJitter(rng, o)
	if o.erases() && rng.Float64() < o.EraseProb {
		n := o.InputSize - o.EraseSize + 1
		p.Erase, p.EraseTop, p.EraseLeft = true, intN(rng, n), intN(rng, n)
	}
	if o.deforms() && rng.Float64() < o.ElasticProb {
		p.Elastic, p.ElasticSeed = true, rng.Uint64()
	}
	return p
}

// intN is rng.IntN that returns 0 instead of panicking when n < 1, which
// only invalid options produce; Apply* then rejects the parameters.
func intN(rng *rand.Rand, n int) int {
	if n < 1 {
		return 0
	}
	return rng.IntN(n)
}

// ApplyX returns the x view of img [ImageSide*ImageSide] for the choices p:
// the crop resized to [InputSize*InputSize].
func ApplyX(img []float32, p XParams, o Options) ([]float32, error) {
	if err := checkView(img, o); err != nil {
		return nil, err
	}
	if err := checkWindow(o.ImageSide, o.CropOrig, p.Top, p.Left); err != nil {
		return nil, fmt.Errorf("x view: %w", err)
	}
	dst := make([]float32, o.InputSize*o.InputSize)
	newWorkspace(o).applyX(dst, img, p)
	return dst, nil
}

// ApplyXPrime returns the x′ view of img [ImageSide*ImageSide] for the
// choices p: elastically deformed, rotated, cropped, resized to
// [InputSize*InputSize], jittered and erased, each step only where p says.
func ApplyXPrime(img []float32, p XPrimeParams, o Options) ([]float32, error) {
	if err := checkView(img, o); err != nil {
		return nil, err
	}
	if err := checkWindow(o.ImageSide, p.Side, p.Top, p.Left); err != nil {
		return nil, fmt.Errorf("x′ view: %w", err)
	}
	if math.IsNaN(p.Angle) || math.IsInf(p.Angle, 0) {
		return nil, fmt.Errorf("x′ view: rotation angle %g is not finite", p.Angle)
	}
	if p.Elastic && !o.deforms() {
		return nil, fmt.Errorf("x′ view: a deformed view of options without deformation: %w",
			ErrInvalidOptions)
	}
	if p.Erase {
		if err := checkWindow(o.InputSize, o.EraseSize, p.EraseTop, p.EraseLeft); err != nil {
			return nil, fmt.Errorf("x′ erasing: %w", err)
		}
	}
	dst := make([]float32, o.InputSize*o.InputSize)
	newWorkspace(o).applyXPrime(dst, img, p)
	return dst, nil
}

// XView draws an x view of img [ImageSide*ImageSide] from rng and returns it
// as [InputSize*InputSize].
func XView(img []float32, rng *rand.Rand, o Options) ([]float32, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return ApplyX(img, DrawXParams(rng, o), o)
}

// XPrimeView draws an x′ view of img [ImageSide*ImageSide] from rng and
// returns it as [InputSize*InputSize].
func XPrimeView(img []float32, rng *rand.Rand, o Options) ([]float32, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return ApplyXPrime(img, DrawXPrimeParams(rng, o), o)
}

// EvalView returns the evaluation view of img [ImageSide*ImageSide]: its
// centre CropOrig crop resized to [InputSize*InputSize].
func EvalView(img []float32, o Options) ([]float32, error) {
	return ApplyX(img, centreX(o), o)
}

func centreX(o Options) XParams {
	off := centreOffset(o.ImageSide, o.CropOrig)
	return XParams{Centre: true, Top: off, Left: off}
}

func checkView(img []float32, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return checkImage(img, o.ImageSide, o.ImageSide)
}

func checkWindow(imageSide, side, top, left int) error {
	if side <= 0 || top < 0 || left < 0 || top+side > imageSide || left+side > imageSide {
		return fmt.Errorf("crop %d×%d at (%d, %d) of a %d×%d image: %w",
			side, side, top, left, imageSide, imageSide, ErrShape)
	}
	return nil
}

// workspace holds the scratch buffers and resize kernels of one goroutine
// building views for one set of options, so that the batch loop does not
// allocate per image.
type workspace struct {
	o       Options
	img     []float32             // [ImageSide²] the current raw image in [0, 1]
	rot     []float32             // [ImageSide²] its rotated copy
	warped  []float32             // [ImageSide²] its elastically deformed copy
	elastic *elasticField         // nil unless o deforms x′ views
	tmp     []float32             // [ImageSide*InputSize] resize's first pass
	kernels map[int]*resizeKernel // by crop side
}

func newWorkspace(o Options) *workspace {
	n := o.ImageSide * o.ImageSide
	w := &workspace{
		o:       o,
		img:     make([]float32, n),
		rot:     make([]float32, n),
		tmp:     make([]float32, o.ImageSide*o.InputSize),
		kernels: make(map[int]*resizeKernel, len(o.CropOther)+1),
	}
	if o.deforms() {
		w.warped = make([]float32, n)
		w.elastic = newElasticField(o.ImageSide, o.ElasticSigma)
	}
	return w
}

func (w *workspace) kernel(side int) *resizeKernel {
	k, ok := w.kernels[side]
	if !ok {
		k = newResizeKernel(side, w.o.InputSize)
		w.kernels[side] = k
	}
	return k
}

// applyX writes the x view of img for p into dst [InputSize²].
func (w *workspace) applyX(dst, img []float32, p XParams) {
	w.kernel(w.o.CropOrig).cropResize(dst, w.tmp, img, w.o.ImageSide, p.Top, p.Left)
}

// applyXPrime writes the x′ view of img for p into dst [InputSize²].
func (w *workspace) applyXPrime(dst, img []float32, p XPrimeParams) {
	src := img
	if p.Elastic && w.elastic != nil {
		w.elastic.draw(p.ElasticSeed, w.o.ElasticAlpha)
		w.elastic.warp(w.warped, src)
		src = w.warped
	}
	if p.Rotate {
		rotateInto(w.rot, src, w.o.ImageSide, p.Angle)
		src = w.rot
	}
	w.kernel(p.Side).cropResize(dst, w.tmp, src, w.o.ImageSide, p.Top, p.Left)
	jitter(dst, p.Jitter)
	if p.Erase {
		erase(dst, w.o.InputSize, w.o.EraseSize, p.EraseTop, p.EraseLeft)
	}
}

// erase sets the side×side square at (top, left) of the n×n image img to 0.
func erase(img []float32, n, side, top, left int) {
	for y := top; y < top+side; y++ {
		clear(img[y*n+left : y*n+left+side])
	}
}
