package loader

import (
	"math/bits"
	"math/rand/v2"
	"slices"
)

// Keys that separate the seed and the pass before they seed the PCG of
// Permutation.
const (
	planSeedKey = 0x9e37_79b9_7f4a_7c15
	planPassKey = 0xd1b5_4a32_d192_ed03
)

// Permutation returns the order in which data pass pass reads n items: a
// uniformly random permutation of 0..n-1 drawn by Fisher-Yates from a PCG
// generator seeded with the mixed (seed, pass). It is a pure function of
// its arguments and, since it draws bounded integers itself instead of
// through math/rand's helpers, stays the same across Go releases. For
// n <= 0 it returns an empty slice.
func Permutation(seed uint64, pass int, n int) []int {
	n = max(n, 0)
	src := rand.NewPCG(splitmix64(seed^planSeedKey), splitmix64(uint64(pass)^planPassKey))
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := boundedUint64(src, uint64(i)+1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm
}

// boundedUint64 returns a uniform integer in [0, n), n > 0, by Lemire's
// multiply-and-reject method.
func boundedUint64(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// splitmix64 is the finaliser of the SplitMix64 generator: a bijection of
// uint64 that spreads nearby inputs far apart.
func splitmix64(x uint64) uint64 {
	x += 0x9e37_79b9_7f4a_7c15
	x = (x ^ (x >> 30)) * 0xbf58_476d_1ce4_e5b9
	x = (x ^ (x >> 27)) * 0x94d0_49bb_1331_11eb
	return x ^ (x >> 31)
}

// Plan is the data order of a training run. Global step s reads the Batch
// images at positions [k×Batch, (k+1)×Batch) of Permutation(Seed, p, N),
// where p = s / StepsPerPass() is the data pass and k = s % StepsPerPass();
// the N % Batch images at the tail of each pass are not read in that pass.
// Because the order is a function of (Seed, N, Batch, s) only, a run
// resumed at step s reads what an uninterrupted run would.
//
// A Plan caches the permutation of the pass it last served, so Indices
// costs O(Batch) except at the first step of a pass. The cache makes a Plan
// unsafe for concurrent use; copies of a Plan share no mutable state.
type Plan struct {
	// Seed selects the permutations.
	Seed uint64
	// N is the number of images in the data set.
	N int
	// Batch is the number of images one step reads.
	Batch int

	// cache is the permutation of the last pass served, with its key.
	cache     []int
	cacheKey  [2]uint64 // Seed, N of cache
	cachePass int
}

// StepsPerPass returns N / Batch (rounded down), the number of steps in one
// pass over the data; it is 0 when Batch or N is not positive.
func (p *Plan) StepsPerPass() int {
	if p.Batch <= 0 || p.N <= 0 {
		return 0
	}
	return p.N / p.Batch
}

// Pass returns the data pass that step falls in, or -1 when StepsPerPass is
// 0 or step is negative.
func (p *Plan) Pass(step int) int {
	spp := p.StepsPerPass()
	if spp == 0 || step < 0 {
		return -1
	}
	return step / spp
}

// Indices returns the Batch image indices, in [0, N), that global step
// reads. The slice is the caller's to keep. It returns nil when
// StepsPerPass is 0 or step is negative.
func (p *Plan) Indices(step int) []int {
	pass := p.Pass(step)
	if pass < 0 {
		return nil
	}
	key := [2]uint64{p.Seed, uint64(p.N)}
	if p.cache == nil || p.cacheKey != key || p.cachePass != pass {
		p.cache, p.cacheKey, p.cachePass = Permutation(p.Seed, pass, p.N), key, pass
	}
	k := step % p.StepsPerPass()
	return slices.Clone(p.cache[k*p.Batch : (k+1)*p.Batch])
}
