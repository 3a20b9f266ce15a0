package config

import "fmt"

// UnknownKeyError reports a key, in a file or a --set override, that is not
// one of Keys(), with the closest valid key as a suggestion.
type UnknownKeyError struct {
	// Key is the unknown dotted key as written.
	Key string
	// Source is where it was written: a file path or "--set".
	Source string
	// Suggestion is the closest valid key.
	Suggestion string
}

// Error returns a message such as
// `config: unknown key "train.learning_rate" in runs.yaml; did you mean "train.lr"?`.
func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("config: unknown key %q in %s; did you mean %q?",
		e.Key, e.Source, e.Suggestion)
}

// KeyError reports a value that cannot be decoded into its key's type, or
// a file entry of the wrong shape (a scalar where a section is expected).
type KeyError struct {
	// Key is the dotted key.
	Key string
	// Source says where the value came from: a file path, an environment
	// variable, or a --set argument.
	Source string
	// Err is the problem.
	Err error
}

// Error returns a message such as
// `config: key "train.lr" (from IIC_TRAIN_LR): cannot use "abc" as float64`.
func (e *KeyError) Error() string {
	return fmt.Sprintf("config: key %q (from %s): %v", e.Key, e.Source, e.Err)
}

// Unwrap returns the underlying problem.
func (e *KeyError) Unwrap() error { return e.Err }

// FieldError reports a decoded value outside its allowed range; Validate
// returns one per problem, joined.
type FieldError struct {
	// Key is the dotted key.
	Key string
	// Value is the offending value.
	Value any
	// Problem states the allowed range, e.g. "must be finite and > 0".
	Problem string
}

// Error returns a message such as `config: train.lr = -1: must be finite and > 0`.
func (e *FieldError) Error() string {
	v := fmt.Sprintf("%v", e.Value)
	if s, ok := e.Value.(string); ok {
		v = fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("config: %s = %s: %s", e.Key, v, e.Problem)
}
