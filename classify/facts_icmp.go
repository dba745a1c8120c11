package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
	"github.com/gopacket/gopacket/layers"
)

// Facts about ICMP errors quoting a connection (RFC 792, RFC 4443,
// RFC 1812 §5.2.7.1 for the unreachable codes a router sends).

// isUnreachable: ICMPv4 destination unreachable other than
// fragmentation-needed (type 3, code ≠ 4), or ICMPv6 destination
// unreachable (type 1).
func isUnreachable(e *tcpflow.ICMPError) bool {
	if e.V6 {
		return e.Type == layers.ICMPv6TypeDestinationUnreachable
	}
	return e.Type == layers.ICMPv4TypeDestinationUnreachable && e.Code != layers.ICMPv4CodeFragmentationNeeded
}

// isTooBig: ICMPv4 fragmentation needed and DF set (type 3 code 4) or
// ICMPv6 packet too big (type 2).
func isTooBig(e *tcpflow.ICMPError) bool {
	if e.V6 {
		return e.Type == layers.ICMPv6TypePacketTooBig
	}
	return e.Type == layers.ICMPv4TypeDestinationUnreachable && e.Code == layers.ICMPv4CodeFragmentationNeeded
}

// isAdminProhibited: a filter refused the packet (ICMPv4 codes 9, 10, 13;
// ICMPv6 code 1, and code 5 for a source address failing a policy).
func isAdminProhibited(e *tcpflow.ICMPError) bool {
	if e.V6 {
		return e.Type == layers.ICMPv6TypeDestinationUnreachable &&
			(e.Code == layers.ICMPv6CodeAdminProhibited || e.Code == layers.ICMPv6CodeSrcAddressFailedPolicy)
	}
	return e.Type == layers.ICMPv4TypeDestinationUnreachable && (e.Code == layers.ICMPv4CodeNetAdminProhibited ||
		e.Code == layers.ICMPv4CodeHostAdminProhibited || e.Code == layers.ICMPv4CodeCommAdminProhibited)
}

var unreach4 = map[uint8]string{
	layers.ICMPv4CodeNet:                 "network unreachable",
	layers.ICMPv4CodeHost:                "host unreachable",
	layers.ICMPv4CodeProtocol:            "protocol unreachable",
	layers.ICMPv4CodePort:                "port unreachable",
	layers.ICMPv4CodeFragmentationNeeded: "fragmentation needed",
	layers.ICMPv4CodeSourceRoutingFailed: "source route failed",
	layers.ICMPv4CodeNetUnknown:          "destination network unknown",
	layers.ICMPv4CodeHostUnknown:         "destination host unknown",
	layers.ICMPv4CodeSourceIsolated:      "source host isolated",
	layers.ICMPv4CodeNetAdminProhibited:  "network administratively prohibited",
	layers.ICMPv4CodeHostAdminProhibited: "host administratively prohibited",
	layers.ICMPv4CodeNetTOS:              "network unreachable for TOS",
	layers.ICMPv4CodeHostTOS:             "host unreachable for TOS",
	layers.ICMPv4CodeCommAdminProhibited: "communication administratively prohibited",
	layers.ICMPv4CodeHostPrecedence:      "host precedence violation",
	layers.ICMPv4CodePrecedenceCutoff:    "precedence cutoff in effect",
}

var unreach6 = map[uint8]string{
	layers.ICMPv6CodeNoRouteToDst:           "no route to destination",
	layers.ICMPv6CodeAdminProhibited:        "communication administratively prohibited",
	layers.ICMPv6CodeBeyondScopeOfSrc:       "beyond scope of source address",
	layers.ICMPv6CodeAddressUnreachable:     "address unreachable",
	layers.ICMPv6CodePortUnreachable:        "port unreachable",
	layers.ICMPv6CodeSrcAddressFailedPolicy: "source address failed ingress/egress policy",
	layers.ICMPv6CodeRejectRouteToDst:       "reject route to destination",
}

// icmpName names an ICMP error with its type and code:
// "host unreachable (ICMP type 3 code 1)".
func icmpName(e *tcpflow.ICMPError) string {
	proto, name := "ICMP", ""
	if e.V6 {
		proto = "ICMPv6"
		switch e.Type {
		case layers.ICMPv6TypeDestinationUnreachable:
			name = unreach6[e.Code]
		case layers.ICMPv6TypePacketTooBig:
			name = "packet too big"
		case layers.ICMPv6TypeTimeExceeded:
			name = "time exceeded"
		case layers.ICMPv6TypeParameterProblem:
			name = "parameter problem"
		}
	} else {
		switch e.Type {
		case layers.ICMPv4TypeDestinationUnreachable:
			name = unreach4[e.Code]
		case layers.ICMPv4TypeSourceQuench:
			name = "source quench"
		case layers.ICMPv4TypeRedirect:
			name = "redirect"
		case layers.ICMPv4TypeTimeExceeded:
			name = "time exceeded"
		case layers.ICMPv4TypeParameterProblem:
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

// ICMPText words an ICMP error for a diagram's label: "fragmentation
// needed, next-hop MTU 1400", "packet too big, MTU 1280", "port
// unreachable (ICMP type 3 code 3)".
func ICMPText(e *tcpflow.ICMPError) string {
	if !isTooBig(e) {
		return icmpName(e)
	}
	switch {
	case e.V6 && e.MTU > 0:
		return fmt.Sprintf("packet too big, MTU %d", e.MTU)
	case e.V6:
		return "packet too big"
	case e.MTU > 0:
		return fmt.Sprintf("fragmentation needed, next-hop MTU %d", e.MTU)
	}
	return "fragmentation needed"
}
