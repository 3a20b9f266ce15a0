package checkpoint

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/report"
)

// Format and FormatVersion are the values of the "format" and
// "format_version" metadata keys this package writes and reads.
const (
	Format        = "iic-checkpoint"
	FormatVersion = 1
)

// adamPrefixM and adamPrefixV name Adam's moments of parameter p as
// adamPrefixM+p and adamPrefixV+p. Parameter names may not start with
// adamPrefix.
const (
	adamPrefix  = "adam."
	adamPrefixM = "adam.m/"
	adamPrefixV = "adam.v/"
)

// State is everything needed to continue a run exactly, or to evaluate
// its model: see the package doc for how each field is stored.
type State struct {
	// Version is the format version. Load sets it to FormatVersion; Save
	// writes FormatVersion and accepts 0 or FormatVersion here.
	Version int
	// Config is the resolved config of the run.
	Config config.Config
	// Seed is the run's seed; it must equal Config.Seed.
	Seed uint64
	// Step is the number of optimiser steps completed.
	Step int
	// Epoch is the number of epochs (head-schedule cycles) completed.
	Epoch int
	// Params are the model's learnable tensors, in the model's order.
	Params []Tensor
	// Adam is the optimiser's state, its lists parallel to Params.
	Adam AdamState
	// Records is the metrics history up to Step.
	Records []report.Record
	// Best is the best sub-head found so far.
	Best Best
	// RNG names the scheme that derives random numbers from (Seed, Step),
	// such as "pcg-splitmix/v1", so that a change of scheme is detected on
	// resume. It must not be empty.
	RNG string
	// CreatedAt is when the state was taken; Save writes the current time
	// if it is zero. It is stored in UTC to the nanosecond.
	CreatedAt time.Time
	// Extra holds small additions as text; nil when empty.
	Extra map[string]string
}

// Tensor is one named float32 tensor, row-major.
type Tensor struct {
	// Name identifies the tensor, such as "conv0.w". It may not be empty,
	// "__metadata__", or start with "adam.".
	Name string
	// Shape lists the dimensions; prod(Shape) = len(Data), and an empty
	// Shape is a scalar.
	Shape []int
	// Data holds the values.
	Data []float32
}

// AdamState is the state of the Adam optimiser (trainer.Adam): its
// constants, and per parameter its moments and update count.
type AdamState struct {
	// LR, Beta1, Beta2 and Eps are the optimiser's constants.
	LR, Beta1, Beta2, Eps float64
	// Steps counts the updates each parameter has received.
	Steps []int
	// M and V are the first and second moments, each M[i] and V[i] as
	// long as Params[i].Data.
	M, V [][]float32
}

// Best records the best sub-heads found by evaluation so far. SubHead and
// Loss are chosen without labels (lowest IIC loss), Accuracy with labels;
// only the label-free choice is available to a user without labels.
type Best struct {
	// Head is the evaluated head, "A" or "B"; empty before any evaluation.
	Head string
	// SubHead is the sub-head with the lowest label-free loss, -1 if none.
	SubHead int
	// Loss is that sub-head's loss; NaN if unknown.
	Loss float64
	// Step is the step at which SubHead reached Loss.
	Step int
	// Accuracy is the highest sub-head accuracy seen, chosen with labels;
	// NaN if labels are missing.
	Accuracy float64
	// AccuracySubHead is the sub-head that reached Accuracy, -1 if none.
	AccuracySubHead int
	// AccuracyStep is the step at which Accuracy was reached.
	AccuracyStep int
}

// check returns every reason st cannot be written, joined.
func (st *State) check() error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	if st.Version != 0 && st.Version != FormatVersion {
		add("version %d: this build writes version %d", st.Version, FormatVersion)
	}
	if st.Seed != st.Config.Seed {
		add("seed %d differs from the config's seed %d", st.Seed, st.Config.Seed)
	}
	if st.Step < 0 || st.Epoch < 0 {
		add("step %d and epoch %d must be >= 0", st.Step, st.Epoch)
	}
	if st.RNG == "" {
		add("rng scheme is empty: name the scheme, such as %q", "pcg-splitmix/v1")
	}
	errs = append(errs, checkParams(st.Params))
	errs = append(errs, checkAdam(st.Params, st.Adam))
	return errors.Join(errs...)
}

// checkParams checks names and that each shape matches its data.
func checkParams(params []Tensor) error {
	var errs []error
	seen := make(map[string]bool, len(params))
	for i, p := range params {
		switch {
		case p.Name == "" || p.Name == keyMeta || strings.HasPrefix(p.Name, adamPrefix):
			errs = append(errs, fmt.Errorf("param %d: name %q is reserved or empty", i, p.Name))
		case !utf8.ValidString(p.Name):
			errs = append(errs, fmt.Errorf("param %d: name %q is not valid UTF-8", i, p.Name))
		case seen[p.Name]:
			errs = append(errs, fmt.Errorf("param %d: name %q is used twice", i, p.Name))
		}
		seen[p.Name] = true
		if n, ok := elements(p.Shape); !ok || n != len(p.Data) {
			errs = append(errs, fmt.Errorf("param %q: shape %v does not hold %d values",
				p.Name, p.Shape, len(p.Data)))
		}
	}
	return errors.Join(errs...)
}

// checkAdam checks that Adam's lists are parallel to params.
func checkAdam(params []Tensor, a AdamState) error {
	n := len(params)
	if len(a.M) != n || len(a.V) != n || len(a.Steps) != n {
		return fmt.Errorf("adam has %d first moments, %d second moments and %d step counts"+
			" for %d params", len(a.M), len(a.V), len(a.Steps), n)
	}
	var errs []error
	for i, p := range params {
		if len(a.M[i]) != len(p.Data) || len(a.V[i]) != len(p.Data) {
			errs = append(errs, fmt.Errorf("adam moments of %q have %d and %d values, want %d",
				p.Name, len(a.M[i]), len(a.V[i]), len(p.Data)))
		}
		if a.Steps[i] < 0 {
			errs = append(errs, fmt.Errorf("adam step count of %q is %d", p.Name, a.Steps[i]))
		}
	}
	return errors.Join(errs...)
}

// maxElements bounds a tensor's size, so that sizes in bytes fit an int
// on every platform and a corrupt shape cannot ask for huge allocations.
const maxElements = 1 << 30

// elements returns prod(shape), and false if a dimension is negative or
// the product exceeds maxElements.
func elements(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > maxElements/d) {
			return 0, false
		}
		n *= d
	}
	return n, true
}
