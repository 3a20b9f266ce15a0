package perturber

import (
	"fmt"
	"math"
)

// Rotate returns the side×side image src [side*side] rotated
// counter-clockwise by angleDeg degrees about its centre, as PIL's
// Image.rotate(angle, resample=NEAREST, expand=False, fillcolor=0): every
// output pixel centre is mapped back into src and takes the nearest pixel,
// or 0 when it lands outside.
func Rotate(src []float32, side int, angleDeg float64) ([]float32, error) {
	if err := checkImage(src, side, side); err != nil {
		return nil, err
	}
	if math.IsNaN(angleDeg) || math.IsInf(angleDeg, 0) {
		return nil, fmt.Errorf("rotate by %g degrees: angle is not finite", angleDeg)
	}
	dst := make([]float32, side*side)
	rotateInto(dst, src, side, angleDeg)
	return dst, nil
}

// rotateInto writes src rotated by angleDeg into dst; both are [side*side].
func rotateInto(dst, src []float32, side int, angleDeg float64) {
	m := rotationMatrix(side, angleDeg)
	for y := range side {
		yc := float64(y) + 0.5
		u0, v0 := m[1]*yc+m[2], m[4]*yc+m[5]
		row := dst[y*side : (y+1)*side]
		for x := range row {
			xc := float64(x) + 0.5
			u, v := m[0]*xc+u0, m[3]*xc+v0
			row[x] = 0
			if u < 0 || v < 0 {
				continue // int() would truncate towards zero, not floor
			}
			ui, vi := int(u), int(v)
			if ui < side && vi < side {
				row[x] = src[vi*side+ui]
			}
		}
	}
}

// rotationMatrix returns PIL's inverse affine map (a, b, c, d, e, f) for a
// counter-clockwise rotation about (side/2, side/2): the output point (x, y)
// samples the input at (a·x + b·y + c, d·x + e·y + f). Like PIL it reduces
// the angle modulo 360 and rounds sine and cosine to 15 decimals, which
// makes multiples of 90° exact.
func rotationMatrix(side int, angleDeg float64) [6]float64 {
	angleDeg = math.Mod(angleDeg, 360)
	if angleDeg < 0 {
		angleDeg += 360
	}
	t := -angleDeg * (math.Pi / 180)
	cos, sin := round15(math.Cos(t)), round15(math.Sin(t))
	centre := float64(side) / 2
	a, b, d, e := cos, sin, -sin, cos
	c := a*-centre + b*-centre + centre
	f := d*-centre + e*-centre + centre
	return [6]float64{a, b, c, d, e, f}
}

func round15(v float64) float64 {
	return math.Round(v*1e15) / 1e15
}
