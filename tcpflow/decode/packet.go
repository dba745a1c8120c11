// Package decode turns captured bytes into the facts the connection tracker
// needs, with one preallocated gopacket DecodingLayerParser per link type
// and no heap allocation per packet on the common path (TCP over IPv4/IPv6
// over Ethernet, 802.1Q/802.1ad VLAN, Linux SLL/SLL2, raw IP and BSD
// loopback). It reassembles IP fragments and reads the packet an ICMP
// error quotes. It records facts and judges nothing.
package decode

import "net/netip"

// Kind says what a decoded packet is.
type Kind uint8

const (
	KindOther     Kind = iota // an IP packet that is neither TCP nor an ICMP error (UDP, echo, …)
	KindTCP                   // a TCP segment (possibly from reassembled IPv4/IPv6 fragments)
	KindICMPError             // an ICMP/ICMPv6 error quoting an IP packet
	KindFragment              // an IP fragment held for reassembly (or discarded); nothing to track yet
	KindNonIP                 // a link-layer frame without IP (ARP, LLC, …)
)

// WScaleNone is Packet.WScale for a segment without the window-scale
// option.
const WScaleNone int8 = -1

// String names the kind for logs and tests.
func (k Kind) String() string {
	switch k {
	case KindOther:
		return "other"
	case KindTCP:
		return "tcp"
	case KindICMPError:
		return "icmp-error"
	case KindFragment:
		return "fragment"
	case KindNonIP:
		return "non-ip"
	}
	return "kind?"
}

// Packet holds one packet's facts. A Decoder reuses one Packet; Payload
// aliases the captured bytes (or the fragment buffer) and is only valid
// until the next Decode.
type Packet struct {
	// IP layer.
	Src, Dst netip.Addr
	V6       bool
	TTL      uint8  // IPv4 TTL or IPv6 hop limit
	IPID     uint16 // IPv4 identification; 0 for IPv6
	DF       bool   // IPv4 don't-fragment bit
	IPLen    int    // IP datagram length from the header (header + payload)
	// VLAN is the innermost 802.1Q VLAN id; 0 when the frame is untagged.
	VLAN uint16
	// Reassembled: this packet was rebuilt from IPv4/IPv6 fragments; the IP
	// facts above are those of the first fragment (offset 0) and IPLen is
	// the reassembled datagram's.
	Reassembled bool

	// TCP layer (Kind == KindTCP).
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8 // FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128
	Win              uint16
	MSS              uint16 // 0 when absent
	// WScale is the window-scale shift, WScaleNone when the option is
	// absent (only meaningful on SYNs). A shift above 14 is used as 14, as
	// RFC 7323 tells receivers; WScaleRaw keeps the value sent.
	WScale       int8
	WScaleRaw    uint8
	SACKPerm     bool
	HasTS        bool
	TSVal, TSEcr uint32
	// PayloadLen is the TCP payload length the IP header implies; Payload
	// may be shorter when the snap length cut the packet (Truncated).
	PayloadLen int
	Payload    []byte
	// Truncated: the snap length cut the packet inside its IP datagram.
	Truncated bool

	// ICMP error (Kind == KindICMPError): type, code, the next-hop MTU of
	// fragmentation-needed / packet-too-big, and the quoted packet's
	// addresses, protocol, ports and TCP sequence number (when quoted).
	ICMP ICMPError
}

// ICMPError is the content of an ICMP/ICMPv6 error message: ICMPv4
// destination unreachable (3), source quench (4), redirect (5), time
// exceeded (11) and parameter problem (12); ICMPv6 destination unreachable
// (1), packet too big (2), time exceeded (3) and parameter problem (4).
type ICMPError struct {
	Type, Code uint8
	// MTU is the next-hop MTU of an ICMPv4 fragmentation-needed (type 3
	// code 4; 0 from routers older than RFC 1191) or the MTU of an ICMPv6
	// packet-too-big; 0 otherwise.
	MTU int
	// The quoted (offending) packet: it was sent by QSrc to QDst. QProto
	// is its transport protocol (after any IPv6 extension headers).
	QSrc, QDst netip.Addr
	QProto     uint8
	// QLen is the quoted packet's length as its own IP header states it
	// (IPv4 total length; IPv6 40 + payload length): the size of the
	// packet that bounced, even though only its start is quoted.
	QLen int
	// Ports of a quoted TCP, UDP, SCTP, DCCP or UDP-Lite header (HasPorts),
	// and the TCP sequence number (HasSeq): an error quotes at least 8
	// bytes of the transport header, when the offending packet was not a
	// later fragment.
	QSrcPort, QDstPort uint16
	QSeq               uint32
	HasPorts, HasSeq   bool
}
