package report

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ftpcap/ftpcap/analysis"
)

// mdReport renders the Markdown format: a document to paste into a
// postmortem. Breaks come first, each with its summary, its evidence
// table and its Wireshark filter; sessions, transfers and counters follow.
type mdReport struct {
	w      *errWriter
	r      *analysis.Result
	clock  clock
	inputs inputIndex
	// all lists everything, where a large capture's report would leave
	// out what went well and repeats (brief.go).
	all    bool
	faults *renderFaults
}

func writeMarkdown(w *errWriter, r *analysis.Result, all bool, faults *renderFaults) error {
	m := &mdReport{w: w, r: r, clock: newClock(r), inputs: newInputIndex(r.Inputs), all: all, faults: faults}
	m.header()
	m.vantagePoints()
	m.verdicts("Breaks", "break", "breaks", r.Breaks)
	m.verdicts("Findings", "finding", "findings", r.Findings)
	m.sessions()
	m.transfers()
	m.paths()
	m.causeSummary()
	m.footer()
	return w.err
}

func (m *mdReport) line(parts ...string) {
	for _, p := range parts {
		io.WriteString(m.w, p)
	}
	io.WriteString(m.w, "\n")
}

// table writes a GFM table; cells must already be escaped (mdText,
// mdCode).
func (m *mdReport) table(header []string, rightAligned map[int]bool, rows [][]string) {
	m.line("| ", strings.Join(header, " | "), " |")
	rule := make([]string, len(header))
	for i := range rule {
		rule[i] = "---"
		if rightAligned[i] {
			rule[i] = "---:"
		}
	}
	m.line("|", strings.Join(rule, "|"), "|")
	for _, row := range rows {
		m.line("| ", strings.Join(row, " | "), " |")
	}
}

func (m *mdReport) header() {
	r := m.r
	title := strings.TrimSpace(r.Tool + " " + r.Version)
	if title == "" {
		title = "ftpcap"
	}
	m.line("# ", mdText(title), " report")
	m.line()
	m.line("## Inputs")
	m.line()
	if len(r.Inputs) == 0 {
		m.line("No inputs.")
	} else {
		rows := make([][]string, len(r.Inputs))
		for i, in := range r.Inputs {
			kind := in.Format
			if in.Compression != "" {
				kind += " (" + in.Compression + ")"
			}
			dropped := "-"
			if in.Dropped != nil {
				dropped = groupDigits(*in.Dropped)
			}
			rows[i] = []string{
				strconv.Itoa(i + 1), mdText(in.Path), mdText(orDash(kind)), mdText(orDash(in.LinkType)),
				groupDigits(in.Packets), groupDigits(in.Bytes), full(in.First), full(in.Last),
				dropped, groupDigits(in.Truncated),
			}
		}
		m.table([]string{"#", "path", "format", "link type", "packets", "bytes", "first (UTC)", "last (UTC)", "dropped", "truncated"},
			map[int]bool{0: true, 4: true, 5: true, 8: true, 9: true}, rows)
	}
	m.line()
	m.line("- **Capture point:** ", mdText(orDash(r.CapturePoint)))
	if q := r.CaptureQuality; q.Rating != "" {
		m.line("- **Capture quality:** ", mdText(q.Rating))
		for _, n := range q.Notes {
			m.line("  - ", mdText(n))
		}
	}
	if d := m.clock.date(); d != "" {
		m.line("- **Times:** UTC; times of day are on ", d, " unless dated")
	}
}

