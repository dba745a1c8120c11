package analysis

import (
	"cmp"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// collector receives finished sessions, has them judged, and keeps what
// the report needs: compact records, not the connections themselves.
type collector struct {
	opts     Options
	sessions []Session
	breaks   []Verdict
	findings []Verdict
	conns    []Connection
	// hops per FTP role over all FTP connections, for the capture point.
	hops     classify.HopTally
	oneSided int64 // connections the capture has one direction of
	stats    Stats
	// tally counts every verdict by class and cause as it is made.
	tally CauseTally
	// internal lists the sessions that could not be judged (contain.go).
	internal []InputError
	// ctx is what the capture as a whole shows, for the rules.
	ctx classify.Context
	// diagramPoints counts what the diagrams made so far hold, against
	// Options.MaxDiagramPoints (diagrams.go).
	diagramPoints int64
	// packets are the kept packets of the FTP connections, with
	// Options.KeepPackets (packets.go).
	packets []ConnPackets
}

// DefaultMaxReported is the default of Options.MaxReported.
const DefaultMaxReported = 20000

func newCollector(opts Options) *collector {
	if opts.MaxReported <= 0 {
		opts.MaxReported = DefaultMaxReported
	}
	if opts.MaxDiagramPoints <= 0 {
		opts.MaxDiagramPoints = DefaultMaxDiagramPoints
	}
	col := &collector{opts: opts}
	col.stats.MaxReported = opts.MaxReported
	return col
}

// full reports whether a list has reached the cap.
func (col *collector) full(n int) bool { return n >= col.opts.MaxReported }

// session judges a finished session with what the capture shows (ctx) and
// records it. Everything the report keeps of it is made first, under a
// recover (judge); only then is anything counted or kept, so a bug met
// judging one damaged session costs that session alone: it is reported
// as an internal error naming its connection and frames, and every other
// session is judged as usual.
func (col *collector) session(s *dissect.Session, ctx *classify.Context) {
	defer dropTraces(s) // drawn or not, judged or not: the tracker's budget gets them back
	if col.opts.KeepPackets {
		col.keepPackets(s)
	}
	if col.opts.OnSession != nil {
		col.opts.OnSession(s)
	}
	col.stats.FTPSessions++
	col.stats.DataConnections += int64(len(s.Data))
	if pr := col.opts.Progress; pr != nil {
		pr.Sessions.Add(1)
	}
	id := "S" + strconv.Itoa(s.ID)
	listed := !col.full(len(col.sessions))
	ctx.CountOnly = !listed && col.opts.OnBreak == nil
	j, fault := col.judge(s, ctx, id, listed)
	if fault != nil {
		col.internalError(s, id, fault)
		return
	}
	for _, c := range j.conns {
		col.keepConn(c)
	}
	var draw *diagrams
	if col.opts.Diagrams && listed {
		draw = &diagrams{col: col, s: s}
	}
	broken := false
	for i := range j.verdicts {
		cv := &j.verdicts[i]
		if cv.Info {
			col.tally.Add(cv.Class, cv.Cause, true)
			if !listed || col.full(len(col.findings)) {
				col.stats.FindingsDropped++
				continue
			}
			v := col.verdict(s, cv, id)
			if draw != nil {
				v.Ladders = draw.ladders(cv)
			}
			col.findings = append(col.findings, v)
			continue
		}
		broken = true
		col.tally.Add(cv.Class, cv.Cause, false)
		if pr := col.opts.Progress; pr != nil {
			pr.Breaks.Add(1)
		}
		keep := listed && !col.full(len(col.breaks))
		if !keep {
			col.stats.BreaksDropped++
		}
		// Past the caps only the counts are kept: a SYN flood's millions
		// of verdicts are not formatted for nobody to read.
		if !keep && col.opts.OnBreak == nil {
			continue
		}
		v := col.verdict(s, cv, id)
		if col.opts.OnBreak != nil {
			col.opts.OnBreak(&v)
		}
		if keep {
			if draw != nil {
				v.Ladders = draw.ladders(cv)
			}
			col.breaks = append(col.breaks, v)
		}
	}
	if !listed {
		col.stats.SessionsDropped++
		return
	}
	if broken {
		j.record.Outcome = OutcomeBroken
	}
	if draw != nil {
		draw.session(&j.record, j.verdicts)
	}
	col.sessions = append(col.sessions, j.record)
}

// sessionOf is the report's record of a session, its outcome "ok" until
// a break says otherwise.
func sessionOf(s *dissect.Session, id string) Session {
	c := s.Control
	rec := Session{
		ID: id, Client: c.Client.String(), Server: c.Server.String(), User: s.User, TLS: s.TLS,
		Start: c.First.Time(), End: c.Last.Time(), Banner: firstLine(s.Banner),
		Commands: s.Commands, Replies: s.Replies, Input: c.First.Input, Frame: c.First.Frame,
		Transfers: []Transfer{}, Outcome: OutcomeOK,
	}
	if s.LastReply != nil && s.LastReply.Valid {
		rec.LastReply = s.LastReply.Code
	}
	if len(s.AnomalyCounts) > 0 {
		rec.Anomalies = map[string]int{}
		for k, v := range s.AnomalyCounts {
			rec.Anomalies[k] = v
		}
	}
	for _, t := range s.Transfers {
		rec.Transfers = append(rec.Transfers, transferOf(s, t))
	}
	return rec
}

// verdict is the report's record of one of a session's verdicts.
func (col *collector) verdict(s *dissect.Session, cv *classify.Verdict, id string) Verdict {
	v := verdictOf(cv, id)
	v.Transfer = transferIndex(s, cv.Transfer)
	return v
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

func transferOf(s *dissect.Session, t *dissect.Transfer) Transfer {
	out := Transfer{
		Command: t.Cmd, Path: t.Path, Direction: t.Direction, Mode: t.Mode,
		Bytes: t.Bytes(), Status: classify.TransferStatusOf(s, t), Start: t.At.Time(), End: t.At.Time(),
		Frame: t.At.Frame, Input: t.At.Input, Inferred: t.Inferred,
	}
	if t.ExpectedBytes >= 0 {
		e := t.ExpectedBytes
		out.ExpectedBytes = &e
	}
	if t.Conn != nil {
		out.Data = &DataEnds{Client: t.Conn.Client.String(), Server: t.Conn.Server.String()}
		if t.Conn.Last.TS > t.At.TS {
			out.End = t.Conn.Last.Time()
		}
	}
	if t.Final != nil {
		out.Reply, out.ReplyText = t.Final.Code, firstLine(t.Final.Text)
		if t.Final.At.TS > out.End.UnixNano() {
			out.End = t.Final.At.Time()
		}
	}
	return out
}

func verdictOf(v *classify.Verdict, session string) Verdict {
	out := Verdict{
		Session: session, Class: v.Class, Cause: v.Cause, Confidence: v.Confidence,
		Summary: v.Summary, Contributing: v.Contributing,
		Evidence: []Evidence{},
	}
	out.Time = v.Time.Time()
	if v.Conn != nil {
		out.Connection = ConnRef{Kind: v.Kind, Client: v.Conn.Client.String(), Server: v.Conn.Server.String()}
		out.Filter = displayFilter(v.Conn)
	}
	if v.Info {
		out.Severity = SeverityInfo
	}
	for _, e := range v.Evidence {
		out.Evidence = append(out.Evidence, Evidence{Frame: e.At.Frame, Time: e.At.Time(), Text: e.Text, inputIndex: e.At.Input})
	}
	out.frame, out.input = v.Time.Frame, v.Time.Input
	return out
}

// displayFilter isolates a connection in Wireshark.
func displayFilter(c *tcpflow.Conn) string {
	ip := "ip"
	if c.Client.Addr().Is6() && !c.Client.Addr().Is4In6() {
		ip = "ipv6"
	}
	return fmt.Sprintf("%s.addr==%s && %s.addr==%s && tcp.port==%d && tcp.port==%d",
		ip, c.Client.Addr(), ip, c.Server.Addr(), c.Client.Port(), c.Server.Port())
}

// connRecord is what the collector keeps of one connection: its hop
// distances per FTP role (for the capture point), whether the capture
// has one direction of it, and its summary (nil past the listing cap).
type connRecord struct {
	hops     [2]struct{ role, hops int }
	oneSided bool
	summary  *Connection
}

// connOf makes a connection's record. ftpServer is the direction in
// which the FTP server sends (on active-mode data connections the FTP
// server is the TCP client), so hop distances add up per FTP role.
func (col *collector) connOf(c *tcpflow.Conn, kind classify.ConnKind, session string, ftpServer tcpflow.Dir, listed bool) connRecord {
	cs, ss := c.Half[tcpflow.FromClient], c.Half[tcpflow.FromServer]
	hc, hs := hops(cs), hops(ss)
	var rec connRecord
	for d, h := range []int{hc, hs} {
		role := classify.RoleFTPClient
		if tcpflow.Dir(d) == ftpServer {
			role = classify.RoleFTPServer
		}
		rec.hops[d].role, rec.hops[d].hops = role, h
	}
	_, rec.oneSided = classify.MissingDirection(c)
	if !listed {
		return rec
	}
	cw, sw, _ := c.WindowScaling()
	rec.summary = &Connection{
		Kind: kind, Session: session, Client: c.Client.String(), Server: c.Server.String(),
		Start: c.First.Time(), End: c.Last.Time(), ConnState: c.ConnState(), History: c.History(),
		Packets:     PerSide[int64]{cs.Packets, ss.Packets},
		Bytes:       PerSide[int64]{cs.Bytes, ss.Bytes},
		Hops:        PerSide[int]{hc, hs},
		WindowScale: PerSide[WScale]{wscale(cw), wscale(sw)},
		Midstream:   c.Midstream,
		Retransmits: PerSide[int64]{cs.Retransmits, ss.Retransmits},
		CaptureLoss: cs.CaptureLoss + ss.CaptureLoss,
		Duplicates:  cs.Duplicates + ss.Duplicates,
		Oversized:   cs.Oversized + ss.Oversized,
		Closed:      c.Closed.String(),
		Input:       c.First.Input, Frame: c.First.Frame,
	}
	return rec
}

// keepConn counts a connection's record in and lists its summary, or
// counts it as not listed past the cap.
func (col *collector) keepConn(rec connRecord) {
	for _, h := range rec.hops {
		col.hops.Add(h.role, h.hops)
	}
	if rec.oneSided {
		col.oneSided++
	}
	if rec.summary == nil || col.full(len(col.conns)) {
		col.stats.ConnsDropped++
		return
	}
	col.conns = append(col.conns, *rec.summary)
}

// hops infers how many routers a side's packets crossed before the
// capture point, from the TTL most of its packets (resets aside) arrived
// with; -1 when the side sent nothing.
func hops(h tcpflow.Half) int {
	ttl, n := h.TTL.Mode()
	if n == 0 {
		if h.Packets == 0 {
			return -1
		}
		ttl = h.TTLMax // only resets: better than nothing
	}
	return tcpflow.Hops(ttl)
}

func wscale(w int8) WScale {
	switch w {
	case tcpflow.WScaleNone:
		return "none"
	case tcpflow.WScaleUnknown:
		return "unknown"
	}
	return WScale(strconv.Itoa(int(w)))
}

func (col *collector) result(version string) *Result {
	col.tally.Fill(&col.stats)
	return &Result{
		Tool: "ftpcap", Version: version, CapturePoint: col.hops.Point(),
		Sessions: col.sessions, Breaks: col.breaks, Findings: col.findings,
		Connections: col.conns, Stats: col.stats, Inputs: []Input{}, Errors: col.internal,
		CaptureQuality: CaptureQuality{OneSidedConnections: col.oneSided},
		Packets:        col.packets,
	}
}

// sortAndNumber orders everything by capture time and numbers breaks and
// findings, so the same capture gives byte-identical output.
func (r *Result) sortAndNumber(multi bool) {
	slices.SortStableFunc(r.Sessions, func(a, b Session) int { return cmp.Compare(idNum(a.ID), idNum(b.ID)) })
	slices.SortStableFunc(r.Connections, func(a, b Connection) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Input, b.Input), cmp.Compare(a.Frame, b.Frame))
	})
	order := func(a, b Verdict) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.input, b.input), cmp.Compare(a.frame, b.frame))
	}
	slices.SortStableFunc(r.Breaks, order)
	slices.SortStableFunc(r.Findings, order)
	for i := range r.Breaks {
		r.Breaks[i].ID = "B" + strconv.Itoa(i+1)
		r.nameInputs(r.Breaks[i].Evidence, multi)
		r.Breaks[i].Summary = r.nameSummaryFrames(r.Breaks[i].Summary, r.Breaks[i].Evidence, multi)
	}
	for i := range r.Findings {
		r.Findings[i].ID = "F" + strconv.Itoa(i+1)
		r.nameInputs(r.Findings[i].Evidence, multi)
		r.Findings[i].Summary = r.nameSummaryFrames(r.Findings[i].Summary, r.Findings[i].Evidence, multi)
	}
}

