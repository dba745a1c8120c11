package decode

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// Documentation addresses for made-up packets.
var (
	router4 = netip.MustParseAddr("192.0.2.1")
	client4 = netip.MustParseAddr("198.51.100.7")
	server4 = netip.MustParseAddr("203.0.113.21")
	router6 = netip.MustParseAddr("2001:db8::1")
	client6 = netip.MustParseAddr("2001:db8:1::7")
	server6 = netip.MustParseAddr("2001:db8:2::21")
)

// ipv4 builds an IPv4 header (no options) followed by payload.
func ipv4(proto uint8, src, dst netip.Addr, fragOffset uint16, payload []byte) []byte {
	h := make([]byte, 20)
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(h[4:], 0x1234)
	binary.BigEndian.PutUint16(h[6:], fragOffset)
	h[8] = 64
	h[9] = proto
	s, d := src.As4(), dst.As4()
	copy(h[12:], s[:])
	copy(h[16:], d[:])
	return append(h, payload...)
}

// ipv6 builds an IPv6 header followed by payload; nh is the first next
// header.
func ipv6(nh uint8, src, dst netip.Addr, payload []byte) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(payload)))
	h[6] = nh
	h[7] = 64
	s, d := src.As16(), dst.As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return append(h, payload...)
}

// tcpHead is the first 8 bytes of a TCP header: ports and sequence number.
func tcpHead(sport, dport uint16, seq uint32) []byte {
	b := binary.BigEndian.AppendUint16(nil, sport)
	b = binary.BigEndian.AppendUint16(b, dport)
	return binary.BigEndian.AppendUint32(b, seq)
}

// icmp4 builds an ICMPv4 message; word is the 32 bits after the checksum.
func icmp4(typ, code uint8, word uint32, body []byte) []byte {
	b := []byte{typ, code, 0, 0}
	b = binary.BigEndian.AppendUint32(b, word)
	return append(b, body...)
}

func icmp6(typ, code uint8, word uint32, body []byte) []byte { return icmp4(typ, code, word, body) }

