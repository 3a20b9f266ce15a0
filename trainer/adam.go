package trainer

import "math"

// Adam is the Adam optimiser (Kingma and Ba) with PyTorch's semantics: one
// optimiser over all parameters, and a parameter that received no gradient
// in a step is left alone, its moments and step count unchanged. Unlike
// Gorgonia's solver its whole state is exported, so a checkpoint can save
// and restore it.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	// M and V are the first and second moments, parallel to Params.List.
	M, V [][]float32
	// Steps counts the updates each parameter has received.
	Steps []int
}

// NewAdam returns an optimiser for parameters of the given sizes.
func NewAdam(lr, beta1, beta2, eps float64, sizes []int) *Adam {
	a := &Adam{LR: lr, Beta1: beta1, Beta2: beta2, Eps: eps,
		M: make([][]float32, len(sizes)), V: make([][]float32, len(sizes)),
		Steps: make([]int, len(sizes))}
	for i, n := range sizes {
		a.M[i] = make([]float32, n)
		a.V[i] = make([]float32, n)
	}
	return a
}

// Update applies one Adam step to parameter i, w ← w − lr·m̂/(√v̂ + eps),
// given its gradient g.
func (a *Adam) Update(i int, w, g []float32) {
	a.Steps[i]++
	t := float64(a.Steps[i])
	c1 := 1 - math.Pow(a.Beta1, t)
	c2 := 1 - math.Pow(a.Beta2, t)
	step := float32(a.LR / c1)
	sqrtC2 := float32(math.Sqrt(c2))
	b1, b2, eps := float32(a.Beta1), float32(a.Beta2), float32(a.Eps)
	m, v := a.M[i], a.V[i]
	for j, gj := range g {
		m[j] = b1*m[j] + (1-b1)*gj
		v[j] = b2*v[j] + (1-b2)*gj*gj
		w[j] -= step * m[j] / (float32(math.Sqrt(float64(v[j])))/sqrtC2 + eps)
	}
}
