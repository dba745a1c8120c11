package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// fragmentation-needed: an ICMP fragmentation-needed (type 3 code 4) or
// ICMPv6 packet-too-big quoting the connection: a link on the path has a
// smaller MTU than the sender's packets, and with DF set (or on IPv6) the
// router dropped them and said so, with the next-hop MTU (RFC 1191, RFC
// 8201). A sender that heeds it resends at the smaller size and goes on:
// PMTU discovery at work, a finding. A sender that keeps sending packets
// too big (the message never reached its stack, or was ignored) stalls,
// and when the connection then dies this is its cause, proven by the ICMP
// in the capture.
func init() {
	register(Rule{
		Cause:   "fragmentation-needed",
		Needs:   "an ICMP fragmentation-needed / ICMPv6 packet-too-big quoting the connection with the next-hop MTU; a break when the sender's later packets still do not fit and the connection dies, else a finding",
		Example: "203.0.113.20:21 → 198.51.100.10:40112: router 192.0.2.2 said fragmentation needed, next-hop MTU 1280 (frame 31), for a 1,500-byte packet; the server kept sending 1,448-byte segments (4 more too big for 1280) and the connection died.",
		Check: func(b *Case) *Finding {
			c := b.Conn
			if c == nil {
				return nil
			}
			for _, d := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
				if f := pmtuStallFinding(c, d); f != nil {
					return f
				}
			}
			return nil
		},
		Notice: func(cs *Case) *Finding {
			c := cs.Conn
			if c == nil {
				return nil
			}
			for _, d := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
				if f := pmtuNotice(c, d); f != nil {
					return f
				}
			}
			return nil
		},
	})
}

// pmtuHeeded reports whether the side's packets fitted the announced MTU
// after the first message: some did, and none too big came after the
// first that fitted (a few already in flight when the message arrived are
// sent before it, in capture time, or within a round trip of it).
func pmtuHeeded(p *tcpflow.PathMTU) bool {
	return !p.FitFirst.IsZero() && (p.TooBig == 0 || p.TooBigLast.Before(p.FitFirst))
}

// firstTooBig returns the first fragmentation-needed / packet-too-big
// quoting dir's packets.
func firstTooBig(c *tcpflow.Conn, d tcpflow.Dir) *tcpflow.ICMPError {
	for i := range c.ICMP {
		if e := &c.ICMP[i]; isTooBig(e) && e.QuotedBy == d {
			return e
		}
	}
	return nil
}

// pmtuStallFinding: dir's packets were too big, the capture holds the
// ICMP saying so, and they stayed too big while the connection died.
func pmtuStallFinding(c *tcpflow.Conn, d tcpflow.Dir) *Finding {
	h := &c.Half[d]
	p := &h.Traffic().PMTU
	e := firstTooBig(c, d)
	if p.ICMP.IsZero() || e == nil || pmtuHeeded(p) {
		return nil
	}
	conf := 0.9
	var kept string
	switch {
	case p.TooBig > 0:
		kept = fmt.Sprintf("kept sending packets too big for it (%d after the message, the last at frame %d)",
			p.TooBig, p.TooBigLast.Frame)
	default:
		kept = "sent nothing that fitted after it"
		conf = 0.7
	}
	if h.Oversized > 0 {
		// Segment sizes above offload are not what crossed the wire: the
		// ICMP is proof, the sizes after it are not.
		conf = 0.6
		kept += fmt.Sprintf(" (sizes as captured above segmentation offload: %s larger than the peer's MSS)", plural(int(h.Oversized), "segment"))
	}
	f := &Finding{
		Confidence: conf,
		Summary: fmt.Sprintf("%s → %s: %s said %s%s; the sender %s, and the connection died.",
			endpoint(c, d), endpoint(c, d.Other()), icmpSenderShort(c, e), tooBigText(e), mtuText(p), kept),
	}
	if q, ok := quotedSeg(c, e); ok {
		f.Evidence = append(f.Evidence, segEvidence(c, q, "bounced packet"))
	}
	f.Evidence = append(f.Evidence, icmpEvidence(c, e))
	if n := countICMP(c, isTooBig); n > 1 {
		f.Evidence[len(f.Evidence)-1].Text += fmt.Sprintf(" (%s in all)", plural(n, "such message"))
	}
	if !p.TooBigLast.IsZero() {
		f.Evidence = append(f.Evidence, Evidence{At: p.TooBigLast, Text: fmt.Sprintf("last packet from %s still larger than %s", endpoint(c, d), count(int64(pmtuLimit(p, e)), "byte"))})
	}
	f.Evidence = append(f.Evidence, endEvidence(c)...)
	return f
}

