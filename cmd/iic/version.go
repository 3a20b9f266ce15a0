package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/iic-go/iic/trainer"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of iic and of the Go toolchain that built it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info, ok := debug.ReadBuildInfo()
			if !ok {
				return fmt.Errorf("no build information in this binary")
			}
			version := info.Main.Version
			if version == "" || version == "(devel)" {
				version = "devel"
			}
			for _, s := range info.Settings {
				if s.Key == "vcs.revision" {
					version += " " + s.Value
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "iic %s (%s, %s)\n", version, info.GoVersion,
				trainer.BLAS)
			return nil
		},
	}
}
