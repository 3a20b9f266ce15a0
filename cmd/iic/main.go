// Command iic trains and evaluates IIC (Invariant Information Clustering)
// models on MNIST. Run "iic help" for the commands.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2 // bad configuration, data or arguments
	exitInterrupted = 130
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	}
	fmt.Fprintln(stderr, "iic:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		if ue.hint != "" {
			fmt.Fprintln(stderr, "hint:", ue.hint)
		}
		return exitUsage
	}
	if isUsage(err) {
		return exitUsage
	}
	return exitFailure
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "iic",
		Short: "Unsupervised image clustering with Invariant Information Clustering",
		Long: "iic trains IIC (Ji, Henriques and Vedaldi, ICCV 2019) on MNIST without labels\n" +
			"and reports the accuracy of every sub-head after Hungarian matching.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newTrainCmd(), newEvalCmd(), newDataCmd(), newVersionCmd(), newBenchCmd())
	return root
}

// usageError marks an error caused by the user's input (configuration,
// data, arguments): exit status 2 and a hint of what to do.
type usageError struct {
	err  error
	hint string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

var errInterrupted = errors.New("interrupted")

// isUsage reports errors of cobra's own argument and flag parsing.
func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand",
		"accepts ", "requires at least", "invalid argument", "flag needs an argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// newLogger returns the logger of the command: text lines on w.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
