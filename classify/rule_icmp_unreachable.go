package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// icmp-unreachable: an ICMP or ICMPv6 destination unreachable quoting a
// packet of the connection, after which the destination was heard no
// more. The code says why (RFC 792, RFC 1812 §5.2.7.1, RFC 4443 §3.1):
// no route, host down (a router's ARP failed), port unreachable, or
// administratively prohibited (a filter that rejects rather than drops).
// The sender's address says who: the destination host itself or a router
// on the way. Fragmentation-needed is the fragmentation-needed rule's.
func init() {
	register(Rule{
		Cause:   "icmp-unreachable",
		Needs:   "an ICMP/ICMPv6 destination unreachable (not fragmentation-needed) quoting the connection, answering its SYN or followed by silence from the destination",
		Example: "198.51.100.10:40112 → 203.0.113.20:21: the SYN was answered by communication administratively prohibited (ICMP type 3 code 13) from router 198.51.100.1 (0 router hops from the capture point), not the destination; nothing more came from 203.0.113.20:21: a filter on the path rejects the connection.",
		Check: func(b *Case) *Finding {
			c := b.Conn
			if c == nil {
				return nil
			}
			e := decisiveUnreachable(c)
			if e == nil {
				return nil
			}
			return unreachableFinding(c, e)
		},
	})
}

// decisiveUnreachable returns the ICMP destination unreachable that ended
// the connection: the first one answering a SYN the responder never
// answered, or else the first one after which the destination sent
// nothing. Nil when none did (a transient error the connection got over).
func decisiveUnreachable(c *tcpflow.Conn) *tcpflow.ICMPError {
	for i := range c.ICMP {
		e := &c.ICMP[i]
		if !isUnreachable(e) {
			continue
		}
		dest := e.QuotedBy.Other()
		if quotedSYN(c, e) && c.Half[dest].Packets == 0 {
			return e
		}
		if last, ok := lastFrom(c, dest); !ok || last.Before(e.Ref) {
			return e
		}
	}
	return nil
}

func unreachableFinding(c *tcpflow.Conn, e *tcpflow.ICMPError) *Finding {
	from, to := endpoint(c, e.QuotedBy), icmpTarget(c, e)
	byEndpoint := icmpFromEndpoint(c, e)
	syn := quotedSYN(c, e) && c.Half[e.QuotedBy.Other()].Packets == 0
	var why string
	switch {
	case isAdminProhibited(e) && byEndpoint:
		why = "the destination host's own filter rejects the connection"
	case isAdminProhibited(e):
		why = "a filter on the path rejects the connection"
	case byEndpoint:
		why = "the destination host refuses it"
	default:
		why = "the path to the destination is broken at that router"
	}
	conf := 0.85
	what := "a packet"
	if syn {
		// Answered at once and nothing else came back: the most direct
		// evidence a capture can hold.
		conf, what = 0.95, "the SYN"
	}
	f := &Finding{
		Confidence: conf,
		Summary: fmt.Sprintf("%s → %s: %s was answered by %s from %s; nothing more came from %s: %s.",
			from, to, what, icmpName(e), icmpSender(c, e), to, why),
	}
	if q, ok := quotedSeg(c, e); ok {
		f.Evidence = append(f.Evidence, segEvidence(c, q, "quoted packet"))
	}
	f.Evidence = append(f.Evidence, icmpEvidence(c, e))
	if n := countICMP(c, isUnreachable); n > 1 {
		f.Evidence[len(f.Evidence)-1].Text += fmt.Sprintf(" (%s in all)", plural(n, "such ICMP error"))
	}
	return f
}

// quotedSeg returns the logged packet an ICMP error quotes: the last
// packet from the quoted side with that sequence number before the error.
func quotedSeg(c *tcpflow.Conn, e *tcpflow.ICMPError) (tcpflow.Seg, bool) {
	var out tcpflow.Seg
	found := false
	for _, s := range c.Log {
		if s.Dir == e.QuotedBy && (!e.HasSeq || s.Seq == e.QuotedSeq) && !e.Ref.Before(s.Ref) {
			out, found = s, true
		}
	}
	return out, found && e.HasSeq
}

// countICMP counts the connection's ICMP errors of one kind.
func countICMP(c *tcpflow.Conn, is func(*tcpflow.ICMPError) bool) int {
	n := 0
	for i := range c.ICMP {
		if is(&c.ICMP[i]) {
			n++
		}
	}
	return n
}
