package evaluator

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// Ten images with labels 0,0,0,0,1,1,1,2,2,2 and three sub-heads:
//   - perfect: cluster (label+1)%3, accuracy 10/10;
//   - twoWrong: images 0 and 4 moved to cluster 2, so counts
//     [[3 0 0] [0 2 0] [1 1 3]] and the identity matching gets 8/10;
//   - allOne: a single cluster, matched to label 0, 4/10.
var (
	evalLabels = []uint8{0, 0, 0, 0, 1, 1, 1, 2, 2, 2}
	perfect    = []int{1, 1, 1, 1, 2, 2, 2, 0, 0, 0}
	twoWrong   = []int{2, 0, 0, 0, 2, 1, 1, 2, 2, 2}
	allOne     = []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
)

func TestEvaluateSummarisesSubHeads(t *testing.T) {
	rep, err := Evaluate([][]int{twoWrong, allOne, perfect}, evalLabels, 3, 3,
		[]float64{-2.0, math.NaN(), -1.5})
	if err != nil {
		t.Fatal(err)
	}

	// Accuracies 0.8, 0.4, 1.0: mean 2.2/3 = 0.7333…; deviations
	// 0.0667, −0.3333, 0.2667; squares sum to 0.0044+0.1111+0.0711 =
	// 0.1867, /3 = 0.0622, std = 0.2494438.
	gotAcc := []float64{rep.SubHeads[0].Accuracy, rep.SubHeads[1].Accuracy,
		rep.SubHeads[2].Accuracy}
	if fmt.Sprint(gotAcc) != fmt.Sprint([]float64{0.8, 0.4, 1}) {
		t.Errorf("accuracies: got %v, want [0.8 0.4 1]", gotAcc)
	}
	stats := []struct {
		name      string
		got, want float64
	}{
		{"mean", rep.Mean, 2.2 / 3},
		{"std", rep.Std, math.Sqrt((0.8*0.8 + 0.4*0.4 + 1 - 2.2*2.2/3) / 3)},
		{"min", rep.Min, 0.4},
		{"max", rep.Max, 1},
	}
	for _, s := range stats {
		if math.Abs(s.got-s.want) > 1e-12 {
			t.Errorf("%s: got %v, want %v", s.name, s.got, s.want)
		}
	}
	if math.Abs(rep.Std-0.2494438) > 1e-7 {
		t.Errorf("std: got %v, want 0.2494438 (population)", rep.Std)
	}
	if rep.Best != 2 || rep.LowestLoss != 0 {
		t.Errorf("got best %d and lowest loss %d, want 2 and 0", rep.Best, rep.LowestLoss)
	}

	sh := rep.SubHeads[0]
	if sh.Index != 0 || sh.Loss != -2 || fmt.Sprint(sh.Counts) != "[[3 0 0] [0 2 0] [1 1 3]]" {
		t.Errorf("sub-head 0: got index %d, loss %v, counts %v; want 0, -2, "+
			"[[3 0 0] [0 2 0] [1 1 3]]", sh.Index, sh.Loss, sh.Counts)
	}
	if rep.SubHeads[2].NMI != 1 || rep.SubHeads[2].ARI != 1 || rep.SubHeads[1].NMI != 0 {
		t.Errorf("got NMI %v, ARI %v for the perfect head, NMI %v for one cluster; want 1, 1, 0",
			rep.SubHeads[2].NMI, rep.SubHeads[2].ARI, rep.SubHeads[1].NMI)
	}
}

func TestEvaluateChoosesSubHeads(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name      string
		preds     [][]int
		losses    []float64
		best, low int
	}{
		{"reports no lowest loss without losses", [][]int{allOne, perfect}, nil, 1, -1},
		{"reports no lowest loss when all are NaN", [][]int{perfect}, []float64{nan}, 0, -1},
		{"skips NaN losses", [][]int{allOne, perfect}, []float64{nan, 3}, 1, 1},
		{"takes the first of tied accuracies", [][]int{perfect, perfect}, []float64{1, 1}, 0, 0},
		{
			"picks label and loss choices independently",
			[][]int{perfect, twoWrong, allOne}, []float64{-1, -2.3, -0.5}, 0, 1,
		},
		{"accepts an infinite loss", [][]int{perfect, allOne}, []float64{0, math.Inf(-1)}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Evaluate(tt.preds, evalLabels, 3, 3, tt.losses)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Best != tt.best || rep.LowestLoss != tt.low {
				t.Errorf("got best %d, lowest loss %d; want %d, %d",
					rep.Best, rep.LowestLoss, tt.best, tt.low)
			}
		})
	}
}

func TestEvaluateRejectsBadInput(t *testing.T) {
	tests := []struct {
		name   string
		preds  [][]int
		losses []float64
	}{
		{"rejects no sub-heads", nil, nil},
		{"rejects a loss count unlike the sub-head count", [][]int{perfect}, []float64{1, 2}},
		{"rejects a sub-head with a bad cluster id", [][]int{perfect, {9}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Evaluate(tt.preds, evalLabels, 3, 3, tt.losses)
			if !errors.Is(err, ErrInvalidInput) {
				t.Errorf("got %v, want error wrapping ErrInvalidInput", err)
			}
		})
	}
}

func TestArgmax(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name  string
		probs []float32
		n, k  int
		want  []int
	}{
		{"picks each row's largest", []float32{0.1, 0.7, 0.2, 0.5, 0.2, 0.3}, 2, 3, []int{1, 0}},
		{"breaks ties to the lowest index", []float32{0.4, 0.4, 0.2}, 1, 3, []int{0}},
		{"returns the first NaN", []float32{0.9, nan, nan}, 1, 3, []int{1}},
		{"accepts one cluster", []float32{1, 1}, 2, 1, []int{0, 0}},
		{"accepts no rows", nil, 0, 3, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]int, tt.n)
			if err := Argmax(tt.probs, tt.n, tt.k, got); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("rejects a shape that does not fit", func(t *testing.T) {
		for _, c := range []struct{ n, k, dst int }{{2, 2, 2}, {1, 3, 0}, {1, 0, 1}} {
			err := Argmax([]float32{1, 2, 3}, c.n, c.k, make([]int, c.dst))
			if !errors.Is(err, ErrInvalidInput) {
				t.Errorf("n %d k %d dst %d: got %v, want ErrInvalidInput", c.n, c.k, c.dst, err)
			}
		}
	})
}
