package report

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// CurveFile is the name of the learning curve inside a run folder.
const CurveFile = "curve.png"

// Size of the curve image: 1200×450 pixels.
const (
	curveWidth  = 12 * vg.Inch
	curveHeight = 4.5 * vg.Inch
	curveDPI    = 100
)

// ErrNoData is returned by DrawCurve when the records hold nothing to
// plot: no finite step loss and no eval accuracy.
var ErrNoData = errors.New("no data to plot")

// Colours of heads A and B and of the error curve, as 0xRRGGBB:
// matplotlib's first two defaults, as in the TF port's figure.
const (
	blue   = 0x1f77b4
	orange = 0xff7f0e
)

// rgb returns the colour 0xRRGGBB with opacity alpha.
func rgb(c uint32, alpha uint8) color.NRGBA {
	return color.NRGBA{R: uint8(c >> 16), G: uint8(c >> 8), B: uint8(c), A: alpha}
}

// DrawCurve draws the learning curve of recs into path as a PNG of
// 1200×450 pixels: the TF port's 1×2 figure (spec §d.2).
//
// Left, "Loss": for each head, the mean LossMean of the step records of
// each epoch, plotted at the epoch's number (records with Epoch in
// (e−1, e] belong to epoch e). Right, "Error (min, mean, max over
// sub-heads)": for each eval record of head B (or with no head), 1 − the
// mean sub-head accuracy as a line over Epoch, which may be fractional,
// inside a band from the lowest to the highest sub-head error. Either
// panel may be empty; single points are drawn as dots. NaN values are
// skipped.
//
// When metrics.jsonl holds several attempts of a resumed run, a record
// whose step is not above that of the previous record of its kind starts a
// new attempt, and the earlier records of that kind from that step on are
// dropped (so two records of one kind at one step keep the later).
//
// The file is replaced atomically: readers see the old curve or the new
// one, never half a PNG. It returns ErrNoData, writing nothing,
// when there is nothing to plot.
func DrawCurve(path string, recs []Record) error {
	losses := epochLosses(latestAttempt(recs, KindStep))
	errs := evalErrors(latestAttempt(recs, KindEval))
	if len(losses) == 0 && len(errs.mean) == 0 {
		return fmt.Errorf("draw curve %s: %w", path, ErrNoData)
	}
	left, err := lossPlot(losses)
	if err != nil {
		return fmt.Errorf("draw curve %s: %w", path, err)
	}
	right, err := errorPlot(errs)
	if err != nil {
		return fmt.Errorf("draw curve %s: %w", path, err)
	}

	shareEpochAxis(left, right)

	img := vgimg.NewWith(vgimg.UseWH(curveWidth, curveHeight), vgimg.UseDPI(curveDPI))
	tiles := draw.Tiles{
		Rows: 1, Cols: 2, PadX: vg.Inch / 2,
		PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 4,
	}
	plots := [][]*plot.Plot{{left, right}}
	canvases := plot.Align(plots, tiles, draw.New(img))
	left.Draw(canvases[0][0])
	right.Draw(canvases[0][1])

	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}

// latestAttempt returns the records of kind, keeping of a resumed run
// only the latest attempt's records for each step range (see DrawCurve).
func latestAttempt(recs []Record, kind string) []Record {
	var out []Record
	for _, r := range recs {
		if r.Kind != kind {
			continue
		}
		for len(out) > 0 && out[len(out)-1].Step >= r.Step {
			out = out[:len(out)-1]
		}
		out = append(out, r)
	}
	return out
}

// epochLosses returns, per head, the mean of the finite LossMean values
// of each epoch, ordered by epoch.
func epochLosses(steps []Record) map[string]plotter.XYs {
	type acc struct{ sum, n float64 }
	byHead := map[string]map[float64]*acc{}
	for _, r := range steps {
		if r.Head == "" || math.IsNaN(r.LossMean) || math.IsInf(r.LossMean, 0) {
			continue
		}
		if byHead[r.Head] == nil {
			byHead[r.Head] = map[float64]*acc{}
		}
		e := math.Ceil(r.Epoch)
		if byHead[r.Head][e] == nil {
			byHead[r.Head][e] = &acc{}
		}
		byHead[r.Head][e].sum += r.LossMean
		byHead[r.Head][e].n++
	}
	out := map[string]plotter.XYs{}
	for head, epochs := range byHead {
		for e, a := range epochs {
			out[head] = append(out[head], plotter.XY{X: e, Y: a.sum / a.n})
		}
		slices.SortFunc(out[head], func(a, b plotter.XY) int { return cmpFloat(a.X, b.X) })
	}
	return out
}

