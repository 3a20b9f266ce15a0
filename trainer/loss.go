package trainer

import "math"

// Epsilon is the clamp of spec §a.2: entries of the joint distribution and
// of its marginals below it are raised to it and pass no gradient. It is
// float64's machine epsilon, as in the original (Python sys.float_info).
const Epsilon = 2.220446049250313e-16

// IICLoss computes the IIC loss of one sub-head and, when d1 and d2 are not
// nil, its gradient with respect to the logits.
//
// z1 and z2 are the logits of the two views, [n, k] row-major, for n pairs:
// row i of z1 and row i of z2 belong to the same image. The loss follows the
// original exactly (spec §a.2): softmax per row, joint P = Σ_i p1_i p2_iᵀ,
// symmetrised and normalised to sum 1, row and column marginals taken before
// clamping, entries below Epsilon clamped (no gradient through them), and
//
//	L = −Σ_cc′ P_cc′ (ln P_cc′ − λ ln P_c − λ ln P_c′).
//
// d1 and d2, [n, k], receive ∂L/∂z1 and ∂L/∂z2 scaled by scale (they are
// overwritten, not accumulated). Work is done in float64 whatever the
// caller's precision; ws provides reusable scratch space and may be nil.
func IICLoss(z1, z2 []float64, n, k int, lambda, scale float64,
	d1, d2 []float64, ws *LossWorkspace) float64 {
	if ws == nil {
		ws = &LossWorkspace{}
	}
	ws.ensure(n, k)
	p1, p2, joint := ws.p1[:n*k], ws.p2[:n*k], ws.joint[:k*k]
	softmaxRows(z1, p1, n, k)
	softmaxRows(z2, p2, n, k)

	// Joint distribution: S = Σ_i p1_i p2_iᵀ, P = (S + Sᵀ) / 2n.
	clear(joint)
	for i := range n {
		a, b := p1[i*k:(i+1)*k], p2[i*k:(i+1)*k]
		for c, ac := range a {
			row := joint[c*k : (c+1)*k]
			for c2, bc := range b {
				row[c2] += ac * bc
			}
		}
	}
	norm := 1 / (2 * float64(n))
	for c := range k {
		for c2 := c; c2 < k; c2++ {
			v := (joint[c*k+c2] + joint[c2*k+c]) * norm
			joint[c*k+c2], joint[c2*k+c] = v, v
		}
	}

	// Marginals before clamping; P is symmetric, so rows and columns agree.
	rows := ws.rows[:k]
	for c := range k {
		s := 0.0
		for c2 := range k {
			s += joint[c*k+c2]
		}
		rows[c] = s
	}

	loss := 0.0
	grad := ws.grad[:k*k]
	for c := range k {
		lr := math.Log(math.Max(rows[c], Epsilon))
		for c2 := range k {
			p := joint[c*k+c2]
			lp := math.Log(math.Max(p, Epsilon))
			lc := math.Log(math.Max(rows[c2], Epsilon))
			pc := math.Max(p, Epsilon)
			loss -= pc * (lp - lambda*lr - lambda*lc)
			if p >= Epsilon {
				grad[c*k+c2] = -(lp - lambda*lr - lambda*lc + 1)
			} else {
				grad[c*k+c2] = 0
			}
		}
	}
	if d1 == nil && d2 == nil {
		return loss
	}

	// Through the marginals: ∂L/∂r_c = λ Σ_c′ P̃_cc′ / r_c for the row role,
	// and the same for the column role; both feed back into every P_cc′.
	dm := ws.dm[:k]
	for c := range k {
		if rows[c] < Epsilon {
			dm[c] = 0
			continue
		}
		s := 0.0
		for c2 := range k {
			s += math.Max(joint[c*k+c2], Epsilon)
		}
		dm[c] = lambda * s / rows[c]
	}
	for c := range k {
		for c2 := range k {
			grad[c*k+c2] += dm[c] + dm[c2]
		}
	}
	// Through the symmetrisation and normalisation: ∂L/∂S = (G + Gᵀ) / 2n.
	for c := range k {
		for c2 := c; c2 < k; c2++ {
			v := (grad[c*k+c2] + grad[c2*k+c]) * norm * scale
			grad[c*k+c2], grad[c2*k+c] = v, v
		}
	}
	// Through the outer products and the softmax of each view.
	dp := ws.dp[:k]
	for i := range n {
		a, b := p1[i*k:(i+1)*k], p2[i*k:(i+1)*k]
		if d1 != nil {
			matVec(grad, b, dp, k)
			softmaxBackward(a, dp, d1[i*k:(i+1)*k])
		}
		if d2 != nil {
			matVec(grad, a, dp, k) // grad is symmetric: Gᵀa = Ga.
			softmaxBackward(b, dp, d2[i*k:(i+1)*k])
		}
	}
	return loss
}

// LossWorkspace holds scratch buffers for IICLoss so that repeated calls do
// not allocate.
type LossWorkspace struct {
	p1, p2, joint, grad, rows, dm, dp []float64
}

func (w *LossWorkspace) ensure(n, k int) {
	grow := func(s []float64, size int) []float64 {
		if cap(s) < size {
			return make([]float64, size)
		}
		return s[:size]
	}
	w.p1 = grow(w.p1, n*k)
	w.p2 = grow(w.p2, n*k)
	w.joint = grow(w.joint, k*k)
	w.grad = grow(w.grad, k*k)
	w.rows = grow(w.rows, k)
	w.dm = grow(w.dm, k)
	w.dp = grow(w.dp, k)
}

// softmaxRows writes the row-wise softmax of z, [n, k], into p, shifting
// each row by its own maximum.
func softmaxRows(z, p []float64, n, k int) {
	for i := range n {
		row, out := z[i*k:(i+1)*k], p[i*k:(i+1)*k]
		m := row[0]
		for _, v := range row[1:] {
			m = math.Max(m, v)
		}
		s := 0.0
		for c, v := range row {
			e := math.Exp(v - m)
			out[c] = e
			s += e
		}
		for c := range out {
			out[c] /= s
		}
	}
}

// softmaxBackward maps a gradient dp with respect to probabilities p to the
// gradient dz with respect to the logits: dz = p ⊙ (dp − ⟨dp, p⟩).
func softmaxBackward(p, dp, dz []float64) {
	dot := 0.0
	for c := range p {
		dot += dp[c] * p[c]
	}
	for c := range p {
		dz[c] = p[c] * (dp[c] - dot)
	}
}

// matVec writes m·v into out for a k×k matrix m.
func matVec(m, v, out []float64, k int) {
	for c := range k {
		s := 0.0
		row := m[c*k : (c+1)*k]
		for c2, x := range v {
			s += row[c2] * x
		}
		out[c] = s
	}
}

// Softmax returns the row-wise softmax of logits z, [n, k], in float32.
func Softmax(z []float32, n, k int) []float32 {
	out := make([]float32, n*k)
	for i := range n {
		row := z[i*k : (i+1)*k]
		m := row[0]
		for _, v := range row[1:] {
			m = max(m, v)
		}
		s := 0.0
		for c, v := range row {
			e := math.Exp(float64(v - m))
			out[i*k+c] = float32(e)
			s += e
		}
		for c := range k {
			out[i*k+c] = float32(float64(out[i*k+c]) / s)
		}
	}
	return out
}
