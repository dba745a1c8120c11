package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

func TestFormats(t *testing.T) {
	want := []string{"table", "json", "ndjson", "csv", "markdown", "html"}
	if got := Formats(); !slices.Equal(got, want) {
		t.Errorf("Formats() = %q, want %q", got, want)
	}
	for _, f := range Formats() {
		var buf bytes.Buffer
		if err := Write(&buf, fixtureBroken(), Options{Format: f}); err != nil {
			t.Errorf("Write(format %q): %v", f, err)
		}
		if buf.Len() == 0 {
			t.Errorf("Write(format %q) wrote nothing", f)
		}
	}
}

func TestWriteDefaultsToTable(t *testing.T) {
	var def, table bytes.Buffer
	if err := Write(&def, fixtureClean(), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Write(&table, fixtureClean(), Options{Format: "TABLE", Width: DefaultWidth}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(def.Bytes(), table.Bytes()) {
		t.Error("the default options do not render the 100-column table")
	}
}

func TestWriteErrors(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, fixtureClean(), Options{Format: "xml"})
	if err == nil || !strings.Contains(err.Error(), `unknown format "xml"`) {
		t.Errorf("unknown format: err = %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("unknown format wrote %q", buf.String())
	}
	if err := Write(&buf, nil, Options{}); err == nil {
		t.Error("nil result: no error")
	}
	if err := WriteBreakLine(&buf, nil, Options{}); err == nil {
		t.Error("nil verdict: no error")
	}
	v := fixtureBroken().Breaks[0]
	for _, f := range []string{FormatJSON, FormatCSV, FormatMarkdown, FormatHTML} {
		if err := WriteBreakLine(&buf, &v, Options{Format: f}); err == nil {
			t.Errorf("WriteBreakLine(format %q): no error", f)
		}
	}
}

// failingWriter accepts limit bytes, then fails.
type failingWriter struct{ limit int }

var errDiskFull = errors.New("disk full")

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.limit {
		n := f.limit
		f.limit = 0
		return n, errDiskFull
	}
	f.limit -= len(p)
	return len(p), nil
}

func TestWritePropagatesWriterErrors(t *testing.T) {
	for _, f := range Formats() {
		for _, limit := range []int{0, 100} {
			err := Write(&failingWriter{limit: limit}, fixtureBroken(), Options{Format: f, Verbose: true})
			if !errors.Is(err, errDiskFull) {
				t.Errorf("format %s, writer failing after %d bytes: err = %v, want %v", f, limit, err, errDiskFull)
			}
		}
	}
	v := fixtureBroken().Breaks[0]
	for _, f := range []string{FormatTable, FormatNDJSON} {
		if err := WriteBreakLine(&failingWriter{}, &v, Options{Format: f}); !errors.Is(err, errDiskFull) {
			t.Errorf("WriteBreakLine(%s) to a failing writer: err = %v", f, err)
		}
	}
}

func TestWriteDoesNotModifyResult(t *testing.T) {
	for _, f := range fixtures {
		r := f.build()
		r.Inputs = append(r.Inputs, analysis.Input{Path: "local.pcap", First: time.Date(2024, 3, 5, 11, 0, 0, 0, time.FixedZone("CET", 3600))})
		want := f.build()
		want.Inputs = append(want.Inputs, analysis.Input{Path: "local.pcap", First: time.Date(2024, 3, 5, 11, 0, 0, 0, time.FixedZone("CET", 3600))})
		for _, format := range Formats() {
			if err := Write(&bytes.Buffer{}, r, Options{Format: format, Verbose: true}); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("%s: Write modified the result", f.name)
		}
	}
}

func TestOutputIsDeterministic(t *testing.T) {
	for _, f := range fixtures {
		for _, v := range variantsFor(f) {
			a, b := render(t, f, v.opts), render(t, f, v.opts)
			if !bytes.Equal(a, b) {
				t.Errorf("%s.%s differs between two runs", f.name, v.suffix)
			}
		}
	}
}

// sgr matches the colour sequences the table format itself writes.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TestNoInjection renders every fixture in every text format and checks
// that no capture text got through as a control character: no ESC (other
// than the report's own colours), no C0/C1 control, DEL, bidi override or
// invalid UTF-8.
func TestNoInjection(t *testing.T) {
	for _, f := range fixtures {
		for _, v := range variantsFor(f) {
			out := string(render(t, f, v.opts))
			if v.opts.Color {
				out = sgr.ReplaceAllString(out, "")
			}
			if strings.ContainsRune(out, 0x1b) {
				t.Errorf("%s.%s: ESC in the output", f.name, v.suffix)
			}
			assertInert(t, f.name+"."+v.suffix, out)
		}
	}
}

func TestHostileTextIsVisible(t *testing.T) {
	table := string(render(t, fixtures[3], Options{Verbose: true}))
	for _, want := range []string{`\x1b[2J`, `\x1b]0;owned\x07`, `invoice\u202egpj.exe`, `csi\u009b31mred`, `\x7f del`, "bad\ufffd\ufffd\ufffd(utf8", "<script>"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table does not show %q", want)
		}
	}
}

