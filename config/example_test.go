package config_test

import (
	"fmt"

	"github.com/iic-go/iic/config"
)

// Load merges overrides, given as the CLI's --set flags, over the defaults.
func ExampleLoad() {
	cfg, err := config.Load(config.LoadOptions{
		Overrides: []string{"train.lr=5e-4", "model.widths=[32, 64]", "train.schedule=B,A"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Train.LR, cfg.Model.Widths, cfg.Train.Schedule)
	// Output: 0.0005 [32 64] [B A]
}

// An unknown key is reported with the closest valid one.
func ExampleLoad_unknownKey() {
	_, err := config.Load(config.LoadOptions{
		Overrides: []string{"train.learning_rate=1e-3"},
	})
	fmt.Println(err)
	// Output: config: unknown key "train.learning_rate" in --set; did you mean "train.lr"?
}

// Validate reports every invalid value with its key and allowed range.
func ExampleConfig_Validate() {
	cfg := config.Default()
	cfg.Data.Split = "val"
	cfg.Train.LR = -1
	cfg.Model.Kernel = 4
	fmt.Println(cfg.Validate())
	// Output:
	// config: data.split = "val": must be one of ["all" "train" "test"]
	// config: model.kernel = 4: must be odd and >= 1
	// config: train.lr = -1: must be finite and > 0
}