// errorSeries holds the mean, lowest and highest sub-head error of each
// evaluation, in record order.
type errorSeries struct {
	mean, lo, hi plotter.XYs
}

// evalErrors extracts head B's error series from eval records.
func evalErrors(evals []Record) errorSeries {
	var s errorSeries
	for _, r := range evals {
		if r.Head != "B" && r.Head != "" {
			continue
		}
		sum, n, lo, hi := 0.0, 0, math.Inf(1), math.Inf(-1)
		for _, a := range r.Accuracy {
			if math.IsNaN(a) {
				continue
			}
			sum, n = sum+1-a, n+1
			lo, hi = math.Min(lo, 1-a), math.Max(hi, 1-a)
		}
		if n == 0 || math.IsNaN(r.Epoch) {
			continue
		}
		s.mean = append(s.mean, plotter.XY{X: r.Epoch, Y: sum / float64(n)})
		s.lo = append(s.lo, plotter.XY{X: r.Epoch, Y: lo})
		s.hi = append(s.hi, plotter.XY{X: r.Epoch, Y: hi})
	}
	return s
}

// cmpFloat orders two non-NaN floats.
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// headColor returns the colour of head: A blue, B orange, others from
// plotutil's palette by their rank i.
func headColor(head string, i int) color.Color {
	switch head {
	case "A":
		return rgb(blue, 0xff)
	case "B":
		return rgb(orange, 0xff)
	}
	return plotutil.Color(i)
}

// lossPlot builds the left panel: one line per head.
func lossPlot(losses map[string]plotter.XYs) (*plot.Plot, error) {
	p := newPanel("Loss", "loss")
	heads := make([]string, 0, len(losses))
	for h := range losses {
		heads = append(heads, h)
	}
	slices.Sort(heads)
	for i, h := range heads {
		line, dots, err := plotter.NewLinePoints(losses[h])
		if err != nil {
			return nil, fmt.Errorf("loss of head %s: %w", h, err)
		}
		line.Color, dots.Color = headColor(h, i), headColor(h, i)
		dots.Shape = draw.CircleGlyph{}
		p.Add(line, dots)
		p.Legend.Add("Head "+h, line)
	}
	return p, nil
}

// errorPlot builds the right panel: the mean error inside its min–max band.
func errorPlot(s errorSeries) (*plot.Plot, error) {
	p := newPanel("Error (min, mean, max over sub-heads)", "error")
	if len(s.mean) == 0 {
		return p, nil
	}
	ring := append(slices.Clone(s.lo), reversed(s.hi)...)
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return nil, fmt.Errorf("error band: %w", err)
	}
	poly.Color, poly.LineStyle.Width = rgb(blue, 0x40), 0
	line, dots, err := plotter.NewLinePoints(s.mean)
	if err != nil {
		return nil, fmt.Errorf("mean error: %w", err)
	}
	line.Color, dots.Color, dots.Shape = rgb(blue, 0xff), rgb(blue, 0xff), draw.CircleGlyph{}
	p.Add(poly, line, dots)
	p.Legend.Add("mean", line)
	p.Legend.Add("min–max", poly)
	p.Y.Min = 0 // errors start at 0; the top follows the data
	if !(p.Y.Max > 0) {
		p.Y.Max = 1
	}
	return p, nil
}

// shareEpochAxis gives the panels one epoch axis, from 0 to the last
// epoch of either (at least 1).
func shareEpochAxis(panels ...*plot.Plot) {
	last := 1.0
	for _, p := range panels {
		if !math.IsInf(p.X.Max, 0) {
			last = math.Max(last, p.X.Max)
		}
	}
	for _, p := range panels {
		p.X.Min, p.X.Max = 0, last
	}
}

// newPanel returns an empty panel with the given title and y label over
// epochs, its legend at the top right.
func newPanel(title, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// reversed returns a reversed copy of xys.
func reversed(xys plotter.XYs) plotter.XYs {
	out := slices.Clone(xys)
	slices.Reverse(out)
	return out
}
