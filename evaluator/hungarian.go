package evaluator

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalidInput is wrapped by every error this package returns for
// malformed arguments: ragged or non-finite matrices, mismatched lengths,
// out-of-range cluster or label ids.
var ErrInvalidInput = errors.New("invalid input")

// Hungarian solves the minimum-cost assignment problem for a rows×cols
// cost matrix, cost[row][col], in O(min²·max) time with the
// shortest-augmenting-path form of the Kuhn–Munkres algorithm (dual
// potentials, as in Jonker–Volgenant).
//
// It returns assign with assign[row] = col: each row gets a distinct
// column and the total cost is minimal. When rows > cols only cols rows
// can be assigned; the others get -1. When rows ≤ cols every row gets a
// column. Among optimal assignments with equal cost, which one is returned
// is deterministic but unspecified.
//
// All rows must have the same length and every entry must be finite, with
// max−min representable; otherwise the error wraps ErrInvalidInput. An
// empty matrix gives an empty assignment.
func Hungarian(cost [][]float64) ([]int, error) {
	rows := len(cost)
	if rows == 0 {
		return []int{}, nil
	}
	cols := len(cost[0])
	if err := checkMatrix(cost, cols); err != nil {
		return nil, err
	}
	if rows <= cols {
		return solveAssignment(cost, rows, cols, false)
	}

	// Solve the transposed problem (cols ≤ rows) and invert it.
	byCol, err := solveAssignment(cost, cols, rows, true)
	if err != nil {
		return nil, err
	}
	assign := make([]int, rows)
	for i := range assign {
		assign[i] = -1
	}
	for col, row := range byCol {
		assign[row] = col
	}
	return assign, nil
}

// checkMatrix reports whether cost is rectangular with finite entries whose
// spread does not overflow.
func checkMatrix(cost [][]float64, cols int) error {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, row := range cost {
		if len(row) != cols {
			return fmt.Errorf("hungarian: row %d has %d columns, row 0 has %d: %w",
				i, len(row), cols, ErrInvalidInput)
		}
		for j, c := range row {
			if math.IsNaN(c) || math.IsInf(c, 0) {
				return fmt.Errorf("hungarian: cost[%d][%d] is %v: %w", i, j, c, ErrInvalidInput)
			}
			lo, hi = math.Min(lo, c), math.Max(hi, c)
		}
	}
	if cols > 0 && math.IsInf(hi-lo, 0) {
		return fmt.Errorf("hungarian: cost range [%g, %g] overflows: %w", lo, hi, ErrInvalidInput)
	}
	return nil
}

// assignment is the state of the augmenting-path solver for n rows and
// m ≥ n columns. Indices are 1-based; row and column 0 are the virtual
// start of each augmenting path.
type assignment struct {
	cost  func(i, j int) float64 // 0-based entry
	m     int
	u, v  []float64 // row and column potentials
	owner []int     // owner[j]: row matched to column j, 0 if none
	way   []int     // way[j]: previous column on the path to j
	minv  []float64 // minv[j]: smallest reduced cost reaching j
	used  []bool
}

// solveAssignment assigns each of n rows to one of m ≥ n columns. With
// transposed set, row i of the problem is column i of cost.
func solveAssignment(cost [][]float64, n, m int, transposed bool) ([]int, error) {
	a := &assignment{
		cost: func(i, j int) float64 { return cost[i][j] },
		m:    m,
		u:    make([]float64, n+1), v: make([]float64, m+1),
		owner: make([]int, m+1), way: make([]int, m+1),
		minv: make([]float64, m+1), used: make([]bool, m+1),
	}
	if transposed {
		a.cost = func(i, j int) float64 { return cost[j][i] }
	}
	for i := 1; i <= n; i++ {
		if err := a.addRow(i); err != nil {
			return nil, err
		}
	}
	assign := make([]int, n)
	for j := 1; j <= m; j++ {
		if a.owner[j] != 0 {
			assign[a.owner[j]-1] = j - 1
		}
	}
	return assign, nil
}

// addRow grows the matching by row i along a shortest augmenting path,
// keeping the potentials feasible (u[i]+v[j] ≤ cost) and tight on matched
// pairs.
func (a *assignment) addRow(i int) error {
	a.owner[0] = i
	j0 := 0
	for j := range a.minv {
		a.minv[j] = math.Inf(1)
		a.used[j] = false
	}
	for a.owner[j0] != 0 {
		a.used[j0] = true
		delta, j1 := a.scan(j0)
		if j1 == 0 {
			// Unreachable with finite costs; guards against an endless loop.
			return fmt.Errorf("hungarian: no augmenting path for row %d: %w", i-1, ErrInvalidInput)
		}
		for j := 0; j <= a.m; j++ {
			if a.used[j] {
				a.u[a.owner[j]] += delta
				a.v[j] -= delta
			} else {
				a.minv[j] -= delta
			}
		}
		j0 = j1
	}

	// Flip the matched and unmatched edges along the path back to column 0.
	for j0 != 0 {
		j1 := a.way[j0]
		a.owner[j0] = a.owner[j1]
		j0 = j1
	}
	return nil
}

// scan relaxes the reduced costs from the row matched to column j0 and
// returns the smallest slack delta among unused columns and its column j1
// (0 if none).
func (a *assignment) scan(j0 int) (delta float64, j1 int) {
	i0 := a.owner[j0]
	delta = math.Inf(1)
	for j := 1; j <= a.m; j++ {
		if a.used[j] {
			continue
		}
		if cur := a.cost(i0-1, j-1) - a.u[i0] - a.v[j]; cur < a.minv[j] {
			a.minv[j], a.way[j] = cur, j0
		}
		if a.minv[j] < delta {
			delta, j1 = a.minv[j], j
		}
	}
	return delta, j1
}
