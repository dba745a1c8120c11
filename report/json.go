package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/ftpcap/ftpcap/analysis"
)

// writeJSON writes the report contract of spec/report-json.md: the Result
// as its struct tags describe it, two-space indented, every time in UTC,
// every list present ([] rather than null). encoding/json escapes C0
// controls and invalid UTF-8 and, with SetEscapeHTML (on by default and
// kept on), <, > and &; escapeHidden adds the controls it lets through.
func writeJSON(w io.Writer, r *analysis.Result) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(true)
	if err := enc.Encode(normalize(r)); err != nil {
		return err
	}
	_, err := w.Write(escapeHidden(buf.Bytes()))
	return err
}

// escapeHidden rewrites, in encoded JSON, the characters encoding/json
// leaves raw but a terminal would obey or that reorder text on screen:
// DEL, the C1 controls (U+009B is CSI), bidi overrides and the other code
// points clean escapes. They can only occur inside strings, where \uXXXX
// is the same character, so the document means exactly what it meant;
// it just cannot drive a terminal that cats it.
func escapeHidden(doc []byte) []byte {
	var out []byte // allocated on the first character to escape
	last := 0
	for i := 0; i < len(doc); {
		r, size := utf8.DecodeRune(doc[i:])
		if r == 0x7f || (r >= 0x80 && isHiddenControl(r)) {
			if out == nil {
				out = make([]byte, 0, len(doc)+16)
			}
			out = append(out, doc[last:i]...)
			out = append(out, `\u`...)
			out = append(out, fmt.Sprintf("%04x", r)...)
			last = i + size
		}
		i += size
	}
	if out == nil {
		return doc
	}
	return append(out, doc[last:]...)
}

// normalize returns a copy of r ready to encode: nil lists become empty
// and times are in UTC (RFC 3339 with nanoseconds, as time.Time encodes).
// The caller's Result is not modified.
func normalize(r *analysis.Result) *analysis.Result {
	n := *r
	n.Inputs = cloneEach(r.Inputs, normalizeInput)
	n.Sessions = cloneEach(r.Sessions, normalizeSession)
	n.Breaks = cloneEach(r.Breaks, normalizeVerdict)
	n.Findings = cloneEach(r.Findings, normalizeVerdict)
	n.Connections = cloneEach(r.Connections, normalizeConnection)
	n.Errors = append([]analysis.InputError(nil), r.Errors...) // omitted when empty
	return &n
}

// cloneEach copies a list through fix, giving an empty (not nil) list.
func cloneEach[T any](in []T, fix func(T) T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = fix(v)
	}
	return out
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func normalizeInput(in analysis.Input) analysis.Input {
	in.First, in.Last = utc(in.First), utc(in.Last)
	return in
}

func normalizeSession(s analysis.Session) analysis.Session {
	s.Start, s.End = utc(s.Start), utc(s.End)
	s.Transfers = cloneEach(s.Transfers, normalizeTransfer)
	return s
}

func normalizeTransfer(t analysis.Transfer) analysis.Transfer {
	t.Start, t.End = utc(t.Start), utc(t.End)
	return t
}

func normalizeVerdict(v analysis.Verdict) analysis.Verdict {
	v.Time = utc(v.Time)
	v.Evidence = cloneEach(v.Evidence, normalizeEvidence)
	return v
}

func normalizeEvidence(e analysis.Evidence) analysis.Evidence {
	e.Time = utc(e.Time)
	return e
}

func normalizeConnection(c analysis.Connection) analysis.Connection {
	c.Start, c.End = utc(c.Start), utc(c.End)
	return c
}