// pmtuNotice is the finding for a connection whose packets were quoted by
// a fragmentation-needed / packet-too-big and that did not die of it.
func pmtuNotice(c *tcpflow.Conn, d tcpflow.Dir) *Finding {
	h := &c.Half[d]
	p := &h.Traffic().PMTU
	e := firstTooBig(c, d)
	if p.ICMP.IsZero() || e == nil {
		return nil
	}
	head := fmt.Sprintf("%s → %s: %s said %s%s", endpoint(c, d), endpoint(c, d.Other()), icmpSenderShort(c, e), tooBigText(e), mtuText(p))
	f := &Finding{Confidence: 0.9, Evidence: []Evidence{icmpEvidence(c, e)}}
	switch {
	case h.Oversized > 0:
		f.Confidence = 0.6
		f.Summary = head + fmt.Sprintf("; the capture was taken above segmentation offload (%s larger than the peer's MSS), so the sizes after it are not wire sizes.", plural(int(h.Oversized), "segment"))
	case pmtuHeeded(p) && p.FitMax < p.SegBefore:
		f.Summary = head + fmt.Sprintf("; PMTU discovery worked: the sender's segments went from %s to %s (first at frame %d).", fmtInt(int64(p.SegBefore)), count(int64(p.FitMax), "byte"), p.FitFirst.Frame)
		f.Evidence = append(f.Evidence, Evidence{At: p.FitFirst, Text: fmt.Sprintf("first packet from %s that fits: segments of up to %s from here on (%s before)", endpoint(c, d), count(int64(p.FitMax), "byte"), fmtInt(int64(p.SegBefore)))})
	case pmtuHeeded(p):
		f.Confidence = 0.7
		f.Summary = head + fmt.Sprintf("; the sender's packets in the capture already fitted (segments up to %s), so packets change size between the capture point and the ICMP's sender (a tunnel, or offload where the capture was taken), and the connection went on.", count(int64(p.FitMax), "byte"))
	case p.TooBig > 0:
		f.Summary = head + fmt.Sprintf("; the sender kept sending packets too big for it (%d after the message), yet the connection did not die of it.", p.TooBig)
	default:
		f.Confidence = 0.7
		f.Summary = head + "; the sender sent no more payload after it."
	}
	return f
}

// tooBigText words the message: "fragmentation needed (next-hop MTU
// 1280)" or "packet too big (MTU 1280)".
func tooBigText(e *tcpflow.ICMPError) string {
	name := "fragmentation needed"
	if e.V6 {
		name = "packet too big"
	}
	if e.MTU > 0 {
		name += fmt.Sprintf(", next-hop MTU %d", e.MTU)
	} else {
		name += " (no next-hop MTU given: a router older than RFC 1191)"
	}
	if e.QuotedLen > 0 {
		name += fmt.Sprintf(", for a %s-byte packet", fmtInt(int64(e.QuotedLen)))
	}
	return name + fmt.Sprintf(" (frame %d)", e.Frame)
}

// mtuText adds the lowest MTU when later messages announced a lower one.
func mtuText(p *tcpflow.PathMTU) string {
	if p.Messages > 1 {
		return fmt.Sprintf(" (%s, lowest MTU %d)", plural(int(p.Messages), "message"), p.MTU)
	}
	return ""
}

// pmtuLimit is the IP length packets had to fit after the message.
func pmtuLimit(p *tcpflow.PathMTU, e *tcpflow.ICMPError) int {
	if p.MTU > 0 {
		return p.MTU
	}
	return e.QuotedLen - 1
}
