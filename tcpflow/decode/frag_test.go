package decode

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// fragment4 splits an IPv4 packet (raw IP, no link layer) at the given
// payload offsets (multiples of 8) into fragments, in order.
func fragment4(ip []byte, cuts ...int) [][]byte {
	ihl := int(ip[0]&0x0f) * 4
	payload := ip[ihl:binary.BigEndian.Uint16(ip[2:4])]
	bounds := append(append([]int{0}, cuts...), len(payload))
	var out [][]byte
	for i := 0; i+1 < len(bounds); i++ {
		from, to := bounds[i], bounds[i+1]
		f := append(append([]byte(nil), ip[:ihl]...), payload[from:to]...)
		binary.BigEndian.PutUint16(f[2:4], uint16(len(f)))
		fo := uint16(from / 8)
		if to < len(payload) {
			fo |= 0x2000 // MF
		}
		binary.BigEndian.PutUint16(f[6:8], fo)
		out = append(out, f)
	}
	return out
}

// fragment6 splits an IPv6 packet without extension headers into
// fragments with a fragment header of identification id.
func fragment6(ip []byte, id uint32, cuts ...int) [][]byte {
	payload := ip[40 : 40+int(binary.BigEndian.Uint16(ip[4:6]))]
	bounds := append(append([]int{0}, cuts...), len(payload))
	var out [][]byte
	for i := 0; i+1 < len(bounds); i++ {
		from, to := bounds[i], bounds[i+1]
		f := append([]byte(nil), ip[:40]...)
		f[6] = 44 // next header: fragment
		fh := make([]byte, 8)
		fh[0] = ip[6]
		off := uint16(from/8) << 3
		if to < len(payload) {
			off |= 1 // M
		}
		binary.BigEndian.PutUint16(fh[2:4], off)
		binary.BigEndian.PutUint32(fh[4:8], id)
		f = append(append(f, fh...), payload[from:to]...)
		binary.BigEndian.PutUint16(f[4:6], uint16(len(f)-40))
		out = append(out, f)
	}
	return out
}

// feed decodes raw IP packets one second apart and returns the kinds and
// the last packet.
func feed(t *testing.T, d *Decoder, frags [][]byte, start int64) ([]Kind, Packet) {
	t.Helper()
	var kinds []Kind
	var p Packet
	for i, f := range frags {
		k, err := d.Decode(f, layers.LinkTypeRaw, start+int64(i)*int64(time.Second), &p)
		if err != nil {
			t.Fatalf("fragment %d: %v", i, err)
		}
		kinds = append(kinds, k)
	}
	return kinds, p
}