func (m *mdReport) verdicts(title, singular, plural string, vs []analysis.Verdict) {
	m.line()
	m.line("## ", title, " (", strconv.Itoa(len(vs)), ")")
	m.line()
	if len(vs) == 0 {
		m.line("No ", plural, ".")
		return
	}
	vs, hidden := briefVerdicts(vs, m.all)
	rows := make([][]string, 0, len(vs))
	multi := multiPoint(m.r)
	for _, v := range vs {
		m.faults.guard(singular+" "+v.ID, func() {
			row := []string{
				mdText(v.ID), mdText(orDash(v.Session)), mdText(orDash(v.Class)), mdText(orDash(v.Cause)),
				confidence(v.Confidence), m.clock.at(v.Time),
				mdText(orDash(v.Connection.Kind)) + " " + mdEndpoints(v.Connection.Client, v.Connection.Server),
				mdText(orDash(v.Summary)), mdText(orDash(m.inputs.frameList(v.Evidence, 0))),
			}
			if multi {
				row = slices.Insert(row, 5, mdText(proofWord(v)))
			}
			rows = append(rows, row)
		})
	}
	header := []string{"id", "session", "class", "cause", "confidence", "time", "connection", "summary", "frames"}
	if multi {
		header = slices.Insert(header, 5, "proof")
	}
	m.table(header, map[int]bool{4: true}, rows)
	for _, h := range hidden {
		m.line()
		m.line(leftOut(h.n, "more "+mdText(h.cause)+" "+singular, "more "+mdText(h.cause)+" "+plural), ".")
	}
	for _, v := range vs {
		m.faults.guard("the detail of "+singular+" "+v.ID, func() { m.verdictSection(v) })
	}
}

func (m *mdReport) verdictSection(v analysis.Verdict) {
	m.line()
	m.line("### ", mdText(v.ID), ": ", mdText(orDash(v.Class)), " / ", mdText(orDash(v.Cause)))
	m.line()
	m.line(mdBlock(orDash(v.Summary)))
	m.line()
	if v.Session != "" {
		m.line("- **Session:** ", mdText(v.Session))
	}
	m.line("- **Connection:** ", mdText(orDash(v.Connection.Kind)), " ",
		mdCode(orDash(v.Connection.Client)), " → ", mdCode(orDash(v.Connection.Server)))
	m.line("- **Confidence:** ", confidence(v.Confidence))
	if v.Proof != "" {
		m.line("- **Proof:** ", mdText(string(v.Proof)))
	}
	m.line("- **Time:** ", full(v.Time), " UTC")
	if v.Severity != "" {
		m.line("- **Severity:** ", mdText(string(v.Severity)))
	}
	if len(v.Contributing) > 0 {
		m.line("- **Also held:** ", mdText(strings.Join(v.Contributing, ", ")))
	}
	if v.Filter != "" {
		m.line("- **Wireshark filter:** ", mdCode(v.Filter))
	}
	m.line()
	if len(v.Evidence) == 0 {
		m.line("No evidence lines.")
		return
	}
	rows := make([][]string, len(v.Evidence))
	for i, e := range v.Evidence {
		frame := "-"
		if e.Frame > 0 {
			frame = mdText(m.inputs.frameRef(e))
		}
		rows[i] = []string{frame, m.clock.at(e.Time), mdText(orDash(e.Text))}
		if multiPoint(m.r) {
			rows[i] = append([]string{mdText(orDash(e.Vantage))}, rows[i]...)
		}
	}
	if multiPoint(m.r) {
		m.table([]string{"point", "frame", "time", "evidence"}, map[int]bool{1: true}, rows)
		return
	}
	m.table([]string{"frame", "time", "evidence"}, map[int]bool{0: true}, rows)
}

func (m *mdReport) sessions() {
	m.line()
	m.line("## Sessions (", strconv.Itoa(len(m.r.Sessions)), ")")
	m.line()
	if len(m.r.Sessions) == 0 {
		m.line("No FTP sessions found.")
		return
	}
	breaks := breakIDsBySession(m.r.Breaks)
	sessions, okLeft, brokenLeft := briefSessions(m.r.Sessions, m.all)
	rows := make([][]string, 0, len(sessions))
	for _, s := range sessions {
		m.faults.guard("session "+s.ID, func() {
			ok, failed := transferTally(s)
			rows = append(rows, []string{
				mdText(s.ID), mdEndpoints(s.Client, s.Server), mdText(orDash(s.User)), yesNo(s.TLS),
				m.clock.at(s.Start), span(s.Start, s.End), strconv.Itoa(s.Commands),
				strconv.Itoa(ok), strconv.Itoa(failed), mdText(orDash(s.Outcome)),
				mdText(orDash(strings.Join(breaks[s.ID], " "))),
			})
		})
	}
	if len(rows) > 0 {
		m.table([]string{"id", "client → server", "user", "TLS", "start", "duration", "commands", "transfers ok", "transfers failed", "outcome", "breaks"},
			map[int]bool{5: true, 6: true, 7: true, 8: true}, rows)
	}
	for _, left := range []struct {
		n        int
		one, all string
	}{{brokenLeft, "more broken session", "more broken sessions"}, {okLeft, "session that ended ok", "sessions that ended ok"}} {
		if left.n > 0 {
			m.line()
			m.line(leftOut(int64(left.n), left.one, left.all), ".")
		}
	}
}

