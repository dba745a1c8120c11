package report

import (
	"io"
	"slices"
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
}

func writeTable(w *errWriter, r *analysis.Result, opts Options) error {
	t := &tableReport{
		w:       w,
		r:       r,
		width:   opts.width(),
		color:   opts.Color,
		p:       painter(opts.Color),
		verbose: opts.Verbose,
		clock:   newClock(r),
		inputs:  newInputIndex(r.Inputs),
	}
	steps := []func() error{
		t.header,
		t.sessions,
		t.transfers,
		func() error { return t.verdicts("BREAKS", "no breaks", t.r.Breaks) },
		func() error { return t.verdicts("FINDINGS", "no findings", t.r.Findings) },
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
	for i, v := range values {
		for j, l := range wrapText(v, t.width-labelWidth, wrapSpec{breakAfter: "/"}) {
			prefix := pad
			if i == 0 && j == 0 {
				prefix = t.p.paint(sgr, label) + pad[min(textWidth(label), labelWidth):]
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

func (t *tableReport) sessions() error {
	t.section("SESSIONS", len(t.r.Sessions))
	if len(t.r.Sessions) == 0 {
		t.line("no FTP sessions found")
		return nil
	}
	breaks := breakIDsBySession(t.r.Breaks)
	g := &grid{cols: []column{
		{title: "ID"},
		// 21 columns hold any IPv4 endpoint on one line.
		{title: "CLIENT → SERVER", flex: true, min: 21, wrap: wrapSpec{breakAfter: ":"}},
		{title: "USER", flex: true, min: 6, wrap: wrapSpec{maxLines: 2}},
		{title: "TLS"},
		// A dated time stacks its date over the time of day.
		{title: "START", flex: true, min: len(timeOfDay)},
		{title: "DURATION", right: true},
		{title: "CMDS", right: true},
		{title: "XFERS\nOK/FAIL", right: true},
		{title: "OUTCOME", flex: true, min: 6},
	}}
	for _, s := range t.r.Sessions {
		ok, failed := transferTally(s)
		outcome := painted(outcomeColor(s.Outcome), orDash(s.Outcome))
		if ids := breaks[s.ID]; len(ids) > 0 {
			outcome.text += "\n" + clean(strings.Join(ids, " "))
		}
		g.add(
			txt(s.ID),
			txt(endpoints(s.Client, s.Server)),
			txt(orDash(s.User)),
			txt(yesNo(s.TLS)),
			txt(t.clock.at(s.Start)),
			txt(span(s.Start, s.End)),
			txt(groupDigits(int64(s.Commands))),
			txt(strconv.Itoa(ok)+"/"+strconv.Itoa(failed)),
			outcome,
		)
	}
	if err := t.grid(g); err != nil {
		return err
	}
	if t.verbose {
		t.sessionNotes()
	}
	return nil
}

// sessionNotes lists, in verbose mode, what the sessions table has no
// room for: banners, reply counts and the dissector's anomaly counters.
func (t *tableReport) sessionNotes() {
	for _, s := range t.r.Sessions {
		var notes []string
		if s.Banner != "" {
			notes = append(notes, "banner: "+clean(s.Banner))
		}
		replies := groupDigits(int64(s.Replies)) + " replies"
		if s.LastReply != 0 {
			replies += ", last " + strconv.Itoa(s.LastReply)
		}
		notes = append(notes, replies+"; control connection from frame "+strconv.FormatInt(s.Frame, 10))
		if len(s.Anomalies) > 0 {
			notes = append(notes, "anomalies: "+anomalyList(s.Anomalies))
		}
		t.field(5, clean(s.ID), "", notes...)
	}
}

// anomalyList shows dissector counters as "key=count, …" sorted by key.
func anomalyList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = clean(k) + "=" + strconv.Itoa(m[k])
	}
	return strings.Join(parts, ", ")
}

func (t *tableReport) transfers() error {
	n := 0
	for _, s := range t.r.Sessions {
		n += len(s.Transfers)
	}
	t.section("TRANSFERS", n)
	if n == 0 {
		t.line("no transfers")
		return nil
	}
	cols := []column{
		{title: "SESS"},
		{title: "CMD"},
		{title: "PATH", flex: true, min: 12, wrap: wrapSpec{breakAfter: "/-_.", maxLines: 3, keepTail: true}},
		{title: "MODE"},
		{title: "BYTES / EXPECTED", flex: true, min: 9, keepWords: true},
		{title: "REPLY", flex: true, min: 12, wrap: wrapSpec{breakAfter: "/", maxLines: 3}},
		{title: "STATUS"},
	}
	if t.verbose {
		// The data connections' endpoints are in the connections table.
		cols = append(cols, column{title: "START", flex: true, min: len(timeOfDay)})
	}
	g := &grid{cols: cols}
	for _, s := range t.r.Sessions {
		for _, x := range s.Transfers {
			row := []cell{
				txt(s.ID),
				txt(orDash(x.Command)),
				txt(orDash(x.Path)),
				transferMode(x),
				txt(transferBytes(x)),
				txt(replyText(x.Reply, x.ReplyText)),
				painted(statusColor(x.Status), orDash(x.Status)),
			}
			if t.verbose {
				row = append(row, txt(t.clock.at(x.Start)))
			}
			g.add(row...)
		}
	}
	return t.grid(g)
}

func transferMode(x analysis.Transfer) cell {
	if x.Inferred {
		return txt(orDash(x.Mode), "inferred")
	}
	return txt(orDash(x.Mode))
}

// transferBytes is "bytes / expected" when the size was announced.
func transferBytes(x analysis.Transfer) string {
	if x.ExpectedBytes == nil {
		return groupDigits(x.Bytes)
	}
	return groupDigits(x.Bytes) + " / " + groupDigits(*x.ExpectedBytes)
}

// replyText is the final reply, "-" when none was seen.
func replyText(code int, text string) string {
	if code == 0 {
		return "-"
	}
	if text == "" {
		return strconv.Itoa(code)
	}
	return strconv.Itoa(code) + " " + text
}

// frameListLimit caps the compact frame list in the tables; the verbose
// evidence lines and the other formats list every packet.
const frameListLimit = 8

// verdicts renders breaks or findings: an overview table, then for each
// verdict its connection and summary (and in verbose mode its filter and
// evidence lines) at full width, where a sentence is readable.
func (t *tableReport) verdicts(title, none string, vs []analysis.Verdict) error {
	t.section(title, len(vs))
	if len(vs) == 0 {
		t.line(none)
		return nil
	}
	g := &grid{cols: []column{
		{title: "ID"},
		{title: "SESS"},
		{title: "CLASS"},
		{title: "CAUSE"},
		{title: "CONF", right: true},
		{title: "TIME", flex: true, min: len(timeOfDay)},
		{title: "FRAMES", flex: true, min: 10},
	}}
	for _, v := range vs {
		g.add(
			painted(verdictIDColor(v), v.ID),
			txt(orDash(v.Session)),
			painted(classColor(v.Class), orDash(v.Class)),
			txt(orDash(v.Cause)),
			txt(confidence(v.Confidence)),
			txt(t.clock.at(v.Time)),
			txt(t.inputs.frameList(v.Evidence, frameListLimit)),
		)
	}
	if err := t.grid(g); err != nil {
		return err
	}
	for _, v := range vs {
		t.verdictDetail(v)
	}
	return nil
}

func verdictIDColor(v analysis.Verdict) string {
	if v.Severity != "" {
		return sgrYellow
	}
	return sgrBoldRed
}

const detailIndent = "    "

func (t *tableReport) verdictDetail(v analysis.Verdict) {
	t.line("")
	where := clean(orDash(v.Connection.Kind)) + " " + clean(endpoints(v.Connection.Client, v.Connection.Server))
	if v.Session != "" {
		where += " (" + clean(v.Session) + ")"
	}
	if v.Severity != "" {
		where += ", severity " + clean(v.Severity)
	}
	id := clean(v.ID)
	head := t.p.paint(verdictIDColor(v), id) + strings.Repeat(" ", max(len(detailIndent)-textWidth(id), 1))
	for i, l := range wrapText(where, t.width-len(detailIndent), wrapSpec{breakAfter: ":"}) {
		if i == 0 {
			t.line(head + l)
		} else {
			t.line(detailIndent + l)
		}
	}
	t.para(detailIndent, clean(orDash(v.Summary)))
	if len(v.Contributing) > 0 {
		t.para(detailIndent, "also held: "+clean(strings.Join(v.Contributing, ", ")))
	}
	if !t.verbose {
		return
	}
	if v.Filter != "" {
		t.para(detailIndent, "filter: "+clean(v.Filter))
	}
	t.evidenceLines(v.Evidence)
}

// evidenceLines lists a verdict's evidence under its summary, one fact a
// row in aligned frame, time and text columns, the text wrapped under
// itself. (A boxed table for each verdict would cost a tablewriter table
// apiece, megabytes for a capture with thousands of breaks.)
func (t *tableReport) evidenceLines(evidence []analysis.Evidence) {
	if len(evidence) == 0 {
		t.para(detailIndent, "no evidence lines")
		return
	}
	frames := make([]string, len(evidence))
	times := make([]string, len(evidence))
	frameWidth, timeWidth := 0, 0
	for i, e := range evidence {
		frames[i] = "-"
		if e.Frame > 0 {
			frames[i] = clean(t.inputs.frameRef(e))
		}
		times[i] = t.clock.at(e.Time)
		frameWidth = max(frameWidth, textWidth(frames[i]))
		timeWidth = max(timeWidth, textWidth(times[i]))
	}
	const minTextWidth = 20
	textIndent := len(detailIndent) + frameWidth + 2 + timeWidth + 2
	for i, e := range evidence {
		head := detailIndent + strings.Repeat(" ", frameWidth-textWidth(frames[i])) + frames[i] + "  " +
			times[i] + strings.Repeat(" ", timeWidth-textWidth(times[i])) + "  "
		text := clean(orDash(e.Text))
		if t.width-textIndent < minTextWidth {
			// Too narrow for three columns: the text goes below.
			t.para(detailIndent, frames[i]+"  "+times[i])
			t.para(detailIndent+"  ", text)
			continue
		}
		for j, l := range wrapText(text, t.width-textIndent, wrapSpec{breakAfter: "/"}) {
			if j == 0 {
				t.line(head + l)
			} else {
				t.line(strings.Repeat(" ", textIndent) + l)
			}
		}
	}
}

func (t *tableReport) causeSummary() error {
	counts := countCauses(t.r)
	t.section("SUMMARY", -1)
	if len(counts) == 0 {
		t.line("no breaks or findings")
		return nil
	}
	g := &grid{cols: []column{
		{title: "CLASS"},
		{title: "CAUSE", flex: true, min: 12, wrap: wrapSpec{breakAfter: "-"}},
		{title: "BREAKS", right: true},
		{title: "FINDINGS", right: true},
	}}
	breaks, findings := 0, 0
	for _, c := range counts {
		g.add(
			painted(classColor(c.Class), orDash(c.Class)),
			txt(orDash(c.Cause)),
			txt(strconv.Itoa(c.Breaks)),
			txt(strconv.Itoa(c.Findings)),
		)
		breaks += c.Breaks
		findings += c.Findings
	}
	g.add(painted(sgrBold, "total"), txt(""), painted(sgrBold, strconv.Itoa(breaks)), painted(sgrBold, strconv.Itoa(findings)))
	return t.grid(g)
}

// connections lists every TCP connection, Zeek conn.log style. Each row
// has a client line and a server line: the endpoints, then each per-side
// counter, client first.
func (t *tableReport) connections() error {
	t.section("CONNECTIONS", len(t.r.Connections))
	if len(t.r.Connections) == 0 {
		t.line("no TCP connections")
		return nil
	}
	counter := column{right: true, flex: true, min: 4, keepWords: true}
	titled := func(c column, title string) column { c.title = title; return c }
	g := &grid{cols: []column{
		{title: "SESS\nKIND"},
		{title: "CLIENT\n→ SERVER", flex: true, min: 19, wrap: wrapSpec{breakAfter: ":"}},
		{title: "STATE\nHISTORY", flex: true, min: 10, wrap: wrapSpec{breakAfter: "-", maxLines: 8}},
		titled(counter, "PKTS"),
		titled(counter, "BYTES"),
		titled(counter, "RETX"),
		titled(counter, "HOPS"),
		{title: "WSCALE", flex: true, min: 4, keepWords: true},
	}}
	for _, c := range t.r.Connections {
		// The history comes last: it is the part a long connection may
		// have to lose to the line cap.
		state := []string{orDash(c.ConnState)}
		if c.Closed != "" {
			state = append(state, c.Closed)
		}
		if c.Midstream {
			state = append(state, "midstream")
		}
		if c.CaptureLoss > 0 {
			state = append(state, "capture lost "+groupDigits(c.CaptureLoss)+" bytes")
		}
		state = append(state, orDash(c.History))
		g.add(
			txt(orDash(c.Session), orDash(c.Kind)),
			txt(orDash(c.Client), "→ "+orDash(c.Server)),
			txt(state...),
			txt(groupDigits(c.Packets.Client), groupDigits(c.Packets.Server)),
			txt(groupDigits(c.Bytes.Client), groupDigits(c.Bytes.Server)),
			txt(groupDigits(c.Retransmits.Client), groupDigits(c.Retransmits.Server)),
			txt(strconv.Itoa(c.Hops.Client), strconv.Itoa(c.Hops.Server)),
			txt(orDash(c.WindowScale.Client), orDash(c.WindowScale.Server)),
		)
	}
	return t.grid(g)
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
			counted(s.FTPSessions, "FTP session", "FTP sessions")+"; "+groupDigits(s.ConnsExpired)+" expired after idling")

	caps := capsReached(t.r)
	if len(caps) == 0 {
		t.field(labelWidth, "caps reached", "", "none")
	} else {
		t.field(labelWidth, "caps reached", sgrYellow, caps...)
	}
	if len(t.r.Errors) > 0 {
		errs := make([]string, len(t.r.Errors))
		for i, e := range t.r.Errors {
			errs[i] = inputErrorText(e)
		}
		t.field(labelWidth, "errors", sgrBoldRed, errs...)
	}
	return nil
}

// capsReached lists each limit the run hit and each loss the capture
// itself reports, as sentences.
func capsReached(r *analysis.Result) []string {
	s := r.Stats
	var out []string
	if s.ConnsEvicted > 0 {
		line := counted(s.ConnsEvicted, "connection", "connections") + " evicted: the connection table was full"
		if s.MaxConns > 0 {
			line += " (max " + groupDigits(int64(s.MaxConns)) + ")"
		}
		out = append(out, line)
	}
	if s.SessionsDropped > 0 {
		out = append(out, counted(s.SessionsDropped, "FTP session", "FTP sessions")+" dropped at the session cap")
	}
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
	s := clean(orDash(e.Path)) + ": "
	if e.Frame > 0 {
		s += "frame " + strconv.FormatInt(e.Frame, 10) + ": "
	}
	return s + clean(e.Error) + " (analysed up to there)"
}
