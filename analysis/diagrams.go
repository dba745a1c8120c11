package analysis

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Making the records the HTML report draws (diagram.go) from the packet
// traces the tracker kept (tcpflow's trace.go), when Options.Diagrams
// asks. They are made as each session is judged, for what the Result
// lists: a ladder for each listed break and finding, a time-sequence
// graph for each listed transfer that did not complete, a timeline for
// each listed session. The traces are let go then. The diagrams of a
// Result together hold at most Options.MaxDiagramPoints packets and
// exchanges; past it a diagram is not made, and is counted.

// DefaultMaxDiagramPoints is the default of Options.MaxDiagramPoints:
// at about 180 bytes a point (a ladder packet with its label), some 90
// MB at most. The generated capture of 100,000 connections (bench/,
// many.pcap: 5,317 breaks and findings listed) draws every break with
// its ladders in about half of it.
const DefaultMaxDiagramPoints = 1 << 19

// Limits of the drawn text and of a timeline.
const (
	// maxLabel is the most characters of an FTP label on a ladder.
	maxLabel = 80
	// timelineEnds is how many exchanges a timeline keeps at each end of
	// a long session.
	timelineEnds = 50
)

// packetKey names a packet across inputs.
type packetKey struct {
	input int
	frame int64
}

func keyOf(r tcpflow.Ref) packetKey { return packetKey{r.Input, r.Frame} }

// diagrams makes one session's records as it is judged.
type diagrams struct {
	col    *collector
	s      *dissect.Session
	labels map[packetKey]string // the control connection's FTP labels, made once
}

// afford reports whether n more points fit the Result's diagram budget,
// and takes them; a diagram that does not fit is counted. What shows a
// break or a finding (ladders, time-sequence graphs, the timelines of
// sessions with a verdict) may use the whole budget; the timelines of
// sessions that went well only its first half, so that on a large
// capture where most sessions went well, the sessions that finish first
// cannot leave the later breaks undrawn.
func (col *collector) afford(n int, showsVerdict bool) bool {
	limit := int64(col.opts.MaxDiagramPoints)
	if !showsVerdict {
		limit /= 2
	}
	if col.diagramPoints+int64(n) > limit {
		col.stats.DiagramsDropped++
		col.stats.MaxDiagramPoints = col.opts.MaxDiagramPoints
		return false
	}
	col.diagramPoints += int64(n)
	return true
}

// ladders are the ladder diagrams of a verdict: the control connection's
// for a verdict about it (or about a transfer that never had a data
// connection), and for a data connection's the control connection's
// beside it, control first. A control-connection verdict whose evidence
// cites a data connection's packet (a reset of the data connection that
// ended the session) has that data connection beside it too.
func (d *diagrams) ladders(cv *classify.Verdict) []Ladder {
	deciding := map[packetKey]bool{}
	for _, e := range cv.Evidence {
		deciding[keyOf(e.At)] = true
	}
	ctl := d.ladder(d.s.Control, classify.KindControl, nil, deciding)
	out := []Ladder{ctl}
	data := cv.Conn
	if data == d.s.Control {
		data = d.citedDataConn(cv)
	}
	if data != nil {
		out = append(out, d.ladder(data, classify.KindData, d.dataConn(data), deciding))
	}
	n := 0
	for _, l := range out {
		n += len(l.Packets)
	}
	if !d.col.afford(n, true) {
		return nil
	}
	return out
}

// citedDataConn is the first of the session's data connections one of
// the verdict's evidence items cites a packet of, nil when none does.
func (d *diagrams) citedDataConn(cv *classify.Verdict) *tcpflow.Conn {
	for _, e := range cv.Evidence {
		for _, dc := range d.s.Data {
			c := dc.Conn
			if e.At.Before(c.First) || c.Last.Before(e.At) {
				continue
			}
			for _, p := range c.Trace() {
				if p.Ref == e.At {
					return c
				}
			}
		}
	}
	return nil
}

// dataConn finds the session's link record of a data connection.
func (d *diagrams) dataConn(c *tcpflow.Conn) *dissect.DataConn {
	for _, dc := range d.s.Data {
		if dc.Conn == c {
			return dc
		}
	}
	return nil
}

