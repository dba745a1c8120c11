package classify

import (
	"fmt"
	"math"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Who sent a reset (spec/causes.md, "How to tell who sent a reset"). A
// host's packets on one connection leave with one initial TTL and cross a
// fixed number of routers, so they reach the capture point with one hop
// distance; a firewall, load balancer or IPS that forges a RST in the
// host's name sends it with its own TTL from its own place on the path.
// The hop distance is the verdict; the other published signs of injected
// resets (a sequence number outside the receiver's window, the real sender
// carrying on, an IP ID copied from the packet being answered, bursts with
// stepped sequence numbers, a DF bit or window unlike the sender's) only
// raise or lower how sure it is. NATs, load balancers and captures taken
// on both sides of a router make TTLs vary, so a sender whose own TTL
// varies gives no verdict from TTL: better to miss an injection than to
// accuse a middlebox of a reset its endpoint sent.

// ttlVerdict is what the hop distance says about a RST.
type ttlVerdict int

const (
	ttlNoVerdict ttlVerdict = iota // nothing stable to compare with
	ttlMatches                     // the sender's own hop distance
	ttlDiffers                     // another hop distance: another sender
)

// ttlComparison is a RST's TTL against the purported sender's others.
type ttlComparison struct {
	verdict ttlVerdict
	refTTL  uint8 // the sender's usual TTL (the mode)
	refN    int64 // packets with it
	total   int64 // packets compared with
	// acrossConns: the reference is the host's packets on other
	// connections (the RST was its only packet on this one); onControl:
	// those on the session's control connection between the same two
	// hosts.
	acrossConns bool
	onControl   bool
	// dominant: the sender's TTL varied, but one value dominates and the
	// RST's is none of those seen.
	dominant bool
	why      string // for ttlNoVerdict: why there is no verdict
}

// resetSign is one supporting sign of an injected RST.
type resetSign struct {
	text   string
	strong bool
}

// resetOrigin is the judgement on one RST.
type resetOrigin struct {
	rst   tcpflow.Seg
	ttl   ttlComparison
	signs []resetSign
	// forged: the evidence says the RST is not its purported sender's;
	// confidence is how sure (0 when not forged).
	forged     bool
	confidence float64
}

// Confidence of a forged-reset verdict by the TTL evidence behind it, and
// what each supporting sign adds.
const (
	forgedConnMany  = 0.85 // ≥ minRefPackets packets of this connection, one TTL
	forgedConnFew   = 0.75 // 1–2 packets of this connection, or a dominant TTL
	forgedHostsMany = 0.7  // the host's other connections (ports may be other machines behind a NAT)
	forgedHostsFew  = 0.6
	// forgedControl: a data connection's SYN answered by a RST whose hop
	// distance is not that of the same host's ≥ minRefPackets packets on
	// the session's control connection, between the same two hosts at the
	// same time: the FTP server named this host as the data endpoint
	// itself, so the reference is the endpoint's own stack on the same
	// path, nearly as good as packets on the connection itself.
	forgedControl    = 0.8
	forgedSignsOnly  = 0.7 // no TTL verdict, two or more strong signs
	strongSignWeight = 0.05
	weakSignWeight   = 0.02
	forgedCap        = 0.97
	// forgedAtLeast is the confidence from which the endpoint's own rules
	// (server-reset, client-abort, connection-refused) step aside.
	forgedAtLeast = 0.7
	minRefPackets = 3
	// dominantShare: a sender whose TTL varied still has a usual one when
	// this share of at least dominantMin packets carries it.
	dominantShare = 0.95
	dominantMin   = 20
)

// judgeReset decides who sent a RST of b's connection.
func judgeReset(b *Case, rst tcpflow.Seg) resetOrigin {
	c := b.Conn
	var hosts HostTTLs
	if b.Ctx != nil {
		hosts = b.Ctx.Hosts
	}
	o := resetOrigin{rst: rst, ttl: compareTTL(c, sessionControl(b), hosts, rst)}
	o.signs = resetSigns(c, rst)
	strong, weak := 0, 0
	for _, s := range o.signs {
		if s.strong {
			strong++
		} else {
			weak++
		}
	}
	signs := strongSignWeight*float64(strong) + weakSignWeight*float64(weak)
	switch t := o.ttl; {
	case t.verdict == ttlMatches:
		// The sender's own distance: whatever else looks odd, the
		// endpoint is not accused.
	case t.verdict == ttlDiffers:
		base := forgedConnMany
		switch {
		case t.onControl && t.total >= minRefPackets:
			base = forgedControl
		case t.acrossConns && t.total >= minRefPackets:
			base = forgedHostsMany
		case t.acrossConns:
			base = forgedHostsFew
		case t.dominant || t.total < minRefPackets:
			base = forgedConnFew
		}
		o.forged, o.confidence = true, min(base+signs, forgedCap)
	case strong >= 2:
		o.forged = true
		o.confidence = min(forgedSignsOnly+strongSignWeight*float64(strong-2)+weakSignWeight*float64(weak), forgedCap)
	}
	// Confidences are read to two decimals: 0.8+0.02 is 0.82, not
	// 0.8200000000000001.
	o.confidence = math.Round(o.confidence*100) / 100
	return o
}

// sure reports whether the RST is evidently not the endpoint's.
func (o *resetOrigin) sure() bool { return o.forged && o.confidence >= forgedAtLeast }

// compareTTL compares a RST's hop distance with its purported sender's
// other packets: on this connection, or when there are none (a SYN
// answered by RST), the host's packets on the session's control
// connection between the same two hosts (ctl, nil when there is none),
// else on any other connection.
func compareTTL(c, ctl *tcpflow.Conn, hosts HostTTLs, rst tcpflow.Seg) ttlComparison {
	ref := &c.Half[rst.Dir].TTL
	var out ttlComparison
	if ref.Total() == 0 {
		ref = nil
		out.acrossConns = true
		if ctl != nil {
			if d, ok := sideOf(ctl, hostAddr(c, rst.Dir), hostAddr(c, rst.Dir.Other())); ok && ctl.Half[d].TTL.Total() > 0 {
				ref, out.onControl = &ctl.Half[d].TTL, true
			}
		}
		if ref == nil && hosts != nil {
			ref = hosts.TTL(hostAddr(c, rst.Dir))
		}
		if ref == nil || ref.Total() == 0 {
			out.why = fmt.Sprintf("the capture has no other packet from %s to compare its TTL with", hostAddr(c, rst.Dir))
			return out
		}
	}
	out.refTTL, out.refN = ref.Mode()
	out.total = ref.Total()
	stable := ref.Distinct() == 1 && ref.Other == 0
	if !stable {
		if out.total < dominantMin || float64(out.refN) < dominantShare*float64(out.total) ||
			ref.Count(rst.TTL) > 0 || ref.Other > 0 {
			out.why = fmt.Sprintf("%s's own packets arrived with %d different TTLs (a route change, a load balancer or NAT in front of it, or a capture on both sides of a router), so its TTL does not tell who sent the reset",
				hostAddr(c, rst.Dir), ref.Distinct())
			return out
		}
		out.dominant = true
	}
	if tcpflow.Hops(rst.TTL) == tcpflow.Hops(out.refTTL) {
		out.verdict = ttlMatches
	} else {
		out.verdict = ttlDiffers
	}
	return out
}

// ttlText says what the RST's TTL was compared with, for evidence.
func (o *resetOrigin) ttlText(c *tcpflow.Conn) string {
	t := o.ttl
	who := endpoint(c, o.rst.Dir)
	switch {
	case t.verdict == ttlNoVerdict:
		return fmt.Sprintf("the RST arrived with %s; %s", hopsText(o.rst.TTL), t.why)
	case t.acrossConns:
		return fmt.Sprintf("the RST arrived with %s; the capture has no other packet from %s on this connection, and %s's %s in the capture arrived with %s%s",
			hopsText(o.rst.TTL), who, hostAddr(c, o.rst.Dir), refWords(t), hopsText(t.refTTL), allOrMost(t))
	}
	return fmt.Sprintf("the RST arrived with %s; %s's %s arrived with %s%s",
		hopsText(o.rst.TTL), who, refWords(t), hopsText(t.refTTL), allOrMost(t))
}

// refWords names what a RST's TTL was compared with: "14 other packets
// on this connection", "12 packets on the control connection", "12
// packets on other connections".
func refWords(t ttlComparison) string {
	switch {
	case t.onControl:
		return plural(int(t.total), "packet") + " on the control connection"
	case t.acrossConns && t.total == 1:
		return "1 packet on other connections"
	case t.acrossConns:
		return count(t.total, "packet") + " on other connections"
	}
	return plural(int(t.total), "other packet") + " on this connection"
}

func allOrMost(t ttlComparison) string {
	if t.refN == t.total {
		if t.total == 1 {
			return ""
		}
		return ", all of them"
	}
	return fmt.Sprintf(" (%s of them; none with the RST's)", fmtInt(t.refN))
}

// endpointNote is appended to a RST's evidence by the rules that blame
// the endpoint: what says the endpoint sent it.
func (o *resetOrigin) endpointNote(c *tcpflow.Conn) string {
	if o.ttl.verdict != ttlMatches {
		return ""
	}
	return fmt.Sprintf("; the same hop distance as its %s (TTL %d, %s): the host itself sent it",
		refWords(o.ttl), o.ttl.refTTL, plural(tcpflow.Hops(o.ttl.refTTL), "hop"))
}

// resetSigns collects the supporting signs of an injected RST.
func resetSigns(c *tcpflow.Conn, rst tcpflow.Seg) []resetSign {
	segs, completeFrom := c.KnownSegs()
	var out []resetSign
	add := func(strong bool, format string, args ...any) {
		out = append(out, resetSign{text: fmt.Sprintf(format, args...), strong: strong})
	}
	sender, receiver := endpoint(c, rst.Dir), endpoint(c, rst.Dir.Other())
	h := &c.Half[rst.Dir]
	answered, answeredExact := lastSegBefore(segs, completeFrom, rst.Dir.Other(), rst.Ref, false)
	own, ownExact := lastSegBefore(segs, completeFrom, rst.Dir, rst.Ref, true)

	// The purported sender carried on: a stack that reset a connection
	// has nothing left to send on it.
	if a := h.Traffic().AfterRST; !a.IsZero() && rst.Ref.Before(a.Ref) {
		switch {
		case a.Flags&(tcpflow.FlagSYN|tcpflow.FlagACK) == tcpflow.FlagSYN|tcpflow.FlagACK && answeredSYN(c, rst):
			add(true, "%s then accepted the very SYN the RST refused: SYN-ACK in frame %d", sender, a.Frame)
		case a.Len > 0 && synchronizedAt(c, rst) && seqBelow(rst.Seq, a.Seq+uint32(a.Len)):
			add(true, "%s went on sending after the RST: %s at seq %d in frame %d (a stack that resets a connection sends nothing more on it)",
				sender, count(int64(a.Len), "byte"), a.Seq, a.Frame)
		}
	}
	// RFC 9293 3.10.7.3: a RST answering a SYN is acceptable only if it
	// acknowledges the SYN; RFC 5961 3.2: otherwise only if its sequence
	// number is in the receiver's window.
	if answeredSYN(c, rst) {
		if syn, ok := firstSeg(c, tcpflow.FromClient, tcpflow.FlagSYN); ok &&
			(rst.Flags&tcpflow.FlagACK == 0 || rst.Ack != syn.Seq+1) {
			add(true, "the RST does not acknowledge the SYN (ack %d, the SYN's seq %d): a stack refusing it acknowledges seq+1, and %s must ignore this one",
				rst.Ack, syn.Seq, receiver)
		}
	} else if answeredExact && answered.Flags&tcpflow.FlagACK != 0 && isFirstRST(c, rst) {
		if lo, hi, ok := receiveWindow(c, answered); ok && (seqBelow(rst.Seq, lo) || seqBelow(hi, rst.Seq)) {
			add(true, "its sequence number %d is outside %s's receive window (%d–%d, from frame %d): %s drops such a RST (RFC 5961)",
				rst.Seq, receiver, lo, hi, answered.Frame, receiver)
		}
	}
	// Sooner than the round trip allows: the purported sender cannot have
	// answered a packet in less time than its packets take to come back.
	// Timed from the earliest packet the RST can answer (the one that
	// first told the sender what the RST carries), so a RST answering an
	// earlier packet of a burst is never timed short.
	if trigger, ok := earliestTrigger(segs, completeFrom, rst); ok {
		if rtt, ok := minRoundTrip(c, rst.Dir); ok && rtt >= minRTTForTiming && rst.TS-trigger.TS < rtt/2 {
			add(true, "it came %s after the earliest packet it can answer (frame %d), while %s's packets take at least %s to come back to the capture point",
				fmtDur(time.Duration(rst.TS-trigger.TS)), trigger.Frame, sender, fmtDur(time.Duration(rtt)))
		}
	}
	v4 := c.Client.Addr().Unmap().Is4()
	copied := v4 && answeredExact && answered.Frame != 0 && rst.IPID != 0 && rst.IPID == answered.IPID &&
		(!ownExact || own.IPID != rst.IPID)
	if copied {
		add(true, "its IP ID 0x%04x is the IP ID of the packet it answers (frame %d from %s): copied, as packet-forging devices do",
			rst.IPID, answered.Frame, receiver)
	}
	if burst := steppedBurst(segs, rst); burst != "" {
		add(false, "%s", burst)
	}
	if v4 && !copied && ownExact && own.Frame != 0 && rst.IPID != 0 && h.IPIDSamples >= 4 &&
		h.IPIDSteps*10 >= (h.IPIDSamples-1)*9 {
		if d := rst.IPID - own.IPID; d == 0 || d > 1024 {
			add(false, "its IP ID 0x%04x does not follow %s's counter (0x%04x in frame %d)", rst.IPID, sender, own.IPID, own.Frame)
		}
	}
	if v4 {
		if df := dfUnlike(c, rst); df != "" {
			add(false, "%s", df)
		}
	}
	if answeredExact && answered.Frame != 0 && rst.Win != 0 && rst.Win == answered.Win && (!ownExact || own.Win != rst.Win) {
		add(false, "its window %d is the window of the packet it answers (frame %d), not %s's own", rst.Win, answered.Frame, sender)
	}
	return out
}

// earliestTrigger returns the receiver's first packet that could have
// prompted the RST: for a RST/ACK, the first that carried the byte (or
// SYN/FIN) its ACK acknowledges; for a bare RST, whose sequence number
// echoes the ACK of the packet it answers, the first that carried that
// ACK. ok is false when an earlier one may be missing from what the
// tracker kept: for a RST/ACK when the packet found is a retransmission
// (its original went by earlier), for a bare RST unless every packet of the
// connection was kept.
func earliestTrigger(segs []tcpflow.Seg, completeFrom tcpflow.Ref, rst tcpflow.Seg) (tcpflow.Seg, bool) {
	var first tcpflow.Seg // the receiver's first packet
	for _, s := range segs {
		if first.Frame == 0 && s.Dir != rst.Dir && s.Ref.Before(rst.Ref) {
			first = s
		}
		if !s.Ref.Before(rst.Ref) {
			break
		}
		if s.Dir == rst.Dir || s.Flags&tcpflow.FlagRST != 0 {
			continue
		}
		end := s.Seq + uint32(s.Len)
		if s.Flags&(tcpflow.FlagSYN|tcpflow.FlagFIN) != 0 {
			end++
		}
		if rst.Flags&tcpflow.FlagACK != 0 {
			if seqBelow(s.Seq, rst.Ack) && !seqBelow(end, rst.Ack) {
				return s, !s.Retrans
			}
		} else if s.Flags&tcpflow.FlagACK != 0 && s.Ack == rst.Seq {
			return s, completeFrom.IsZero()
		}
	}
	// An ACK that acknowledges nothing the receiver sent answers nothing
	// in particular: the earliest it can follow is the receiver's first
	// packet, when that is its SYN (the connection's start is known).
	if rst.Flags&tcpflow.FlagACK != 0 && first.Flags&tcpflow.FlagSYN != 0 {
		return first, true
	}
	return tcpflow.Seg{}, false
}

// minRTTForTiming: below a millisecond of round trip between the capture
// point and a host, timing cannot tell its replies from a nearer box's.
const minRTTForTiming = 1e6

// minRoundTrip is the shortest round trip the capture shows between the
// capture point and side d's host: from the other side's SYN to d's
// SYN-ACK, or from the other side's data to d's acknowledgement of it.
func minRoundTrip(c *tcpflow.Conn, d tcpflow.Dir) (int64, bool) {
	var best int64
	ok := false
	take := func(v int64) {
		if v > 0 && (!ok || v < best) {
			best, ok = v, true
		}
	}
	cl := &c.Half[tcpflow.FromClient]
	if d == tcpflow.FromServer && !c.SynAck.IsZero() && cl.SYNCount == 1 {
		take(c.SynAck.TS - cl.SYN.TS)
	}
	if d == tcpflow.FromClient && !c.HandshakeAck.IsZero() && c.Half[tcpflow.FromServer].SYNCount == 1 {
		take(c.HandshakeAck.TS - c.SynAck.TS)
	}
	if o := &c.Half[d.Other()]; o.Traffic().AckRTTSamples > 0 {
		take(o.Traffic().AckRTTMin)
	}
	return best, ok
}

// answeredSYN: the RST comes from the server's side before any SYN-ACK,
// after the client's SYN (it answers the SYN).
func answeredSYN(c *tcpflow.Conn, rst tcpflow.Seg) bool {
	if rst.Dir != tcpflow.FromServer || c.Midstream {
		return false
	}
	syn := c.Half[tcpflow.FromClient].SYN
	return !syn.IsZero() && syn.Before(rst.Ref) && (c.SynAck.IsZero() || rst.Ref.Before(c.SynAck))
}

// synchronizedAt: the RST's sender had completed the handshake when it
// sent the RST (before that, RFC 9293 has a stack answer a bad segment
// with a RST and carry on, so carrying on is no sign).
func synchronizedAt(c *tcpflow.Conn, rst tcpflow.Seg) bool {
	if c.Midstream {
		return true
	}
	if rst.Dir == tcpflow.FromServer {
		return !c.HandshakeAck.IsZero() && c.HandshakeAck.Before(rst.Ref)
	}
	return !c.SynAck.IsZero() && c.SynAck.Before(rst.Ref)
}

// isFirstRST: rst is its side's first RST (later ones from a genuine
// sender may answer older segments and fall below the window).
func isFirstRST(c *tcpflow.Conn, rst tcpflow.Seg) bool {
	return c.Half[rst.Dir].RST == rst.Ref
}

// receiveWindow is the window the receiver of a RST advertised in its
// packet p: [ack, ack+window]. Without window scaling known it has only
// a lower edge (hi = lo + 2^30).
func receiveWindow(c *tcpflow.Conn, p tcpflow.Seg) (lo, hi uint32, ok bool) {
	cs, ss, state := c.WindowScaling()
	win := uint32(p.Win)
	switch state {
	case "on":
		shift := cs
		if p.Dir == tcpflow.FromServer {
			shift = ss
		}
		win <<= uint(min(shift, 14))
	case "unknown":
		win = 1 << 30
	}
	return p.Ack, p.Ack + win, true
}

// steppedBurst describes a burst of RSTs from the same side aimed at the
// receiver's window: at least three within a second, each with another
// sequence number, stepping by more than one (a genuine stack's RSTs
// repeat one number, or step by one past a FIN).
func steppedBurst(segs []tcpflow.Seg, rst tcpflow.Seg) string {
	var seqs []uint32
	var last tcpflow.Ref
	for _, s := range segs {
		if s.Dir != rst.Dir || s.Flags&tcpflow.FlagRST == 0 || s.Ref.Before(rst.Ref) || s.TS-rst.TS > 1e9 {
			continue
		}
		if n := len(seqs); n > 0 {
			if d := s.Seq - seqs[n-1]; d == 0 || d == 1 {
				return ""
			}
		}
		seqs = append(seqs, s.Seq)
		last = s.Ref
	}
	if len(seqs) < 3 {
		return ""
	}
	return fmt.Sprintf("%d RSTs within %s (frames %d–%d) with sequence numbers %v: a burst stepped across the receiver's window",
		len(seqs), fmtDur(time.Duration(last.TS-rst.TS)), rst.Frame, last.Frame, seqs)
}

// dfUnlike says when a RST's DF bit is unlike all of its sender's other
// packets (at least minRefPackets of them).
func dfUnlike(c *tcpflow.Conn, rst tcpflow.Seg) string {
	h := &c.Half[rst.Dir]
	if c.SegLogDropped > 0 {
		return "" // some RSTs may be missing from the log: their DF bits are unknown
	}
	var rstDF int64
	for _, s := range c.Log {
		if s.Dir == rst.Dir && s.Flags&tcpflow.FlagRST != 0 && s.DF {
			rstDF++
		}
	}
	others := h.Packets - int64(h.RSTCount)
	df := h.DFSeen - rstDF
	switch {
	case others < minRefPackets:
		return ""
	case df == others && !rst.DF:
		return fmt.Sprintf("it lacks the DF bit that all %s from %s carry", count(others, "other packet"), endpoint(c, rst.Dir))
	case df == 0 && rst.DF:
		return fmt.Sprintf("it carries the DF bit that none of the %s from %s carry", count(others, "other packet"), endpoint(c, rst.Dir))
	}
	return ""
}

// tookEffect reports whether a RST ended the connection for its
// receiver: the receiver sent nothing but resets after it (beyond packets
// already on their way, within a round trip).
func tookEffect(c *tcpflow.Conn, rst tcpflow.Seg) bool {
	last := c.Half[rst.Dir.Other()].LastSent
	return last.IsZero() || last.TS <= rst.TS+inFlightMargin(c)
}

// inFlightMargin is how long after a RST passed the capture point the
// receiver's earlier packets may still arrive: a round trip, or 200 ms
// when the capture has none.
func inFlightMargin(c *tcpflow.Conn) int64 {
	if !c.SynAck.IsZero() && !c.HandshakeAck.IsZero() && !c.Half[tcpflow.FromClient].SYN.IsZero() {
		if rtt := c.HandshakeAck.TS - c.Half[tcpflow.FromClient].SYN.TS; rtt >= 0 {
			return 2*rtt + 1e6
		}
	}
	return 200e6
}

// forgedResets judges every RST of b's connection, in capture order.
func forgedResets(b *Case) []resetOrigin {
	var out []resetOrigin
	segs, _ := b.Conn.KnownSegs()
	for _, s := range segs {
		if s.Flags&tcpflow.FlagRST != 0 {
			out = append(out, judgeReset(b, s))
		}
	}
	return out
}

// endpointReset returns the first RST from side d that its endpoint may
// have sent itself, with the judgement on it. RSTs evidently forged are
// skipped, and when a forged RST had already ended the connection there
// is none: what follows it is its consequence.
func endpointReset(b *Case, d tcpflow.Dir) (resetOrigin, bool) {
	if b.Conn == nil {
		return resetOrigin{}, false
	}
	for _, o := range forgedResets(b) {
		switch {
		case o.sure() && tookEffect(b.Conn, o.rst):
			return resetOrigin{}, false
		case o.sure():
			continue
		case o.rst.Dir == d:
			return o, true
		}
	}
	return resetOrigin{}, false
}

// forgedReset reports whether s is a RST evidently not sent by its
// purported sender.
func forgedReset(b *Case, s tcpflow.Seg) bool {
	if s.Flags&tcpflow.FlagRST == 0 {
		return false
	}
	o := judgeReset(b, s)
	return o.sure()
}

// forgedEndedBefore reports whether an evidently forged RST ended b's
// connection before at.
func forgedEndedBefore(b *Case, at tcpflow.Ref) bool {
	for _, o := range forgedResets(b) {
		if o.rst.Ref.Before(at) && o.sure() && tookEffect(b.Conn, o.rst) {
			return true
		}
	}
	return false
}

// sessionControl is the control connection of the session a data
// connection's case belongs to (nil for the control connection itself).
func sessionControl(b *Case) *tcpflow.Conn {
	if b.Session == nil || b.Session.Control == nil || b.Session.Control == b.Conn {
		return nil
	}
	return b.Session.Control
}
