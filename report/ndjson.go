package report

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"github.com/ftpcap/ftpcap/analysis"
)

// NDJSON record types, the value of each object's "type" field.
const (
	recordInput      = "input"
	recordVantage    = "vantage_point"
	recordSession    = "session"
	recordTransfer   = "transfer"
	recordBreak      = "break"
	recordFinding    = "finding"
	recordConnection = "connection"
	recordSummary    = "summary"
)

// The records embed the model types, so their fields are the JSON
// report's fields and new model fields appear here without a change.

type inputRecord struct {
	Type string `json:"type"`
	analysis.Input
}

// sessionRecord is a session without its transfers, which follow as
// transfer records.
// vantageRecord is one capture point of a multi-point report.
type vantageRecord struct {
	Type string `json:"type"`
	analysis.VantagePoint
}

type sessionRecord struct {
	Type string `json:"type"`
	analysis.Session
	// Transfers shadows the embedded field (encoding/json prefers the
	// shallower field of a name) and, being nil and omitempty, leaves it out.
	Transfers *struct{} `json:"transfers,omitempty"`
}

type transferRecord struct {
	Type    string `json:"type"`
	Session string `json:"session"`
	analysis.Transfer
}

type verdictRecord struct {
	Type string `json:"type"`
	analysis.Verdict
}

type connectionRecord struct {
	Type string `json:"type"`
	analysis.Connection
}

// summaryRecord closes the stream: what the run was, the counts by class
// and cause, and the counters and errors of the run.
type summaryRecord struct {
	Type         string                  `json:"type"`
	Tool         string                  `json:"tool"`
	Version      string                  `json:"version"`
	CapturePoint string                  `json:"capture_point"`
	Quality      analysis.CaptureQuality `json:"capture_quality"`
	Inputs       int                     `json:"inputs"`
	Sessions     int                     `json:"sessions"`
	Transfers    int                     `json:"transfers"`
	Breaks       int                     `json:"breaks"`
	Findings     int                     `json:"findings"`
	Connections  int                     `json:"connections"`
	// Causes, ByClass and ByCause count every verdict, listed or only
	// counted past --max-reported (Breaks and Findings are the records
	// above).
	Causes  []analysis.CauseCount `json:"causes"`
	ByClass map[string]int64      `json:"breaks_by_class"`
	ByCause map[string]int64      `json:"breaks_by_cause"`
	Stats   analysis.Stats        `json:"stats"`
	Errors  []analysis.InputError `json:"errors"`
	// VantagePoints, in a multi-point report, are the capture points
	// (also each a vantage_point record after the inputs).
	VantagePoints []analysis.VantagePoint `json:"vantage_points,omitempty"`
}

// writeNDJSON writes one JSON object a line, for jq and log shippers:
// inputs, then each session followed by its transfers, breaks, findings,
// connections, and a final summary.
func writeNDJSON(w io.Writer, r *analysis.Result, faults *renderFaults) error {
	n := normalize(r)
	out := &recordWriter{w: w, faults: faults}
	for _, in := range n.Inputs {
		out.write("input "+in.Path, inputRecord{recordInput, in})
	}
	for _, vp := range n.VantagePoints {
		out.write("vantage point "+vp.Name, vantageRecord{recordVantage, vp})
	}
	transfers := 0
	for _, s := range n.Sessions {
		out.write("session "+s.ID, sessionRecord{Type: recordSession, Session: s})
		for _, t := range s.Transfers {
			out.write("a transfer of session "+s.ID, transferRecord{recordTransfer, s.ID, t})
		}
		transfers += len(s.Transfers)
	}
	for _, v := range n.Breaks {
		out.write("break "+v.ID, verdictRecord{recordBreak, v})
	}
	for _, v := range n.Findings {
		out.write("finding "+v.ID, verdictRecord{recordFinding, v})
	}
	for i, c := range n.Connections {
		out.write("connection "+strconv.Itoa(i+1), connectionRecord{recordConnection, c})
	}
	sum := summaryRecord{
		Type:          recordSummary,
		Tool:          n.Tool,
		Version:       n.Version,
		CapturePoint:  n.CapturePoint,
		Quality:       n.CaptureQuality,
		Inputs:        len(n.Inputs),
		Sessions:      len(n.Sessions),
		Transfers:     transfers,
		Breaks:        len(n.Breaks),
		Findings:      len(n.Findings),
		Connections:   len(n.Connections),
		Causes:        n.Stats.Causes,
		Stats:         n.Stats,
		Errors:        append(cloneEach(n.Errors, func(e analysis.InputError) analysis.InputError { return e }), faults.asErrors()...),
		VantagePoints: n.VantagePoints,
	}
	sum.ByClass, sum.ByCause = orEmpty(n.Stats.BreaksByClass), orEmpty(n.Stats.BreaksByCause)
	out.write("the summary", sum)
	return out.err
}

// writeVerdictObject writes one settled verdict as an NDJSON record.
func writeVerdictObject(w io.Writer, v *analysis.Verdict) error {
	kind := recordBreak
	if v.Severity != "" {
		kind = recordFinding
	}
	out := &recordWriter{w: w, faults: &renderFaults{}}
	out.write(kind+" "+v.ID, verdictRecord{kind, normalizeVerdict(*v)})
	return out.err
}

// recordWriter writes NDJSON records, one compact object a line, and
// keeps the first error. A record that cannot be encoded (a bug) is left
// out and named in faults.
type recordWriter struct {
	w      io.Writer
	buf    bytes.Buffer
	err    error
	faults *renderFaults
}

func (rw *recordWriter) write(item string, record any) {
	if rw.err != nil {
		return
	}
	rw.faults.guard(item, func() {
		rw.buf.Reset()
		enc := json.NewEncoder(&rw.buf) // HTML-escaping, newline-terminated
		if rw.err = enc.Encode(record); rw.err != nil {
			return
		}
		_, rw.err = rw.w.Write(escapeHidden(rw.buf.Bytes()))
	})
}

// orEmpty writes a missing count map as {}.
func orEmpty(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}
