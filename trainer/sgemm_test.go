package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// slowSgemm is c = alpha·op(a)·op(b) + beta·c from the definition, summed
// in float64.
func slowSgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32,
	ldb int, beta float32, c []float32, ldc int) {
	for i := range m {
		for j := range n {
			s := 0.0
			for l := range k {
				ai, bi := i*lda+l, l*ldb+j
				if tA {
					ai = l*lda + i
				}
				if tB {
					bi = j*ldb + l
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
			}
			c[i*ldc+j] = float32(float64(alpha)*s + float64(beta)*float64(c[i*ldc+j]))
		}
	}
}

func TestBlockedSgemmMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		m, n, k     int
		alpha, beta float32
	}{
		{1, 1, 1, 1, 0},
		{6, 16, 5, 1, 0},
		{7, 17, 3, 1, 1},
		{13, 40, 300, 0.5, 1},
		{100, 33, 257, 1, 0.5},
		{20, 2100, 9, 1, 0},
		{200, 30, 600, -1, 0},
	} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				name := fmt.Sprintf("%dx%dx%d transposed %v %v alpha %v beta %v", tc.m, tc.n,
					tc.k, tA, tB, tc.alpha, tc.beta)
				t.Run(name, func(t *testing.T) {
					checkSgemm(t, tA, tB, tc.m, tc.n, tc.k, tc.alpha, tc.beta)
				})
			}
		}
	}
}

func checkSgemm(t *testing.T, tA, tB bool, m, n, k int, alpha, beta float32) {
	rng := rand.New(rand.NewPCG(uint64(m), uint64(n*k)))
	lda, ldb, ldc := k+1, n+2, n+3 // padded leading dimensions
	if tA {
		lda = m + 1
	}
	if tB {
		ldb = k + 2
	}
	rowsA, rowsB := m, k
	if tA {
		rowsA = k
	}
	if tB {
		rowsB = n
	}
	a, b := randomImages32(rng, rowsA*lda), randomImages32(rng, rowsB*ldb)
	c := randomImages32(rng, m*ldc)
	want := append([]float32(nil), c...)
	slowSgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, want, ldc)
	blockedSgemm(&gemmScratch{}, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	worst := 0.0
	for i := range m {
		for j := range ldc {
			d := math.Abs(float64(c[i*ldc+j] - want[i*ldc+j]))
			if j >= n && d != 0 {
				t.Fatalf("wrote c[%d][%d] outside the %d columns", i, j, n)
			}
			worst = math.Max(worst, d)
		}
	}
	if tol := 1e-5 * float64(k); worst > tol {
		t.Fatalf("max difference %.3g from the reference, want <= %.3g", worst, tol)
	}
}

func TestBlockedSgemmIsIdenticalWhateverTheWorkerCount(t *testing.T) {
	const m, n, k = 50, 700, 300
	rng := rand.New(rand.NewPCG(1, 1))
	a, b := randomImages32(rng, m*k), randomImages32(rng, k*n)
	run := func(procs int) []float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		c := make([]float32, m*n)
		blockedSgemm(nil, false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		return c
	}
	one, three := run(1), run(3)
	for i := range one {
		if math.Float32bits(one[i]) != math.Float32bits(three[i]) {
			t.Fatalf("c[%d] = %v with 1 worker, %v with 3", i, one[i], three[i])
		}
	}
}
