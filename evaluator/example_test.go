package evaluator_test

import (
	"fmt"

	"github.com/iic-go/iic/evaluator"
)

func ExampleMatch() {
	// Clusters are a permutation of the labels, except one image.
	labels := []uint8{0, 0, 1, 1, 2, 2}
	pred := []int{2, 2, 0, 0, 1, 0}
	m, err := evaluator.Match(pred, labels, 3, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("cluster->label %v, accuracy %.3f\n", m.Map, m.Accuracy)
	// Output: cluster->label [1 2 0], accuracy 0.833
}

func ExampleEvaluate() {
	labels := []uint8{0, 0, 1, 1, 2, 2}
	preds := [][]int{
		{2, 2, 0, 0, 1, 0}, // one image wrong
		{1, 1, 2, 2, 0, 0}, // perfect
	}
	losses := []float64{-1.05, -0.98} // label-free estimates
	rep, err := evaluator.Evaluate(preds, labels, 3, 3, losses)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range rep.SubHeads {
		fmt.Printf("sub-head %d: acc %.3f nmi %.3f ari %.3f\n", s.Index, s.Accuracy, s.NMI, s.ARI)
	}
	fmt.Printf("mean %.3f, best %d (labels), lowest loss %d (no labels)\n",
		rep.Mean, rep.Best, rep.LowestLoss)
	// Output:
	// sub-head 0: acc 0.833 nmi 0.740 ari 0.444
	// sub-head 1: acc 1.000 nmi 1.000 ari 1.000
	// mean 0.917, best 1 (labels), lowest loss 0 (no labels)
}
