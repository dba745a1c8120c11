package tcpflow

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/source"
	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// trackFile runs a capture file through the decoder and a tracker and
// returns every connection, in the order they closed.
func trackFile(t *testing.T, path string) []*Conn {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("capture %s not found: skipping", path)
	}
	src, err := source.OpenFiles([]string{path}, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	r := &recorder{}
	tr := NewTracker(Options{}, r)
	dec := decode.NewDecoder(decode.Options{})
	var pkt source.Packet
	var dp decode.Packet
	for {
		err := src.Next(&pkt)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ref := Ref{Input: pkt.Input, Frame: pkt.Frame, TS: pkt.CI.Timestamp.UnixNano()}
		switch kind, _ := dec.Decode(pkt.Data, pkt.LinkType, ref.TS, &dp); kind {
		case decode.KindTCP:
			tr.Packet(&dp, ref)
		case decode.KindICMPError:
			tr.ICMP(&dp, ref)
		default:
			tr.Advance(ref.TS)
		}
	}
	tr.Flush()
	return r.closed
}

// A real PMTU discovery (zeek smtp.pcap): four 1460-byte segments leave
// 10.10.1.4, router 192.168.1.1 answers the first with fragmentation
// needed, next-hop MTU 1492 (frame 26), and the sender resends at 1452
// bytes (frame 27) and goes on at that size.
func TestPathMTUFromRealPMTUDiscovery(t *testing.T) {
	conns := trackFile(t, filepath.Join("..", "..", "shared", "corpus", "public", "zeek", "Traces", "smtp.pcap"))
	var c *Conn
	for _, x := range conns {
		if x.Server.Port() == 25 && len(x.ICMP) > 0 {
			c = x
		}
	}
	if c == nil {
		t.Fatal("no SMTP connection with ICMP errors")
	}
	p := c.Half[FromClient].Traffic().PMTU
	if p.ICMP.Frame != 26 || p.MTU != 1492 || p.Messages != 4 || p.SegBefore != 1460 {
		t.Errorf("ICMP facts: first frame %d, MTU %d, %d messages, %d bytes before; want 26, 1492, 4, 1460",
			p.ICMP.Frame, p.MTU, p.Messages, p.SegBefore)
	}
	if p.FitFirst.Frame != 27 || p.FitMax != 1452 || p.TooBig != 0 {
		t.Errorf("after: first fitting frame %d, largest %d, %d too big; want 27, 1452, 0", p.FitFirst.Frame, p.FitMax, p.TooBig)
	}
	if p.MaxAcked != 1452 {
		t.Errorf("largest acknowledged segment %d, want 1452", p.MaxAcked)
	}
	if q := c.ICMP[0].QuotedLen; q != 1500 {
		t.Errorf("quoted packet length %d, want 1500", q)
	}
	if srv := c.Half[FromServer].Traffic().PMTU; !srv.ICMP.IsZero() || srv.MaxAcked == 0 {
		t.Errorf("server side: %+v (no ICMP quotes its packets; its replies were acknowledged)", srv)
	}
}

// Captured on a sender with segmentation offload (make-mtu-path.sh):
// the IPv6 packet-too-big (MTU 1280) quotes a 4032-byte super-packet, and
// the resend is one too: sizes above offload are not wire sizes, which is
// what Half.Oversized tells the rules.
func TestPathMTUAboveSegmentationOffload(t *testing.T) {
	conns := trackFile(t, filepath.Join("decode", "testdata", "mtu-path-sender.pcap"))
	var c *Conn
	for _, x := range conns {
		if x.Client.Addr().Is6() {
			c = x
		}
	}
	if c == nil {
		t.Fatal("no IPv6 connection")
	}
	h := c.Half[FromClient]
	p := h.Traffic().PMTU
	if p.ICMP.Frame != 17 || p.MTU != 1280 || p.SegBefore != 4000 || p.TooBig != 1 || !p.FitFirst.IsZero() {
		t.Errorf("facts %+v; want ICMP frame 17, MTU 1280, 4000 before, the 4000-byte resend too big", p)
	}
	if h.Oversized == 0 {
		t.Errorf("Oversized = 0: the 4000-byte segments exceed the peer's MSS of 1440")
	}
	if c.ICMP[0].QuotedLen != 4072 {
		t.Errorf("quoted length %d, want 4072 (the super-packet: 40 + 32 TCP header + 4000)", c.ICMP[0].QuotedLen)
	}
}

