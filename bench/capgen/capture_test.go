package capgen

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Small versions of the benchmark profiles, quick enough for every test
// run and still holding every kind of session and failure.
func smallProfiles() []Profile {
	return []Profile{Large(6_000_000), Many(3000), Flood(5000)}
}

func generate(t testing.TB, p Profile) ([]byte, *Manifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := Generate(&buf, p)
	if err != nil {
		t.Fatalf("Generate(%s): %v", p.Name, err)
	}
	return buf.Bytes(), m
}

// pkt is what the tests read back from a generated capture.
type pkt struct {
	frame    int
	at       time.Time
	src, dst netip.AddrPort
	ttl      uint8
	ipid     uint16 // IPv4 only
	v6       bool
	flags    uint8
	seq, ack uint32
	win      uint16
	hasTS    bool
	tsval    uint32
	tsecr    uint32
	sack     int // SACK blocks
	payload  []byte
}

type flowKey struct{ src, dst netip.AddrPort }

// readCapture decodes every packet fully, checking the checksums gopacket
// can verify.
func readCapture(t *testing.T, data []byte) []pkt {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("pcap reader: %v", err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("link type %v, want Ethernet", r.LinkType())
	}
	var out []pkt
	for frame := 1; ; frame++ {
		raw, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("frame %d: %v", frame, err)
		}
		p := gopacket.NewPacket(raw, layers.LayerTypeEthernet, gopacket.Default)
		if el := p.ErrorLayer(); el != nil {
			t.Fatalf("frame %d: decode: %v", frame, el.Error())
		}
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			t.Fatalf("frame %d: no TCP layer", frame)
		}
		q := pkt{frame: frame, at: ci.Timestamp, seq: tcp.Seq, ack: tcp.Ack, win: tcp.Window, payload: tcp.Payload}
		var src, dst netip.Addr
		switch ip := p.NetworkLayer().(type) {
		case *layers.IPv4:
			src, dst = netip.AddrFrom4([4]byte(ip.SrcIP.To4())), netip.AddrFrom4([4]byte(ip.DstIP.To4()))
			q.ttl, q.ipid = ip.TTL, ip.Id
			if _, res := ip.VerifyChecksum(); !res.Valid {
				t.Fatalf("frame %d: bad IPv4 checksum", frame)
			}
		case *layers.IPv6:
			src, dst = netip.AddrFrom16([16]byte(ip.SrcIP)), netip.AddrFrom16([16]byte(ip.DstIP))
			q.ttl, q.v6 = ip.HopLimit, true
		default:
			t.Fatalf("frame %d: network layer %T", frame, ip)
		}
		if err := tcp.SetNetworkLayerForChecksum(p.NetworkLayer()); err != nil {
			t.Fatal(err)
		}
		if _, res := tcp.VerifyChecksum(); !res.Valid {
			t.Fatalf("frame %d: bad TCP checksum", frame)
		}
		q.src = netip.AddrPortFrom(src, uint16(tcp.SrcPort))
		q.dst = netip.AddrPortFrom(dst, uint16(tcp.DstPort))
		for _, f := range []struct {
			on  bool
			bit uint8
		}{{tcp.FIN, flagFIN}, {tcp.SYN, flagSYN}, {tcp.RST, flagRST}, {tcp.PSH, flagPSH}, {tcp.ACK, flagACK}} {
			if f.on {
				q.flags |= f.bit
			}
		}
		for _, o := range tcp.Options {
			switch o.OptionType {
			case layers.TCPOptionKindTimestamps:
				q.hasTS = true
				q.tsval = binary.BigEndian.Uint32(o.OptionData)
				q.tsecr = binary.BigEndian.Uint32(o.OptionData[4:])
			case layers.TCPOptionKindSACK:
				q.sack = len(o.OptionData) / 8
			}
		}
		out = append(out, q)
	}
}

func (p pkt) is(flags uint8) bool { return p.flags&flags == flags }

// seqEnd is the sequence number after the packet: payload, SYN and FIN
// each count.
func (p pkt) seqEnd() uint32 {
	n := p.seq + uint32(len(p.payload))
	if p.flags&(flagSYN|flagFIN) != 0 {
		n++
	}
	return n
}

// seqAfter reports whether a comes after b in sequence space.
func seqAfter(a, b uint32) bool { return int32(a-b) > 0 }
