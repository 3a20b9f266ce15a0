package evaluator

import (
	"math"
	"math/rand/v2"
	"testing"
)

// slowNMI computes the arithmetic-mean NMI from its definition with maps
// over (cluster, label) pairs, with scikit-learn's special cases.
func slowNMI(pred []int, labels []uint8) float64 {
	n := float64(len(pred))
	joint := map[[2]int]float64{}
	pc, pl := map[int]float64{}, map[int]float64{}
	for i := range pred {
		joint[[2]int{pred[i], int(labels[i])}]++
		pc[pred[i]]++
		pl[int(labels[i])]++
	}
	if len(pc) == len(pl) && len(pc) <= 1 {
		return 1 // both labellings constant (or empty): a perfect match
	}
	var mi, hc, hl float64
	for key, nij := range joint {
		pij := nij / n
		mi += pij * math.Log(pij/((pc[key[0]]/n)*(pl[key[1]]/n)))
	}
	for _, c := range pc {
		hc -= c / n * math.Log(c/n)
	}
	for _, c := range pl {
		hl -= c / n * math.Log(c/n)
	}
	if len(pc) == 1 || len(pl) == 1 || mi <= 0 {
		return 0
	}
	return mi / ((hc + hl) / 2)
}

// slowARI computes the Hubert–Arabie adjusted Rand index by visiting every
// unordered pair of images:
//
//	index = pairs together in both, a = pairs with the same label,
//	b = pairs in the same cluster, expected = a·b / C(n, 2),
//	ARI = (index − expected) / ((a + b)/2 − expected),
//
// and 1 when the denominator is 0 (both partitions all-one or all-single).
func slowARI(pred []int, labels []uint8) float64 {
	var index, a, b float64
	for i := range pred {
		for j := i + 1; j < len(pred); j++ {
			sameC, sameL := pred[i] == pred[j], labels[i] == labels[j]
			if sameC && sameL {
				index++
			}
			if sameL {
				a++
			}
			if sameC {
				b++
			}
		}
	}
	n := float64(len(pred))
	expected := a * b / (n * (n - 1) / 2)
	den := (a+b)/2 - expected
	if den == 0 || len(pred) < 2 {
		return 1
	}
	return (index - expected) / den
}

func TestNMIAndARIHandComputed(t *testing.T) {
	tests := []struct {
		name   string
		pred   []int
		labels []uint8
		nmi    float64
		ari    float64
	}{
		{
			// Contingency [class][cluster] = [[2 1] [0 1]], n = 4.
			// I = ½ln(½/(¾·½)) + ¼ln(¼/(¾·½)) + ¼ln(¼/(¼·½)) = 1.5ln2 − 0.75ln3
			//   = 0.2157615543;
			// H(labels) = −(¾ln¾ + ¼ln¼) = 0.5623351446, H(pred) = ln2 = 0.6931471806;
			// NMI = 0.2157615543 / 0.6277411626 = 0.3437110185.
			// Pairs (6): tp = C(2,2) = 1; same cluster 1+1 = 2 → fp = 1;
			// same label C(3,2) = 3 → fn = 2; tn = 6−1−1−2 = 2;
			// ARI = 2(1·2 − 2·1)/(…) = 0.
			name: "scores a partial agreement", pred: []int{0, 0, 1, 1},
			labels: []uint8{0, 0, 0, 1}, nmi: 0.3437110184854507, ari: 0,
		},
		{
			// scikit-learn's documented example adjusted_rand_score([0,0,1,2],
			// [0,0,1,1]) = 0.57: tp = 1, fp = 1, fn = 0, tn = 4,
			// ARI = 2(1·4 − 0)/((1+0)(0+4) + (1+1)(1+4)) = 8/14.
			// Contingency [[2 0] [0 1] [0 1]], n = 4: I = ½ln2 + ¼ln2 + ¼ln2 = ln2,
			// H(labels) = 1.5ln2, H(pred) = ln2, NMI = ln2/(1.25ln2) = 0.8.
			name: "scores a split cluster", pred: []int{0, 0, 1, 1},
			labels: []uint8{0, 0, 1, 2}, nmi: 0.8, ari: 8.0 / 14,
		},
		{
			name: "gives 1 to a relabelled perfect clustering", pred: []int{1, 1, 0, 0},
			labels: []uint8{0, 0, 1, 1}, nmi: 1, ari: 1,
		},
		{
			// One label: I = 0 → NMI 0; tp = 0, fp = 0, fn = 6, tn = 0 → ARI 0.
			name: "gives 0 to singletons against one label", pred: []int{0, 1, 2, 3},
			labels: []uint8{5, 5, 5, 5}, nmi: 0, ari: 0,
		},
		{
			name: "gives 0 to one cluster against several labels", pred: []int{7, 7, 7, 7},
			labels: []uint8{0, 1, 2, 3}, nmi: 0, ari: 0,
		},
		{
			name: "gives 1 to one cluster against one label", pred: []int{3, 3, 3},
			labels: []uint8{1, 1, 1}, nmi: 1, ari: 1,
		},
		{
			// Both all singletons: I = H = ln3 → 1; no pair together → fp = fn = 0 → 1.
			name: "gives 1 to singletons on both sides", pred: []int{0, 1, 2},
			labels: []uint8{2, 1, 0}, nmi: 1, ari: 1,
		},
		{name: "gives 1 to empty input", pred: []int{}, labels: []uint8{}, nmi: 1, ari: 1},
		{name: "gives 1 to one image", pred: []int{4}, labels: []uint8{9}, nmi: 1, ari: 1},
		{
			name: "gives NaN to mismatched lengths", pred: []int{0, 1},
			labels: []uint8{0}, nmi: math.NaN(), ari: math.NaN(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NMI(tt.pred, tt.labels); !near(got, tt.nmi, 1e-12) {
				t.Errorf("NMI: got %.15g, want %.15g", got, tt.nmi)
			}
			if got := ARI(tt.pred, tt.labels); !near(got, tt.ari, 1e-12) {
				t.Errorf("ARI: got %.15g, want %.15g", got, tt.ari)
			}
		})
	}
}

