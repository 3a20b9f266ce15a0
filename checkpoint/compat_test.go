package checkpoint

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/iic-go/iic/config"
)

// configKeys walks config.Config's mapstructure tags, independently of
// the package's walker, and returns every leaf key in field order.
func configKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		key := f.Tag.Get("mapstructure")
		if prefix != "" {
			key = prefix + "." + key
		}
		if f.Type.Kind() == reflect.Struct {
			keys = append(keys, configKeys(f.Type, key)...)
		} else {
			keys = append(keys, key)
		}
	}
	return keys
}

// fieldByKey returns the settable field of c for a dotted key.
func fieldByKey(t *testing.T, c *config.Config, key string) reflect.Value {
	t.Helper()
	v := reflect.ValueOf(c).Elem()
next:
	for _, part := range strings.Split(key, ".") {
		for i := range v.NumField() {
			if v.Type().Field(i).Tag.Get("mapstructure") == part {
				v = v.Field(i)
				continue next
			}
		}
		t.Fatalf("no config field for key %q", key)
	}
	return v
}

// mutate changes a config field to a different value of its type.
func mutate(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Int:
		v.SetInt(v.Int() + 1)
	case reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case reflect.Float64:
		v.SetFloat(v.Float()*2 + 1)
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Slice:
		v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
	default:
		t.Fatalf("no mutation for kind %s: extend mutate", v.Kind())
	}
}

func TestEveryConfigKeyIsClassified(t *testing.T) {
	count := map[string]int{}
	for _, k := range matchKeys {
		count[k]++
	}
	for _, k := range runKeys {
		count[k]++
	}
	keys := configKeys(reflect.TypeOf(config.Config{}), "")
	for _, k := range keys {
		if count[k] != 1 {
			t.Errorf("config key %q is in %d of matchKeys and runKeys, want exactly 1:"+
				" classify it in compat.go", k, count[k])
		}
		delete(count, k)
	}
	for k := range count {
		t.Errorf("compat.go lists %q, which is not a config key", k)
	}
}

func TestCompatible(t *testing.T) {
	for _, key := range matchKeys {
		t.Run("a change of "+key+" is refused, naming the key", func(t *testing.T) {
			saved, requested := config.Default(), config.Default()
			mutate(t, fieldByKey(t, &requested, key))
			err := Compatible(saved, requested)
			var ie *IncompatibleError
			if !errors.As(err, &ie) || len(ie.Diffs) != 1 || ie.Diffs[0].Key != key {
				t.Fatalf("error = %v, want an *IncompatibleError naming only %s", err, key)
			}
			want := fieldByKey(t, &requested, key).Interface()
			if got := ie.Diffs[0].Requested; !reflect.DeepEqual(got, want) {
				t.Errorf("requested value = %v, want %v", got, want)
			}
		})
	}
	for _, key := range runKeys {
		t.Run("a change of "+key+" is allowed", func(t *testing.T) {
			saved := config.Default()
			saved.Train.LRSchedule = "constant" // else train.lr is fixed
			requested := saved
			mutate(t, fieldByKey(t, &requested, key))
			if err := Compatible(saved, requested); err != nil {
				t.Errorf("error = %v, want nil", err)
			}
		})
	}

	t.Run("under a cosine lr or restarts the number of epochs must match", func(t *testing.T) {
		for _, set := range []func(*config.Train){
			func(t *config.Train) { t.LRSchedule = "cosine" },
			func(t *config.Train) { t.RestartEvery, t.RestartBatches = 100, 5 },
		} {
			saved := config.Default()
			set(&saved.Train)
			requested := saved
			requested.Train.Epochs++
			var ie *IncompatibleError
			err := Compatible(saved, requested)
			if !errors.As(err, &ie) || len(ie.Diffs) != 1 || ie.Diffs[0].Key != "train.epochs" {
				t.Fatalf("error = %v, want one naming train.epochs", err)
			}
			requested = saved
			requested.Train.MaxSteps = 10
			if err := Compatible(saved, requested); err != nil {
				t.Fatalf("max_steps changed: error = %v, want nil", err)
			}
		}
	})

	t.Run("a constant lr may change, a cosine or step curve's may not", func(t *testing.T) {
		saved := config.Default()
		saved.Train.LRSchedule = "constant"
		requested := saved
		requested.Train.LR = saved.Train.LR / 10
		if err := Compatible(saved, requested); err != nil {
			t.Fatalf("constant lr lowered: error = %v, want nil", err)
		}
		for _, sched := range []string{"cosine", "step"} {
			saved.Train.LRSchedule, saved.Train.LRFinal = sched, 1e-5
			requested = saved
			requested.Train.LR = saved.Train.LR / 10
			var ie *IncompatibleError
			err := Compatible(saved, requested)
			if !errors.As(err, &ie) || len(ie.Diffs) != 1 || ie.Diffs[0].Key != "train.lr" {
				t.Fatalf("%s lr changed: error = %v, want one naming train.lr", sched, err)
			}
		}
	})

	t.Run("a step schedule may run longer, its drop may not move", func(t *testing.T) {
		saved := config.Default()
		saved.Train.LRSchedule, saved.Train.LRDropEpoch = "step", 30
		requested := saved
		requested.Train.Epochs += 10
		if err := Compatible(saved, requested); err != nil {
			t.Fatalf("epochs raised: error = %v, want nil", err)
		}
		requested = saved
		requested.Train.LRDropEpoch++
		var ie *IncompatibleError
		err := Compatible(saved, requested)
		if !errors.As(err, &ie) || len(ie.Diffs) != 1 || ie.Diffs[0].Key != "train.lr_drop_epoch" {
			t.Fatalf("drop moved: error = %v, want one naming train.lr_drop_epoch", err)
		}
	})

	t.Run("an empty list equals a missing one", func(t *testing.T) {
		saved, requested := config.Default(), config.Default()
		saved.Augment.CropOther, requested.Augment.CropOther = nil, []int{}
		if err := Compatible(saved, requested); err != nil {
			t.Errorf("error = %v, want nil", err)
		}
	})

	t.Run("the message names each key with both values", func(t *testing.T) {
		saved, requested := config.Default(), config.Default()
		saved.Model.Widths, requested.Model.Widths = []int{64, 128}, []int{32, 64}
		saved.Train.Beta1, requested.Train.Beta1 = 0.9, 0.5
		saved.Data.Dataset, requested.Data.Dataset = "mnist", "synthetic"
		want := `checkpoint: config differs from the checkpoint in` +
			` data.dataset ("mnist" in the checkpoint, "synthetic" requested),` +
			` model.widths ([64 128] in the checkpoint, [32 64] requested)` +
			` and train.beta1 (0.9 in the checkpoint, 0.5 requested)`
		if err := Compatible(saved, requested); err == nil || err.Error() != want {
			t.Errorf("error = %v\nwant %s", err, want)
		}
	})
}
