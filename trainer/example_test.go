package trainer_test

import (
	"fmt"

	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/trainer"
)

// The paper's ClusterNet6c (5×5 convs 64-128-256-512 on 24×24 inputs) costs
// about 179 MFLOP forward per image; a training step counts three times
// that for every image of both views.
func ExampleTrainFLOPs() {
	m := config.Default().Model
	m.Widths, m.Kernel = []int{64, 128, 256, 512}, 5
	fmt.Printf("forward: %.1f MFLOP per image\n", 2*trainer.ForwardMACs(m, 24, "B")/1e6)
	fmt.Printf("step of 700 pairs: %.0f GFLOP\n", trainer.TrainFLOPs(m, 24, 700, "B")/1e9)
	// Output:
	// forward: 179.3 MFLOP per image
	// step of 700 pairs: 753 GFLOP
}
