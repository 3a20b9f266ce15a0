package evaluator

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// bruteMatchCorrect returns the largest number of images that any 1-to-1
// cluster-to-label assignment gets right, by enumeration.
func bruteMatchCorrect(pred []int, labels []uint8, k, classes int) int {
	cost := make([][]float64, k)
	for c := range cost {
		cost[c] = make([]float64, classes)
	}
	for i, c := range pred {
		cost[c][labels[i]]--
	}
	return int(-bruteAssignment(cost))
}

func TestMatchRecoversPermutedLabels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	labels := make([]uint8, 200)
	for i := range labels {
		labels[i] = uint8(rng.IntN(10))
	}
	perm := rng.Perm(10)
	pred := make([]int, len(labels))
	for i, l := range labels {
		pred[i] = perm[l]
	}

	m, err := Match(pred, labels, 10, 10)
	if err != nil {
		t.Fatal(err)
	}
	if m.Accuracy != 1 || m.Correct != len(labels) {
		t.Errorf("got accuracy %v (%d correct), want 1 (%d)", m.Accuracy, m.Correct, len(labels))
	}
	for l, c := range perm {
		if m.Map[c] != l {
			t.Errorf("cluster %d: got label %d, want %d", c, m.Map[c], l)
		}
	}
}

func TestMatchSmallCases(t *testing.T) {
	tests := []struct {
		name       string
		pred       []int
		labels     []uint8
		k, classes int
		wantMap    []int
		wantRight  int
	}{
		{
			// counts = [[5 4] [4 0]]: greedy takes the 5 and then 0 (5 right);
			// the optimum crosses over: 4 + 4 = 8 of 13.
			name:   "finds the optimum where greedy matching fails",
			pred:   []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1},
			labels: []uint8{0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0},
			k:      2, classes: 2, wantMap: []int{1, 0}, wantRight: 8,
		},
		{
			// counts = [[2 0] [1 0] [0 3]]: cluster 1 gets no label and its
			// image counts as wrong: 5 of 6.
			name:   "leaves surplus clusters unmatched when k exceeds classes",
			pred:   []int{0, 0, 1, 2, 2, 2},
			labels: []uint8{0, 0, 0, 1, 1, 1},
			k:      3, classes: 2, wantMap: []int{0, -1, 1}, wantRight: 5,
		},
		{
			// counts = [[2 1 0] [0 0 3]]: label 1 is never predicted: 5 of 6.
			name:   "leaves labels unpredicted when classes exceed k",
			pred:   []int{0, 0, 0, 1, 1, 1},
			labels: []uint8{0, 0, 1, 2, 2, 2},
			k:      2, classes: 3, wantMap: []int{0, 2}, wantRight: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Match(tt.pred, tt.labels, tt.k, tt.classes)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(m.Map) != fmt.Sprint(tt.wantMap) || m.Correct != tt.wantRight {
				t.Errorf("got map %v with %d right, want %v with %d",
					m.Map, m.Correct, tt.wantMap, tt.wantRight)
			}
			want := float64(tt.wantRight) / float64(len(tt.pred))
			if m.Accuracy != want {
				t.Errorf("got accuracy %v, want %v", m.Accuracy, want)
			}
		})
	}
}

func TestMatchMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	maxDiff := 0
	for trial := range 300 {
		k, classes := 1+rng.IntN(6), 1+rng.IntN(6)
		n := 1 + rng.IntN(40)
		pred, labels := make([]int, n), make([]uint8, n)
		for i := range n {
			pred[i], labels[i] = rng.IntN(k), uint8(rng.IntN(classes))
		}
		m, err := Match(pred, labels, k, classes)
		if err != nil {
			t.Fatal(err)
		}
		want := bruteMatchCorrect(pred, labels, k, classes)
		maxDiff = max(maxDiff, abs(m.Correct-want))
		if m.Correct != want {
			t.Fatalf("trial %d (k %d, classes %d): got %d right, want %d",
				trial, k, classes, m.Correct, want)
		}
		if wantAcc := float64(want) / float64(n); math.Abs(m.Accuracy-wantAcc) > 1e-15 {
			t.Fatalf("trial %d: got accuracy %v, want %v", trial, m.Accuracy, wantAcc)
		}
	}
	t.Logf("max difference from brute force: %d images", maxDiff)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestMatchRejectsBadInput(t *testing.T) {
	tests := []struct {
		name       string
		pred       []int
		labels     []uint8
		k, classes int
	}{
		{"rejects mismatched lengths", []int{0, 1}, []uint8{0}, 2, 2},
		{"rejects no images", nil, nil, 2, 2},
		{"rejects a cluster id of k", []int{0, 2}, []uint8{0, 1}, 2, 2},
		{"rejects a negative cluster id", []int{-1, 0}, []uint8{0, 1}, 2, 2},
		{"rejects a label of classes", []int{0, 1}, []uint8{0, 2}, 2, 2},
		{"rejects zero clusters", []int{0}, []uint8{0}, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Match(tt.pred, tt.labels, tt.k, tt.classes)
			if !errors.Is(err, ErrInvalidInput) {
				t.Errorf("got %v, want error wrapping ErrInvalidInput", err)
			}
		})
	}
}
