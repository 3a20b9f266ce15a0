package trainer

import (
	"math"

	"github.com/iic-go/iic/config"
)

// Schedule maps a global step number to the head it trains and the epoch it
// belongs to (spec §d): an epoch is a cycle of phases, each PhaseSteps long,
// training the heads listed in config order (the original: B, B, A). It is a
// pure function of the step, so a resumed run continues where it stopped.
type Schedule struct {
	Heads      []string
	PhaseSteps int
	Epochs     int
	MaxSteps   int
	// LR is the learning rate at step 0; with Cosine it falls along a half
	// cosine to LRFinal at the end of Epochs (MaxSteps, which only stops a
	// run early, does not change it), and with DropEpoch above 0 it steps
	// down to LRFinal at the first step of epoch DropEpoch.
	LR, LRFinal float64
	Cosine      bool
	DropEpoch   int
	// RestartEvery and RestartFinal place the checks for sub-heads to
	// restart (config.Train); RestartEvery 0 means none.
	RestartEvery int
	RestartFinal float64
}

// NewSchedule builds the schedule of t for a data set with stepsPerPass
// batches in one pass; PhaseSteps 0 means one full pass per phase.
func NewSchedule(t config.Train, stepsPerPass int) Schedule {
	phase := t.PhaseSteps
	if phase == 0 {
		phase = stepsPerPass
	}
	s := Schedule{Heads: t.Schedule, PhaseSteps: phase, Epochs: t.Epochs,
		MaxSteps: t.MaxSteps, LR: t.LR, LRFinal: t.LRFinal, Cosine: t.LRSchedule == "cosine",
		RestartEvery: t.RestartEvery, RestartFinal: t.RestartFinal}
	if t.LRSchedule == "step" {
		s.DropEpoch = t.LRDropEpoch
	}
	return s
}

// RestartAt reports whether the sub-heads are checked for a restart before
// the step that follows step completed steps: every RestartEvery steps,
// never at the start and never in the last RestartFinal of Epochs.
func (s Schedule) RestartAt(step int) bool {
	if s.RestartEvery <= 0 || step == 0 || step%s.RestartEvery != 0 {
		return false
	}
	total := float64(s.Epochs * s.StepsPerEpoch())
	return float64(step) < (1-s.RestartFinal)*total
}

// LRAt returns the learning rate of the step that follows step completed
// steps. It depends on nothing but the step, so a resumed run continues the
// same curve.
func (s Schedule) LRAt(step int) float64 {
	total := s.Epochs * s.StepsPerEpoch()
	switch {
	case s.DropEpoch > 0 && step >= s.DropEpoch*s.StepsPerEpoch():
		return s.LRFinal
	case !s.Cosine || total <= 0:
		return s.LR
	case step >= total:
		return s.LRFinal
	}
	frac := float64(step) / float64(total)
	return s.LRFinal + (s.LR-s.LRFinal)*(1+math.Cos(math.Pi*frac))/2
}

// StepsPerEpoch is the number of steps in one cycle of the schedule.
func (s Schedule) StepsPerEpoch() int { return s.PhaseSteps * len(s.Heads) }

// TotalSteps is the number of steps of the whole run.
func (s Schedule) TotalSteps() int {
	n := s.Epochs * s.StepsPerEpoch()
	if s.MaxSteps > 0 && s.MaxSteps < n {
		return s.MaxSteps
	}
	return n
}

// Head returns the head trained at step.
func (s Schedule) Head(step int) string {
	return s.Heads[(step/s.PhaseSteps)%len(s.Heads)]
}

// Epoch returns the epoch, counted from 0, that step belongs to.
func (s Schedule) Epoch(step int) int { return step / s.StepsPerEpoch() }
