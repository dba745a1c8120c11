// Package report renders an analysis.Result for people and for other
// programs: terminal tables, the JSON contract of spec/report-json.md,
// NDJSON for log pipelines, CSV for spreadsheets, Markdown for
// postmortems, and a self-contained HTML page that draws each break.
//
// It renders what classify decided and never re-derives a verdict. Text
// that came off the wire (paths, user names, reply text) is made inert in
// every format: no terminal escapes, control characters or invalid UTF-8
// reach the output, Markdown and CSV cells cannot inject markup or
// spreadsheet formulas, and the HTML page escapes it in every context. Output depends only on the Result and the
// Options, so the same capture renders byte for byte the same.
package report

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ftpcap/ftpcap/analysis"
)

// The formats Write knows.
const (
	FormatTable    = "table"
	FormatJSON     = "json"
	FormatNDJSON   = "ndjson"
	FormatCSV      = "csv"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
)

// DefaultWidth is the table width when Options.Width is not set.
const DefaultWidth = 100

// Options choose the format and its presentation.
type Options struct {
	Format string // table (default), json, ndjson, csv, markdown, html
	Width  int    // terminal width for tables; 0 = 100
	Color  bool   // ANSI colour in tables (only when writing to a terminal; cmd decides)
	// Verbose: the table also shows the connections and every evidence
	// line; the table, Markdown and HTML list everything a large capture's
	// report otherwise leaves out (brief.go).
	Verbose bool

	// renderFault, set by tests, is called with each item's name as it
	// is rendered (contain.go): it stands for a renderer's bug.
	renderFault func(item string)
}

// Formats lists the formats Write accepts, the default first.
func Formats() []string {
	return []string{FormatTable, FormatJSON, FormatNDJSON, FormatCSV, FormatMarkdown, FormatHTML}
}

func (o Options) format() string {
	if o.Format == "" {
		return FormatTable
	}
	return strings.ToLower(o.Format)
}

func (o Options) width() int {
	if o.Width <= 0 {
		return DefaultWidth
	}
	return o.Width
}

// Write renders the whole result in the chosen format. An item that
// could not be rendered (a bug) is left out and named, the rest is
// written, and the error is a *RenderError (contain.go).
func Write(w io.Writer, r *analysis.Result, opts Options) (err error) {
	if r == nil {
		return errors.New("write report: no result")
	}
	f := opts.format()
	if !slices.Contains(Formats(), f) {
		return fmt.Errorf("write report: unknown format %q (want one of %s)", opts.Format, strings.Join(Formats(), ", "))
	}
	defer func() {
		// Outside any item (a header, a footer): the report stops there.
		if p := recover(); p != nil {
			err = fmt.Errorf("write %s report: internal error: %v", f, p)
		}
	}()
	ew := &errWriter{w: w}
	faults := &renderFaults{hook: opts.renderFault}
	switch f {
	case FormatTable:
		err = writeTable(ew, r, opts, faults)
	case FormatJSON:
		err = writeJSON(ew, r, faults)
	case FormatNDJSON:
		err = writeNDJSON(ew, r, faults)
	case FormatCSV:
		err = writeCSV(ew, r, faults)
	case FormatMarkdown:
		err = writeMarkdown(ew, r, opts.Verbose, faults)
	case FormatHTML:
		err = writeHTML(ew, r, opts.Verbose, faults)
	}
	if err == nil {
		err = ew.err
	}
	if err == nil {
		err = faults.err()
	}
	if err != nil {
		return fmt.Errorf("write %s report: %w", f, err)
	}
	return nil
}

// WriteBreakLine renders one verdict as it is settled during a live
// capture: one line in the table format, one object in ndjson. A verdict
// with severity set is written as a finding, any other as a break.
func WriteBreakLine(w io.Writer, v *analysis.Verdict, opts Options) error {
	if v == nil {
		return errors.New("write break line: no verdict")
	}
	ew := &errWriter{w: w}
	var err error
	switch f := opts.format(); f {
	case FormatTable:
		writeVerdictLine(ew, v, painter(opts.Color))
	case FormatNDJSON:
		err = writeVerdictObject(ew, v)
	default:
		return fmt.Errorf("write break line: format %q has no line form (want %s or %s)", opts.Format, FormatTable, FormatNDJSON)
	}
	if err == nil {
		err = ew.err
	}
	if err != nil {
		return fmt.Errorf("write break line: %w", err)
	}
	return nil
}

// errWriter keeps the first write error and turns later writes into
// no-ops, so renderers can write freely and check once at the end.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	e.err = err
	return n, err
}

func (e *errWriter) WriteString(s string) (int, error) {
	return e.Write([]byte(s))
}
