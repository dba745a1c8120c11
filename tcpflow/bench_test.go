package tcpflow

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// discard is a Handler that keeps nothing, so a benchmark measures the
// tracker alone.
type discard struct{}

func (discard) Opened(*Conn)                  {}
func (discard) Sniff(*Conn, Dir, []byte) bool { return false }
func (discard) Data(*Conn, Dir, []byte, Ref)  {}
func (discard) Gap(*Conn, Dir, int64, Ref)    {}
func (discard) Closed(*Conn)                  {}

// BenchmarkTracker measures connection tracking on decoded packets: a
// bulk transfer (full segments, an ACK every second one, as on the 1 GB
// generated capture) and short connections (handshake, a request, an
// answer, FINs: the 100,000-connection one), where opening, expiring and
// closing connections dominate.
func BenchmarkTracker(b *testing.B) {
	payload := make([]byte, 1448)
	b.Run("bulk", func(b *testing.B) {
		f := &feeder{t: NewTracker(Options{}, discard{}), ts: 1e18}
		send := func(p *decode.Packet) { f.send(p, 10*time.Microsecond) }
		send(seg(cli, srv, FlagSYN, 1000, 0, ""))
		send(seg(srv, cli, FlagSYN|FlagACK, 5000, 1001, ""))
		send(seg(cli, srv, FlagACK, 1001, 5001, ""))
		data := seg(srv, cli, FlagACK, 5001, 1001, "")
		data.Payload, data.PayloadLen, data.IPLen = payload, len(payload), 40+len(payload)
		ack := seg(cli, srv, FlagACK, 1001, 0, "")
		seq := uint32(5001)
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			data.Seq = seq
			seq += uint32(len(payload))
			send(data)
			if i%2 == 1 {
				ack.Ack = seq
				send(ack)
			}
		}
		b.ReportMetric(float64(f.frame)/b.Elapsed().Seconds(), "packets/s")
	})
	b.Run("short-connections", func(b *testing.B) {
		f := &feeder{t: NewTracker(Options{}, discard{}), ts: 1e18}
		send := func(p *decode.Packet) { f.send(p, 100*time.Microsecond) }
		server := netip.MustParseAddrPort("203.0.113.20:80")
		client0 := netip.MustParseAddrPort("198.51.100.1:1024")
		// One connection's packets, made once; each round moves them to
		// a new client address and port.
		script := []*decode.Packet{
			seg(client0, server, FlagSYN, 1000, 0, ""),
			seg(server, client0, FlagSYN|FlagACK, 5000, 1001, ""),
			seg(client0, server, FlagACK, 1001, 5001, ""),
			seg(client0, server, FlagACK|FlagPSH, 1001, 5001, "GET / HTTP/1.0\r\n\r\n"),
			seg(server, client0, FlagACK|FlagPSH, 5001, 1019, "HTTP/1.0 200 OK\r\n\r\n"),
			seg(client0, server, FlagFIN|FlagACK, 1019, 5020, ""),
			seg(server, client0, FlagFIN|FlagACK, 5020, 1020, ""),
			seg(client0, server, FlagACK, 1020, 5021, ""),
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			addr := netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + i%200)})
			port := uint16(1024 + i%60000)
			for _, p := range script {
				if p.SrcPort == 80 {
					p.Dst, p.DstPort = addr, port
				} else {
					p.Src, p.SrcPort = addr, port
				}
				send(p)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
		b.ReportMetric(float64(f.frame)/b.Elapsed().Seconds(), "packets/s")
	})
}
