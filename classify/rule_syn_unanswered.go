package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// syn-unanswered: a connection attempt whose SYNs got nothing back in the
// capture: no SYN-ACK, no RST, no ICMP. A closed port answers RST/ACK
// (RFC 9293 §3.10.7.1) and a router that cannot deliver says so with ICMP,
// so silence means something dropped the SYNs or their answers. The
// opener resends its SYN on a retransmission timer (RFC 6298 §5.5
// doubling: 1, 2, 4… s; Linux 6.5 and later first resend 1 s apart four
// times; Windows 3, 6 s), and that schedule is the evidence that it waited
// and heard nothing. On a negotiated data connection while the
// control connection works, data-channel-blocked names the same silence
// more precisely.
func init() {
	register(Rule{
		Cause:   "syn-unanswered",
		Needs:   "SYNs (usually resent on the RTO schedule) and no SYN-ACK, RST or ICMP error for them in the capture",
		Example: "198.51.100.10:40112 → 203.0.113.20:21: 4 SYNs (at 0 s, +1 s, +3 s, +7 s) and no SYN-ACK, RST or ICMP in the capture; the capture is at the sender's side, so the SYNs or their answers were lost beyond it.",
		Check: func(b *Case) *Finding {
			c := b.Conn
			if !synsUnanswered(c) {
				return nil
			}
			syns := synsFrom(c, tcpflow.FromClient)
			if len(syns) == 0 {
				return nil // no SYN kept to show (a damaged capture): nothing to say it with
			}
			if b.Ctx != nil && b.Ctx.CountOnly {
				return &Finding{Confidence: synUnansweredConfidence(len(syns))}
			}
			return synUnansweredFinding(c, syns)
		},
	})
}

// synsUnanswered: the opener sent only SYNs, and neither the responder
// nor anything on the path answered them in the capture.
func synsUnanswered(c *tcpflow.Conn) bool {
	return c != nil && !c.Midstream && c.SynAck.IsZero() && onlySYNs(c, tcpflow.FromClient) &&
		c.Half[tcpflow.FromServer].Packets == 0 && len(c.ICMP) == 0 && c.ICMPDropped == 0
}

// synUnansweredFinding words unanswered SYNs: how many, when, and where
// the capture point sits relative to their sender.
func synUnansweredFinding(c *tcpflow.Conn, syns []tcpflow.Seg) *Finding {
	conf := synUnansweredConfidence(len(syns))
	where := "the SYNs passed the capture point and nothing came back through it"
	if here, _ := sentHere(syns[0].TTL); here {
		where = "the capture is at the sender's side, so the SYNs or their answers were lost beyond it"
	}
	return &Finding{
		Confidence: conf,
		Summary: fmt.Sprintf("%s → %s: %s (%s) and no SYN-ACK, RST or ICMP in the capture; %s.",
			c.Client, c.Server, plural(len(syns), "SYN"), scheduleText(syns, 8), where),
		Evidence: synEvidence(c, syns),
	}
}

// synUnansweredConfidence: one SYN may be a capture that stopped too
// early or an opener that gave up at once; a resent SYN shows the sender
// waited a full RTO and heard nothing, and a third makes it a pattern.
func synUnansweredConfidence(syns int) float64 {
	switch {
	case syns >= 3:
		return 0.85
	case syns == 2:
		return 0.8
	}
	return 0.6
}

// synEvidence lists SYNs (the first six and the last when there are more)
// with their offsets from the first.
func synEvidence(c *tcpflow.Conn, syns []tcpflow.Seg) []Evidence {
	show := syns
	if len(syns) > 7 {
		show = append(append([]tcpflow.Seg{}, syns[:6]...), syns[len(syns)-1])
	}
	var ev []Evidence
	for i, s := range show {
		what := fmt.Sprintf("%s resent +%s s", synName(s), seconds(s.TS-syns[0].TS))
		if i == 0 {
			_, hops := sentHere(s.TTL)
			what = fmt.Sprintf("first %s (%s)", synName(s), hops)
		}
		ev = append(ev, segEvidence(c, s, what))
	}
	return ev
}

func synName(s tcpflow.Seg) string {
	if s.Flags&tcpflow.FlagACK != 0 {
		return "SYN-ACK"
	}
	return "SYN"
}