func TestMarkdownEscapesHostileText(t *testing.T) {
	md := string(render(t, fixtures[3], Options{Format: FormatMarkdown}))
	for _, bad := range []string{"<script", "</script", "[click](", "**bold**", "`code`"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown holds %q unescaped", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;", `\[click\](http://evil.example)`, `\*\*bold\*\*`, "\\`code\\`"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks the escaped form %q", want)
		}
	}
	// Every table row keeps its column count: no capture text added a |.
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "|-") {
			continue
		}
		cells := splitMarkdownRow(line)
		if len(cells) != markdownColumns(md, line) {
			t.Errorf("markdown row has %d cells, its header another count: %q", len(cells), line)
		}
	}
}

// splitMarkdownRow splits a GFM table row at its unescaped pipes.
func splitMarkdownRow(line string) []string {
	var cells []string
	var cell strings.Builder
	inner := strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	for i := 0; i < len(inner); i++ {
		switch {
		case inner[i] == '\\' && i+1 < len(inner):
			cell.WriteByte(inner[i])
			cell.WriteByte(inner[i+1])
			i++
		case inner[i] == '|':
			cells = append(cells, cell.String())
			cell.Reset()
		default:
			cell.WriteByte(inner[i])
		}
	}
	return append(cells, cell.String())
}

// markdownColumns finds the header row of the table holding line and
// counts its cells.
func markdownColumns(md, line string) int {
	lines := strings.Split(md, "\n")
	i := slices.Index(lines, line)
	for i > 0 && strings.HasPrefix(lines[i-1], "|") {
		i--
	}
	return len(splitMarkdownRow(lines[i]))
}

func TestCSVDefusesFormulas(t *testing.T) {
	out := render(t, fixtures[3], Options{Format: FormatCSV})
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if !slices.Equal(rows[0], csvHeader) {
		t.Errorf("header = %q", rows[0])
	}
	for _, row := range rows[1:] {
		if len(row) != len(csvHeader) {
			t.Errorf("row of %d cells: %q", len(row), row)
		}
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	byID := map[string][]string{}
	for _, row := range rows[1:] {
		byID[row[0]] = row
	}
	summary := slices.Index(csvHeader, "summary")
	checks := map[string]string{
		"B1": "'" + hostileFormula + " the server refused <script>alert(1)</script> with 550",
		"B2": `'-2+3 @SUM(A1) the client aborted invoice\u202egpj.exe`,
		"F1": "'+cmd the reply to USER @SUM(1) came 2.1 s after the command",
	}
	for id, want := range checks {
		if got := byID[id][summary]; got != want {
			t.Errorf("%s summary = %q, want %q", id, got, want)
		}
	}
	if got := byID["B2"][slices.Index(csvHeader, "filter")]; got != "'@filter" {
		t.Errorf("B2 filter = %q, want it prefixed", got)
	}
}

func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", `\x09=1`},
		{"\r=1", `\x0d=1`},
		{"a=1", "a=1"},
		{"\x1b[31m", `\x1b[31m`},
	}
	for _, tt := range tests {
		if got := csvCell(tt.in); got != tt.want {
			t.Errorf("csvCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, f := range fixtures {
		out := render(t, f, Options{Format: FormatJSON})
		var got analysis.Result
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		// Invalid UTF-8 in capture text is encoded as U+FFFD, so the
		// expected result goes through encoding/json too.
		wantJSON, err := json.Marshal(normalize(f.build()))
		if err != nil {
			t.Fatal(err)
		}
		var want analysis.Result
		if err := json.Unmarshal(wantJSON, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the JSON does not decode to the result it encodes", f.name)
		}
		if f.name != "hostile" && !reflect.DeepEqual(&got, normalize(f.build())) {
			t.Errorf("%s: the JSON does not decode to the same Result", f.name)
		}
		for _, key := range []string{"inputs", "sessions", "breaks", "findings", "connections"} {
			if bytes.Contains(out, []byte(`"`+key+`": null`)) {
				t.Errorf("%s: %s is null", f.name, key)
			}
		}
		if bytes.ContainsAny(out, "<>&\x7f") {
			t.Errorf("%s: HTML characters or DEL unescaped in JSON", f.name)
		}
	}
}

func TestNormalizeMakesEveryTimeUTC(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	r := fixtureBroken()
	shift := func(tm *time.Time) {
		if !tm.IsZero() {
			*tm = tm.In(cet)
		}
	}
	// Move every time of the fixture out of UTC, then check normalize
	// brings every time.Time field of the result back, wherever it is.
	visitTimes(reflect.ValueOf(r).Elem(), shift)
	n := normalize(r)
	visitTimes(reflect.ValueOf(n).Elem(), func(tm *time.Time) {
		if tm.Location() != time.UTC && !tm.IsZero() {
			t.Errorf("time %v not in UTC after normalize", tm)
		}
	})
}

// visitTimes calls fn on every time.Time reachable from v.
func visitTimes(v reflect.Value, fn func(*time.Time)) {
	switch v.Kind() {
	case reflect.Struct:
		if tm, ok := v.Addr().Interface().(*time.Time); ok {
			fn(tm)
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				visitTimes(v.Field(i), fn)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			visitTimes(v.Index(i), fn)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			visitTimes(v.Elem(), fn)
		}
	}
}

func TestNDJSONRecords(t *testing.T) {
	out := render(t, fixtures[1], Options{Format: FormatNDJSON})
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	var types []string
	for i, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %d is not a JSON object: %v", i+1, err)
		}
		typ, _ := rec["type"].(string)
		types = append(types, typ)
		switch typ {
		case recordSession:
			if _, ok := rec["transfers"]; ok {
				t.Errorf("session record %v carries its transfers", rec["id"])
			}
		case recordTransfer:
			if s, _ := rec["session"].(string); s == "" {
				t.Errorf("transfer record without its session: %s", line)
			}
		case recordBreak, recordFinding:
			if _, ok := rec["evidence"].([]any); !ok {
				t.Errorf("verdict record without an evidence list: %s", line)
			}
		case recordSummary:
			if rec["breaks"] != float64(5) || rec["findings"] != float64(2) || rec["transfers"] != float64(4) {
				t.Errorf("summary counts: %s", line)
			}
			// By class, every break counts: the 2 listed network breaks
			// and the 2 counted past the listing cap.
			byClass, _ := rec["breaks_by_class"].(map[string]any)
			if byClass["network"] != float64(4) {
				t.Errorf("summary breaks_by_class = %v", byClass)
			}
			if errs, _ := rec["errors"].([]any); len(errs) != 1 {
				t.Errorf("summary errors = %v", rec["errors"])
			}
		}
	}
	want := []string{
		"input", "input",
		"session", "transfer", "session", "transfer", "session", "transfer", "transfer",
		"break", "break", "break", "break", "break", "finding", "finding",
		"connection", "connection", "connection", "summary",
	}
	if !slices.Equal(types, want) {
		t.Errorf("record types = %q\nwant %q", types, want)
	}
}

