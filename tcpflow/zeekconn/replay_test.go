package zeekconn

import (
	"bytes"
	"io"
	"net/netip"
	"os"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// replayed is one connection rebuilt from a capture.
type replayed struct {
	client, server netip.AddrPort
	st             State
	pkts           []tcpPacket // as fed, for fuzz seeds
}

// replay reads a capture with full gopacket decoding, groups TCP packets
// by 4-tuple, orients each connection as ftpcap's tracker does, and feeds
// State. Connections come back in order of first packet.
func replay(t testing.TB, path string) []*replayed {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	src, link, err := packetReader(data)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	byKey := map[[2]netip.AddrPort]*replayed{}
	var order []*replayed
	for {
		raw, _, err := src.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		p, ok := tcpFacts(gopacket.NewPacket(raw, link, gopacket.Default))
		if !ok {
			continue
		}
		k := [2]netip.AddrPort{p.src, p.dst}
		if k[1].Addr().Less(k[0].Addr()) || (k[0].Addr() == k[1].Addr() && k[1].Port() < k[0].Port()) {
			k[0], k[1] = k[1], k[0]
		}
		c := byKey[k]
		if c == nil {
			c = openLikeTracker(p)
			byKey[k] = c
			order = append(order, c)
		}
		c.st.ObserveCaptured(p.src == c.client, p.flags, p.seq, p.ack, p.payloadLen, p.captured, p.win, p.ipLen)
		c.pkts = append(c.pkts, p)
	}
	return order
}

// isServerPort mirrors tcpflow.Options.ServerPorts' default.
func isServerPort(p uint16) bool { return p == 21 }

// openLikeTracker orients a new connection by ftpcap's rules: the SYN's
// sender is the client; a SYN-ACK's receiver is; mid-stream, the server
// port (21), or a port below 1024 against an ephemeral one, is the
// server's; otherwise the first packet's sender is the client.
func openLikeTracker(p tcpPacket) *replayed {
	c := &replayed{client: p.src, server: p.dst}
	syn, ack := p.flags&flagSYN != 0, p.flags&flagACK != 0
	sp, dp := p.src.Port(), p.dst.Port()
	switch {
	case syn && !ack:
	case syn && ack:
		c.client, c.server = p.dst, p.src
	case isServerPort(dp) && !isServerPort(sp):
	case isServerPort(sp) && !isServerPort(dp):
		c.client, c.server = p.dst, p.src
	case sp < 1024 && dp >= 1024:
		c.client, c.server = p.dst, p.src
	}
	if c.client != p.src {
		c.st.Flip()
	}
	if isServerPort(c.server.Port()) {
		c.st.LikelyServerPort()
	}
	return c
}

type tcpPacket struct {
	src, dst             netip.AddrPort
	flags                uint8
	seq, ack             uint32
	win                  uint16
	payloadLen, captured int
	ipLen                int
}

// tcpFacts extracts what Observe takes from a fully decoded packet. The
// payload length comes from the IP header, as Zeek computes it; a zero
// IPv4 total length (segmentation offload) falls back to what was captured.
func tcpFacts(pkt gopacket.Packet) (tcpPacket, bool) {
	tl, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if tl == nil {
		return tcpPacket{}, false
	}
	var p tcpPacket
	var ipPayload int
	var srcIP, dstIP netip.Addr
	switch ip := pkt.NetworkLayer().(type) {
	case *layers.IPv4:
		if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
			return tcpPacket{}, false // Zeek reassembles fragments first; we leave them out
		}
		srcIP, _ = netip.AddrFromSlice(ip.SrcIP.To4())
		dstIP, _ = netip.AddrFromSlice(ip.DstIP.To4())
		p.ipLen = int(ip.Length)
		ipPayload = int(ip.Length) - int(ip.IHL)*4
		if ip.Length == 0 {
			ipPayload = len(ip.Payload)
		}
	case *layers.IPv6:
		srcIP, _ = netip.AddrFromSlice(ip.SrcIP)
		dstIP, _ = netip.AddrFromSlice(ip.DstIP)
		p.ipLen = 40 + int(ip.Length)
		ipPayload = int(ip.Length)
		for _, l := range pkt.Layers() {
			switch l.LayerType() {
			case layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Destination, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Fragment:
				ipPayload -= len(l.LayerContents())
			}
		}
	default:
		return tcpPacket{}, false
	}
	p.src = netip.AddrPortFrom(srcIP, uint16(tl.SrcPort))
	p.dst = netip.AddrPortFrom(dstIP, uint16(tl.DstPort))
	p.seq, p.ack, p.win = tl.Seq, tl.Ack, tl.Window
	for i, b := range []bool{tl.FIN, tl.SYN, tl.RST, tl.PSH, tl.ACK, tl.URG, tl.ECE, tl.CWR} {
		if b {
			p.flags |= 1 << i
		}
	}
	p.payloadLen = max(ipPayload-int(tl.DataOffset)*4, 0)
	p.captured = min(len(tl.Payload), p.payloadLen)
	return p, true
}

type packetSource interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

func packetReader(data []byte) (packetSource, gopacket.Decoder, error) {
	if bytes.HasPrefix(data, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, nil, err
		}
		return r, r.LinkType(), nil
	}
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	return r, r.LinkType(), nil
}
