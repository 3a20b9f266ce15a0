package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// convert is the decode hook of Load. Text (from IIC_* variables and --set
// overrides, or quoted in a file) is parsed strictly into the target type;
// a float becomes an integer only when it is whole; an integer may fill a
// string field (run.name: 2024). Any other mismatch is left to mapstructure,
// which rejects it.
func convert(from, to reflect.Type, data any) (any, error) {
	if s, ok := data.(string); ok {
		if to.Kind() == reflect.Slice {
			return parseList(s)
		}
		return parseScalar(s, to)
	}
	switch {
	case isInteger(to.Kind()) && isFloat(from.Kind()):
		return wholeNumber(reflect.ValueOf(data).Float(), to)
	case to.Kind() == reflect.String && isInteger(from.Kind()):
		return fmt.Sprint(data), nil
	}
	return data, nil
}

// parseList splits a list written as text: a YAML flow sequence
// ("[16, 32]"), comma-separated items ("16,32"), or "" for an empty list.
// Items stay text when comma-separated; convert parses each in turn.
func parseList(s string) (any, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "[") {
		var items []any
		if err := yaml.Unmarshal([]byte(t), &items); err != nil {
			return nil, fmt.Errorf("cannot parse %q as a list: %w", s, err)
		}
		return items, nil
	}
	if t == "" {
		return []any{}, nil
	}
	parts := strings.Split(t, ",")
	items := make([]any, len(parts))
	for i, p := range parts {
		items[i] = strings.TrimSpace(p)
	}
	return items, nil
}

// parseScalar parses text into a value of the kind of to; text for a
// string field is kept as it is.
func parseScalar(s string, to reflect.Type) (any, error) {
	t := strings.TrimSpace(s)
	var v any
	var err error
	switch k := to.Kind(); {
	case k == reflect.String:
		return s, nil
	case isFloat(k):
		v, err = strconv.ParseFloat(t, to.Bits())
	case k == reflect.Bool:
		v, err = strconv.ParseBool(t)
	case isInteger(k):
		v, err = parseInteger(t, to)
	default:
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot use %q as %s", s, to)
	}
	return v, nil
}

// parseInteger parses decimal text, or a whole number in float notation
// such as "1e3", into an int64 or uint64 that fits to.
func parseInteger(t string, to reflect.Type) (any, error) {
	if isUnsigned(to.Kind()) {
		if u, err := strconv.ParseUint(t, 10, to.Bits()); err == nil {
			return u, nil
		}
	} else if i, err := strconv.ParseInt(t, 10, to.Bits()); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return nil, err
	}
	return wholeNumber(f, to)
}

// wholeNumber converts f to an integer of to's kind, refusing fractions and
// values out of range.
func wholeNumber(f float64, to reflect.Type) (any, error) {
	if f != math.Trunc(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("cannot use %v as %s: not a whole number", f, to)
	}
	// 2^63 and 2^64 are exact in float64; the bounds cover int64 and uint64,
	// and mapstructure rejects negative values for unsigned fields.
	if isUnsigned(to.Kind()) && f >= 0 && f < 1<<64 {
		return uint64(f), nil
	}
	if f >= -(1<<63) && f < 1<<63 {
		return int64(f), nil
	}
	return nil, fmt.Errorf("cannot use %v as %s: out of range", f, to)
}

// isInteger reports whether k is a signed or unsigned integer kind.
func isInteger(k reflect.Kind) bool {
	return (k >= reflect.Int && k <= reflect.Int64) || isUnsigned(k)
}

// isUnsigned reports whether k is an unsigned integer kind.
func isUnsigned(k reflect.Kind) bool {
	return k >= reflect.Uint && k <= reflect.Uint64
}

// isFloat reports whether k is a floating-point kind.
func isFloat(k reflect.Kind) bool {
	return k == reflect.Float32 || k == reflect.Float64
}
