package perturber_test

import (
	"fmt"

	"github.com/iic-go/iic/config"
	"github.com/iic-go/iic/perturber"
)

// Upscaling a two-pixel ramp shows PIL's bilinear filter: output pixel
// centres map back to (x+½)·scale−½ and the edges are clamped.
func ExampleResize() {
	up, err := perturber.Resize([]float32{0, 1, 0, 1}, 2, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(up[:4])
	// Output: [0 0.25 0.75 1]
}

// A step of two images with r = 3 gives six pairs: three blocks of the same
// two images, each pair an x view and an x′ view of 24×24 pixels.
func ExampleMakeBatch() {
	opts := perturber.OptionsFrom(config.Default().Augment)
	opts.Repeats = 3
	images := perturber.Images{Pix: make([]byte, 5*28*28), Rows: 28, Cols: 28}

	batch, err := perturber.MakeBatch(images, []int{4, 1}, opts, 1, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	pairs := len(batch.X) / (batch.Side * batch.Side)
	fmt.Printf("pairs %d, x′ values %d, side %d\n", pairs, len(batch.XP), batch.Side)
	// Output: pairs 6, x′ values 3456, side 24
}
