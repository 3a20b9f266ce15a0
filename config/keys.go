package config

import (
	"reflect"
	"sort"
	"strings"
)

// Keys returns every valid dotted key of Config, sorted, from
// "augment.brightness" to "train.schedule". Sections such as "train" are
// not keys: only the leaves are.
func Keys() []string {
	return newSchema().keys
}

// schema is the set of keys and sections of Config, read from its
// mapstructure tags.
type schema struct {
	keys     []string        // sorted leaf keys
	names    []string        // sorted section names
	leaves   map[string]bool // leaf keys, e.g. "train.lr"
	sections map[string]bool // nested structs, e.g. "train"
}

// newSchema walks Config's fields and returns its keys and sections.
func newSchema() schema {
	s := schema{leaves: map[string]bool{}, sections: map[string]bool{}}
	walkFields(reflect.ValueOf(Default()), "", func(key string, f reflect.Value) {
		if f.Kind() == reflect.Struct {
			s.sections[key] = true
			s.names = append(s.names, key)
			return
		}
		s.leaves[key] = true
		s.keys = append(s.keys, key)
	})
	sort.Strings(s.keys)
	sort.Strings(s.names)
	return s
}

// walkFields calls fn for every tagged field of the struct v, nested
// structs included (before their own fields), with its dotted key.
func walkFields(v reflect.Value, prefix string, fn func(key string, f reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("mapstructure")
		if name == "" || name == "-" {
			continue
		}
		key := joinKey(prefix, name)
		f := v.Field(i)
		fn(key, f)
		if f.Kind() == reflect.Struct {
			walkFields(f, key, fn)
		}
	}
}

// joinKey joins a section prefix and a name with a dot.
func joinKey(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// envName returns the environment variable that sets key:
// "train.lr" → "IIC_TRAIN_LR".
func envName(key string) string {
	return envPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}