// ladder draws one connection's trace, with the ICMP errors quoting it.
func (d *diagrams) ladder(c *tcpflow.Conn, kind classify.ConnKind, dc *dissect.DataConn, deciding map[packetKey]bool) Ladder {
	l := Ladder{
		Kind: kind, Client: c.Client.String(), Server: c.Server.String(),
		Total: c.Half[0].Packets + c.Half[1].Packets, Closed: c.Closed.String(),
	}
	if dc != nil {
		l.FTPServerIsClient = dc.FromFTPServer == tcpflow.FromClient
		l.Transfer = transferIndex(d.s, dc.Transfer)
	}
	var labels map[packetKey]string
	if c == d.s.Control {
		labels = d.controlLabels()
	}
	pts := c.Trace()
	seq := seqFrame(c, pts)
	l.Packets = make([]LadderPacket, 0, len(pts)+len(c.ICMP))
	icmp := c.ICMP
	for i := range pts {
		for len(icmp) > 0 && icmp[0].Before(pts[i].Ref) {
			l.Packets = append(l.Packets, icmpPacket(&icmp[0], seq, deciding))
			icmp = icmp[1:]
		}
		p := seq.packet(&pts[i])
		p.Label = labels[keyOf(pts[i].Ref)]
		p.Deciding = deciding[keyOf(pts[i].Ref)]
		l.Packets = append(l.Packets, p)
	}
	for i := range icmp {
		l.Packets = append(l.Packets, icmpPacket(&icmp[i], seq, deciding))
	}
	return l
}

// seqFrames turns a connection's raw sequence numbers and windows into
// what a person reads: sequence numbers relative to each side's origin,
// windows in bytes.
type seqFrames struct {
	origin [2]uint32
	// shift is each side's window scale when both SYNs offered scaling.
	shift [2]uint
}

// A side that sent nothing the tracker took a sequence number from (a
// reset alone, mid-stream) counts from its first packet, as Wireshark
// does.
func seqFrame(c *tcpflow.Conn, pts []tcpflow.TracePoint) seqFrames {
	var f seqFrames
	for d := range f.origin {
		var ok bool
		if f.origin[d], ok = c.Half[d].SeqOrigin(); ok {
			continue
		}
		for i := range pts {
			if pts[i].Dir == tcpflow.Dir(d) {
				f.origin[d] = pts[i].Seq
				break
			}
		}
	}
	if cs, ss, state := c.WindowScaling(); state == "on" {
		f.shift = [2]uint{uint(min(cs, 14)), uint(min(ss, 14))}
	}
	return f
}

// window is a side's advertised window in bytes: a SYN's is never
// scaled (RFC 7323 2.2).
func (f seqFrames) window(dir tcpflow.Dir, flags uint8, raw uint16) int64 {
	if flags&tcpflow.FlagSYN != 0 {
		return int64(raw)
	}
	return int64(raw) << f.shift[dir]
}

// ack is an acknowledgement number relative to the peer's origin.
func (f seqFrames) ack(dir tcpflow.Dir, flags uint8, ack uint32) uint32 {
	if flags&tcpflow.FlagACK == 0 {
		return 0
	}
	return ack - f.origin[dir.Other()]
}

func (f seqFrames) packet(p *tcpflow.TracePoint) LadderPacket {
	return LadderPacket{
		Frame: p.Frame, Input: p.Input, Time: p.Time(), FromClient: p.Dir == tcpflow.FromClient,
		Flags: p.Flags, Seq: p.Seq - f.origin[p.Dir], Ack: f.ack(p.Dir, p.Flags, p.Ack), Len: int(p.Len),
		Win: f.window(p.Dir, p.Flags, p.Win), TTL: p.TTL, IPID: p.IPID,
		Retrans: p.Retrans, ZeroWindow: p.ZeroWindow, Skipped: p.Skipped,
	}
}

