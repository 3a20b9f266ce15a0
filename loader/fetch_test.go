package loader

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeFiles returns small stand-ins for the four .gz files and their
// SHA-256 table.
func fakeFiles() (map[string][]byte, map[string]string) {
	files := make(map[string][]byte)
	sums := make(map[string]string)
	for i, s := range canonicalSums() {
		name := s.base + ".gz"
		files[name] = bytes.Repeat([]byte(name), 10+i)
		sum := sha256.Sum256(files[name])
		sums[name] = hex.EncodeToString(sum[:])
	}
	return files, sums
}

// mirror is a fake download server that counts requests per file.
type mirror struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

// newMirror serves files at their names and 404 for anything else.
func newMirror(t *testing.T, files map[string][]byte) *mirror {
	t.Helper()
	m := &mirror{hits: make(map[string]int)}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/mnist/")
		m.mu.Lock()
		m.hits[name]++
		m.mu.Unlock()
		content, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(content)
	}))
	t.Cleanup(m.Close)
	return m
}

// count returns the number of requests for name.
func (m *mirror) count(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hits[name]
}

// folder returns the mirror's folder URL.
func (m *mirror) folder() string { return m.URL + "/mnist/" }

// checkFolder fails t unless dir holds exactly want (name → content).
func checkFolder(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		got, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if w, ok := want[e.Name()]; ok && !bytes.Equal(got, w) {
			t.Errorf("%s: got %q, want %q", e.Name(), got, w)
		}
	}
	var wantNames []string
	for name := range want {
		wantNames = append(wantNames, name)
	}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("got files %v, want %v", names, wantNames)
	}
}

func TestFetch(t *testing.T) {
	files, sums := fakeFiles()

	t.Run("downloads every file into a new folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "mnist")
		m := newMirror(t, files)
		err := fetch(context.Background(), dir, []string{m.folder()}, m.Client(), sums)
		if err != nil {
			t.Fatal(err)
		}
		checkFolder(t, dir, files)
	})

	t.Run("skips files already present and valid", func(t *testing.T) {
		dir := t.TempDir()
		const kept = "train-images-idx3-ubyte.gz"
		if err := os.WriteFile(filepath.Join(dir, kept), files[kept], 0o644); err != nil {
			t.Fatal(err)
		}
		m := newMirror(t, files)
		err := fetch(context.Background(), dir, []string{m.folder()}, m.Client(), sums)
		if err != nil {
			t.Fatal(err)
		}
		if n := m.count(kept); n != 0 {
			t.Errorf("got %d requests for %s, want 0", n, kept)
		}
		checkFolder(t, dir, files)
	})

	t.Run("replaces a present file with the wrong hash", func(t *testing.T) {
		dir := t.TempDir()
		const stale = "t10k-labels-idx1-ubyte.gz"
		if err := os.WriteFile(filepath.Join(dir, stale), []byte("stale"), 0o644); err != nil {
			t.Fatal(err)
		}
		m := newMirror(t, files)
		err := fetch(context.Background(), dir, []string{m.folder()}, m.Client(), sums)
		if err != nil {
			t.Fatal(err)
		}
		checkFolder(t, dir, files)
	})

	t.Run("falls back to the next mirror after a 404", func(t *testing.T) {
		dir := t.TempDir()
		empty, good := newMirror(t, nil), newMirror(t, files)
		mirrors := []string{empty.folder(), good.folder()}
		if err := fetch(context.Background(), dir, mirrors, nil, sums); err != nil {
			t.Fatal(err)
		}
		for name := range files {
			if empty.count(name) != 1 || good.count(name) != 1 {
				t.Errorf("%s: got %d and %d requests, want 1 to each mirror",
					name, empty.count(name), good.count(name))
			}
		}
		checkFolder(t, dir, files)
	})
}

