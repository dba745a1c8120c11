package dissect

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// BenchmarkOpenedUnrelated measures the per-connection cost every
// connection of a capture pays: Opened of a connection that is neither FTP
// nor expected, with expectations and an encrypted session pending.
func BenchmarkOpenedUnrelated(b *testing.B) {
	h := newHarness(b, Options{})
	for i := range 100 {
		ctl := h.open(fmt.Sprintf("198.51.100.%d:40000", i+1), ctlSrv)
		h.talk(ctl, "S: 220 hi", "C: PASV", fmt.Sprintf("S: 227 Entering Passive Mode (10,0,0,5,117,%d)", i))
	}
	tls := h.open(ctlCli, ctlSrv)
	h.talk(tls, "S: 220 hi", "C: AUTH TLS", "S: 234 go")
	conns := make([]*tcpflow.Conn, 1024)
	for i := range conns {
		conns[i] = &tcpflow.Conn{
			Client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), uint16(40000+i)),
			Server: netip.MustParseAddrPort("192.0.2.200:443"),
			First:  h.tick(),
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		h.a.Opened(conns[i%len(conns)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
}

// BenchmarkControlSession measures a whole control connection's parsing:
// the rich session of the split tests, one line per packet.
func BenchmarkControlSession(b *testing.B) {
	probe := newHarness(b, Options{})
	richSession(probe)
	var size int64
	for d := range probe.session().Control.Half {
		size += probe.session().Control.Half[d].Bytes
	}
	b.SetBytes(size)
	b.ReportAllocs()
	packets := 0
	for range b.N {
		h := newHarness(b, Options{})
		richSession(h)
		packets += int(h.frame)
	}
	b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "packets/s")
}