func TestFragmentReassembly(t *testing.T) {
	pkts4 := readCapture(t, corpusPath(t, "zeek/Traces/ftp/ipv4.pcap"))
	seg4 := pkts4[firstTCPWithPayload(t, pkts4, 1000)].data[14:] // an 1448-byte FTP data segment
	pkts6 := readCapture(t, corpusPath(t, "zeek/Traces/ftp/ipv6.pcap"))
	seg6 := pkts6[firstTCPWithPayload(t, pkts6, 500)].data[14:]
	icmp := readCapture(t, corpusPath(t, "zeek/Traces/smtp.pcap"))[25].data[14:] // frag-needed quoting TCP

	whole := func(ip []byte) (Packet, Kind) { return decodeOne(t, ip, layers.LinkTypeRaw) }
	f4 := fragment4(seg4, 504, 1008)
	f6 := fragment6(seg6, 0xabcdef01, 200, 400)
	fIcmp := fragment4(icmp, 256)
	// A fragment whose payload reaches into the next one's.
	overlapping := fragment4(seg4, 512, 1008)[0]
	binary.BigEndian.PutUint16(overlapping[6:8], 0x2000|(496/8))
	// A last fragment (no MF) that ends before bytes already received.
	lastElsewhere := append([]byte(nil), f4[0]...)
	binary.BigEndian.PutUint16(lastElsewhere[6:8], 64/8)
	oversize := fragment4(seg4, 504)[1]
	binary.BigEndian.PutUint16(oversize[6:8], 65000/8)

	tests := []struct {
		name      string
		frags     [][]byte
		want      []byte // the unfragmented packet the last fragment must decode as; nil: incomplete
		kind      Kind
		stats     Stats // the fragment counters expected
		frag6Only bool
	}{
		{name: "in order", frags: f4, want: seg4, kind: KindTCP,
			stats: Stats{Fragments: 3, FragReassembled: 1}},
		{name: "reverse order", frags: [][]byte{f4[2], f4[1], f4[0]}, want: seg4, kind: KindTCP,
			stats: Stats{Fragments: 3, FragReassembled: 1}},
		{name: "duplicate", frags: [][]byte{f4[0], f4[1], f4[1], f4[2]}, want: seg4, kind: KindTCP,
			stats: Stats{Fragments: 4, FragReassembled: 1, FragDuplicates: 1}},
		{name: "missing piece", frags: [][]byte{f4[0], f4[2]},
			stats: Stats{Fragments: 2, FragPending: 1}},
		{name: "overlap discards the datagram", frags: [][]byte{f4[0], overlapping, f4[2]},
			stats: Stats{Fragments: 3, FragOverlaps: 1, FragPending: 1}},
		{name: "two different ends", frags: [][]byte{f4[2], lastElsewhere},
			stats: Stats{Fragments: 2, FragInvalid: 1}},
		{name: "past 65535", frags: [][]byte{oversize},
			stats: Stats{Fragments: 1, FragInvalid: 1}},
		{name: "icmp error in fragments", frags: [][]byte{fIcmp[1], fIcmp[0]}, want: icmp, kind: KindICMPError,
			stats: Stats{Fragments: 2, FragReassembled: 1}},
		{name: "ipv6 in order", frags: f6, want: seg6, kind: KindTCP,
			stats: Stats{Fragments: 3, FragReassembled: 1}},
		{name: "ipv6 shuffled", frags: [][]byte{f6[1], f6[2], f6[0]}, want: seg6, kind: KindTCP,
			stats: Stats{Fragments: 3, FragReassembled: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(Options{})
			kinds, p := feed(t, d, tc.frags, 1e18)
			for i, k := range kinds[:len(kinds)-1] {
				if k != KindFragment {
					t.Errorf("fragment %d: %v", i, k)
				}
			}
			last := kinds[len(kinds)-1]
			if tc.want == nil {
				if last != KindFragment {
					t.Errorf("last fragment: %v", last)
				}
			} else {
				w, wk := whole(tc.want)
				// Fragments cannot carry DF, so the rebuilt packet has none.
				w.Reassembled, w.DF = true, false
				if last != tc.kind || wk != tc.kind || !samePacket(p, w) {
					t.Errorf("reassembled:\n got  %s\n want %s", factsLine(0, last, &p), factsLine(0, tc.kind, &w))
				}
			}
			s := d.Stats()
			got := Stats{Fragments: s.Fragments, FragReassembled: s.FragReassembled, FragDuplicates: s.FragDuplicates,
				FragOverlaps: s.FragOverlaps, FragInvalid: s.FragInvalid, FragPending: s.FragPending}
			if got != tc.stats {
				t.Errorf("fragment stats %+v\nwant %+v", got, tc.stats)
			}
			if s.FragPending == 0 && s.FragBytesHeld != 0 {
				t.Errorf("%d bytes held with nothing pending", s.FragBytesHeld)
			}
		})
	}
}

