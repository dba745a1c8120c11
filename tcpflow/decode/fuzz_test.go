package decode

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// fuzzLinkTypes are the link types the fuzzer picks from (by the input's
// first byte), so that every parser sees every kind of bytes.
var fuzzLinkTypes = []layers.LinkType{
	layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2,
	layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeRaw, linkTypeRawDLT,
	linkTypeRawDLTOpenBSD, layers.LinkTypeIPv4, layers.LinkTypeIPv6,
}

// FuzzDecode decodes arbitrary bytes as each link type, twice in a row
// through the same decoder (so fragments can meet), and checks that the
// facts hold together.
func FuzzDecode(f *testing.F) {
	seed := func(lt layers.LinkType, data []byte) {
		for i, l := range fuzzLinkTypes {
			if l == lt {
				f.Add(uint8(i), data, data)
			}
		}
	}
	for _, rel := range []string{
		"zeek/Traces/ftp/ipv4.pcap", "zeek/Traces/ftp/ipv6.pcap", "zeek/Traces/smtp.pcap",
		"zeek/Traces/icmp/icmp6-toobig.pcap", "zeek/Traces/ipv4/fragmented-syn.pcap",
		"zeek/Traces/ipv4/fragmented-3.pcap", "filesamples/teardrop.pcap", "nDPI/pcap/tcp_scan.pcapng",
		"zeek/Traces/tcp/window-scale-range.pcap",
	} {
		p := filepath.Join(corpusRoot, filepath.FromSlash(rel))
		if _, err := os.Stat(p); err != nil {
			continue // the public corpus is optional
		}
		pkts := readCapture(f, p)
		for i, cp := range pkts {
			if i >= 12 {
				break
			}
			seed(cp.lt, cp.data)
			if len(cp.data) > 14 {
				seed(layers.LinkTypeRaw, cp.data[14:]) // the same packet as raw IP
			}
		}
		if len(pkts) > 1 {
			for i, l := range fuzzLinkTypes {
				if l == pkts[0].lt {
					f.Add(uint8(i), pkts[0].data, pkts[1].data)
				}
			}
		}
	}
	for _, name := range []string{"loopback-sll.pcap", "loopback-sll2.pcap"} {
		for _, cp := range readCapture(f, filepath.Join("testdata", name))[:4] {
			seed(cp.lt, cp.data)
		}
	}

	f.Fuzz(func(t *testing.T, which uint8, first, second []byte) {
		lt := fuzzLinkTypes[int(which)%len(fuzzLinkTypes)]
		d := NewDecoder(Options{MaxFragBytes: 1 << 16})
		var p Packet
		for i, data := range [][]byte{first, second} {
			k, err := d.Decode(data, lt, int64(i), &p)
			checkPacket(t, k, err, &p, data)
		}
		s := d.Stats()
		if s.Packets != 2 || s.TCP+s.ICMPErrors+s.Other+s.NonIP > 2 {
			t.Errorf("stats %+v", s)
		}
		if s.FragBytesHeld > 1<<16 {
			t.Errorf("%d fragment bytes held over the bound", s.FragBytesHeld)
		}
	})
}

// checkPacket checks what any decoded packet must satisfy.
func checkPacket(t *testing.T, k Kind, err error, p *Packet, data []byte) {
	t.Helper()
	if err != nil && k == KindTCP {
		t.Errorf("TCP with an error: %v", err)
	}
	switch k {
	case KindTCP:
		if !p.Src.IsValid() || p.Src.Is4() == p.V6 {
			t.Errorf("TCP from %v (v6 %v)", p.Src, p.V6)
		}
		if len(p.Payload) > p.PayloadLen {
			t.Errorf("payload %d bytes, more than the %d the IP header allows", len(p.Payload), p.PayloadLen)
		}
		if len(p.Payload) < p.PayloadLen && !p.Truncated {
			t.Errorf("payload %d of %d bytes, not marked truncated", len(p.Payload), p.PayloadLen)
		}
		if !p.Reassembled && len(p.Payload) > len(data) {
			t.Errorf("payload longer than the packet")
		}
		if p.WScale > maxWScale {
			t.Errorf("window scale %d", p.WScale)
		}
	case KindICMPError:
		if !p.ICMP.QSrc.IsValid() || !p.ICMP.QDst.IsValid() {
			t.Errorf("ICMP error without quoted addresses: %+v", p.ICMP)
		}
		if p.ICMP.HasSeq && !p.ICMP.HasPorts {
			t.Errorf("sequence number without ports")
		}
	case KindNonIP:
		if p.Src.IsValid() {
			t.Errorf("non-IP packet from %v", p.Src)
		}
	}
}
