package analysis_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

// corpusDir is the public capture corpus (see its SOURCES.md), relative to
// this package: ../shared/corpus/public from the repository root. It is
// read in place and never copied into the repository.
var corpusDir = filepath.Join("..", "..", "shared", "corpus", "public")

// corpusRoot returns the corpus folder, or skips the test when this
// machine does not have it.
func corpusRoot(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(corpusDir, "SOURCES.md")); err != nil {
		t.Skipf("public capture corpus not found at %s (expected beside the repository as ../shared/corpus/public): %v", corpusDir, err)
	}
	return corpusDir
}

// corpusCaptures lists every capture file of the corpus, as paths relative
// to the corpus root, sorted. Captures are the files named *.pcap or
// *.pcapng; the oracles beside them (F.summary.txt, F.tshark-ftp.tsv) and
// the peers' outputs (nDPI's F.out) are not.
func corpusCaptures(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("list corpus captures: %v", err)
	}
	slices.Sort(out)
	if len(out) == 0 {
		t.Fatalf("list corpus captures: no *.pcap or *.pcapng under %s", root)
	}
	return out
}

// analyseFile runs the whole pipeline on one capture and fails the test
// when it reports an error: every corpus capture opens cleanly in capinfos
// and tshark, so ftpcap must read each one to its end.
func analyseFile(t *testing.T, path string, opts analysis.Options) *analysis.Result {
	t.Helper()
	var res *analysis.Result
	var err error
	func() {
		defer recoverAsFailure(t, path)
		res, err = analysis.Files(context.Background(), []string{path}, opts)
	}()
	if err != nil {
		t.Fatalf("analyse %s: %v", path, err)
	}
	for _, e := range res.Errors {
		t.Errorf("analyse %s: input error at frame %d: %s", e.Path, e.Frame, e.Error)
	}
	return res
}

// recoverAsFailure turns a panic in the pipeline into a test failure that
// names the input, with the stack: nothing may panic on any capture.
// Deferred directly by the caller.
func recoverAsFailure(t *testing.T, input string) {
	if r := recover(); r != nil {
		t.Fatalf("analyse %s: panic: %v\n%s", input, r, debug.Stack())
	}
}

// corpusSummary is the one-line oracle F.summary.txt that capinfos and
// tshark 4.0.17 made for every capture: "key=value" fields separated by
// blanks, list values in brackets ("ftp_commands=[PASS(x1) USER(x1)]").
type corpusSummary map[string]string

// readSummary reads the summary beside a capture.
func readSummary(t *testing.T, root, capture string) corpusSummary {
	t.Helper()
	path := filepath.Join(root, capture+".summary.txt")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read summary: %v", err)
	}
	s, err := parseSummary(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("read summary %s: %v", path, err)
	}
	return s
}

func parseSummary(line string) (corpusSummary, error) {
	s := corpusSummary{}
	for line != "" {
		eq := strings.IndexByte(line, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("field without key=value at %q", line)
		}
		key, rest := line[:eq], line[eq+1:]
		end := strings.IndexByte(rest, ' ')
		if strings.HasPrefix(rest, "[") {
			end = strings.IndexByte(rest, ']') + 1
			if end == 0 {
				return nil, fmt.Errorf("field %s: unclosed list", key)
			}
		}
		if end < 0 {
			end = len(rest)
		}
		s[key] = rest[:end]
		line = strings.TrimLeft(rest[end:], " ")
	}
	return s, nil
}

// int returns a numeric field, failing the test when it is absent.
func (s corpusSummary) int(t *testing.T, key string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s[key], 10, 64)
	if err != nil {
		t.Fatalf("summary field %s=%q: %v", key, s[key], err)
	}
	return n
}
