package report

import (
	"io"
	"strconv"
	"strings"

	"github.com/ftpcap/ftpcap/analysis"
)

// tableReport renders the terminal format: a header block, then the
// sessions, transfers, breaks and findings tables, a count by cause and a
// footer with the counters, so nothing the run dropped goes unmentioned.
type tableReport struct {
	w       *errWriter
	r       *analysis.Result
	width   int
	color   bool
	p       painter
	verbose bool
	clock   clock
	inputs  inputIndex
	faults  *renderFaults
}

func writeTable(w *errWriter, r *analysis.Result, opts Options, faults *renderFaults) error {
	t := &tableReport{
		w:       w,
		r:       r,
		width:   opts.width(),
		color:   opts.Color,
		p:       painter(opts.Color),
		verbose: opts.Verbose,
		clock:   newClock(r),
		inputs:  newInputIndex(r.Inputs),
		faults:  faults,
	}
	steps := []func() error{
		t.header,
		t.vantagePoints,
		t.sessions,
		t.transfers,
		func() error { return t.verdicts("BREAKS", "break", "breaks", t.r.Breaks) },
		func() error { return t.verdicts("FINDINGS", "finding", "findings", t.r.Findings) },
		t.causeSummary,
	}
	if t.verbose {
		steps = append(steps, t.connections)
	}
	steps = append(steps, t.footer)
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
		if t.w.err != nil {
			return t.w.err
		}
	}
	return nil
}

// line writes one line of the report's own text (already clean).
func (t *tableReport) line(s string) {
	io.WriteString(t.w, s)
	io.WriteString(t.w, "\n")
}

// section starts a titled part of the report.
func (t *tableReport) section(title string, count int) {
	t.line("")
	if count >= 0 {
		title += " (" + strconv.Itoa(count) + ")"
	}
	t.line(t.p.paint(sgrBold, title))
}

// para writes text (already clean) wrapped to the report width, each line
// after the indent.
func (t *tableReport) para(indent, text string) {
	for _, l := range wrapText(text, t.width-textWidth(indent), wrapSpec{}) {
		t.line(indent + l)
	}
}

// field writes a label and its values (already clean): the first value
// beside the label, the others below it, all wrapped in the value column
// and painted line by line in sgr when colour is on.
func (t *tableReport) field(labelWidth int, label, sgr string, values ...string) {
	pad := strings.Repeat(" ", labelWidth)
	first := true
	if textWidth(label) >= labelWidth {
		t.line(t.p.paint(sgr, label)) // too long to share a line with its value
		first = false
	}
	for _, v := range values {
		for _, l := range wrapText(v, t.width-labelWidth, wrapSpec{breakAfter: "/"}) {
			prefix := pad
			if first {
				prefix = t.p.paint(sgr, label) + pad[textWidth(label):]
				first = false
			}
			t.line(prefix + t.p.paint(sgr, l))
		}
	}
}

// grid renders g at the report width.
func (t *tableReport) grid(g *grid) error {
	return g.render(t.w, t.width, t.color)
}

func (t *tableReport) header() error {
	r := t.r
	title := strings.TrimSpace(clean(r.Tool) + " " + clean(r.Version))
	if title == "" {
		title = "ftpcap"
	}
	t.line(t.p.paint(sgrBold, title+" report"))
	const labelWidth = 16
	if len(r.Inputs) == 0 {
		t.field(labelWidth, "input", "", "none")
	}
	for i, in := range r.Inputs {
		label := "input"
		if len(r.Inputs) > 1 {
			label += " " + strconv.Itoa(i+1)
		}
		t.field(labelWidth, label, "", inputLines(in)...)
	}
	t.field(labelWidth, "capture point", "", clean(orDash(r.CapturePoint)))
	if q := r.CaptureQuality; q.Rating != "" {
		t.field(labelWidth, "capture quality", "", append([]string{clean(q.Rating)}, cleanAll(q.Notes)...)...)
	}
	if d := t.clock.date(); d != "" {
		t.field(labelWidth, "times", "", "UTC; times of day below are on "+d+" unless dated")
	}
	return nil
}

// inputLines describes one capture file for the header.
func inputLines(in analysis.Input) []string {
	kind := clean(orDash(in.Format))
	if in.Compression != "" {
		kind += " (" + clean(in.Compression) + ")"
	}
	lines := []string{
		clean(in.Path),
		kind + ", " + clean(orDash(in.LinkType)) + ", " + groupDigits(in.Packets) + " packets, " + groupDigits(in.Bytes) + " bytes",
	}
	if !in.First.IsZero() {
		lines = append(lines, full(in.First)+" to "+full(in.Last)+" ("+span(in.First, in.Last)+")")
	}
	var loss []string
	if in.Dropped != nil {
		loss = append(loss, "the capture dropped "+counted(*in.Dropped, "packet", "packets"))
	}
	if in.Truncated > 0 {
		loss = append(loss, counted(in.Truncated, "packet", "packets")+" truncated by the snap length")
	}
	if len(loss) > 0 {
		lines = append(lines, strings.Join(loss, "; "))
	}
	return lines
}

