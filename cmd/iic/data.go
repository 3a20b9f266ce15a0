package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iic-go/iic/loader"
)

func newDataCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Download or check the MNIST files",
	}
	cmd.AddCommand(newFetchCmd(), newVerifyCmd())
	return cmd
}

func newFetchCmd() *cobra.Command {
	var mirrors []string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "fetch DIR",
		Short: "Download the four MNIST files into DIR, checking their SHA-256",
		Long: "Download train and t10k images and labels (.gz) from the first mirror that\n" +
			"serves them, verify each file's SHA-256 before it is moved into place, and\n" +
			"skip files already present and intact. Then train with --set data.dir=DIR.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client := &http.Client{Timeout: timeout}
			if err := loader.Fetch(cmd.Context(), args[0], mirrors, client); err != nil {
				return &usageError{err: err, hint: "check the network or pass --mirror URL"}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "MNIST files in %s verified\n", args[0])
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&mirrors, "mirror", loader.DefaultMirrors,
		"base URLs to try in order")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "timeout of each download")
	return cmd
}

func newVerifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify [DIR]",
		Short: "Check the MNIST files in DIR (default: the copy in the Go module cache)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			} else {
				var err error
				if dir, err = loader.DefaultDir(cmd.Context()); err != nil {
					return &usageError{err: err, hint: "pass the folder to check"}
				}
			}
			if err := loader.Verify(dir); err != nil {
				return &usageError{err: err,
					hint: "download the files again with `iic data fetch " + dir + "`"}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "MNIST files in %s match the canonical %s\n", dir,
				strings.Join([]string{"SHA-256", "checksums"}, " "))
			return nil
		},
	}
}