// Incomplete datagrams expire on capture time, and memory stays within
// MaxFragBytes by dropping the oldest.
func TestFragmentLimits(t *testing.T) {
	pkts := readCapture(t, corpusPath(t, "zeek/Traces/ftp/ipv4.pcap"))
	seg := pkts[firstTCPWithPayload(t, pkts, 1000)].data[14:]
	f := fragment4(seg, 504, 1008)

	t.Run("expiry", func(t *testing.T) {
		d := NewDecoder(Options{FragTimeout: 10 * time.Second})
		feed(t, d, [][]byte{f[0], f[1]}, 0) // at 0 s and 1 s
		var p Packet
		d.Decode(f[2], layers.LinkTypeRaw, int64(10*time.Second), &p) // 10 s after the first: still in time
		if s := d.Stats(); s.FragReassembled != 1 || s.FragExpired != 0 {
			t.Fatalf("stats %+v", s)
		}
		feed(t, d, [][]byte{f[0], f[1]}, int64(100*time.Second))
		k, _ := d.Decode(f[2], layers.LinkTypeRaw, int64(111*time.Second), &p) // 11 s: expired first
		s := d.Stats()
		if k != KindFragment || s.FragExpired != 1 || s.FragPending != 1 || s.FragReassembled != 1 {
			t.Errorf("%v, stats %+v", k, s)
		}
	})

	t.Run("memory bound", func(t *testing.T) {
		// Room for about one datagram: completing a second one pushes the
		// first out, which then never completes.
		d := NewDecoder(Options{MaxFragBytes: 2000})
		other := append([]byte(nil), seg...)
		other[5] ^= 0xff // another IP ID, another datagram
		g := fragment4(other, 504, 1008)
		kinds, p := feed(t, d, [][]byte{f[0], g[0], g[1], g[2]}, 0)
		s := d.Stats()
		if kinds[3] != KindTCP || p.IPID != binary.BigEndian.Uint16(other[4:6]) || s.FragEvicted != 1 || s.FragPending != 0 {
			t.Errorf("kinds %v, stats %+v", kinds, s)
		}
		kinds, _ = feed(t, d, [][]byte{f[1], f[2]}, 10)
		s = d.Stats()
		if kinds[1] != KindFragment || s.FragPending != 1 || s.FragBytesHeld > 2000 || s.FragReassembled != 1 {
			t.Errorf("kinds %v, stats %+v", kinds, s)
		}
	})

	t.Run("snap length", func(t *testing.T) {
		d := NewDecoder(Options{})
		var p Packet
		k, err := d.Decode(f[0][:200], layers.LinkTypeRaw, 0, &p)
		if s := d.Stats(); k != KindFragment || err != nil || !p.Truncated || s.FragTruncated != 1 || s.FragPending != 0 {
			t.Errorf("%v %v %+v", k, err, s)
		}
	})
}

// The corpus fragment captures: a fragmented SYN completes (its facts are
// checked against tshark in TestDecodeMatchesTshark), five fragments
// without their last never do, and teardrop's overlap is refused.
func TestFragmentCorpus(t *testing.T) {
	t.Run("fragmented-syn", func(t *testing.T) {
		kinds, pkts, _, d := decodeAll(t, readCapture(t, corpusPath(t, "zeek/Traces/ipv4/fragmented-syn.pcap")))
		if kinds[0] != KindFragment || kinds[1] != KindTCP || !pkts[1].Reassembled || pkts[1].Flags != 0x02 {
			t.Errorf("kinds %v, last %+v", kinds, pkts[1])
		}
		if s := d.Stats(); s.Fragments != 2 || s.FragReassembled != 1 || s.FragPending != 0 {
			t.Errorf("stats %+v", s)
		}
	})
	t.Run("fragmented-3", func(t *testing.T) {
		pkts := readCapture(t, corpusPath(t, "zeek/Traces/ipv4/fragmented-3.pcap"))
		kinds, _, _, d := decodeAll(t, pkts)
		for i, k := range kinds {
			if k != KindFragment {
				t.Errorf("frame %d: %v", i+1, k)
			}
		}
		if s := d.Stats(); s.Fragments != 5 || s.FragReassembled != 0 || s.FragPending != 1 || s.FragBytesHeld == 0 {
			t.Errorf("stats %+v", s)
		}
		// Any packet 31 s later expires it.
		var p Packet
		d.Decode(pkts[0].data, pkts[0].lt, pkts[4].ts+int64(31*time.Second), &p)
		if s := d.Stats(); s.FragExpired != 1 || s.FragPending != 1 {
			t.Errorf("after the timeout: %+v", s)
		}
	})
	t.Run("teardrop", func(t *testing.T) {
		kinds, _, errs, d := decodeAll(t, readCapture(t, corpusPath(t, "filesamples/teardrop.pcap")))
		// Frames 8 and 9 (tshark: "Fragment overlap: True, Conflicting
		// data in fragment overlap").
		if kinds[7] != KindFragment || kinds[8] != KindFragment || errs[7] != nil || errs[8] != nil {
			t.Errorf("frames 8, 9: %v %v (%v %v)", kinds[7], kinds[8], errs[7], errs[8])
		}
		if s := d.Stats(); s.Fragments != 2 || s.FragOverlaps != 1 || s.FragReassembled != 0 || s.FragPending != 0 {
			t.Errorf("stats %+v", s)
		}
	})
}
