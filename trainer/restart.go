package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Restarts returns, in order, the sub-heads whose loss is above the lowest
// loss by more than margin: the ones to draw afresh. NaN losses are left
// alone, and so is every sub-head when no loss is known.
func Restarts(losses []float64, margin float64) []int {
	lowest := math.Inf(1)
	for _, l := range losses {
		if l < lowest {
			lowest = l
		}
	}
	var out []int
	for s, l := range losses {
		if l-lowest > margin {
			out = append(out, s)
		}
	}
	return out
}

// ReinitSubHead draws sub-head s of head ("A" or "B") afresh, as NewParams
// does: its columns of the head's weights from N(0, 0.01²) and its biases
// zero. Adam's first moments of those entries are cleared, so no stale
// direction carries over; the second moments are kept as the scale of the
// head's gradients, which keeps the first updates after a restart no
// larger than usual (cleared, they would make steps several times lr).
func (m *Model) ReinitSubHead(head string, s int, rng *rand.Rand) error {
	k := m.k(head)
	h := m.cfg.SubHeads
	if (head != "A" && head != "B") || s < 0 || s >= h {
		return fmt.Errorf("head %s has no sub-head %d", head, s)
	}
	for i, q := range m.Params.List {
		if q.Head != head {
			continue
		}
		bias := q.Value.Dims() == 1
		cols := h * k
		switch d := q.Value.Data().(type) {
		case []float32:
			for j := range d {
				if c := j % cols; c/k == s {
					d[j] = 0
					if !bias {
						d[j] = float32(rng.NormFloat64() * 0.01)
					}
					m.Opt.M[i][j] = 0
				}
			}
		case []float64:
			for j := range d {
				if c := j % cols; c/k == s {
					d[j] = 0
					if !bias {
						d[j] = rng.NormFloat64() * 0.01
					}
					m.Opt.M[i][j] = 0
				}
			}
		}
	}
	return nil
}