// icmpPacket is an ICMP error quoting one of the connection's packets,
// drawn in the direction of the packet it quotes.
func icmpPacket(e *tcpflow.ICMPError, f seqFrames, deciding map[packetKey]bool) LadderPacket {
	p := LadderPacket{
		Frame: e.Frame, Input: e.Input, Time: e.Time(), FromClient: e.QuotedBy == tcpflow.FromClient,
		TTL: e.TTL, ICMP: classify.ICMPText(e), ICMPFrom: e.From.String(), Deciding: deciding[keyOf(e.Ref)],
	}
	if e.HasSeq {
		p.Seq = e.QuotedSeq - f.origin[e.QuotedBy]
	}
	return p
}

// controlLabels labels the control connection's packets with the
// commands and replies they carried, as the dissector logged them
// (passwords redacted unless asked): the packet of a command line, and
// the packet of each reply's first line.
func (d *diagrams) controlLabels() map[packetKey]string {
	if d.labels != nil {
		return d.labels
	}
	d.labels = map[packetKey]string{}
	add := func(at tcpflow.Ref, text string) {
		k := keyOf(at)
		if prev, ok := d.labels[k]; ok {
			text = prev + "; " + text // several lines in one packet
		}
		d.labels[k] = shortLabel(text)
	}
	for _, ex := range d.s.Log {
		if ex.Cmd != nil {
			add(ex.Cmd.At, commandText(ex.Cmd))
		}
		for i := range ex.Replies {
			add(ex.Replies[i].At, replyText(&ex.Replies[i]))
		}
	}
	return d.labels
}

func commandText(c *dissect.Command) string {
	if c.Arg == "" {
		return c.Verb
	}
	return c.Verb + " " + c.Arg
}

func replyText(r *dissect.Reply) string {
	text := firstLine(r.Text)
	if !r.Valid {
		return text
	}
	if text == "" {
		return strconv.Itoa(r.Code)
	}
	return strconv.Itoa(r.Code) + " " + text
}

