package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// confusionGrid adapts a confusion matrix to plotter.GridXYZ: column c is
// cluster order[c], row r is label r, and the value is the row-normalised
// share of label r's images in that cluster.
type confusionGrid struct {
	share [][]float64 // [label][column]
}

func (g confusionGrid) Dims() (c, r int)   { return len(g.share[0]), len(g.share) }
func (g confusionGrid) Z(c, r int) float64 { return g.share[r][c] }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(r) }

// DrawConfusion writes a PNG heat map of a sub-head's confusion matrix:
// counts[cluster][label], clusters ordered by the label matched to them
// (mapping[cluster], -1 for none, as evaluator.Match returns), each label's
// row normalised to shares. The file is replaced atomically.
func DrawConfusion(path, title string, counts [][]int, mapping []int) error {
	if len(counts) == 0 || len(counts[0]) == 0 || len(mapping) != len(counts) {
		return fmt.Errorf("draw confusion %s: %w", path, ErrNoData)
	}
	order := clusterOrder(mapping)
	classes := len(counts[0])
	g := confusionGrid{share: make([][]float64, classes)}
	for l := range classes {
		g.share[l] = make([]float64, len(order))
		total := 0
		for _, row := range counts {
			total += row[l]
		}
		for c, k := range order {
			if total > 0 {
				g.share[l][c] = float64(counts[k][l]) / float64(total)
			}
		}
	}

	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "cluster (ordered by matched label)"
	p.Y.Label.Text = "label"
	hm := plotter.NewHeatMap(g, whiteToBlue(64))
	hm.Min, hm.Max = 0, 1
	hm.NaN = color.White
	p.Add(hm)
	p.X.Tick.Marker = indexTicks(order)
	p.Y.Tick.Marker = indexTicks(nil)
	p.X.Min, p.X.Max = -0.5, float64(len(order))-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(classes)-0.5

	side := vg.Length(math.Max(4, float64(len(order))/3)) * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(side, 4.5*vg.Inch), vgimg.UseDPI(curveDPI))
	p.Draw(draw.New(img))
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}

// whiteToBlue is a palette of n colours from white (share 0) to dark blue
// (share 1).
type whiteToBlue int

func (n whiteToBlue) Colors() []color.Color {
	out := make([]color.Color, n)
	for i := range out {
		t := float64(i) / float64(n-1)
		out[i] = color.NRGBA{R: uint8(255 * (1 - 0.9*t)), G: uint8(255 * (1 - 0.75*t)),
			B: uint8(255 * (1 - 0.45*t)), A: 255}
	}
	return out
}

// clusterOrder lists clusters sorted by their matched label, unmatched
// clusters last.
func clusterOrder(mapping []int) []int {
	var order, rest []int
	for l := 0; l <= len(mapping); l++ {
		for c, m := range mapping {
			if m == l {
				order = append(order, c)
			}
		}
	}
	for c, m := range mapping {
		if m < 0 {
			rest = append(rest, c)
		}
	}
	return append(order, rest...)
}

// indexTicks labels integer positions; with names, position i reads
// names[i], else i.
type indexTicks []int

func (t indexTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for i := int(math.Ceil(lo)); float64(i) <= hi; i++ {
		label := strconv.Itoa(i)
		if t != nil && i >= 0 && i < len(t) {
			label = strconv.Itoa(t[i])
		}
		out = append(out, plot.Tick{Value: float64(i), Label: label})
	}
	return out
}
