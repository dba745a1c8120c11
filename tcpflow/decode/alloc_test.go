package decode

import (
	"encoding/binary"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// Decoding a TCP segment allocates nothing, over every link layer, and
// neither does an ICMP error.
func TestDecodeDoesNotAllocate(t *testing.T) {
	v4 := readCapture(t, corpusPath(t, "zeek/Traces/ftp/ipv4.pcap"))
	v6 := readCapture(t, corpusPath(t, "zeek/Traces/ftp/ipv6.pcap"))
	eth4 := v4[firstTCPWithPayload(t, v4, 100)].data
	eth6 := v6[firstTCPWithPayload(t, v6, 100)].data
	syn4 := v4[0].data // TCP options
	icmp := readCapture(t, corpusPath(t, "zeek/Traces/smtp.pcap"))[25].data
	sll := readCapture(t, "testdata/loopback-sll.pcap")[0].data
	sll2 := readCapture(t, "testdata/loopback-sll2.pcap")[0].data

	vlan := cat(eth4[:12], []byte{0x81, 0x00, 0, 42}, eth4[12:])
	null := cat(binary.LittleEndian.AppendUint32(nil, 2), eth4[14:])

	cases := []struct {
		name string
		lt   layers.LinkType
		data []byte
		kind Kind
	}{
		{"ethernet ipv4", layers.LinkTypeEthernet, eth4, KindTCP},
		{"ethernet ipv4 SYN", layers.LinkTypeEthernet, syn4, KindTCP},
		{"ethernet ipv6", layers.LinkTypeEthernet, eth6, KindTCP},
		{"802.1Q", layers.LinkTypeEthernet, vlan, KindTCP},
		{"linux cooked", layers.LinkTypeLinuxSLL, sll, KindTCP},
		{"linux cooked v2", layers.LinkTypeLinuxSLL2, sll2, KindTCP},
		{"raw ipv6", layers.LinkTypeRaw, eth6[14:], KindTCP},
		{"null", layers.LinkTypeNull, null, KindTCP},
		{"icmp frag needed", layers.LinkTypeEthernet, icmp, KindICMPError},
	}
	for _, c := range cases {
		d := NewDecoder(Options{})
		var p Packet
		if k, err := d.Decode(c.data, c.lt, 0, &p); k != c.kind || err != nil {
			t.Fatalf("%s: %v %v", c.name, k, err)
		}
		if n := testing.AllocsPerRun(100, func() { d.Decode(c.data, c.lt, 0, &p) }); n != 0 {
			t.Errorf("%s: %v allocations per packet", c.name, n)
		}
	}
}
