package decode

import (
	"testing"

	"github.com/gopacket/gopacket/layers"
)

func TestParseTCPOptions(t *testing.T) {
	type opts struct {
		mss       uint16
		ws        int8
		wsRaw     uint8
		sack, hts bool
		tsv, tse  uint32
	}
	tests := []struct {
		name string
		b    []byte
		want opts
	}{
		{"none", nil, opts{ws: WScaleNone}},
		{"linux SYN", []byte{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7},
			opts{mss: 1460, ws: 7, wsRaw: 7, sack: true, hts: true, tsv: 1}},
		{"windows SYN", []byte{2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2}, opts{mss: 1460, ws: 8, wsRaw: 8, sack: true}},
		{"shift above 14 is used as 14", []byte{3, 3, 255}, opts{ws: 14, wsRaw: 255}},
		{"end of options stops", []byte{2, 4, 1, 0, 0, 3, 3, 7}, opts{mss: 256, ws: WScaleNone}},
		{"zero length stops", []byte{2, 4, 1, 0, 9, 0, 3, 3, 7}, opts{mss: 256, ws: WScaleNone}},
		{"length past the end stops", []byte{2, 4, 1, 0, 3, 9, 7}, opts{mss: 256, ws: WScaleNone}},
		{"kind without length", []byte{1, 1, 2}, opts{ws: WScaleNone}},
		{"wrong size MSS is skipped", []byte{2, 3, 1, 3, 3, 2}, opts{ws: 2, wsRaw: 2}},
		{"unknown kinds are skipped", []byte{30, 4, 0, 0, 5, 10, 0, 0, 0, 0, 0, 0, 0, 0, 4, 2}, opts{ws: WScaleNone, sack: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Packet{WScale: WScaleNone}
			parseTCPOptions(tc.b, &p)
			got := opts{p.MSS, p.WScale, p.WScaleRaw, p.SACKPerm, p.HasTS, p.TSVal, p.TSEcr}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A packet cut by the snap length keeps the facts of the headers it has,
// with PayloadLen from the IP header.
func TestSnapLength(t *testing.T) {
	pkts := readCapture(t, corpusPath(t, "zeek/Traces/ftp/ipv4.pcap"))
	syn := pkts[0].data // 74 bytes: Ethernet 14, IP 20, TCP 40 with options
	data := pkts[firstTCPWithPayload(t, pkts, 1000)].data
	full, _ := decodeOne(t, data, layers.LinkTypeEthernet)
	fullSYN, _ := decodeOne(t, syn, layers.LinkTypeEthernet)

	tests := []struct {
		name      string
		frame     []byte
		snap      int
		kind      Kind
		err       bool
		payload   int // captured payload bytes
		checkOpts bool
	}{
		{name: "inside the payload", frame: data, snap: 96, kind: KindTCP, payload: 96 - 66},
		{name: "right after the TCP header", frame: data, snap: 66, kind: KindTCP, payload: 0},
		{name: "inside the TCP options", frame: syn, snap: 60, kind: KindTCP, checkOpts: true},
		{name: "inside the fixed TCP header", frame: data, snap: 50, kind: KindOther},
		{name: "right after the IP header", frame: data, snap: 34, kind: KindOther},
		{name: "inside the IP header", frame: data, snap: 30, kind: KindNonIP, err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(Options{})
			var p Packet
			k, err := d.Decode(tc.frame[:tc.snap], layers.LinkTypeEthernet, 0, &p)
			if k != tc.kind || (err != nil) != tc.err {
				t.Fatalf("got %v %v, want %v (error %v)", k, err, tc.kind, tc.err)
			}
			if tc.err {
				return
			}
			want := full
			if tc.checkOpts {
				want = fullSYN
			}
			if !p.Truncated || p.IPLen != want.IPLen || d.Stats().Truncated != 1 {
				t.Errorf("truncated %v, IP length %d (want %d), stats %+v", p.Truncated, p.IPLen, want.IPLen, d.Stats())
			}
			if k != KindTCP {
				return
			}
			if p.Seq != want.Seq || p.Ack != want.Ack || p.Flags != want.Flags || p.PayloadLen != want.PayloadLen || len(p.Payload) != tc.payload {
				t.Errorf("got %s (%d bytes captured)\nwant %s", factsLine(0, k, &p), len(p.Payload), factsLine(0, KindTCP, &want))
			}
			if tc.checkOpts && (p.MSS != want.MSS || p.SACKPerm != want.SACKPerm) {
				// 60 bytes hold the MSS and SACK-permitted options only.
				t.Errorf("options: MSS %d SACK %v, want %d %v", p.MSS, p.SACKPerm, want.MSS, want.SACKPerm)
			}
		})
	}
}

func TestMalformedTCP(t *testing.T) {
	seg := tcpHead(40001, 21, 1)
	seg = append(seg, make([]byte, 12)...)
	seg[12] = 3 << 4 // data offset 3: shorter than the fixed header
	d := NewDecoder(Options{})
	var p Packet
	k, err := d.Decode(ipv4(6, client4, server4, 0, seg), layers.LinkTypeRaw, 0, &p)
	if k != KindOther || err == nil || d.Stats().Undecodable != 1 {
		t.Errorf("data offset 3: %v %v %+v", k, err, d.Stats())
	}
	seg[12] = 15 << 4 // 60 bytes of header in a 20-byte segment, not cut by the snap length
	k, err = d.Decode(ipv4(6, client4, server4, 0, seg), layers.LinkTypeRaw, 0, &p)
	if k != KindOther || err == nil {
		t.Errorf("data offset past the IP length: %v %v", k, err)
	}
}