func TestICMPErrors(t *testing.T) {
	quoted4 := ipv4(6, client4, server4, 0x4000, tcpHead(40001, 21, 0xdeadbeef))
	// A destination-options header (8 bytes) and a routing header (24
	// bytes) before the quoted TCP header.
	destOpts := append([]byte{43, 0}, make([]byte, 6)...)
	routing := append([]byte{6, 2}, make([]byte, 22)...)
	quoted6 := ipv6(60, client6, server6, cat(destOpts, routing, tcpHead(40001, 21, 0xcafef00d)))
	laterFrag6 := ipv6(44, client6, server6, cat([]byte{6, 0, 0x05, 0x01, 0, 0, 0, 9}, []byte("not a tcp header")))

	full4 := ICMPError{QSrc: client4, QDst: server4, QProto: 6, QLen: 28, QSrcPort: 40001, QDstPort: 21, QSeq: 0xdeadbeef, HasPorts: true, HasSeq: true}
	full6 := ICMPError{QSrc: client6, QDst: server6, QProto: 6, QLen: 80, QSrcPort: 40001, QDstPort: 21, QSeq: 0xcafef00d, HasPorts: true, HasSeq: true}
	with := func(e ICMPError, typ, code uint8, mtu int) ICMPError {
		e.Type, e.Code, e.MTU = typ, code, mtu
		return e
	}
	tests := []struct {
		name  string
		ip    []byte
		kind  Kind
		want  ICMPError
		short int64 // ICMPQuoteShort expected
	}{
		{"frag needed", ipv4(1, router4, client4, 0, icmp4(3, 4, 1400, quoted4)), KindICMPError, with(full4, 3, 4, 1400), 0},
		{"frag needed from a pre-RFC 1191 router", ipv4(1, router4, client4, 0, icmp4(3, 4, 0, quoted4)), KindICMPError, with(full4, 3, 4, 0), 0},
		{"port unreachable", ipv4(1, server4, client4, 0, icmp4(3, 3, 0, quoted4)), KindICMPError, with(full4, 3, 3, 0), 0},
		{"admin prohibited", ipv4(1, router4, client4, 0, icmp4(3, 13, 0, quoted4)), KindICMPError, with(full4, 3, 13, 0), 0},
		{"time exceeded", ipv4(1, router4, client4, 0, icmp4(11, 0, 0, quoted4)), KindICMPError, with(full4, 11, 0, 0), 0},
		{"parameter problem", ipv4(1, router4, client4, 0, icmp4(12, 0, 0, quoted4)), KindICMPError, with(full4, 12, 0, 0), 0},
		{"redirect", ipv4(1, router4, client4, 0, icmp4(5, 1, 0xc0000202, quoted4)), KindICMPError, with(full4, 5, 1, 0), 0},
		{"quote with ports only", ipv4(1, router4, client4, 0, icmp4(3, 1, 0, quoted4[:24])), KindICMPError,
			ICMPError{Type: 3, Code: 1, QSrc: client4, QDst: server4, QProto: 6, QLen: 28, QSrcPort: 40001, QDstPort: 21, HasPorts: true}, 0},
		{"quote of the IP header only", ipv4(1, router4, client4, 0, icmp4(3, 1, 0, quoted4[:20])), KindICMPError,
			ICMPError{Type: 3, Code: 1, QSrc: client4, QDst: server4, QProto: 6, QLen: 28}, 0},
		{"quote of a later fragment", ipv4(1, router4, client4, 0, icmp4(3, 1, 0, ipv4(6, client4, server4, 0x00b9, tcpHead(1, 2, 3)))), KindICMPError,
			ICMPError{Type: 3, Code: 1, QSrc: client4, QDst: server4, QProto: 6, QLen: 28}, 0},
		{"quote too short", ipv4(1, router4, client4, 0, icmp4(3, 1, 0, quoted4[:12])), KindOther, ICMPError{}, 1},
		{"quote not IPv4", ipv4(1, router4, client4, 0, icmp4(3, 1, 0, quoted6)), KindOther, ICMPError{}, 1},
		{"echo request", ipv4(1, client4, server4, 0, icmp4(8, 0, 0x00010001, []byte("ping"))), KindOther, ICMPError{}, 0},

		{"too big", ipv6(58, router6, client6, icmp6(2, 0, 1280, quoted6)), KindICMPError, with(full6, 2, 0, 1280), 0},
		{"v6 unreachable", ipv6(58, router6, client6, icmp6(1, 1, 0, quoted6)), KindICMPError, with(full6, 1, 1, 0), 0},
		{"v6 time exceeded", ipv6(58, router6, client6, icmp6(3, 0, 0, quoted6)), KindICMPError, with(full6, 3, 0, 0), 0},
		{"v6 parameter problem", ipv6(58, router6, client6, icmp6(4, 1, 40, quoted6)), KindICMPError, with(full6, 4, 1, 0), 0},
		{"v6 quote of a later fragment", ipv6(58, router6, client6, icmp6(1, 3, 0, laterFrag6)), KindICMPError,
			ICMPError{Type: 1, Code: 3, QSrc: client6, QDst: server6, QProto: 6, QLen: 64}, 0},
		{"v6 quote cut inside the extension headers", ipv6(58, router6, client6, icmp6(1, 3, 0, quoted6[:52])), KindICMPError,
			ICMPError{Type: 1, Code: 3, QSrc: client6, QDst: server6, QProto: 6, QLen: 80}, 0},
		{"v6 quote too short", ipv6(58, router6, client6, icmp6(2, 0, 1280, quoted6[:39])), KindOther, ICMPError{}, 1},
		{"v6 echo request", ipv6(58, client6, server6, icmp6(128, 0, 1, nil)), KindOther, ICMPError{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(Options{})
			var p Packet
			k, err := d.Decode(tc.ip, layers.LinkTypeRaw, 0, &p)
			if err != nil {
				t.Fatal(err)
			}
			if k != tc.kind || p.ICMP != tc.want {
				t.Errorf("got %v %+v\nwant %v %+v", k, p.ICMP, tc.kind, tc.want)
			}
			if s := d.Stats(); s.ICMPQuoteShort != tc.short || (k == KindICMPError) != (s.ICMPErrors == 1) {
				t.Errorf("stats %+v", s)
			}
		})
	}
}