func TestFetchReportsLocalProblems(t *testing.T) {
	files, sums := fakeFiles()

	t.Run("reports a folder it cannot create", func(t *testing.T) {
		file := writeTemp(t, "file", nil)
		m := newMirror(t, files)
		err := fetch(context.Background(), filepath.Join(file, "sub"), []string{m.folder()},
			nil, sums)
		mustMention(t, err, "not a directory")
	})

	t.Run("skips a mirror the client cannot use", func(t *testing.T) {
		dir := t.TempDir()
		m := newMirror(t, files)
		mirrors := []string{"ftp://mirror.invalid/mnist", "http://%zz/", m.folder()}
		if err := fetch(context.Background(), dir, mirrors, nil, sums); err != nil {
			t.Fatal(err)
		}
		checkFolder(t, dir, files)
	})

	t.Run("reports a final name it cannot replace, leaving no temporary file", func(t *testing.T) {
		dir := t.TempDir()
		const blocked = "t10k-images-idx3-ubyte.gz"
		if err := os.MkdirAll(filepath.Join(dir, blocked, "inside"), 0o755); err != nil {
			t.Fatal(err)
		}
		m := newMirror(t, files)
		err := fetch(context.Background(), dir, []string{m.folder()}, nil, sums)
		mustMention(t, err, blocked)
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || entries[0].Name() != blocked {
			t.Errorf("got folder entries %v, want only %s", entries, blocked)
		}
	})
}

func TestFetchRejectsCorruptPayload(t *testing.T) {
	files, sums := fakeFiles()
	const bad = "train-labels-idx1-ubyte.gz"
	corrupt := make(map[string][]byte)
	for name, content := range files {
		corrupt[name] = content
	}
	corrupt[bad] = append(bytes.Clone(files[bad]), '!')

	t.Run("fails and leaves no file when every mirror is corrupt", func(t *testing.T) {
		dir := t.TempDir()
		m := newMirror(t, corrupt)
		err := fetch(context.Background(), dir, []string{m.folder()}, nil, sums)
		if err == nil {
			t.Fatal("got no error, want one")
		}
		mustMention(t, err, bad, "sha256 ", sums[bad])
		// Files before the bad one in name order were fetched; none is partial.
		checkFolder(t, dir, map[string][]byte{
			"t10k-images-idx3-ubyte.gz":  files["t10k-images-idx3-ubyte.gz"],
			"t10k-labels-idx1-ubyte.gz":  files["t10k-labels-idx1-ubyte.gz"],
			"train-images-idx3-ubyte.gz": files["train-images-idx3-ubyte.gz"],
		})
	})

	t.Run("takes the file from the next mirror", func(t *testing.T) {
		dir := t.TempDir()
		first, second := newMirror(t, corrupt), newMirror(t, files)
		err := fetch(context.Background(), dir, []string{first.folder(), second.folder()},
			nil, sums)
		if err != nil {
			t.Fatal(err)
		}
		if n := second.count(bad); n != 1 {
			t.Errorf("got %d requests for %s to the second mirror, want 1", n, bad)
		}
		checkFolder(t, dir, files)
	})

	t.Run("Fetch checks the canonical hashes", func(t *testing.T) {
		dir := t.TempDir()
		m := newMirror(t, files)
		err := Fetch(context.Background(), dir, []string{m.folder()}, nil)
		mustMention(t, err, "t10k-images-idx3-ubyte.gz", sumTestImagesGz)
		checkFolder(t, dir, nil)
	})
}

func TestFetchStopsWhenContextEnds(t *testing.T) {
	files, sums := fakeFiles()

	t.Run("mid-download, leaving no partial file", func(t *testing.T) {
		started := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("first half"))
			w.(http.Flusher).Flush()
			close(started)
			<-r.Context().Done()
		}))
		defer srv.Close()

		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-started
			cancel()
		}()
		dir := t.TempDir()
		second := newMirror(t, files)
		err := fetch(ctx, dir, []string{srv.URL + "/", second.folder()}, nil, sums)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
		if n := second.count("t10k-images-idx3-ubyte.gz"); n != 0 {
			t.Errorf("got %d requests to the second mirror after cancel, want 0", n)
		}
		checkFolder(t, dir, nil)
	})

	t.Run("before any request", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		m := newMirror(t, files)
		dir := t.TempDir()
		err := fetch(ctx, dir, []string{m.folder()}, nil, sums)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
		checkFolder(t, dir, nil)
	})
}
