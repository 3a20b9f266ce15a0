package actors_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/iic-go/iic/actors"
	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/loader"
)

// Run trains through the whole pipeline: here a small net on generated
// digits for two epochs of two 4-step phases.
func ExampleRun() {
	cfg := config.Default()
	cfg.Data.Dataset = "synthetic"
	cfg.Model.Widths = []int{4, 8}
	cfg.Train.ImagesPerStep = 16
	cfg.Train.Schedule = []string{"B", "A"}
	cfg.Train.PhaseSteps, cfg.Train.Epochs = 4, 2
	cfg.Eval.LossBatches, cfg.Eval.Subset = 1, 0

	dir, err := os.MkdirTemp("", "iic-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sum, err := actors.Run(context.Background(), cfg, loader.Synthetic(200, 1),
		actors.Options{Dir: dir, Log: log})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d steps, %d sub-heads scored at step %d\n", sum.Steps,
		len(sum.Final.SubHeads), sum.FinalStep)
	// Output: 16 steps, 5 sub-heads scored at step 16
}
