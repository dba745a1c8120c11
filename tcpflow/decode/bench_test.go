package decode

import (
	"testing"
)

// BenchmarkDecode decodes a real capture's packets held in memory; one op
// is one packet, so ns/op is the cost per packet.
func BenchmarkDecode(b *testing.B) {
	for _, c := range []struct{ name, path string }{
		{"http-ipv4", "zeek/Traces/http/206_example_b.pcap"}, // 1556 packets, mostly full-size TCP
		{"ftp-ipv4", "zeek/Traces/ftp/ipv4.pcap"},
		{"ftp-ipv6", "zeek/Traces/ftp/ipv6.pcap"},
	} {
		pkts := readCapture(b, corpusPath(b, c.path))
		b.Run(c.name, func(b *testing.B) {
			var size int
			for _, p := range pkts {
				size += len(p.data)
			}
			b.SetBytes(int64(size / len(pkts)))
			b.ReportAllocs()
			d := NewDecoder(Options{})
			var p Packet
			i, n := 0, 0
			for b.Loop() {
				cp := &pkts[i]
				d.Decode(cp.data, cp.lt, cp.ts, &p)
				if i++; i == len(pkts) {
					i = 0
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "packets/s")
		})
	}
}