func (m *mdReport) transfers() {
	transfers, n, hidden := briefTransfers(m.r.Sessions, m.all)
	rows := make([][]string, 0, len(transfers))
	for _, x := range transfers {
		m.faults.guard("a transfer of session "+x.session, func() { rows = append(rows, m.transferRow(x)) })
	}
	m.line()
	m.line("## Transfers (", strconv.Itoa(n), ")")
	m.line()
	if n == 0 {
		m.line("No transfers.")
		return
	}
	if len(rows) > 0 {
		m.table([]string{"session", "command", "path", "mode", "bytes / expected", "reply", "status", "start", "data connection"},
			map[int]bool{4: true}, rows)
	}
	if hidden > 0 {
		m.line()
		m.line(leftOut(int64(hidden), "complete transfer", "complete transfers"), ".")
	}
}

// transferRow is one transfer's row.
func (m *mdReport) transferRow(x sessionTransfer) []string {
	mode := orDash(x.Mode)
	if x.Inferred {
		mode += " (inferred)"
	}
	data := "-"
	if x.Data != nil {
		data = mdEndpoints(x.Data.Client, x.Data.Server)
	}
	return []string{
		mdText(x.session), mdText(orDash(x.Command)), mdText(orDash(x.Path)), mdText(mode),
		mdText(transferBytes(x.Transfer)), mdText(replyText(x.Reply, x.ReplyText)), mdText(orDash(x.Status)),
		m.clock.at(x.Start), data,
	}
}

func (m *mdReport) causeSummary() {
	m.line()
	m.line("## Summary")
	m.line()
	counts := m.r.Stats.Causes
	if len(counts) == 0 {
		m.line("No breaks or findings.")
		return
	}
	rows := make([][]string, len(counts))
	for i, c := range counts {
		rows[i] = []string{mdText(orDash(c.Class)), mdText(orDash(c.Cause)), strconv.FormatInt(c.Breaks, 10), strconv.FormatInt(c.Findings, 10)}
	}
	m.table([]string{"class", "cause", "breaks", "findings"}, map[int]bool{2: true, 3: true}, rows)
}

func (m *mdReport) footer() {
	s := m.r.Stats
	m.line()
	m.line("## Stats")
	m.line()
	m.line("- **Packets:** ", groupDigits(s.Packets), " (", groupDigits(s.Bytes), " bytes); TCP ", groupDigits(s.TCPPackets),
		"; ICMP errors ", groupDigits(s.ICMPErrors), "; non-IP ", groupDigits(s.NonIP), "; undecodable ", groupDigits(s.Undecodable))
	if s.Fragments > 0 {
		m.line("- **Fragments:** ", groupDigits(s.Fragments), " IP fragments, ", groupDigits(s.FragmentsReassembled), " reassembled")
	}
	m.line("- **Connections:** ", groupDigits(s.Connections), " TCP, ", groupDigits(s.DataConnections), " FTP data, ",
		counted(s.FTPSessions, "FTP session", "FTP sessions"), "; ", groupDigits(s.ConnsExpired), " expired after idling", openAtEnd(s))
	caps := capsReached(m.r)
	if len(caps) == 0 {
		m.line("- **Caps reached:** none")
	} else {
		m.line("- **Caps reached:**")
		for _, c := range caps {
			m.line("  - ", mdBlock(c))
		}
	}
	faults := m.faults.list()
	if len(m.r.Errors)+len(faults) > 0 {
		m.line("- **Errors:**")
		for _, e := range m.r.Errors {
			m.line("  - ", mdBlock(inputErrorText(e)))
		}
		for _, item := range faults {
			m.line("  - ", mdBlock(renderFaultText(item)))
		}
	}
}

