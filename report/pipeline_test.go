package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

// The whole pipeline on capture bytes: the same path `ftpcap analyze`
// takes (analysis.Files opens the file with source.OpenFiles, then
// decode, track, dissect, classify) and every report format. It is
// tested here because report is the last stage and imports analysis, so
// one test binary reaches every stage through its public entry points
// and can tell a report write error from a damaged input, which the
// command's exit status cannot.

// samplesDir holds the lab captures.
const samplesDir = "../samples"

// crashersDir holds lab captures with a few bytes flipped that once made
// classify panic (analysis.TestCrashers).
const crashersDir = "../analysis/testdata/crashers"

// labCaptures lists the lab's pcap and pcapng captures.
func labCaptures(tb testing.TB) []string {
	tb.Helper()
	var paths []string
	for _, pattern := range []string{"*.pcap", "*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(samplesDir, pattern))
		if err != nil {
			tb.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		tb.Fatalf("no lab capture in %s", samplesDir)
	}
	slices.Sort(paths)
	return paths
}

// renderings are the ways one Result is written: every format, the table,
// Markdown and HTML also verbose, the table also narrow.
func renderings() []Options {
	var out []Options
	for _, f := range Formats() {
		out = append(out, Options{Format: f})
	}
	return append(out,
		Options{Format: FormatTable, Verbose: true},
		Options{Format: FormatTable, Verbose: true, Width: 40},
		Options{Format: FormatMarkdown, Verbose: true},
		Options{Format: FormatHTML, Verbose: true},
	)
}

// rendered is one rendering's output.
type rendered struct {
	opts Options
	out  []byte
}

func (r rendered) name() string {
	return fmt.Sprintf("%s verbose=%v width=%d", r.opts.format(), r.opts.Verbose, r.opts.Width)
}

// pipelineRun is what one capture gave: its result (nil when nothing
// could be read at all) and every rendering of it.
type pipelineRun struct {
	res      *analysis.Result
	outs     []rendered
	writeErr error
}

// analyzeCapture writes data to a file in dir, analyses it as `ftpcap
// analyze` would (without the parallel stages, so that a panic surfaces
// on the caller's goroutine) and renders the result every way, including
// each break and finding as a live break line.
func analyzeCapture(dir string, data []byte, opts analysis.Options) (pipelineRun, error) {
	path := filepath.Join(dir, "capture")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return pipelineRun{}, err
	}
	res, err := analysis.Files(context.Background(), []string{path}, opts)
	if err != nil {
		return pipelineRun{}, nil // nothing to analyse: the command says so and exits 1
	}
	run := pipelineRun{res: res}
	for _, o := range renderings() {
		var buf bytes.Buffer
		if err := Write(&buf, res, o); err != nil {
			run.writeErr = errors.Join(run.writeErr, err)
		}
		run.outs = append(run.outs, rendered{opts: o, out: buf.Bytes()})
	}
	for _, o := range []Options{{Format: FormatTable}, {Format: FormatNDJSON}} {
		var buf bytes.Buffer
		for _, list := range [][]analysis.Verdict{res.Breaks, res.Findings} {
			for i := range list {
				if err := WriteBreakLine(&buf, &list[i], o); err != nil {
					run.writeErr = errors.Join(run.writeErr, err)
				}
			}
		}
		run.outs = append(run.outs, rendered{opts: o, out: buf.Bytes()})
	}
	return run, nil
}

// check fails t for what no capture may cause: a report that cannot be
// written (a panic rendering an item is contained as a *RenderError), a
// panic the pipeline contained (an "internal error" entry, or one only
// counted past the listed ones), a control character from the wire in
// the output, or JSON and CSV that do not parse.
func (run pipelineRun) check(t *testing.T, what string) {
	t.Helper()
	if run.res == nil {
		return
	}
	if run.writeErr != nil {
		t.Errorf("%s: report write error: %v", what, run.writeErr)
	}
	for _, e := range run.res.Errors {
		if e.Kind == analysis.ErrorInternal || strings.Contains(e.Error, "internal error") {
			t.Errorf("%s: %s (frame %d): %s", what, e.Path, e.Frame, e.Error)
		}
	}
	if n := run.res.Stats.InternalErrors; n > 0 {
		t.Errorf("%s: %d internal errors counted", what, n)
	}
	for _, r := range run.outs {
		if err := wellFormed(r.opts.format(), r.out); err != nil {
			t.Errorf("%s: %s: %v", what, r.name(), err)
		}
		assertInert(t, what+": "+r.name(), string(r.out))
	}
}

// wellFormed checks that JSON, NDJSON and CSV output parses, and that an
// HTML page keeps its rules (html_check_test.go).
func wellFormed(format string, out []byte) error {
	switch format {
	case FormatHTML:
		if problems := htmlPageProblems(out); len(problems) > 0 {
			return fmt.Errorf("html page: %s", strings.Join(problems, "; "))
		}
	case FormatJSON:
		if !json.Valid(out) {
			return errors.New("invalid JSON")
		}
	case FormatNDJSON:
		for _, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
			if len(out) > 0 && !json.Valid(line) {
				return fmt.Errorf("invalid NDJSON line %q", line)
			}
		}
	case FormatCSV:
		rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
		if err != nil {
			return fmt.Errorf("CSV does not parse: %w", err)
		}
		for i, row := range rows {
			if len(row) != len(csvHeader) {
				return fmt.Errorf("CSV row %d has %d cells, the header %d", i+1, len(row), len(csvHeader))
			}
		}
	}
	return nil
}

// FuzzPipeline feeds capture bytes to the whole pipeline and every report
// format, seeded with the lab captures and the damaged copies that once
// crashed it. maxReported (0: the default)
// lets the fuzzer reach the paths where lists are cut and only counted.
// Nothing may panic, and the run must pass pipelineRun.check.
func FuzzPipeline(f *testing.F) {
	crashers, err := filepath.Glob(filepath.Join(crashersDir, "*.pcap"))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range append(labCaptures(f), crashers...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	f.Fuzz(func(t *testing.T, capture []byte, maxReported uint8) {
		run, err := analyzeCapture(t.TempDir(), capture, analysis.Options{MaxReported: int(maxReported)})
		if err != nil {
			t.Fatal(err)
		}
		run.check(t, "fuzzed capture")
	})
}