// nameInputs names each evidence item's file when there are several.
func (r *Result) nameInputs(ev []Evidence, multi bool) {
	if !multi {
		return
	}
	for i := range ev {
		if ev[i].inputIndex < len(r.Inputs) {
			ev[i].Input = r.Inputs[ev[i].inputIndex].Path
		}
	}
}

// summaryFrame finds the frame numbers a summary quotes ("frame 4906").
var summaryFrame = regexp.MustCompile(`\bframe (\d+)\b`)

// nameSummaryFrames names the file of each frame a summary quotes when the
// capture is several files: frame numbers are per file, as Wireshark shows
// them, so "frame 4906" alone could be any file's. The frame is looked up
// among the verdict's evidence, which rules cite the packets from; a
// number no evidence item (or more than one file's) has is left as it is.
func (r *Result) nameSummaryFrames(summary string, ev []Evidence, multi bool) string {
	if !multi {
		return summary
	}
	return summaryFrame.ReplaceAllStringFunc(summary, func(m string) string {
		n, err := strconv.ParseInt(m[len("frame "):], 10, 64)
		if err != nil {
			return m
		}
		file := ""
		for _, e := range ev {
			if e.Frame != n || e.Input == "" {
				continue
			}
			if file != "" && file != e.Input {
				return m // two files have that frame: leave it
			}
			file = e.Input
		}
		if file == "" {
			return m
		}
		return m + " of " + filepath.Base(file)
	})
}

