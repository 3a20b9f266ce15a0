package main

import (
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"
)

// bar is the progress display on a terminal: step, images/s, loss, ETA.
type bar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func newBar(w io.Writer) *bar { return &bar{w: w} }

// Update moves the bar to step of total.
func (b *bar) Update(step, total int, loss, imagesPerSec float64) {
	if b.bar == nil {
		b.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(b.w),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true), progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(0))
	}
	b.bar.Describe(fmt.Sprintf("loss %.4f  %.0f img/s", loss, imagesPerSec))
	_ = b.bar.Set(step) // writing to the terminal is best effort
}

// Finish ends the bar's line.
func (b *bar) Finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
		fmt.Fprintln(b.w)
	}
}
