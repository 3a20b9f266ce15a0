package trainer

import "github.com/iic-go/iic/config"

// Schedule maps a global step number to the head it trains and the epoch it
// belongs to (spec §d): an epoch is a cycle of phases, each PhaseSteps long,
// training the heads listed in config order (the original: B, B, A). It is a
// pure function of the step, so a resumed run continues where it stopped.
type Schedule struct {
	Heads      []string
	PhaseSteps int
	Epochs     int
	MaxSteps   int
}

// NewSchedule builds the schedule of t for a data set with stepsPerPass
// batches in one pass; PhaseSteps 0 means one full pass per phase.
func NewSchedule(t config.Train, stepsPerPass int) Schedule {
	phase := t.PhaseSteps
	if phase == 0 {
		phase = stepsPerPass
	}
	return Schedule{Heads: t.Schedule, PhaseSteps: phase, Epochs: t.Epochs,
		MaxSteps: t.MaxSteps}
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