// shortLabel cuts a label to its first line and maxLabel characters, on
// a character boundary, as valid UTF-8 (bytes that are not become
// U+FFFD). The text is the capture's: it must still be escaped where it
// is drawn.
func shortLabel(s string) string {
	s = strings.ToValidUTF8(firstLine(s), "\uFFFD")
	if utf8.RuneCountInString(s) <= maxLabel {
		return s
	}
	n := 0
	for i := range s {
		if n == maxLabel-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// seqGraph is the time-sequence graph of a transfer's data connection:
// the sender's segments, the receiver's acknowledgements and windows.
func (d *diagrams) seqGraph(t *dissect.Transfer) *SeqGraph {
	c := t.Conn
	sender := t.Sender
	if t.Direction == dissect.DirectionUnknown && c.Half[sender.Other()].SeqBytes() > c.Half[sender].SeqBytes() {
		sender = sender.Other()
	}
	g := &SeqGraph{
		Client: c.Client.String(), Server: c.Server.String(), SenderIsClient: sender == tcpflow.FromClient,
		Start: c.First.Time(), End: c.Last.Time(), MSS: int(c.Half[sender.Other()].MSS), Closed: c.Closed.String(),
		Segments: []SeqSegment{}, Acks: []SeqAck{},
	}
	pts := c.Trace()
	f := seqFrame(c, pts)
	g.Reduced = c.Half[0].Packets + c.Half[1].Packets - int64(len(pts))
	for i := range pts {
		p := &pts[i]
		at := time.Duration(p.TS - c.First.TS)
		if p.Dir == sender {
			if p.Len > 0 || p.Flags&(tcpflow.FlagSYN|tcpflow.FlagFIN|tcpflow.FlagRST) != 0 {
				g.Segments = append(g.Segments, SeqSegment{At: at, Frame: p.Frame, Seq: p.Seq - f.origin[sender],
					Len: int(p.Len), Flags: p.Flags, Retrans: p.Retrans})
			}
			continue
		}
		if p.Flags&(tcpflow.FlagACK|tcpflow.FlagRST) != 0 {
			g.Acks = append(g.Acks, SeqAck{At: at, Frame: p.Frame, Ack: f.ack(p.Dir, p.Flags, p.Ack),
				Win: f.window(p.Dir, p.Flags, p.Win), Flags: p.Flags, ZeroWindow: p.ZeroWindow})
		}
	}
	if !d.col.afford(len(g.Segments)+len(g.Acks), true) {
		return nil
	}
	return g
}

// timeline is the session's commands and replies, and its data
// connections as bars. broken lists the connections a break names;
// judged says the session has a verdict.
func (d *diagrams) timeline(broken map[*tcpflow.Conn]bool, judged bool) *Timeline {
	s := d.s
	tl := &Timeline{Start: s.Control.First.Time(), End: s.Control.Last.Time(), Exchanges: []TimelineExchange{}, Data: []TimelineData{}}
	// Omitted lie between the first timelineEnds exchanges and the last
	// (of the command log: a session past dissect's MaxLog has more,
	// which Session.Commands counts).
	log := s.Log
	if len(log) > 2*timelineEnds {
		tl.Omitted = len(log) - 2*timelineEnds
		for i := range timelineEnds {
			tl.Exchanges = append(tl.Exchanges, exchangeOf(&log[i]))
		}
		log = log[len(log)-timelineEnds:]
	}
	for i := range log {
		tl.Exchanges = append(tl.Exchanges, exchangeOf(&log[i]))
	}
	for _, dc := range s.Data {
		c := dc.Conn
		tl.Data = append(tl.Data, TimelineData{
			Client: c.Client.String(), Server: c.Server.String(), Start: c.First.Time(), End: c.Last.Time(),
			Bytes:    max(c.Half[0].SeqBytes(), c.Half[1].SeqBytes()),
			Transfer: transferIndex(s, dc.Transfer), Closed: c.Closed.String(), Broken: broken[c],
		})
		if tl.Start.After(c.First.Time()) {
			tl.Start = c.First.Time()
		}
		if tl.End.Before(c.Last.Time()) {
			tl.End = c.Last.Time()
		}
	}
	if !d.col.afford(len(tl.Exchanges)+len(tl.Data), judged) {
		return nil
	}
	return tl
}

// exchangeOf is one command and its final reply (the last that is not
// preliminary, or the last), or an unsolicited reply.
func exchangeOf(ex *dissect.Exchange) TimelineExchange {
	var out TimelineExchange
	var final *dissect.Reply
	if n := len(ex.Replies); n > 0 {
		final = &ex.Replies[n-1]
	}
	for i := range ex.Replies {
		if !ex.Replies[i].Preliminary() {
			final = &ex.Replies[i]
		}
	}
	switch {
	case ex.Cmd != nil:
		out.At, out.Frame, out.Command = ex.Cmd.At.Time(), ex.Cmd.At.Frame, shortLabel(commandText(ex.Cmd))
	case final != nil:
		out.At, out.Frame = final.At.Time(), final.At.Frame
	}
	if final != nil {
		out.Reply, out.ReplyText, out.ReplyAt = final.Code, shortLabel(firstLine(final.Text)), final.At.Time()
	}
	return out
}

// session adds a listed session's timeline, and the time-sequence graph
// of each transfer that did not complete and whose data connection was
// traced, to its record.
func (d *diagrams) session(rec *Session, verdicts []classify.Verdict) {
	broken := map[*tcpflow.Conn]bool{}
	for i := range verdicts {
		if !verdicts[i].Info && verdicts[i].Conn != nil {
			broken[verdicts[i].Conn] = true
		}
	}
	for i, t := range d.s.Transfers {
		if i < len(rec.Transfers) && rec.Transfers[i].Status != classify.StatusComplete && t.Conn != nil && t.Conn.Traced() {
			rec.Transfers[i].SeqGraph = d.seqGraph(t)
		}
	}
	rec.Timeline = d.timeline(broken, len(verdicts) > 0)
}

// dropTraces lets go of the traces of a session's connections, drawn or
// not, giving their points back to the tracker's budget.
func dropTraces(s *dissect.Session) {
	if s.Control != nil {
		s.Control.DropTrace()
	}
	for _, dc := range s.Data {
		dc.Conn.DropTrace()
	}
}
