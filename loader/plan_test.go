package loader

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// isPermutation reports whether p holds each of 0..len(p)-1 once.
func isPermutation(p []int) bool {
	seen := make([]bool, len(p))
	for _, v := range p {
		if v < 0 || v >= len(p) || seen[v] {
			return false
		}
		seen[v] = true
	}
	return true
}

func TestPermutation(t *testing.T) {
	t.Run("is a permutation of 0..n-1", func(t *testing.T) {
		for _, n := range []int{0, 1, 2, 7, 1000, 70000} {
			if p := Permutation(1, 0, n); len(p) != n || !isPermutation(p) {
				t.Errorf("n=%d: got %d items, not a permutation", n, len(p))
			}
		}
	})
	t.Run("is empty for a negative n", func(t *testing.T) {
		if p := Permutation(1, 0, -3); len(p) != 0 {
			t.Errorf("got %v, want an empty slice", p)
		}
	})
	t.Run("is a pure function of its arguments", func(t *testing.T) {
		if a, b := Permutation(42, 3, 500), Permutation(42, 3, 500); !slices.Equal(a, b) {
			t.Error("got two different permutations for the same arguments")
		}
	})
	t.Run("differs between passes and between seeds", func(t *testing.T) {
		base := Permutation(42, 3, 500)
		for _, other := range [][]int{
			Permutation(42, 4, 500), Permutation(42, 2, 500), Permutation(43, 3, 500),
		} {
			if slices.Equal(base, other) {
				t.Error("got the same permutation for different arguments")
			}
		}
	})
	t.Run("keeps its values across Go releases", func(t *testing.T) {
		// Pinned when Permutation was written; a change here changes the
		// data order of every run and breaks resuming old checkpoints.
		got, want := Permutation(1, 0, 10), []int{9, 0, 7, 3, 4, 8, 2, 1, 6, 5}
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// TestPermutationIsUniform counts the orders of four items over 24,000
// passes: each of the 24 should appear about 1,000 times.
func TestPermutationIsUniform(t *testing.T) {
	counts := make(map[[4]int]int)
	const passes = 24000
	for pass := range passes {
		counts[[4]int(Permutation(7, pass, 4))]++
	}
	chi2 := 0.0
	for _, c := range counts {
		d := float64(c) - passes/24
		chi2 += d * d / (passes / 24)
	}
	// 23 degrees of freedom: 49.7 is the 99.9th percentile.
	if len(counts) != 24 || chi2 > 49.7 {
		t.Errorf("got %d distinct orders with chi-square %.1f, want 24 and <= 49.7",
			len(counts), chi2)
	}
}

func TestBoundedUint64MatchesReference(t *testing.T) {
	// The reference draws from the same generator and keeps only the
	// values of Lemire's method that need no rejection, computing
	// floor(x·n / 2^64) by splitting x into 32-bit halves.
	for _, n := range []uint64{1, 2, 3, 10, 70000, 1<<63 + 5} {
		fast, slow := rand.NewPCG(1, 2), rand.NewPCG(1, 2)
		for range 1000 {
			got := boundedUint64(fast, n)
			x := slow.Uint64()
			if x*n < (-n)%n {
				// Rejected draw: the fast path consumed more values.
				break
			}
			if want := slowMulHi(x, n); got != want || got >= n {
				t.Fatalf("n=%d x=%d: got %d, want %d", n, x, got, want)
			}
		}
	}
}

// slowMulHi returns the high 64 bits of the 128-bit product x·y by schoolbook
// multiplication of 32-bit halves.
func slowMulHi(x, y uint64) uint64 {
	const mask = 1<<32 - 1
	x0, x1, y0, y1 := x&mask, x>>32, y&mask, y>>32
	lo := x0 * y0
	mid1 := x1 * y0
	mid2 := x0 * y1
	carry := ((lo >> 32) + (mid1 & mask) + (mid2 & mask)) >> 32
	return x1*y1 + mid1>>32 + mid2>>32 + carry
}

func TestPlan(t *testing.T) {
	plan := &Plan{Seed: 9, N: 103, Batch: 10}

	t.Run("drops the tail of each pass", func(t *testing.T) {
		if got := plan.StepsPerPass(); got != 10 {
			t.Errorf("got %d steps per pass, want 10", got)
		}
	})
	t.Run("covers each pass exactly once, minus the tail", func(t *testing.T) {
		for pass := range 3 {
			var seen []int
			for k := range 10 {
				seen = append(seen, plan.Indices(pass*10+k)...)
			}
			perm := Permutation(9, pass, 103)
			if !slices.Equal(seen, perm[:100]) {
				t.Errorf("pass %d: got indices %v, want %v", pass, seen, perm[:100])
			}
			slices.Sort(seen)
			if len(slices.Compact(seen)) != 100 {
				t.Errorf("pass %d: got repeated indices", pass)
			}
		}
	})
	t.Run("gives the same batch whatever the order of calls", func(t *testing.T) {
		fresh := &Plan{Seed: 9, N: 103, Batch: 10}
		for _, step := range []int{25, 3, 25, 99, 0} {
			want := Permutation(9, step/10, 103)[step%10*10 : step%10*10+10]
			if got := fresh.Indices(step); !slices.Equal(got, want) {
				t.Errorf("step %d: got %v, want %v", step, got, want)
			}
		}
	})
	t.Run("returns a slice the caller may change", func(t *testing.T) {
		first := plan.Indices(4)
		want := slices.Clone(first)
		first[0] = -1
		if got := plan.Indices(4); !slices.Equal(got, want) {
			t.Errorf("got %v after changing the returned slice, want %v", got, want)
		}
	})
	t.Run("follows a change of seed", func(t *testing.T) {
		p := &Plan{Seed: 9, N: 103, Batch: 10}
		p.Indices(0)
		p.Seed = 10
		if got, want := p.Indices(0), Permutation(10, 0, 103)[:10]; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("reads nothing when a batch does not fit", func(t *testing.T) {
		for _, p := range []*Plan{{N: 5, Batch: 10}, {N: 5, Batch: 0}, {N: 0, Batch: 1}} {
			if got := p.Indices(0); got != nil || p.StepsPerPass() != 0 || p.Pass(0) != -1 {
				t.Errorf("N=%d Batch=%d: got %v, %d steps, pass %d; want nil, 0, -1",
					p.N, p.Batch, got, p.StepsPerPass(), p.Pass(0))
			}
		}
		if got := plan.Indices(-1); got != nil {
			t.Errorf("step -1: got %v, want nil", got)
		}
	})
}
