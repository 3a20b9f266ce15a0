package report

import (
	"encoding/json"
	"fmt"
)

// header holds the keys every record has.
type header struct {
	Kind  string `json:"kind"`
	Epoch number `json:"epoch"`
	Step  int    `json:"step"`
	Time  number `json:"time_s"`
	Head  string `json:"head"`
}

// stepFields holds the keys of a step record.
type stepFields struct {
	Loss         []number `json:"loss"`
	LossMean     number   `json:"loss_mean"`
	ImagesPerSec number   `json:"images_per_s"`
	DataWait     number   `json:"data_wait_frac"`
	LR           number   `json:"lr"`
}

// evalFields holds the keys of an eval record.
type evalFields struct {
	Accuracy    []number `json:"accuracy"`
	NMI         []number `json:"nmi"`
	ARI         []number `json:"ari"`
	SubHeadLoss []number `json:"subhead_loss"`
	AccMean     number   `json:"acc_mean"`
	AccStd      number   `json:"acc_std"`
	AccMin      number   `json:"acc_min"`
	AccMax      number   `json:"acc_max"`
	Best        int      `json:"best"`
	LowestLoss  int      `json:"lowest_loss"`
}

// MarshalJSON implements json.Marshaler: one object with the keys of the
// record's kind, in a fixed order.
func (r Record) MarshalJSON() ([]byte, error) {
	h := header{r.Kind, number(r.Epoch), r.Step, number(r.Time), r.Head}
	switch r.Kind {
	case KindStep:
		return json.Marshal(struct {
			header
			stepFields
		}{h, stepFields{
			numbers(r.Loss), number(r.LossMean), number(r.ImagesPerSec), number(r.DataWait),
			number(r.LR),
		}})
	case KindEval:
		return json.Marshal(struct {
			header
			evalFields
		}{h, evalFields{
			numbers(r.Accuracy), numbers(r.NMI), numbers(r.ARI), numbers(r.SubHeadLoss),
			number(r.AccMean), number(r.AccStd), number(r.AccMin), number(r.AccMax),
			r.Best, r.LowestLoss,
		}})
	}
	return nil, fmt.Errorf("encode record at step %d: kind %q: %w", r.Step, r.Kind, ErrUnknownKind)
}

// UnmarshalJSON implements json.Unmarshaler. Keys of the other kind and
// unknown keys are ignored.
func (r *Record) UnmarshalJSON(b []byte) error {
	var w struct {
		header
		stepFields
		evalFields
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode record: %w", err)
	}
	out := Record{
		Kind: w.Kind, Epoch: float64(w.Epoch), Step: w.Step, Time: float64(w.Time), Head: w.Head,
	}
	switch w.Kind {
	case KindStep:
		s := w.stepFields
		out.Loss, out.LossMean = floats(s.Loss), float64(s.LossMean)
		out.ImagesPerSec, out.DataWait = float64(s.ImagesPerSec), float64(s.DataWait)
		out.LR = float64(s.LR)
	case KindEval:
		e := w.evalFields
		out.Accuracy, out.NMI, out.ARI = floats(e.Accuracy), floats(e.NMI), floats(e.ARI)
		out.SubHeadLoss = floats(e.SubHeadLoss)
		out.AccMean, out.AccStd = float64(e.AccMean), float64(e.AccStd)
		out.AccMin, out.AccMax = float64(e.AccMin), float64(e.AccMax)
		out.Best, out.LowestLoss = e.Best, e.LowestLoss
	default:
		return fmt.Errorf("decode record at step %d: kind %q: %w", w.Step, w.Kind, ErrUnknownKind)
	}
	*r = out
	return nil
}