func TestPathMTUFacts(t *testing.T) {
	big, small := strings.Repeat("B", 1448), strings.Repeat("s", 1200)
	router := cli.Addr()
	frag := func(f *feeder, mtu int, quotedSeq uint32) {
		f.frame++
		f.t.ICMP(&decode.Packet{Src: router, Dst: srv.Addr(), TTL: 255, ICMP: decode.ICMPError{
			Type: 3, Code: 4, MTU: mtu, QSrc: srv.Addr(), QDst: cli.Addr(), QProto: 6, QLen: 1500,
			QSrcPort: srv.Port(), QDstPort: cli.Port(), QSeq: quotedSeq, HasPorts: true, HasSeq: true}},
			Ref{Frame: f.frame, TS: f.ts})
	}
	tests := []struct {
		name string
		run  func(f *feeder)
		want PathMTU // compared on the exported fields below
	}{
		{"small segments acknowledged, the big one never", func(f *feeder) {
			f.send(seg(srv, cli, FlagACK, 5001, 101, small), time.Millisecond)
			f.send(seg(cli, srv, FlagACK, 101, 6201, ""), time.Millisecond)
			f.send(seg(srv, cli, FlagACK, 6201, 101, big), time.Millisecond)
			f.send(seg(srv, cli, FlagACK, 6201, 101, big), 200*time.Millisecond)
			f.send(seg(srv, cli, FlagACK, 6201, 101, big), 400*time.Millisecond)
		}, PathMTU{MaxAcked: 1200}},
		{"a smaller resend of the stuck start is acknowledged", func(f *feeder) {
			f.send(seg(srv, cli, FlagACK, 5001, 101, big), time.Millisecond)
			f.send(seg(srv, cli, FlagACK, 5001, 101, big), 200*time.Millisecond)
			f.send(seg(srv, cli, FlagACK, 5001, 101, small), 400*time.Millisecond)
			f.send(seg(cli, srv, FlagACK, 101, 6201, ""), time.Millisecond)
		}, PathMTU{MaxAcked: 1200}},
		{"fragmentation needed, then the sender fits", func(f *feeder) {
			f.send(seg(srv, cli, FlagACK, 5001, 101, big), time.Millisecond)
			frag(f, 1240, 5001)
			f.send(seg(srv, cli, FlagACK, 5001, 101, small), time.Millisecond)
			f.send(seg(cli, srv, FlagACK, 101, 6201, ""), time.Millisecond)
		}, PathMTU{ICMP: Ref{Frame: 5}, MTU: 1240, Messages: 1, SegBefore: 1448, FitFirst: Ref{Frame: 6}, FitMax: 1200, MaxAcked: 1200}},
		{"fragmentation needed, ignored", func(f *feeder) {
			f.send(seg(srv, cli, FlagACK, 5001, 101, big), time.Millisecond)
			frag(f, 1240, 5001)
			f.send(seg(srv, cli, FlagACK, 5001, 101, big), 200*time.Millisecond)
			frag(f, 1300, 5001) // a higher MTU does not raise the limit
			f.send(seg(srv, cli, FlagACK, 5001, 101, big), 400*time.Millisecond)
		}, PathMTU{ICMP: Ref{Frame: 5}, MTU: 1240, Messages: 2, SegBefore: 1448, TooBig: 2, TooBigLast: Ref{Frame: 8}}},
		{"no MTU in the message: fitting means smaller than the quoted packet", func(f *feeder) {
			f.send(seg(srv, cli, FlagACK, 5001, 101, big), time.Millisecond)
			frag(f, 0, 5001)
			f.send(seg(srv, cli, FlagACK, 5001, 101, small), time.Millisecond)
		}, PathMTU{ICMP: Ref{Frame: 5}, Messages: 1, SegBefore: 1448, FitFirst: Ref{Frame: 6}, FitMax: 1200}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
			handshake(f, 100, 5000)
			tc.run(f)
			got := r.opened[0].Half[FromServer].Traffic().PMTU
			w := tc.want
			if got.ICMP.Frame != w.ICMP.Frame || got.MTU != w.MTU || got.Messages != w.Messages || got.SegBefore != w.SegBefore ||
				got.FitFirst.Frame != w.FitFirst.Frame || got.FitMax != w.FitMax || got.TooBig != w.TooBig ||
				got.TooBigLast.Frame != w.TooBigLast.Frame || got.MaxAcked != w.MaxAcked {
				t.Errorf("got  %+v\nwant %+v", got, w)
			}
		})
	}
}
