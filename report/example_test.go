package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/iic-go/iic/report"
)

func ExampleMetricsWriter() {
	dir, err := os.MkdirTemp("", "run")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, report.MetricsFile)

	w, err := report.OpenMetrics(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := report.Record{
		Kind: report.KindStep, Epoch: 0.5, Step: 250, Time: 31.5, Head: "B",
		Loss: []float64{-1.25, math.NaN()}, LossMean: math.NaN(), ImagesPerSec: 800,
		LR: 1e-3,
	}
	if err := w.Write(rec); err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	// The file holds one line per record; it is indented here to fit.
	line, _ := os.ReadFile(path)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, line, "", " "); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(pretty.String())
	recs, _ := report.ReadMetrics(path)
	fmt.Println(recs[0].Step, recs[0].Loss, recs[0].LossMean)
	// Output:
	// {
	//  "kind": "step",
	//  "epoch": 0.5,
	//  "step": 250,
	//  "time_s": 31.5,
	//  "head": "B",
	//  "loss": [
	//   -1.25,
	//   null
	//  ],
	//  "loss_mean": null,
	//  "images_per_s": 800,
	//  "data_wait_frac": 0,
	//  "lr": 0.001
	// }
	// 250 [-1.25 NaN] NaN
}
