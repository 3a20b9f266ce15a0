package loader_test

import (
	"fmt"
	"os"

	"github.com/iic-go/iic/loader"
)

// A Plan turns a global step into the image indices it reads; a step in a
// later pass reads from a fresh permutation.
func ExamplePlan() {
	plan := &loader.Plan{Seed: 1, N: 10, Batch: 4}
	fmt.Println("steps per pass:", plan.StepsPerPass())
	for step := range 4 {
		fmt.Printf("step %d, pass %d: %v\n", step, plan.Pass(step), plan.Indices(step))
	}
	// Output:
	// steps per pass: 2
	// step 0, pass 0: [9 0 7 3]
	// step 1, pass 0: [4 8 2 1]
	// step 2, pass 1: [0 5 9 7]
	// step 3, pass 1: [1 6 2 4]
}

// Generated digits written as IDX files load like MNIST.
func ExampleLoadMNISTUnverified() {
	dir, err := os.MkdirTemp("", "loader-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	if err := loader.WriteIDX(dir, loader.Synthetic(60, 1), "train", true); err != nil {
		fmt.Println(err)
		return
	}
	if err := loader.WriteIDX(dir, loader.Synthetic(10, 2), "t10k", false); err != nil {
		fmt.Println(err)
		return
	}
	ds, err := loader.LoadMNISTUnverified(dir, "all")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d images of %dx%d, %d classes\n", ds.Name, ds.N, ds.Rows, ds.Cols, ds.Classes)
	fmt.Println("image 0 has", len(ds.Image(0)), "pixels")

	_, err = loader.LoadMNIST(dir, "all")
	fmt.Println("checksum error:", err != nil)
	// Output:
	// mnist-all: 70 images of 28x28, 10 classes
	// image 0 has 784 pixels
	// checksum error: true
}