// near reports whether got and want agree within tol; two NaNs agree.
func near(got, want, tol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= tol
}

func TestNMIAndARIMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var maxNMI, maxARI float64
	for trial := range 400 {
		n := 1 + rng.IntN(60)
		k, classes := 1+rng.IntN(6), 1+rng.IntN(5)
		pred, labels := make([]int, n), make([]uint8, n)
		for i := range n {
			labels[i] = uint8(rng.IntN(classes))
			pred[i] = rng.IntN(k)
			if rng.IntN(2) == 0 {
				pred[i] = int(labels[i]) // correlate half of the images
			}
		}
		dn := math.Abs(NMI(pred, labels) - slowNMI(pred, labels))
		da := math.Abs(ARI(pred, labels) - slowARI(pred, labels))
		maxNMI, maxARI = math.Max(maxNMI, dn), math.Max(maxARI, da)
		if dn > 1e-12 || da > 1e-12 || math.IsNaN(dn+da) {
			t.Fatalf("trial %d pred %v labels %v: NMI %v vs %v, ARI %v vs %v", trial, pred,
				labels, NMI(pred, labels), slowNMI(pred, labels),
				ARI(pred, labels), slowARI(pred, labels))
		}
	}
	t.Logf("max difference from reference: NMI %g, ARI %g", maxNMI, maxARI)
}

func TestNMIAndARIIgnoreIDs(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	n := 300
	pred, labels := make([]int, n), make([]uint8, n)
	for i := range n {
		labels[i] = uint8(rng.IntN(10))
		pred[i] = (int(labels[i]) + rng.IntN(3)) % 12
	}
	// Map cluster ids to arbitrary ints and permute the label values.
	cids := []int{-5, 1000, 3, 77, -1, 0, 42, 9, 11, 6, 123456, 2}
	lperm := rng.Perm(256)
	pred2, labels2 := make([]int, n), make([]uint8, n)
	for i := range n {
		pred2[i], labels2[i] = cids[pred[i]], uint8(lperm[labels[i]])
	}

	t.Run("gives the same NMI after relabelling", func(t *testing.T) {
		if a, b := NMI(pred, labels), NMI(pred2, labels2); a != b {
			t.Errorf("got %v after relabelling, want %v", b, a)
		}
	})
	t.Run("gives the same ARI after relabelling", func(t *testing.T) {
		if a, b := ARI(pred, labels), ARI(pred2, labels2); a != b {
			t.Errorf("got %v after relabelling, want %v", b, a)
		}
	})
}

func TestNMIAndARIOnIndependentLabellings(t *testing.T) {
	// Every (cluster, label) cell holds 100 images: the labellings are
	// exactly independent, so I = 0; ARI is near 0 (slightly negative by
	// pair counting at finite n: about −0.002 here).
	var pred []int
	var labels []uint8
	for c := range 5 {
		for l := range 4 {
			for range 100 {
				pred, labels = append(pred, c), append(labels, uint8(l))
			}
		}
	}
	if got := NMI(pred, labels); math.Abs(got) > 1e-12 {
		t.Errorf("NMI: got %v, want 0", got)
	}
	if got := ARI(pred, labels); math.Abs(got) > 0.005 {
		t.Errorf("ARI: got %v, want about 0", got)
	}
	if got, want := ARI(pred, labels), slowARI(pred, labels); math.Abs(got-want) > 1e-12 {
		t.Errorf("ARI: got %v, want %v from the reference", got, want)
	}
}

func TestARIDoesNotOverflowOnLargeInput(t *testing.T) {
	// 70,000 images in 10 perfectly matched clusters except one image.
	n := 70000
	pred, labels := make([]int, n), make([]uint8, n)
	for i := range n {
		labels[i] = uint8(i % 10)
		pred[i] = (i + 3) % 10
	}
	pred[0] = (pred[0] + 1) % 10
	got := ARI(pred, labels)
	if got < 0.999 || got >= 1 {
		t.Errorf("got %v, want just below 1", got)
	}
}
