package decode

import (
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// Real Ethernet frames, re-wrapped in every other link layer we read,
// decode to the same facts. (Linux cooked v1 and v2 are also checked
// against tshark on real captures in TestDecodeMatchesTshark.)
func TestEncapsulations(t *testing.T) {
	var frames []capPacket
	for _, rel := range []string{"zeek/Traces/ftp/ipv4.pcap", "zeek/Traces/ftp/ipv6.pcap"} {
		pkts := readCapture(t, corpusPath(t, rel))
		frames = append(frames, pkts[0], pkts[firstTCPWithPayload(t, pkts, 20)])
	}
	// The ICMP errors and the reassembled SYN must survive re-wrapping too.
	frames = append(frames, readCapture(t, corpusPath(t, "zeek/Traces/smtp.pcap"))[25])
	frames = append(frames, readCapture(t, corpusPath(t, "zeek/Traces/icmp/icmp6-toobig.pcap"))...)

	for _, fr := range frames {
		if fr.lt != layers.LinkTypeEthernet {
			t.Fatalf("frame %d is not Ethernet", fr.frame)
		}
		ipv6 := binary.BigEndian.Uint16(fr.data[12:14]) == uint16(layers.EthernetTypeIPv6)
		ethType := fr.data[12:14]
		ip := fr.data[14:]
		dst, src := fr.data[0:6], fr.data[6:12]

		want, wantKind := decodeOne(t, fr.data, layers.LinkTypeEthernet)
		if wantKind != KindTCP && wantKind != KindICMPError {
			t.Fatalf("frame %d decodes as %v", fr.frame, wantKind)
		}

		family := uint32(2) // AF_INET
		if ipv6 {
			family = 30 // AF_INET6 on macOS; 24 and 28 on the other BSDs
		}
		le4 := binary.LittleEndian.AppendUint32(nil, family)
		be4 := binary.BigEndian.AppendUint32(nil, family)

		sll := make([]byte, 16) // Linux cooked v1: packet type, ARPHRD, address, protocol
		binary.BigEndian.PutUint16(sll[2:], 1)
		binary.BigEndian.PutUint16(sll[4:], 6)
		copy(sll[6:], src)
		copy(sll[14:], ethType)

		tag := func(tpid uint16, vlan uint16, inner []byte) []byte {
			b := binary.BigEndian.AppendUint16(nil, tpid)
			b = binary.BigEndian.AppendUint16(b, vlan)
			return append(b, inner...)
		}
		vlan := cat(dst, src, tag(0x8100, 42, ethType), ip)
		qinq := cat(dst, src, tag(0x88a8, 100, tag(0x8100, 42, ethType)), ip)

		cases := []struct {
			name string
			lt   layers.LinkType
			data []byte
			vlan uint16
		}{
			{"802.1Q", layers.LinkTypeEthernet, vlan, 42},
			{"802.1ad QinQ", layers.LinkTypeEthernet, qinq, 42},
			{"raw 101", layers.LinkTypeRaw, ip, 0},
			{"raw DLT 12", 12, ip, 0},
			{"raw DLT 14", 14, ip, 0},
			{"null little-endian", layers.LinkTypeNull, cat(le4, ip), 0},
			{"null big-endian", layers.LinkTypeNull, cat(be4, ip), 0},
			{"loop", layers.LinkTypeLoop, cat(be4, ip), 0},
			{"linux cooked", layers.LinkTypeLinuxSLL, cat(sll, ip), 0},
			{"ethernet with trailer", layers.LinkTypeEthernet, cat(fr.data, []byte{0, 0, 0, 0, 0xde, 0xad}), 0},
		}
		if ipv6 {
			cases = append(cases, struct {
				name string
				lt   layers.LinkType
				data []byte
				vlan uint16
			}{"raw ipv6 229", layers.LinkTypeIPv6, ip, 0})
		} else {
			cases = append(cases, struct {
				name string
				lt   layers.LinkType
				data []byte
				vlan uint16
			}{"raw ipv4 228", layers.LinkTypeIPv4, ip, 0})
		}
		for _, c := range cases {
			got, kind := decodeOne(t, c.data, c.lt)
			w := want
			w.VLAN = c.vlan
			if kind != wantKind || !samePacket(got, w) {
				t.Errorf("frame %d as %s:\n got  %s\n want %s", fr.frame, c.name, factsLine(fr.frame, kind, &got), factsLine(fr.frame, wantKind, &w))
			}
		}
	}
}

func TestLinkTypeProblems(t *testing.T) {
	d := NewDecoder(Options{})
	var p Packet
	if k, err := d.Decode([]byte{1, 2, 3}, layers.LinkTypeIEEE802_11, 0, &p); k != KindNonIP || err != ErrUnsupportedLinkType {
		t.Errorf("802.11: %v %v", k, err)
	}
	if k, err := d.Decode([]byte{0x50, 0, 0, 0}, layers.LinkTypeRaw, 0, &p); k != KindNonIP || err == nil {
		t.Errorf("raw IP version 5: %v %v", k, err)
	}
	if k, err := d.Decode(nil, layers.LinkTypeRaw, 0, &p); k != KindNonIP || err == nil {
		t.Errorf("empty raw IP: %v %v", k, err)
	}
	if k, err := d.Decode(make([]byte, 10), layers.LinkTypeEthernet, 0, &p); k != KindNonIP || err == nil {
		t.Errorf("short Ethernet: %v %v", k, err)
	}
	s := d.Stats()
	if s.Packets != 4 || s.UnsupportedLinkType != 1 || s.Undecodable != 4 || s.NonIP != 4 {
		t.Errorf("stats %+v", s)
	}
}

func decodeOne(t *testing.T, data []byte, lt layers.LinkType) (Packet, Kind) {
	t.Helper()
	d := NewDecoder(Options{})
	var p Packet
	k, err := d.Decode(data, lt, 0, &p)
	if err != nil {
		t.Fatalf("decode %v: %v", lt, err)
	}
	return p, k
}

// samePacket compares two decoded packets, payload bytes included.
func samePacket(a, b Packet) bool {
	if string(a.Payload) != string(b.Payload) {
		return false
	}
	a.Payload, b.Payload = nil, nil
	return reflect.DeepEqual(a, b)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
