// Package decode turns captured bytes into the facts the connection tracker
// needs, with one preallocated gopacket DecodingLayerParser per link type
// and no heap allocation per packet on the common path (TCP over IPv4/IPv6
// over Ethernet, VLAN, Linux SLL/SLL2, raw IP and BSD loopback).
package decode

import "net/netip"

// Kind says what a decoded packet is.
type Kind uint8

const (
	KindOther     Kind = iota // decoded, but neither TCP nor an ICMP error (UDP, ARP, …)
	KindTCP                   // a TCP segment (possibly from reassembled IPv4 fragments)
	KindICMPError             // an ICMP/ICMPv6 error quoting an IP packet
	KindFragment              // an IP fragment held for reassembly; nothing to track yet
	KindNonIP                 // a link-layer frame without IP
)

// WScale values for a SYN without the option.
const WScaleNone int8 = -1

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
	// Reassembled: this TCP segment was rebuilt from IPv4/IPv6 fragments.
	Reassembled bool

	// TCP layer (Kind == KindTCP).
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8 // FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128
	Win              uint16
	MSS              uint16 // 0 when absent
	WScale           int8   // WScaleNone when absent (only meaningful on SYNs)
	SACKPerm         bool
	HasTS            bool
	TSVal, TSEcr     uint32
	// PayloadLen is the TCP payload length the IP header implies; Payload
	// may be shorter when the snap length cut the packet (Truncated).
	PayloadLen int
	Payload    []byte
	Truncated  bool

	// ICMP error (Kind == KindICMPError): type, code, the next-hop MTU of
	// fragmentation-needed / packet-too-big, and the quoted packet's
	// addresses, protocol, ports and TCP sequence number (when quoted).
	ICMP ICMPError
}

// ICMPError is the content of an ICMP/ICMPv6 error message.
type ICMPError struct {
	Type, Code uint8
	MTU        int
	// The quoted (offending) packet: it was sent by QSrc to QDst.
	QSrc, QDst         netip.Addr
	QProto             uint8
	QSrcPort, QDstPort uint16
	QSeq               uint32
	HasPorts, HasSeq   bool
}