func idNum(id string) int {
	n, _ := strconv.Atoi(id[1:])
	return n
}

// transferIndex returns t's 1-based position in the session's transfers.
func transferIndex(s *dissect.Session, t *dissect.Transfer) int {
	for i, x := range s.Transfers {
		if x == t {
			return i + 1
		}
	}
	return 0
}

// rateCapture sums up the capture's own defects; classify says what they
// mean.
func (r *Result) rateCapture() {
	q := &r.CaptureQuality
	for _, c := range r.Connections {
		q.AckedUnseenBytes += c.CaptureLoss
		q.Duplicates += c.Duplicates
		q.OversizedSegments += c.Oversized
	}
	for _, in := range r.Inputs {
		if in.Dropped != nil {
			q.KernelDrops += *in.Dropped
		}
		q.TruncatedPackets += in.Truncated
	}
	q.Rating, q.Notes = classify.RateCapture(classify.CaptureDefects{
		AckedUnseenBytes: q.AckedUnseenBytes, KernelDrops: q.KernelDrops, Duplicates: q.Duplicates,
		OversizedSegments: q.OversizedSegments, TruncatedPackets: q.TruncatedPackets,
		FragmentsIncomplete: int64(r.Stats.FragmentsIncomplete), OneSided: q.OneSidedConnections,
	})
}
