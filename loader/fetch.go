package loader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultMirrors lists the folders [Fetch] downloads MNIST from when given
// none, in the order tried. Treat it as read-only.
var DefaultMirrors = []string{
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
	"http://yann.lecun.com/exdb/mnist/",
}

// maxDownload bounds the size of one downloaded file (the largest MNIST
// file is 9.9 MB), so that a misbehaving server cannot fill the disk.
const maxDownload = 64 << 20

// Fetch downloads the four canonical MNIST .gz files into dir, creating it
// if needed. Each file is taken from the first mirror (a URL of a folder)
// that serves it with the canonical SHA-256; a nil or empty mirrors means
// [DefaultMirrors], and a nil client means http.DefaultClient. A file is
// written to a temporary file in dir, checked, synced and only then renamed
// into place, so a failed or cancelled download never leaves a partial file
// under the final name. Files already present with the right hash are not
// downloaded again; a present file with the wrong hash is replaced. Fetch
// stops at the first file no mirror could supply, and returns ctx's error
// when ctx ends.
func Fetch(ctx context.Context, dir string, mirrors []string, client *http.Client) error {
	return fetch(ctx, dir, mirrors, client, canonicalGzSums())
}

// fetch is Fetch for the files named by the keys of sums, each checked
// against its hex SHA-256.
func fetch(ctx context.Context, dir string, mirrors []string, client *http.Client,
	sums map[string]string) error {
	if len(mirrors) == 0 {
		mirrors = DefaultMirrors
	}
	if client == nil {
		client = http.DefaultClient
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("loader: fetch: %w", err)
	}

	names := make([]string, 0, len(sums))
	for name := range sums {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if got, err := fileSHA256(filepath.Join(dir, name)); err == nil && got == sums[name] {
			continue
		}
		if err := fetchFile(ctx, client, mirrors, dir, name, sums[name]); err != nil {
			return err
		}
	}
	return nil
}

// fetchFile downloads name into dir from the first mirror that serves it
// with hash want.
func fetchFile(ctx context.Context, client *http.Client, mirrors []string,
	dir, name, want string) error {
	var errs []error
	for _, mirror := range mirrors {
		u := strings.TrimSuffix(mirror, "/") + "/" + name
		err := download(ctx, client, u, filepath.Join(dir, name), want)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("loader: fetch %s: %w", name, ctx.Err())
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("loader: fetch %s: no mirror served it: %w", name, errors.Join(errs...))
}

// download fetches u and saves it at path if its hash is want.
func download(ctx context.Context, client *http.Client, u, path, want string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("get %s: %w", u, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: %s", u, resp.Status)
	}
	if err := saveChecked(path, resp.Body, want); err != nil {
		return fmt.Errorf("get %s: %w", u, err)
	}
	return nil
}

// saveChecked copies r into a temporary file beside path and renames it to
// path once its SHA-256 is known to be want and it is synced to disk. On
// any failure the temporary file is removed.
func saveChecked(path string, r io.Reader, want string) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.part")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, maxDownload+1))
	if err != nil {
		return err
	}
	if n > maxDownload {
		return fmt.Errorf("more than %d bytes", maxDownload)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("sha256 %s, want %s", got, want)
	}

	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir flushes dir's entries so that a rename survives a crash. It is
// best effort: some systems cannot sync a folder, and the file itself is
// already complete on disk.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
