package analysis_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

// TestParallelMatchesSequential runs every lab sample, each alone and all
// of them as one capture, and every corpus capture, with and without
// Options.Parallel: the reports must be identical, byte for byte. Under
// -race it also checks that the judging goroutine shares nothing it
// should not with the tracker.
func TestParallelMatchesSequential(t *testing.T) {
	samples, _ := filepath.Glob(filepath.Join("..", "samples", "*.pcap*"))
	if len(samples) < 10 {
		t.Fatalf("expected the lab samples, found %d", len(samples))
	}
	runs := [][]string{samples}
	for _, s := range samples {
		runs = append(runs, []string{s})
	}
	if root := corpusDirIfPresent(); root != "" {
		for _, rel := range corpusCaptures(t, root) {
			runs = append(runs, []string{filepath.Join(root, rel)})
		}
	} else {
		t.Logf("public corpus not found at %s: comparing the lab samples only", corpusDir)
	}
	var sessions, breaks int
	for _, paths := range runs {
		// A small cap on tracked connections makes the tracker evict,
		// which hands sessions to the judge from inside a packet.
		for _, maxConns := range []int{0, 3} {
			opts := analysis.Options{Version: "test", MaxReported: 50}
			opts.Tracker.MaxConns = maxConns
			seq := analyseJSON(t, paths, opts)
			opts.Parallel = true
			par := analyseJSON(t, paths, opts)
			if string(seq) != string(par) {
				t.Errorf("%v (max conns %d): the parallel report differs from the sequential one", names(paths), maxConns)
			}
		}
		res, err := analysis.Files(context.Background(), paths, analysis.Options{Parallel: true})
		if err != nil {
			t.Fatal(err)
		}
		sessions += len(res.Sessions)
		breaks += len(res.Breaks)
	}
	if sessions == 0 || breaks == 0 {
		t.Fatalf("compared %d sessions and %d breaks: the comparison saw nothing", sessions, breaks)
	}
	t.Logf("%d runs, %d sessions, %d breaks: parallel and sequential reports identical", len(runs), sessions, breaks)
}

func analyseJSON(t *testing.T, paths []string, opts analysis.Options) []byte {
	t.Helper()
	res, err := analysis.Files(context.Background(), paths, opts)
	if err != nil {
		t.Fatalf("%v: %v", names(paths), err)
	}
	out, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func names(paths []string) []string {
	if len(paths) > 3 {
		return []string{filepath.Base(paths[0]), "…", filepath.Base(paths[len(paths)-1])}
	}
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

// corpusDirIfPresent is the corpus root, or "" when it is not on this
// machine.
func corpusDirIfPresent() string {
	if _, err := os.Stat(filepath.Join(corpusDir, "SOURCES.md")); err != nil {
		return ""
	}
	return corpusDir
}

// Files tells Progress how far reading has got: all of the file at the
// end, and nothing known before it opens the file.
func TestProgressPosition(t *testing.T) {
	path := filepath.Join("..", "samples", "clean-active-port.pcap")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	pr := &analysis.Progress{}
	if _, _, ok := pr.Position(); ok {
		t.Fatal("position known before any file is open")
	}
	if _, err := analysis.Files(context.Background(), []string{path}, analysis.Options{Progress: pr, Parallel: true}); err != nil {
		t.Fatal(err)
	}
	read, total, ok := pr.Position()
	if !ok || read != st.Size() || total != st.Size() {
		t.Errorf("position %d of %d (known %v), want %d of %d", read, total, ok, st.Size(), st.Size())
	}
	if pr.Sessions.Load() != 1 || pr.Packets.Load() == 0 {
		t.Errorf("progress counted %d sessions, %d packets", pr.Sessions.Load(), pr.Packets.Load())
	}
}
