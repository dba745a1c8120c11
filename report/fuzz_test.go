package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzRender puts arbitrary capture text in every field that comes off
// the wire and renders the report in every format: nothing may fail,
// panic, leak a control character into a text format, overflow the table
// width, break the CSV's columns, yield invalid JSON or let markup into
// the HTML page.
func FuzzRender(f *testing.F) {
	seeds := seedStrings(f)
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], 40+i%80)
	}
	f.Fuzz(func(t *testing.T, a, b string, width int) {
		if width < 40 || width > 200 {
			t.Skip()
		}
		r := fixtureHostile()
		s := &r.Sessions[0]
		s.User, s.Banner = a, b
		s.Transfers[0].Path, s.Transfers[0].ReplyText = a, b
		s.Anomalies = map[string]int{a: 1}
		v := &r.Breaks[0]
		v.Summary, v.Filter = a+" "+b, b
		v.Contributing = []string{a}
		v.Evidence[0].Text, v.Evidence[0].Input = b, a
		r.Inputs[0].Path = a
		r.Errors[0].Error = b

		for _, format := range Formats() {
			for _, verbose := range []bool{false, true} {
				var buf bytes.Buffer
				if err := Write(&buf, r, Options{Format: format, Width: width, Verbose: verbose}); err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				out := buf.String()
				switch format {
				case FormatJSON:
					if !json.Valid(buf.Bytes()) {
						t.Fatalf("invalid JSON")
					}
				case FormatNDJSON:
					for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
						if !json.Valid([]byte(line)) {
							t.Fatalf("invalid NDJSON line %q", line)
						}
					}
				case FormatHTML:
					if problems := htmlPageProblems(buf.Bytes()); len(problems) > 0 {
						t.Fatalf("html page: %s", strings.Join(problems, "; "))
					}
				case FormatCSV:
					rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
					if err != nil {
						t.Fatalf("CSV does not parse: %v", err)
					}
					for _, row := range rows {
						if len(row) != len(csvHeader) {
							t.Fatalf("CSV row of %d cells", len(row))
						}
					}
				}
				assertInert(t, format, out)
				if format == FormatTable {
					for _, line := range strings.Split(out, "\n") {
						if w := textWidth(line); w > width {
							t.Fatalf("width %d: line of %d columns: %q", width, w, line)
						}
					}
				}
			}
		}
		var buf bytes.Buffer
		for _, opts := range []Options{{}, {Format: FormatNDJSON}} {
			buf.Reset()
			if err := WriteBreakLine(&buf, v, opts); err != nil {
				t.Fatal(err)
			}
			if strings.Count(buf.String(), "\n") != 1 {
				t.Fatalf("break line is not one line: %q", buf.String())
			}
		}
	})
}
