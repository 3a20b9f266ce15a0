package evaluator

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// bruteAssignment returns the minimal total cost over every assignment
// that gives min(rows, cols) rows distinct columns, by enumeration.
func bruteAssignment(cost [][]float64) float64 {
	rows := len(cost)
	if rows == 0 {
		return 0
	}
	cols := len(cost[0])
	used := make([]bool, cols)
	want := min(rows, cols)
	best := math.Inf(1)
	var walk func(row, assigned int, sum float64)
	walk = func(row, assigned int, sum float64) {
		if assigned == want {
			best = math.Min(best, sum)
			return
		}
		if rows-row < want-assigned {
			return // too few rows left to fill every slot
		}
		walk(row+1, assigned, sum) // leave this row unassigned
		for c := range cols {
			if !used[c] {
				used[c] = true
				walk(row+1, assigned+1, sum+cost[row][c])
				used[c] = false
			}
		}
	}
	walk(0, 0, 0)
	return best
}

// checkAssignment verifies that assign is a valid assignment for cost and
// returns its total cost.
func checkAssignment(t *testing.T, cost [][]float64, assign []int) float64 {
	t.Helper()
	rows, cols := len(cost), len(cost[0])
	if len(assign) != rows {
		t.Fatalf("got %d assignments, want %d", len(assign), rows)
	}
	seen := make(map[int]bool)
	total, assigned := 0.0, 0
	for r, c := range assign {
		if c == -1 {
			continue
		}
		if c < 0 || c >= cols || seen[c] {
			t.Fatalf("row %d got column %d (assign %v): out of range or reused", r, c, assign)
		}
		seen[c] = true
		total += cost[r][c]
		assigned++
	}
	if assigned != min(rows, cols) {
		t.Fatalf("got %d rows assigned, want %d (assign %v)", assigned, min(rows, cols), assign)
	}
	return total
}

// randomCost returns a rows×cols matrix; with ties set, entries are small
// integers so that many assignments share the optimal cost.
func randomCost(rng *rand.Rand, rows, cols int, ties bool) [][]float64 {
	cost := make([][]float64, rows)
	for r := range cost {
		cost[r] = make([]float64, cols)
		for c := range cost[r] {
			if ties {
				cost[r][c] = float64(rng.IntN(3))
			} else {
				cost[r][c] = rng.NormFloat64() * 100
			}
		}
	}
	return cost
}

func TestHungarianMatchesReference(t *testing.T) {
	for _, ties := range []bool{false, true} {
		name := fmt.Sprintf("finds the minimal cost of every shape up to 7x7 (ties %v)", ties)
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 11))
			maxDiff := 0.0
			for rows := 1; rows <= 7; rows++ {
				for cols := 1; cols <= 7; cols++ {
					for seed := 0; seed < 12; seed++ {
						cost := randomCost(rng, rows, cols, ties)
						assign, err := Hungarian(cost)
						if err != nil {
							t.Fatalf("%dx%d: %v", rows, cols, err)
						}
						got := checkAssignment(t, cost, assign)
						want := bruteAssignment(cost)
						maxDiff = math.Max(maxDiff, math.Abs(got-want))
						if math.Abs(got-want) > 1e-9 {
							t.Fatalf("%dx%d cost %v: got total %v, want %v",
								rows, cols, cost, got, want)
						}
					}
				}
			}
			t.Logf("max difference from brute force: %g", maxDiff)
		})
	}
}

func TestHungarianSmallCases(t *testing.T) {
	tests := []struct {
		name string
		cost [][]float64
		want []int
	}{
		{"returns an empty assignment for an empty matrix", [][]float64{}, []int{}},
		{"assigns a single cell", [][]float64{{5}}, []int{0}},
		{"prefers the anti-diagonal when it is cheaper", [][]float64{{4, 1}, {2, 8}}, []int{1, 0}},
		{
			// Greedy on the smallest cell (1) forces 9; the optimum is 2+2.
			"beats greedy choice",
			[][]float64{{1, 2}, {2, 9}}, []int{1, 0},
		},
		{"leaves extra rows unassigned", [][]float64{{5}, {1}, {3}}, []int{-1, 0, -1}},
		{"uses the cheapest columns of a wide matrix", [][]float64{{7, 0, 9}}, []int{1}},
		{"assigns nothing when there are no columns", [][]float64{{}, {}}, []int{-1, -1}},
		{"handles negative costs", [][]float64{{-3, 0}, {0, -3}}, []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Hungarian(tt.cost)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHungarianRejectsBadMatrices(t *testing.T) {
	tests := []struct {
		name string
		cost [][]float64
	}{
		{"rejects ragged rows", [][]float64{{1, 2}, {3}}},
		{"rejects NaN", [][]float64{{1, math.NaN()}, {3, 4}}},
		{"rejects infinity", [][]float64{{1, 2}, {math.Inf(-1), 4}}},
		{"rejects a range that overflows", [][]float64{{-math.MaxFloat64, math.MaxFloat64}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Hungarian(tt.cost)
			if !errors.Is(err, ErrInvalidInput) {
				t.Errorf("got %v, %v; want error wrapping ErrInvalidInput", got, err)
			}
		})
	}
}
