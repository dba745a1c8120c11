package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Facts about ICMP errors quoting a connection (RFC 792, RFC 4443,
// RFC 1812 §5.2.7.1 for the unreachable codes a router sends).

// isUnreachable: ICMPv4 destination unreachable other than
// fragmentation-needed (type 3, code ≠ 4), or ICMPv6 destination
// unreachable (type 1).
func isUnreachable(e *tcpflow.ICMPError) bool {
	if e.V6 {
		return e.Type == 1
	}
	return e.Type == 3 && e.Code != 4
}

// isTooBig: ICMPv4 fragmentation needed and DF set (type 3 code 4) or
// ICMPv6 packet too big (type 2).
func isTooBig(e *tcpflow.ICMPError) bool {
	if e.V6 {
		return e.Type == 2
	}
	return e.Type == 3 && e.Code == 4
}

// isAdminProhibited: a filter refused the packet (ICMPv4 codes 9, 10, 13;
// ICMPv6 code 1, and code 5 for a source address failing a policy).
func isAdminProhibited(e *tcpflow.ICMPError) bool {
	if e.V6 {
		return e.Type == 1 && (e.Code == 1 || e.Code == 5)
	}
	return e.Type == 3 && (e.Code == 9 || e.Code == 10 || e.Code == 13)
}

var unreach4 = map[uint8]string{
	0: "network unreachable", 1: "host unreachable", 2: "protocol unreachable", 3: "port unreachable",
	4: "fragmentation needed", 5: "source route failed", 6: "destination network unknown",
	7: "destination host unknown", 8: "source host isolated", 9: "network administratively prohibited",
	10: "host administratively prohibited", 11: "network unreachable for TOS", 12: "host unreachable for TOS",
	13: "communication administratively prohibited", 14: "host precedence violation", 15: "precedence cutoff in effect",
}

var unreach6 = map[uint8]string{
	0: "no route to destination", 1: "communication administratively prohibited", 2: "beyond scope of source address",
	3: "address unreachable", 4: "port unreachable", 5: "source address failed ingress/egress policy",
	6: "reject route to destination",
}

// icmpName names an ICMP error with its type and code:
// "host unreachable (ICMP type 3 code 1)".
func icmpName(e *tcpflow.ICMPError) string {
	proto, name := "ICMP", ""
	if e.V6 {
		proto = "ICMPv6"
		switch e.Type {
		case 1:
			name = unreach6[e.Code]
		case 2:
			name = "packet too big"
		case 3:
			name = "time exceeded"
		case 4:
			name = "parameter problem"
		}
	} else {
		switch e.Type {
		case 3:
			name = unreach4[e.Code]
		case 4:
			name = "source quench"
		case 5:
			name = "redirect"
		case 11:
			name = "time exceeded"
		case 12:
			name = "parameter problem"
		}
	}
	if name == "" {
		name = "error"
	}
	return fmt.Sprintf("%s (%s type %d code %d)", name, proto, e.Type, e.Code)
}

// icmpTarget is the endpoint the bounced packet was going to.
func icmpTarget(c *tcpflow.Conn, e *tcpflow.ICMPError) string {
	return endpoint(c, e.QuotedBy.Other())
}

// icmpFromEndpoint reports whether the ICMP came from the host the bounced
// packet was addressed to (rather than a router or firewall on the way).
func icmpFromEndpoint(c *tcpflow.Conn, e *tcpflow.ICMPError) bool {
	dst := c.Server.Addr()
	if e.QuotedBy == tcpflow.FromServer {
		dst = c.Client.Addr()
	}
	return e.From.Unmap() == dst.Unmap()
}

// icmpSender words who sent the ICMP: the destination host itself, or a
// router on the way, with its TTL and hop distance from the capture point.
func icmpSender(c *tcpflow.Conn, e *tcpflow.ICMPError) string {
	_, hops := sentHere(e.TTL)
	if icmpFromEndpoint(c, e) {
		return fmt.Sprintf("the destination host %s itself (%s)", e.From, hops)
	}
	return fmt.Sprintf("router %s (%s), not the destination", e.From, hops)
}

// icmpSenderShort names the ICMP's sender in a summary.
func icmpSenderShort(c *tcpflow.Conn, e *tcpflow.ICMPError) string {
	if icmpFromEndpoint(c, e) {
		return fmt.Sprintf("the destination host %s itself", e.From)
	}
	return "router " + e.From.String()
}

// icmpEvidence describes an ICMP error quoting the connection.
func icmpEvidence(c *tcpflow.Conn, e *tcpflow.ICMPError) Evidence {
	what := icmpName(e)
	if e.MTU > 0 {
		what += fmt.Sprintf(", next-hop MTU %d", e.MTU)
	}
	quoted := "a packet"
	if e.QuotedLen > 0 {
		quoted = fmt.Sprintf("a %s-byte packet", fmtInt(int64(e.QuotedLen)))
	}
	if e.HasSeq {
		quoted += fmt.Sprintf(" (seq %d)", e.QuotedSeq)
	}
	return Evidence{At: e.Ref, Text: fmt.Sprintf("%s from %s, quoting %s %s → %s",
		what, icmpSender(c, e), quoted, endpoint(c, e.QuotedBy), icmpTarget(c, e))}
}

// quotedSYN reports whether the ICMP quotes a SYN of the connection: the
// quoted sequence number is the sender's initial one.
func quotedSYN(c *tcpflow.Conn, e *tcpflow.ICMPError) bool {
	h := &c.Half[e.QuotedBy]
	return e.HasSeq && h.SawSYN && e.QuotedSeq == h.ISN
}
