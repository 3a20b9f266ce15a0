package trainer

import (
	"math"
	"math/rand/v2"
	"testing"
)

// slowIICLoss is the loss written straight from its definition (spec §a.2):
// plain loops, a fresh matrix for each quantity, no shared scratch.
func slowIICLoss(z1, z2 []float64, n, k int, lambda float64) float64 {
	soft := func(z []float64) [][]float64 {
		out := make([][]float64, n)
		for i := range n {
			row := make([]float64, k)
			m := math.Inf(-1)
			for c := range k {
				m = math.Max(m, z[i*k+c])
			}
			s := 0.0
			for c := range k {
				row[c] = math.Exp(z[i*k+c] - m)
				s += row[c]
			}
			for c := range k {
				row[c] /= s
			}
			out[i] = row
		}
		return out
	}
	p1, p2 := soft(z1), soft(z2)
	joint := make([][]float64, k)
	for c := range joint {
		joint[c] = make([]float64, k)
	}
	total := 0.0
	for i := range n {
		for c := range k {
			for c2 := range k {
				joint[c][c2] += p1[i][c] * p2[i][c2]
			}
		}
	}
	sym := make([][]float64, k)
	for c := range k {
		sym[c] = make([]float64, k)
		for c2 := range k {
			sym[c][c2] = (joint[c][c2] + joint[c2][c]) / 2
			total += sym[c][c2]
		}
	}
	rowSum, colSum := make([]float64, k), make([]float64, k)
	for c := range k {
		for c2 := range k {
			sym[c][c2] /= total
		}
	}
	for c := range k {
		for c2 := range k {
			rowSum[c] += sym[c][c2]
			colSum[c2] += sym[c][c2]
		}
	}
	clamp := func(v float64) float64 {
		if v < Epsilon {
			return Epsilon
		}
		return v
	}
	loss := 0.0
	for c := range k {
		for c2 := range k {
			p := clamp(sym[c][c2])
			loss -= p * (math.Log(p) - lambda*math.Log(clamp(rowSum[c])) -
				lambda*math.Log(clamp(colSum[c2])))
		}
	}
	return loss
}

func randomLogits(rng *rand.Rand, n, k int, scale float64) []float64 {
	z := make([]float64, n*k)
	for i := range z {
		z[i] = rng.NormFloat64() * scale
	}
	return z
}

func TestIICLossMatchesReference(t *testing.T) {
	cases := []struct {
		name   string
		n, k   int
		scale  float64
		lambda float64
	}{
		{"small random logits", 7, 3, 0.5, 1},
		{"ten clusters", 50, 10, 2, 1},
		{"over-clustering", 40, 50, 3, 1},
		{"lambda above one", 30, 10, 2, 1.5},
		{"confident predictions that clamp cells", 20, 10, 40, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			z1 := randomLogits(rng, tc.n, tc.k, tc.scale)
			z2 := randomLogits(rng, tc.n, tc.k, tc.scale)
			got := IICLoss(z1, z2, tc.n, tc.k, tc.lambda, 1, nil, nil, nil)
			want := slowIICLoss(z1, z2, tc.n, tc.k, tc.lambda)
			if d := math.Abs(got - want); d > 1e-12*math.Max(1, math.Abs(want)) {
				t.Fatalf("loss %.15g, reference %.15g, diff %.3g", got, want, d)
			}
		})
	}
}

func TestIICLossReachesMinusLogKForPerfectBalancedClusters(t *testing.T) {
	// Both views agree with certainty and clusters are used equally: the
	// loss is −I = −H(z) = −ln k.
	for _, k := range []int{2, 10, 50} {
		n := 4 * k
		z := make([]float64, n*k)
		for i := range n {
			z[i*k+i%k] = 60
		}
		got := IICLoss(z, z, n, k, 1, 1, nil, nil, nil)
		if math.Abs(got+math.Log(float64(k))) > 1e-9 {
			t.Errorf("k=%d: loss %.12f, want %.12f", k, got, -math.Log(float64(k)))
		}
	}
}

func TestIICLossGradientMatchesFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n, k   int
		lambda float64
	}{{"k 3", 6, 3, 1}, {"k 10", 12, 10, 1}, {"lambda 1.5", 8, 5, 1.5}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			z1, z2 := randomLogits(rng, tc.n, tc.k, 1), randomLogits(rng, tc.n, tc.k, 1)
			d1, d2 := make([]float64, len(z1)), make([]float64, len(z2))
			IICLoss(z1, z2, tc.n, tc.k, tc.lambda, 1, d1, d2, nil)
			worst := 0.0
			for _, v := range []struct{ z, d []float64 }{{z1, d1}, {z2, d2}} {
				for i := range v.z {
					const h = 1e-6
					old := v.z[i]
					v.z[i] = old + h
					up := slowIICLoss(z1, z2, tc.n, tc.k, tc.lambda)
					v.z[i] = old - h
					down := slowIICLoss(z1, z2, tc.n, tc.k, tc.lambda)
					v.z[i] = old
					num := (up - down) / (2 * h)
					worst = math.Max(worst, math.Abs(num-v.d[i])/math.Max(1e-3, math.Abs(num)))
				}
			}
			if worst > 1e-5 {
				t.Fatalf("worst relative gradient error %.3g", worst)
			}
		})
	}
}
