package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// envPrefix starts every environment variable read by Load: IIC_TRAIN_LR
// sets "train.lr", IIC_SEED sets "seed".
const envPrefix = "IIC"

// LoadOptions says where Load reads a configuration from, besides the
// defaults and the IIC_* environment variables.
//
// Overrides are the CLI's repeatable --set flag: "key=value" strings such as
// "train.lr=1e-3". Their values, like those of environment variables, are
// text converted to the key's type; a list is written comma-separated
// ("16,32") or as a YAML flow sequence ("[16, 32]"). A pflag.FlagSet is not
// bound: one --set flag covers every key without declaring one flag each.
type LoadOptions struct {
	// File is a YAML file merged over the defaults; empty means none.
	File string
	// Overrides are "key=value" strings applied over everything else.
	Overrides []string
	// Base, when not nil, takes the place of Default(): a resumed run starts
	// from the configuration saved in its checkpoint.
	Base *Config
}

// Load resolves a configuration with the precedence overrides > environment
// > file > defaults, then validates it.
//
// Keys are exactly those of Keys(), case included; an unknown key in the
// file or in an override is an *UnknownKeyError naming the closest valid key.
// A value of the wrong type is a *KeyError naming the key and its source.
// Unknown IIC_* environment variables are not detected: they are ignored.
//
// When only validation fails, Load returns the decoded config together with
// the joined *FieldError values of Validate, so that a caller can show it.
func Load(opts LoadOptions) (Config, error) {
	s := newSchema()
	v := viper.New()
	base := Default()
	if opts.Base != nil {
		base = *opts.Base
	}
	for key, value := range flattenConfig(base) {
		v.SetDefault(key, value)
	}
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	src := sources{file: opts.File, fileKeys: map[string]bool{}, setArgs: map[string]string{}}
	if opts.File != "" {
		if err := readFile(v, s, &src); err != nil {
			return Config{}, err
		}
	}
	if err := applyOverrides(v, s, opts.Overrides, &src); err != nil {
		return Config{}, err
	}

	var c Config
	if err := v.Unmarshal(&c, decoderOptions); err != nil {
		return Config{}, explainDecodeError(err, &src)
	}
	return c, c.Validate()
}

// Workers returns Pipeline.Workers, with 0 resolved to runtime.NumCPU().
func (c Config) Workers() int {
	if c.Pipeline.Workers == 0 {
		return runtime.NumCPU()
	}
	return c.Pipeline.Workers
}

// flattenConfig returns c flattened to dotted keys. Registering every key with
// viper is what lets AutomaticEnv find IIC_* variables for keys that no
// file mentions.
func flattenConfig(c Config) map[string]any {
	values := map[string]any{}
	walkFields(reflect.ValueOf(c), "", func(key string, f reflect.Value) {
		if f.Kind() != reflect.Struct {
			values[key] = f.Interface()
		}
	})
	return values
}

// sources remembers where values came from, to name them in errors.
type sources struct {
	file     string
	fileKeys map[string]bool   // keys set by the file
	setArgs  map[string]string // key → the --set argument that set it
}

// of names the source of key's value, by precedence.
func (s *sources) of(key string) string {
	if arg, ok := s.setArgs[key]; ok {
		return "--set " + arg
	}
	if os.Getenv(envName(key)) != "" {
		return envName(key)
	}
	if s.fileKeys[key] {
		return s.file
	}
	return "the defaults"
}

// readFile checks the YAML file's keys against the schema and merges the
// file into v.
func readFile(v *viper.Viper, s schema, src *sources) error {
	data, err := os.ReadFile(src.file)
	if err != nil {
		return fmt.Errorf("config: read %s: %w", src.file, err)
	}
	var tree map[string]any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		return fmt.Errorf("config: parse %s: %w", src.file, err)
	}
	if err := checkTree(tree, "", s, src); err != nil {
		return err
	}
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("config: read %s: %w", src.file, err)
	}
	return nil
}

// checkTree checks every key of a parsed file section against the schema
// and records the leaves in src.fileKeys. All problems are reported.
func checkTree(tree map[string]any, prefix string, s schema, src *sources) error {
	names := make([]string, 0, len(tree))
	for name := range tree {
		names = append(names, name)
	}
	sort.Strings(names)

	var errs []error
	for _, name := range names {
		key, value := joinKey(prefix, name), tree[name]
		switch {
		case s.leaves[key] && value == nil:
			errs = append(errs, &KeyError{key, src.file, errors.New("has no value")})
		case s.leaves[key]:
			src.fileKeys[key] = true
		case s.sections[key]:
			sub, ok := value.(map[string]any)
			if !ok {
				err := errors.New("is a section: want a mapping of its keys")
				errs = append(errs, &KeyError{key, src.file, err})
				continue
			}
			errs = append(errs, checkTree(sub, key, s, src))
		default:
			// A mapping under an unknown name is most likely a misspelt section.
			candidates := s.keys
			if _, ok := value.(map[string]any); ok {
				candidates = s.names
			}
			errs = append(errs, &UnknownKeyError{key, src.file, suggest(key, candidates)})
		}
	}
	return errors.Join(errs...)
}

// applyOverrides sets each "key=value" override in v, above every other
// source. All malformed or unknown overrides are reported.
func applyOverrides(v *viper.Viper, s schema, overrides []string, src *sources) error {
	var errs []error
	for _, arg := range overrides {
		key, value, ok := strings.Cut(arg, "=")
		key = strings.TrimSpace(key)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("config: --set %q: want key=value", arg))
		case !s.leaves[key]:
			errs = append(errs, &UnknownKeyError{key, "--set", suggest(key, s.keys)})
		default:
			v.Set(key, value)
			src.setArgs[key] = arg
		}
	}
	return errors.Join(errs...)
}

// decoderOptions makes decoding strict: no unused keys (a second guard
// behind checkTree), no weak typing, and text converted only by convert.
func decoderOptions(dc *mapstructure.DecoderConfig) {
	dc.ErrorUnused = true
	dc.WeaklyTypedInput = false
	dc.DecodeHook = mapstructure.DecodeHookFuncType(convert)
}

// indexSuffix matches the element index that mapstructure appends to a
// list's name, as in "model.widths[1]".
var indexSuffix = regexp.MustCompile(`\[(\d+)\]$`)

// explainDecodeError turns mapstructure's errors into *KeyError values that
// name the key and where its value came from.
func explainDecodeError(err error, src *sources) error {
	var errs []error
	for _, de := range decodeErrors(err) {
		key, problem := de.Name(), de.Unwrap()
		if m := indexSuffix.FindStringSubmatch(key); m != nil {
			key = strings.TrimSuffix(key, m[0])
			problem = fmt.Errorf("entry %s: %w", m[1], problem)
		}
		errs = append(errs, &KeyError{key, src.of(key), problem})
	}
	if len(errs) == 0 {
		return fmt.Errorf("config: decode: %w", err)
	}
	return errors.Join(errs...)
}

// decodeErrors returns the innermost *mapstructure.DecodeError values of
// err's tree.
func decodeErrors(err error) []*mapstructure.DecodeError {
	switch e := err.(type) {
	case nil:
		return nil
	case *mapstructure.DecodeError:
		if inner := decodeErrors(e.Unwrap()); len(inner) > 0 {
			return inner
		}
		return []*mapstructure.DecodeError{e}
	case interface{ Unwrap() []error }:
		var all []*mapstructure.DecodeError
		for _, inner := range e.Unwrap() {
			all = append(all, decodeErrors(inner)...)
		}
		return all
	default:
		return decodeErrors(errors.Unwrap(err))
	}
}