// mdText makes text safe inline, in a table cell, heading or list item:
// cleaned of control characters (so it stays on one line), with the
// characters that would start markup escaped. <, > and & become entities
// so no HTML tag or entity from a capture reaches a renderer; | is escaped
// so a cell cannot end early; backslash, backtick, *, _, ~, [ and ] are
// escaped so capture text cannot open code, emphasis, strike-through or
// links. Endpoints, which hold brackets in IPv6, are shown with mdCell
// instead.
func mdText(s string) string {
	s = clean(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '|', '`', '*', '~', '[', ']':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '_':
			// An underscore inside a word cannot open or close emphasis
			// (CommonMark's flanking rules), so reply_without_space stays
			// readable; anywhere else it is escaped.
			if i == 0 || i == len(s)-1 || !isAlnum(s[i-1]) || !isAlnum(s[i+1]) {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// mdBlock is mdText for text that starts a block (a paragraph or a list
// item's content), where a leading #, +, -, = or "1." would open a
// heading, a list or a rule.
func mdBlock(s string) string {
	s = mdText(s)
	if s == "" {
		return s
	}
	switch s[0] {
	case '#', '+', '-', '=':
		return "\\" + s
	}
	if n := strings.IndexAny(s, ".)"); n > 0 && isDigits(s[:n]) {
		return s[:n] + "\\" + s[n:]
	}
	return s
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// mdCell shows s (cleaned) as a code span inside a table cell, where GFM
// needs a | escaped even in a code span.
func mdCell(s string) string {
	return mdCode(strings.ReplaceAll(s, "|", `\|`))
}

// mdEndpoints shows a connection's ends as code spans in a table cell.
func mdEndpoints(client, server string) string {
	return mdCell(orDash(client)) + " → " + mdCell(orDash(server))
}

// mdCode shows s (cleaned) as a code span outside tables, fenced with one
// backtick more than the longest run inside it (CommonMark's rule), so
// the text shows verbatim: a Wireshark filter's || stays as it is.
func mdCode(s string) string {
	s = clean(s)
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || (strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") && strings.TrimSpace(s) != "") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// vantagePoints lists the capture points of a multi-point report.
func (m *mdReport) vantagePoints() {
	if !multiPoint(m.r) {
		return
	}
	m.line()
	m.line("## Vantage points (", strconv.Itoa(len(m.r.VantagePoints)), ")")
	m.line()
	rows := make([][]string, len(m.r.VantagePoints))
	for i, vp := range m.r.VantagePoints {
		rows[i] = []string{mdText(vp.Name), mdText(vp.Path), mdText(orDash(vp.CapturePoint)),
			clockOffset(i, vp), orDash(drift(vp)), groupDigits(vp.MatchedPackets)}
	}
	m.table([]string{"point", "files", "seen as", "clock offset", "drift", "packets matched"},
		map[int]bool{3: true, 4: true, 5: true}, rows)
}

// paths lists, in a multi-point report, each connection the points both
// saw with its packets sent, delivered, dropped and injected between
// them, each way.
func (m *mdReport) paths() {
	if !multiPoint(m.r) {
		return
	}
	var rows [][]string
	for i, c := range m.r.Connections {
		if c.Path == nil {
			continue
		}
		m.faults.guard("the path of connection "+strconv.Itoa(i+1), func() {
			rows = append(rows, []string{mdText(orDash(c.Session)), mdText(orDash(c.Kind)), mdEndpoints(c.Client, c.Server),
				pathWords(c.Path.ClientToServer) + delayWords(c.Path.DelayS, true), pathWords(c.Path.ServerToClient) + delayWords(c.Path.DelayS, false),
				mdText(orDash(c.Path.Translation))})
		})
	}
	m.line()
	m.line("## Paths between the points (", strconv.Itoa(len(rows)), ")")
	m.line()
	if len(rows) == 0 {
		m.line("No connection was seen at two points.")
		return
	}
	m.table([]string{"session", "kind", "client → server", "client to server", "server to client", "NAT between the points"}, nil, rows)
}
