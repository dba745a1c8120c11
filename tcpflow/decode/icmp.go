package decode

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// IP protocol numbers gopacket's layers has no constant for; the ICMP
// types and the other protocol numbers here are layers' own.
const (
	// ipProtocolDCCP: DCCP's header starts with the ports too (RFC 4340).
	ipProtocolDCCP layers.IPProtocol = 33
	// IPv6 extension headers that can sit between the fixed header and
	// the transport header, beside those layers names: Mobility (RFC
	// 6275), HIP (RFC 7401), Shim6 (RFC 5533).
	ipProtocolIPv6Mobility layers.IPProtocol = 135
	ipProtocolHIP          layers.IPProtocol = 139
	ipProtocolShim6        layers.IPProtocol = 140
)

// maxExtHeaders bounds the IPv6 extension headers walked: a longer chain is
// not a real packet.
const maxExtHeaders = 8

// icmp4Facts reads an ICMPv4 message from the decoded layer: an error
// becomes KindICMPError with the quoted packet's facts.
func (d *Decoder) icmp4Facts(p *Packet) Kind {
	typ, code := d.icmp4.TypeCode.Type(), d.icmp4.TypeCode.Code()
	switch typ {
	case layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4TypeSourceQuench, layers.ICMPv4TypeRedirect,
		layers.ICMPv4TypeTimeExceeded, layers.ICMPv4TypeParameterProblem:
		// The errors, whose body quotes the offending packet.
	default:
		return KindOther
	}
	e := &p.ICMP
	e.Type, e.Code = typ, code
	if typ == layers.ICMPv4TypeDestinationUnreachable && code == layers.ICMPv4CodeFragmentationNeeded {
		// RFC 1191: the next-hop MTU sits in the low half of the word
		// after the checksum, which gopacket calls Seq.
		e.MTU = int(d.icmp4.Seq)
	}
	if !quotedIPv4(d.icmp4.Payload, e) {
		d.stats.ICMPQuoteShort++
		p.ICMP = ICMPError{}
		return KindOther
	}
	return KindICMPError
}

// icmp6Facts reads an ICMPv6 message from the decoded layer.
func (d *Decoder) icmp6Facts(p *Packet) Kind {
	typ, code := d.icmp6.TypeCode.Type(), d.icmp6.TypeCode.Code()
	switch typ {
	case layers.ICMPv6TypeDestinationUnreachable, layers.ICMPv6TypePacketTooBig,
		layers.ICMPv6TypeTimeExceeded, layers.ICMPv6TypeParameterProblem:
		// The errors, whose body quotes the offending packet.
	default:
		return KindOther
	}
	// After type, code and checksum: a 32-bit word (the MTU of
	// packet-too-big, the pointer of parameter-problem), then the quote.
	body := d.icmp6.Payload
	if len(body) < 4 {
		d.stats.ICMPQuoteShort++
		return KindOther
	}
	e := &p.ICMP
	e.Type, e.Code = typ, code
	if typ == layers.ICMPv6TypePacketTooBig {
		e.MTU = int(binary.BigEndian.Uint32(body[:4]))
	}
	if !quotedIPv6(body[4:], e) {
		d.stats.ICMPQuoteShort++
		p.ICMP = ICMPError{}
		return KindOther
	}
	return KindICMPError
}

// quotedIPv4 reads the IPv4 packet an ICMP error quotes: at least its
// header and, per RFC 792, the first 8 bytes of its payload. It reports
// false when not even the addresses are there.
func quotedIPv4(q []byte, e *ICMPError) bool {
	if len(q) < 20 || q[0]>>4 != 4 {
		return false
	}
	ihl := int(q[0]&0x0f) * 4
	if ihl < 20 {
		return false
	}
	e.QSrc = netip.AddrFrom4([4]byte(q[12:16]))
	e.QDst = netip.AddrFrom4([4]byte(q[16:20]))
	e.QProto = q[9]
	e.QLen = int(binary.BigEndian.Uint16(q[2:4]))
	if fragOffset := binary.BigEndian.Uint16(q[6:8]) & 0x1fff; fragOffset != 0 || len(q) < ihl {
		return true // a later fragment carries no transport header
	}
	quotedTransport(q[ihl:], e)
	return true
}

// quotedIPv6 reads the IPv6 packet an ICMPv6 error quotes, walking its
// extension headers to the transport header.
func quotedIPv6(q []byte, e *ICMPError) bool {
	if len(q) < 40 || q[0]>>4 != 6 {
		return false
	}
	e.QSrc = netip.AddrFrom16([16]byte(q[8:24]))
	e.QDst = netip.AddrFrom16([16]byte(q[24:40]))
	e.QLen = 40 + int(binary.BigEndian.Uint16(q[4:6]))
	proto, rest, ok := skipExtHeaders(q[6], q[40:])
	e.QProto = proto
	if ok {
		quotedTransport(rest, e)
	}
	return true
}

// skipExtHeaders walks IPv6 extension headers starting with next header
// nh over b. It returns the protocol after them and the bytes that follow;
// ok is false when the transport header is not there (the chain is cut
// short, or this is a later fragment).
func skipExtHeaders(nh uint8, b []byte) (proto uint8, rest []byte, ok bool) {
	for range maxExtHeaders {
		var n int
		switch layers.IPProtocol(nh) {
		case layers.IPProtocolIPv6HopByHop, layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Destination,
			ipProtocolIPv6Mobility, ipProtocolHIP, ipProtocolShim6:
			if len(b) < 2 {
				return nh, nil, false
			}
			n = (int(b[1]) + 1) * 8
		case layers.IPProtocolAH:
			if len(b) < 2 {
				return nh, nil, false
			}
			n = (int(b[1]) + 2) * 4
		case layers.IPProtocolIPv6Fragment:
			if len(b) < 8 {
				return nh, nil, false
			}
			if binary.BigEndian.Uint16(b[2:4])>>3 != 0 {
				return b[0], nil, false
			}
			n = 8
		default:
			return nh, b, true
		}
		if len(b) < n {
			return b[0], nil, false
		}
		nh, b = b[0], b[n:]
	}
	return nh, nil, false
}

// quotedTransport reads ports and, for TCP, the sequence number from the
// start of a quoted transport header.
func quotedTransport(t []byte, e *ICMPError) {
	switch layers.IPProtocol(e.QProto) {
	case layers.IPProtocolTCP, layers.IPProtocolUDP, ipProtocolDCCP, layers.IPProtocolSCTP, layers.IPProtocolUDPLite:
		// Headers that start with source and destination ports.
	default:
		return
	}
	if len(t) < 4 {
		return
	}
	e.QSrcPort = binary.BigEndian.Uint16(t[0:2])
	e.QDstPort = binary.BigEndian.Uint16(t[2:4])
	e.HasPorts = true
	if layers.IPProtocol(e.QProto) == layers.IPProtocolTCP && len(t) >= 8 {
		e.QSeq = binary.BigEndian.Uint32(t[4:8])
		e.HasSeq = true
	}
}