func TestWriteBreakLine(t *testing.T) {
	r := fixtureBroken()
	var buf bytes.Buffer
	if err := WriteBreakLine(&buf, &r.Breaks[0], Options{}); err != nil {
		t.Fatal(err)
	}
	want := "2024-03-05 10:02:13.400000  B1  S1  network/middlebox-reset  conf 0.90  " +
		"control 198.51.100.10:40112 → 203.0.113.20:21  A reset claiming to come from the server " +
		"203.0.113.20:21 arrived with TTL 64 while the server's 812 earlier packets arrived with TTL 55: " +
		"a firewall or load balancer between the two ended the control connection.  " +
		"[captures/client-side/ftp-gateway-2024-03-05.pcapng.gz:#1234 captures/client-side/ftp-gateway-2024-03-05.pcapng.gz:#1201 captures/server.pcap:#1190]\n"
	if buf.String() != want {
		t.Errorf("break line:\n got %q\nwant %q", buf.String(), want)
	}

	buf.Reset()
	if err := WriteBreakLine(&buf, &r.Findings[0], Options{Format: FormatNDJSON}); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["type"] != "finding" || rec["id"] != "F1" || strings.Count(buf.String(), "\n") != 1 {
		t.Errorf("finding object = %s", buf.String())
	}

	h := fixtureHostile()
	for _, opts := range []Options{{}, {Color: true}, {Format: FormatNDJSON}} {
		for _, v := range append(h.Breaks, h.Findings...) {
			buf.Reset()
			if err := WriteBreakLine(&buf, &v, opts); err != nil {
				t.Fatal(err)
			}
			out := sgr.ReplaceAllString(buf.String(), "")
			if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
				t.Errorf("%+v: not one line: %q", opts, out)
			}
			assertInert(t, "break line", out)
		}
	}
}

// TestTablesFitTheWidth checks every line of every table rendering fits
// its width, in terminal columns and in runes.
func TestTablesFitTheWidth(t *testing.T) {
	widths := []int{100, 80, 72, 60, 40}
	for _, f := range fixtures {
		for _, width := range widths {
			for _, verbose := range []bool{false, true} {
				out := string(render(t, f, Options{Width: width, Verbose: verbose, Color: verbose}))
				for i, line := range strings.Split(out, "\n") {
					plain := sgr.ReplaceAllString(line, "")
					if w := textWidth(plain); w > width {
						t.Errorf("%s at %d (verbose %v): line %d is %d columns: %q", f.name, width, verbose, i+1, w, plain)
					}
					if n := len([]rune(plain)); n > width {
						t.Errorf("%s at %d (verbose %v): line %d is %d runes: %q", f.name, width, verbose, i+1, n, plain)
					}
				}
			}
		}
	}
}