// footer states the run's counters and every cap it hit or error it met,
// so that a report never looks complete when part of the capture was not
// analysed.
func (t *tableReport) footer() error {
	s := t.r.Stats
	t.section("STATS", -1)
	const labelWidth = 14
	t.field(labelWidth, "packets", "",
		groupDigits(s.Packets)+" ("+groupDigits(s.Bytes)+" bytes); TCP "+groupDigits(s.TCPPackets)+
			"; ICMP errors "+groupDigits(s.ICMPErrors)+"; non-IP "+groupDigits(s.NonIP)+
			"; undecodable "+groupDigits(s.Undecodable))
	if s.Fragments > 0 {
		t.field(labelWidth, "fragments", "", groupDigits(s.Fragments)+" IP fragments, "+groupDigits(s.FragmentsReassembled)+" reassembled")
	}
	t.field(labelWidth, "connections", "",
		groupDigits(s.Connections)+" TCP, "+groupDigits(s.DataConnections)+" FTP data, "+
			counted(s.FTPSessions, "FTP session", "FTP sessions")+"; "+groupDigits(s.ConnsExpired)+" expired after idling"+openAtEnd(s))

	caps := capsReached(t.r)
	if len(caps) == 0 {
		t.field(labelWidth, "caps reached", "", "none")
	} else {
		t.field(labelWidth, "caps reached", sgrYellow, caps...)
	}
	var errs []string
	for _, e := range t.r.Errors {
		errs = append(errs, inputErrorText(e))
	}
	for _, item := range t.faults.list() {
		errs = append(errs, clean(renderFaultText(item)))
	}
	if len(errs) > 0 {
		t.field(labelWidth, "errors", sgrBoldRed, errs...)
	}
	return nil
}

// capsReached lists each limit the run hit (analysis words them, from the
// one table that maps every counter to the report) and each loss the
// capture itself reports, as sentences.
func capsReached(r *analysis.Result) []string {
	out := cleanAll(r.Stats.CapsReached())
	for i, in := range r.Inputs {
		name := clean(in.Path)
		if len(r.Inputs) > 1 {
			name = "input " + strconv.Itoa(i+1)
		}
		if in.Dropped != nil && *in.Dropped > 0 {
			out = append(out, name+": the capture dropped "+counted(*in.Dropped, "packet", "packets"))
		}
		if in.Truncated > 0 {
			out = append(out, name+": "+counted(in.Truncated, "packet", "packets")+" truncated by the snap length")
		}
	}
	return out
}

func inputErrorText(e analysis.InputError) string {
	if e.Kind == analysis.ErrorInternal {
		// The text names the session, connection and frames; the filter
		// finds it in Wireshark.
		s := clean(orDash(e.Path)) + ": " + clean(e.Error)
		if e.Filter != "" {
			s += " (Wireshark: " + clean(e.Filter) + ")"
		}
		return s
	}
	s := clean(orDash(e.Path)) + ": "
	if e.Frame > 0 {
		s += "frame " + strconv.FormatInt(e.Frame, 10) + ": "
	}
	return s + clean(e.Error) + " (analysed up to there)"
}

// cleanAll makes each string safe for the terminal.
func cleanAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = clean(s)
	}
	return out
}

// openAtEnd says how many connections the end of the input cut short.
func openAtEnd(s analysis.Stats) string {
	if s.ConnsOpenAtEnd == 0 {
		return ""
	}
	return "; " + groupDigits(s.ConnsOpenAtEnd) + " still open at the end of the input (judged with what had been seen)"
}

// vantagePoints lists the capture points of a multi-point report: each
// point's files, where its capture appears to be, its clock against the
// first point's and how many of its packets matched another point's.
func (t *tableReport) vantagePoints() error {
	if !multiPoint(t.r) {
		return nil
	}
	t.section("VANTAGE POINTS", len(t.r.VantagePoints))
	g := &grid{cols: []column{
		{title: "POINT"},
		{title: "FILES", flex: true, min: 12, wrap: wrapSpec{breakAfter: "/,"}},
		{title: "SEEN AS"},
		{title: "CLOCK", right: true},
		{title: "DRIFT", right: true},
		{title: "MATCHED", right: true},
	}}
	for i, vp := range t.r.VantagePoints {
		t.faults.guard("vantage point "+vp.Name, func() {
			g.add(txt(vp.Name), txt(vp.Path), txt(orDash(vp.CapturePoint)), txt(clockOffset(i, vp)),
				txt(orDash(drift(vp))), txt(groupDigits(vp.MatchedPackets)))
		})
	}
	if len(g.rows) == 0 {
		return nil
	}
	return t.grid(g)
}
