package report

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

// csvHeader names the columns of the CSV format: one row per break, then
// one per finding (severity is empty on breaks, "info" on findings).
var csvHeader = []string{
	"id", "session", "kind", "client", "server", "class", "cause",
	"confidence", "time", "summary", "evidence_frames", "filter", "severity",
}

// writeCSV writes the verdicts as RFC 4180 CSV (encoding/csv quotes
// fields holding commas, quotes or line ends). Every cell is cleaned of
// control characters and defused against formula injection.
func writeCSV(w io.Writer, r *analysis.Result, faults *renderFaults) error {
	cw := csv.NewWriter(w)
	// A multi-point report adds a proof column at the end, where
	// spreadsheets and scripts reading the single-point columns by
	// position still find theirs.
	multi := multiPoint(r)
	header := csvHeader
	if multi {
		header = append(slices.Clone(csvHeader), "proof")
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	inputs := newInputIndex(r.Inputs)
	for _, vs := range [][]analysis.Verdict{r.Breaks, r.Findings} {
		for _, v := range vs {
			var row []string
			if !faults.guard("verdict "+v.ID, func() { row = csvRow(v, inputs) }) {
				continue
			}
			if multi {
				row = append(row, csvCell(string(v.Proof)))
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(v analysis.Verdict, inputs inputIndex) []string {
	at := ""
	if !v.Time.IsZero() {
		at = v.Time.UTC().Format(time.RFC3339Nano)
	}
	row := []string{
		v.ID, v.Session, string(v.Connection.Kind), v.Connection.Client, v.Connection.Server,
		v.Class, v.Cause, strconv.FormatFloat(v.Confidence, 'f', -1, 64), at,
		v.Summary, inputs.frameList(v.Evidence, 0), v.Filter, string(v.Severity),
	}
	for i, cell := range row {
		row[i] = csvCell(cell)
	}
	return row
}

// csvCell cleans a cell and, following OWASP's advice on CSV injection,
// prefixes a single quote to any cell a spreadsheet would read as a
// formula: one starting with =, +, -, @, TAB or CR. (After clean, TAB and
// CR can no longer lead a cell; they are listed for the rule's sake.)
func csvCell(s string) string {
	s = clean(s)
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
