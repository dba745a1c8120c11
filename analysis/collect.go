package analysis

import (
	"cmp"
	"fmt"
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
	// hops per side over all FTP connections, for the capture point.
	hopSum   [2]int
	hopCount [2]int
	stats    Stats
	// ctx is what the capture as a whole shows, for the rules.
	ctx classify.Context
}

func newCollector(opts Options) *collector { return &collector{opts: opts} }

// session is the dissector's done callback.
func (col *collector) session(s *dissect.Session) {
	if col.opts.OnSession != nil {
		col.opts.OnSession(s)
	}
	col.stats.FTPSessions++
	id := "S" + strconv.Itoa(s.ID)
	c := s.Control
	rec := Session{
		ID: id, Client: c.Client.String(), Server: c.Server.String(), User: s.User, TLS: s.TLS,
		Start: c.First.Time(), End: c.Last.Time(), Banner: firstLine(s.Banner),
		Commands: s.Commands, Replies: s.Replies, Input: c.First.Input, Frame: c.First.Frame,
		Transfers: []Transfer{},
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
		rec.Transfers = append(rec.Transfers, transferOf(t))
	}
	col.addConn(c, "control", id)
	for _, d := range s.Data {
		col.stats.DataConnections++
		col.addConn(d.Conn, "data", id)
	}
	verdicts := classify.Judge(s, &col.ctx)
	rec.Outcome = "ok"
	for i := range verdicts {
		v := verdictOf(&verdicts[i], id)
		v.Transfer = transferIndex(s, verdicts[i].Transfer)
		if verdicts[i].Info {
			col.findings = append(col.findings, v)
			continue
		}
		rec.Outcome = "broken"
		col.breaks = append(col.breaks, v)
		if col.opts.OnBreak != nil {
			col.opts.OnBreak(&col.breaks[len(col.breaks)-1])
		}
	}
	col.sessions = append(col.sessions, rec)
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

func transferOf(t *dissect.Transfer) Transfer {
	out := Transfer{
		Command: t.Cmd, Path: t.Path, Direction: t.Direction, Mode: t.Mode,
		Bytes: t.Bytes(), Status: t.Status(), Start: t.At.Time(), End: t.At.Time(),
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
		out.Severity = "info"
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

// addConn records a connection's summary.
func (col *collector) addConn(c *tcpflow.Conn, kind, session string) {
	cs, ss := c.Half[tcpflow.FromClient], c.Half[tcpflow.FromServer]
	hc, hs := hops(cs), hops(ss)
	if cs.Packets > 0 {
		col.hopSum[0] += hc
		col.hopCount[0]++
	}
	if ss.Packets > 0 {
		col.hopSum[1] += hs
		col.hopCount[1]++
	}
	cw, sw, _ := c.WindowScaling()
	col.conns = append(col.conns, Connection{
		Kind: kind, Session: session, Client: c.Client.String(), Server: c.Server.String(),
		Start: c.First.Time(), End: c.Last.Time(), ConnState: c.ConnState(), History: c.History(),
		Packets:     PerSide[int64]{cs.Packets, ss.Packets},
		Bytes:       PerSide[int64]{cs.Bytes, ss.Bytes},
		Hops:        PerSide[int]{hc, hs},
		WindowScale: PerSide[WScale]{wscale(cw), wscale(sw)},
		Midstream:   c.Midstream,
		Retransmits: PerSide[int64]{cs.Retransmits, ss.Retransmits},
		CaptureLoss: cs.CaptureLoss + ss.CaptureLoss,
		Closed:      c.Closed.String(),
		Input:       c.First.Input, Frame: c.First.Frame,
	})
}

// hops infers how many routers a side's packets crossed before the
// capture point: today's stacks start at 64, 128 or 255, so the distance
// is the gap to the next of those above the highest TTL seen.
func hops(h tcpflow.Half) int {
	if h.Packets == 0 {
		return -1
	}
	ttl := int(h.TTLMax)
	for _, initial := range []int{32, 64, 128, 255} {
		if ttl <= initial {
			return initial - ttl
		}
	}
	return 0
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

// capturePoint says where the capture was taken, from the hop distances
// of each side's packets: zero hops means captured on that host (or its
// LAN segment).
func (col *collector) capturePoint() string {
	if col.hopCount[0] == 0 || col.hopCount[1] == 0 {
		return "unknown"
	}
	c := float64(col.hopSum[0]) / float64(col.hopCount[0])
	s := float64(col.hopSum[1]) / float64(col.hopCount[1])
	switch {
	case c < 0.5 && s >= 0.5:
		return "client-side"
	case s < 0.5 && c >= 0.5:
		return "server-side"
	case c >= 0.5 && s >= 0.5:
		return "middle"
	}
	return "unknown"
}

func (col *collector) result(version string) *Result {
	return &Result{
		Tool: "ftpcap", Version: version, CapturePoint: col.capturePoint(),
		Sessions: col.sessions, Breaks: col.breaks, Findings: col.findings,
		Connections: col.conns, Stats: col.stats, Inputs: []Input{},
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
	}
	for i := range r.Findings {
		r.Findings[i].ID = "F" + strconv.Itoa(i+1)
		r.nameInputs(r.Findings[i].Evidence, multi)
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
