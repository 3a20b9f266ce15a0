package trainer

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gorgonia.org/tensor"

	"github.com/iic-go/iic/config"
)

func TestRestartsPicksTheSubHeadsAboveTheLowestByTheMargin(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		losses []float64
		margin float64
		want   []int
	}{
		{[]float64{-2.0, -1.9, -2.05, -1.5}, 0.1, []int{1, 3}},
		{[]float64{-2.0, -1.9, -2.05, -1.5}, 0.6, nil},
		{[]float64{-2.0, -2.0}, 0, nil},
		{[]float64{-2.0, nan, -1.0}, 0.5, []int{2}},
		{[]float64{nan, nan}, 0, nil},
		{nil, 0, nil},
	} {
		if got := Restarts(c.losses, c.margin); !slices.Equal(got, c.want) {
			t.Errorf("Restarts(%v, %v) = %v, want %v", c.losses, c.margin, got, c.want)
		}
	}
}

func TestReinitSubHeadRedrawsOnlyThatSubHead(t *testing.T) {
	c := smallConfig()
	c.Model.SubHeads, c.Model.KB = 3, 4
	m, err := NewModel(c, 8, tensor.Float32, 5)
	if err != nil {
		t.Fatal(err)
	}
	// Give every entry and first moment a mark the redraw must replace.
	for i, q := range m.Params.List {
		d := q.Value.Data().([]float32)
		for j := range d {
			d[j], m.Opt.M[i][j], m.Opt.V[i][j] = 7, 3, 2
		}
	}
	before := snapshotParams(m)
	if err := m.ReinitSubHead("B", 1, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	h, k := c.Model.SubHeads, c.Model.KB
	var weights []float64
	for i, q := range m.Params.List {
		d := q.Value.Data().([]float32)
		for j, v := range d {
			inSub := q.Head == "B" && (j%(h*k))/k == 1
			switch {
			case !inSub && (v != before[i][j] || m.Opt.M[i][j] != 3):
				t.Fatalf("%s[%d] changed outside sub-head 1: %v, moment %v", q.Name, j, v,
					m.Opt.M[i][j])
			case inSub && m.Opt.M[i][j] != 0:
				t.Fatalf("%s[%d]: first moment %v kept, want 0", q.Name, j, m.Opt.M[i][j])
			case m.Opt.V[i][j] != 2:
				t.Fatalf("%s[%d]: second moment %v, want it kept at 2", q.Name, j, m.Opt.V[i][j])
			case inSub && q.Name == "headB.b" && v != 0:
				t.Fatalf("%s[%d] = %v, want a zero bias", q.Name, j, v)
			case inSub && q.Name == "headB.w":
				weights = append(weights, float64(v))
			}
		}
	}
	if want := m.Params.Features * k; len(weights) != want {
		t.Fatalf("%d weights redrawn, want %d", len(weights), want)
	}
	mean, sq := 0.0, 0.0
	for _, w := range weights {
		mean += w / float64(len(weights))
		sq += w * w / float64(len(weights))
	}
	// N(0, 0.01²) over hundreds of draws: mean within a few standard
	// errors of 0, standard deviation within 20 % of 0.01.
	if std := math.Sqrt(sq - mean*mean); math.Abs(mean) > 0.003 || math.Abs(std-0.01) > 0.002 {
		t.Fatalf("redrawn weights: mean %.4g, std %.4g, want N(0, 0.01²)", mean, std)
	}
	if err := m.ReinitSubHead("B", 3, rand.New(rand.NewPCG(1, 2))); err == nil {
		t.Fatal("sub-head 3 of 3: no error")
	}
	if err := m.ReinitSubHead("C", 0, rand.New(rand.NewPCG(1, 2))); err == nil {
		t.Fatal("head C: no error")
	}
}

func snapshotParams(m *Model) [][]float32 {
	out := make([][]float32, len(m.Params.List))
	for i, q := range m.Params.List {
		out[i] = slices.Clone(q.Value.Data().([]float32))
	}
	return out
}

// TestLRAtFollowsTheHalfCosine checks the schedule against the closed form
// written from the step's fraction of the run.
func TestLRAtFollowsTheHalfCosine(t *testing.T) {
	tr := config.Default().Train
	tr.Schedule, tr.PhaseSteps, tr.Epochs, tr.MaxSteps = []string{"B", "A"}, 5, 4, 7
	tr.LR, tr.LRFinal, tr.LRSchedule = 1e-3, 1e-5, "constant"
	s := NewSchedule(tr, 100)
	for _, step := range []int{0, 1, 7, 13, 20, 39, 40, 41, 1000} {
		if got := s.LRAt(step); got != 1e-3 {
			t.Fatalf("constant: LRAt(%d) = %g", step, got)
		}
	}
	tr.LRSchedule = "cosine"
	s = NewSchedule(tr, 100)
	const total = 40 // 4 epochs of 2 phases of 5 steps; MaxSteps does not shorten it
	prev := math.Inf(1)
	for step := 0; step <= total+3; step++ {
		x := math.Min(float64(step)/total, 1)
		want := 1e-5 + 0.5*(1e-3-1e-5)*(1+math.Cos(math.Pi*x))
		got := s.LRAt(step)
		if math.Abs(got-want) > 1e-15 || got > prev {
			t.Fatalf("cosine: LRAt(%d) = %g, want %g, not above LRAt(%d) = %g", step, got, want,
				step-1, prev)
		}
		prev = got
	}
	if s.LRAt(0) != 1e-3 || s.LRAt(total/2) != (1e-3+1e-5)/2 || s.LRAt(total) != 1e-5 {
		t.Fatalf("cosine ends: %g, %g, %g", s.LRAt(0), s.LRAt(total/2), s.LRAt(total))
	}
}

// TestLRAtStepsDownAtTheDropEpoch checks the step schedule step by step:
// lr before the first step of epoch lr_drop_epoch, lr_final from it on,
// also past the end of the epochs (a resumed run may go on longer).
func TestLRAtStepsDownAtTheDropEpoch(t *testing.T) {
	tr := config.Default().Train
	tr.Schedule, tr.PhaseSteps, tr.Epochs = []string{"B", "B", "A"}, 5, 4 // 15 steps an epoch
	tr.LRSchedule, tr.LR, tr.LRFinal, tr.LRDropEpoch = "step", 1e-3, 1e-4, 3
	s := NewSchedule(tr, 100)
	for step := 0; step < 80; step++ {
		want := 1e-3
		if step >= 45 {
			want = 1e-4
		}
		if got := s.LRAt(step); got != want {
			t.Fatalf("LRAt(%d) = %g, want %g", step, got, want)
		}
	}
	tr.LRSchedule = "constant" // lr_drop_epoch means nothing then
	if s := NewSchedule(tr, 100); s.LRAt(79) != 1e-3 {
		t.Fatalf("constant with a drop epoch: LRAt(79) = %g", s.LRAt(79))
	}
}

func TestRestartAtSkipsTheStartAndTheFinalStretch(t *testing.T) {
	tr := config.Default().Train
	tr.Schedule, tr.PhaseSteps, tr.Epochs = []string{"B"}, 10, 10 // 100 steps
	tr.RestartEvery, tr.RestartFinal = 20, 0.3
	s := NewSchedule(tr, 100)
	var at []int
	for step := range 120 {
		if s.RestartAt(step) {
			at = append(at, step)
		}
	}
	if want := []int{20, 40, 60}; !slices.Equal(at, want) {
		t.Fatalf("restarts at %v, want %v", at, want)
	}
	tr.RestartEvery = 0
	if s := NewSchedule(tr, 100); s.RestartAt(20) {
		t.Fatal("restart_every 0 restarts")
	}
}
