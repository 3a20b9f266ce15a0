package perturber

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/iic-go/iic/config"
)

func TestOptionsFromCopiesTheConfig(t *testing.T) {
	a := config.Default().Augment
	o := OptionsFrom(a)
	want := Options{
		ImageSide: 28, InputSize: 24, CropOrig: 20, CropOther: []int{16, 20, 24},
		RotateDeg: 25, RotateProb: 0.5, Brightness: 0.4, Contrast: 0.4, Repeats: a.Repeats,
		ElasticAlpha: 34, ElasticSigma: 4,
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("got %+v, want %+v", o, want)
	}
	a.CropOther[0] = 1
	if o.CropOther[0] != 16 {
		t.Errorf("changing the config's crop sides changed the options: got %v", o.CropOther)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("default options: got error %v, want none", err)
	}
}

func TestValidateRejectsOutOfRangeOptions(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Options)
	}{
		{"a zero image side", func(o *Options) { o.ImageSide = 0 }},
		{"a zero input size", func(o *Options) { o.InputSize = 0 }},
		{"an x crop larger than the image", func(o *Options) { o.CropOrig = 29 }},
		{"an x crop of side zero", func(o *Options) { o.CropOrig = 0 }},
		{"no x′ crop sides", func(o *Options) { o.CropOther = nil }},
		{"an x′ crop larger than the image", func(o *Options) { o.CropOther = []int{16, 30} }},
		{"an x′ crop of side zero", func(o *Options) { o.CropOther = []int{0} }},
		{"zero repeats", func(o *Options) { o.Repeats = 0 }},
		{"a rotation probability above 1", func(o *Options) { o.RotateProb = 1.5 }},
		{"a negative rotation probability", func(o *Options) { o.RotateProb = -0.1 }},
		{"a NaN rotation probability", func(o *Options) { o.RotateProb = math.NaN() }},
		{"a negative rotation bound", func(o *Options) { o.RotateDeg = -1 }},
		{"an infinite rotation bound", func(o *Options) { o.RotateDeg = math.Inf(1) }},
		{"a brightness strength of 1", func(o *Options) { o.Brightness = 1 }},
		{"a negative contrast strength", func(o *Options) { o.Contrast = -0.2 }},
		{"a NaN contrast strength", func(o *Options) { o.Contrast = math.NaN() }},
		{"an erasing probability above 1", func(o *Options) { o.EraseProb = 1.01 }},
		{"a NaN erasing probability", func(o *Options) { o.EraseProb = math.NaN() }},
		{"an erased square wider than the input", func(o *Options) { o.EraseSize = 25 }},
		{"a negative erased square", func(o *Options) { o.EraseSize = -1 }},
		{"an elastic probability above 1", func(o *Options) { o.ElasticProb = 2 }},
		{"a NaN elastic probability", func(o *Options) { o.ElasticProb = math.NaN() }},
		{"a negative elastic scale", func(o *Options) { o.ElasticAlpha = -1 }},
		{"an infinite elastic scale", func(o *Options) { o.ElasticAlpha = math.Inf(1) }},
		{"a zero elastic smoothing", func(o *Options) { o.ElasticSigma = 0 }},
		{"an elastic smoothing over half the image", func(o *Options) { o.ElasticSigma = 15 }},
	} {
		t.Run("rejects "+c.name, func(t *testing.T) {
			o := testOptions()
			c.change(&o)
			if err := o.Validate(); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("got error %v, want one wrapping ErrInvalidOptions", err)
			}
		})
	}
}

func TestValidateAcceptsEdgeValues(t *testing.T) {
	o := testOptions()
	o.CropOrig, o.CropOther, o.RotateProb, o.RotateDeg = 28, []int{1, 28}, 1, 0
	o.Brightness, o.Contrast, o.Repeats = 0, 0.999, 1
	o.EraseProb, o.EraseSize = 1, 24
	o.ElasticProb = 1
	o.ElasticAlpha, o.ElasticSigma = config.MaxElasticAlpha, config.MaxElasticSigma
	if err := o.Validate(); err != nil {
		t.Errorf("got error %v, want none", err)
	}
}
