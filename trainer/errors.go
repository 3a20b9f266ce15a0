package trainer

import "errors"

// ErrNonFinite is wrapped by the error of a step whose loss is NaN or
// infinite; the step has not changed the model.
var ErrNonFinite = errors.New("non-finite loss")
