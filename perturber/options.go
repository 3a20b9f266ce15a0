package perturber

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/iic-go/iic/config"
)

// MNISTSide is the side of a raw MNIST digit in pixels.
const MNISTSide = 28

// ErrInvalidOptions is wrapped by every error of Options.Validate.
var ErrInvalidOptions = errors.New("invalid perturbation options")

// ErrShape reports an image, parameter set or destination whose size does
// not fit the dimensions it is used with.
var ErrShape = errors.New("shape mismatch")

// ErrIndex reports a dataset index outside the image set, or an empty list
// of indices.
var ErrIndex = errors.New("bad image index")

// Options configures the three views (spec §b.1). The zero value is not
// valid; build it with OptionsFrom and check it with Validate.
type Options struct {
	// ImageSide is the side of the raw square images (28 for MNIST).
	ImageSide int
	// InputSize is the side of every view, the network's input.
	InputSize int
	// CropOrig is the crop side of the x and eval views.
	CropOrig int
	// CropOther lists the crop sides the x′ view chooses from uniformly.
	CropOther []int
	// RotateDeg bounds the x′ rotation angle, uniform in ±RotateDeg degrees.
	RotateDeg float64
	// RotateProb is the probability that an x′ view is rotated.
	RotateProb float64
	// Brightness and Contrast are jitter strengths in [0, 1): the factors
	// are drawn uniformly in [1-s, 1+s].
	Brightness float64
	Contrast   float64
	// Repeats is r: the number of x′ views per image and step.
	Repeats int
	// EraseProb is the probability that an x′ view gets an EraseSize×EraseSize
	// square set to 0 after the jitter (random erasing); EraseProb 0 or
	// EraseSize 0 turns it off and leaves the random stream of the views
	// exactly as without the option.
	EraseProb float64
	EraseSize int
	// ElasticProb is the probability that an x′ view starts from an
	// elastically deformed image (Simard et al. 2003): every pixel of the raw
	// image is displaced by a random field, uniform noise smoothed with a
	// Gaussian of ElasticSigma pixels and scaled by ElasticAlpha pixels.
	// ElasticProb 0 or ElasticAlpha 0 turns it off and leaves the random
	// stream of the views exactly as without the option.
	ElasticProb  float64
	ElasticAlpha float64
	ElasticSigma float64
}

// OptionsFrom returns the options described by a, for MNIST-sized images.
func OptionsFrom(a config.Augment) Options {
	return Options{
		ImageSide:  MNISTSide,
		InputSize:  a.InputSize,
		CropOrig:   a.CropOrig,
		CropOther:  slices.Clone(a.CropOther),
		RotateDeg:  a.RotateDeg,
		RotateProb: a.RotateProb,
		Brightness: a.Brightness,
		Contrast:   a.Contrast,
		Repeats:    a.Repeats,
		EraseProb:  a.EraseProb,
		EraseSize:  a.EraseSize,

		ElasticProb:  a.ElasticProb,
		ElasticAlpha: a.ElasticAlpha,
		ElasticSigma: a.ElasticSigma,
	}
}

// Validate reports the first option that is out of range, wrapping
// ErrInvalidOptions.
func (o Options) Validate() error {
	switch {
	case o.ImageSide <= 0:
		return invalid("image side %d is not positive", o.ImageSide)
	case o.InputSize <= 0:
		return invalid("input size %d is not positive", o.InputSize)
	case o.CropOrig <= 0 || o.CropOrig > o.ImageSide:
		return invalid("crop_orig %d outside [1, %d]", o.CropOrig, o.ImageSide)
	case len(o.CropOther) == 0:
		return invalid("crop_other is empty")
	case o.Repeats < 1:
		return invalid("repeats %d is below 1", o.Repeats)
	case !(o.RotateProb >= 0 && o.RotateProb <= 1):
		return invalid("rotate_prob %g outside [0, 1]", o.RotateProb)
	case !(o.RotateDeg >= 0) || math.IsInf(o.RotateDeg, 1):
		return invalid("rotate_deg %g is not a finite angle >= 0", o.RotateDeg)
	case !(o.Brightness >= 0 && o.Brightness < 1):
		return invalid("brightness %g outside [0, 1)", o.Brightness)
	case !(o.Contrast >= 0 && o.Contrast < 1):
		return invalid("contrast %g outside [0, 1)", o.Contrast)
	case !(o.EraseProb >= 0 && o.EraseProb <= 1):
		return invalid("erase_prob %g outside [0, 1]", o.EraseProb)
	case o.EraseSize < 0 || o.EraseSize > o.InputSize:
		return invalid("erase_size %d outside [0, %d]", o.EraseSize, o.InputSize)
	case !(o.ElasticProb >= 0 && o.ElasticProb <= 1):
		return invalid("elastic_prob %g outside [0, 1]", o.ElasticProb)
	case !(o.ElasticAlpha >= 0 && o.ElasticAlpha <= config.MaxElasticAlpha):
		return invalid("elastic_alpha %g outside [0, %g]", o.ElasticAlpha, config.MaxElasticAlpha)
	case !(o.ElasticSigma > 0 && o.ElasticSigma <= config.MaxElasticSigma):
		return invalid("elastic_sigma %g outside (0, %g]", o.ElasticSigma, config.MaxElasticSigma)
	}
	for _, s := range o.CropOther {
		if s <= 0 || s > o.ImageSide {
			return invalid("crop_other side %d outside [1, %d]", s, o.ImageSide)
		}
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...)
}

// centreOffset is torchvision's CenterCrop offset under Python 2, whose
// round() rounds halves away from zero as math.Round does.
func centreOffset(imageSide, side int) int {
	return int(math.Round(float64(imageSide-side) / 2))
}

// deforms tells whether x′ views may be elastically deformed at all.
func (o Options) deforms() bool { return o.ElasticProb > 0 && o.ElasticAlpha > 0 }

// erases tells whether x′ views may be erased at all.
func (o Options) erases() bool { return o.EraseProb > 0 && o.EraseSize > 0 }
