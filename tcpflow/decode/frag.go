package decode

import (
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Reassembly limits that are not options.
const (
	// maxDatagram is the largest fragmentable part an IPv4 or (non-jumbo)
	// IPv6 datagram can have; a fragment reaching past it is an attack
	// (ping of death) or garbage.
	maxDatagram = 65535
	// maxFragPieces bounds the fragments of one datagram: real senders use
	// a few, and a datagram of thousands of 8-byte pieces only costs time.
	maxFragPieces = 256
	// pieceOverhead is the memory charged per fragment on top of its bytes,
	// so that a flood of tiny fragments also meets MaxFragBytes.
	pieceOverhead = 64
	// bufRound is the step in which a datagram's buffer grows.
	bufRound = 512
)

// fragment handles one IPv4 or IPv6 fragment whose header facts are in p
// and whose fragmentable bytes are payload. ipStart is where the IP header
// starts in data. When the fragment completes its datagram, the datagram
// is decoded as a packet of its own (p.Reassembled).
func (d *Decoder) fragment(data []byte, ts int64, p *Packet, payload []byte, ipStart int) (Kind, error) {
	d.stats.Fragments++
	var (
		key  fragKey
		off  int
		more bool
		head = fragHead{ttl: p.TTL, ipid: p.IPID, df: p.DF}
	)
	if p.V6 {
		f := &d.frag6
		key = fragKey{src: p.Src, dst: p.Dst, id: f.Identification}
		off, more = int(f.FragmentOffset)*8, f.MoreFragments
		head.proto = uint8(f.NextHeader)
		// The reassembled packet keeps the headers before the fragment
		// header and drops the fragment header (RFC 8200 section 4.5).
		head.hdrLen = offsetIn(data, f.Contents) - ipStart
	} else {
		ip := &d.ip4
		key = fragKey{src: p.Src, dst: p.Dst, id: uint32(ip.Id), proto: uint8(ip.Protocol)}
		off, more = int(ip.FragOffset)*8, ip.Flags&layers.IPv4MoreFragments != 0
		head.proto = uint8(ip.Protocol)
		head.hdrLen = int(ip.IHL) * 4
	}
	if p.Truncated {
		// Bytes the snap length cut are gone: the datagram can never be
		// rebuilt from this capture.
		d.stats.FragTruncated++
		return KindFragment, nil
	}
	whole, h, done := d.frags.add(key, ts, off, more, payload, head)
	if !done {
		return KindFragment, nil
	}
	d.stats.FragReassembled++
	p.Reassembled = true
	p.TTL, p.IPID, p.DF = h.ttl, h.ipid, h.df
	p.IPLen = h.hdrLen + len(whole)
	return d.reassembled(p, h.proto, whole)
}

// reassembled decodes the transport layer of a rebuilt datagram.
func (d *Decoder) reassembled(p *Packet, proto uint8, b []byte) (Kind, error) {
	if p.V6 {
		var ok bool
		if proto, b, ok = skipExtHeaders(proto, b); !ok {
			return KindOther, nil
		}
	}
	switch pr := layers.IPProtocol(proto); {
	case pr == layers.IPProtocolTCP:
		if err := d.tcp.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			return KindOther, wrapParserError(err)
		}
		d.tcpFacts(p, b, len(b))
		return KindTCP, nil
	case pr == layers.IPProtocolICMPv4 && !p.V6:
		if err := d.icmp4.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			return KindOther, wrapParserError(err)
		}
		return d.icmp4Facts(p), nil
	case pr == layers.IPProtocolICMPv6 && p.V6:
		if err := d.icmp6.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			return KindOther, wrapParserError(err)
		}
		return d.icmp6Facts(p), nil
	}
	return KindOther, nil
}

// fragKey identifies the datagram a fragment belongs to: source,
// destination, protocol and identification for IPv4 (RFC 791); source,
// destination and identification for IPv6 (RFC 8200), protocol 0.
type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
}

// fragHead holds the facts of a datagram's first fragment (offset 0),
// which the reassembled packet reports.
type fragHead struct {
	proto  uint8 // IPv4 protocol, or the IPv6 fragment header's next header
	ttl    uint8
	ipid   uint16
	df     bool
	hdrLen int // IP header bytes the reassembled packet keeps
}

// datagram is one datagram being rebuilt.
type datagram struct {
	key     fragKey
	firstTS int64  // capture time of its first fragment, for expiry
	buf     []byte // the fragmentable part so far, fragments at their offsets
	ranges  []fragRange
	have    int // bytes received, overlaps excluded
	end     int // length of the whole, -1 until the last fragment came
	head    fragHead
	charged int // bytes charged against the table's bound

	older, newer *datagram // age list
}

type fragRange struct{ off, end int }

// fragTable holds incomplete datagrams, bounded in memory and expired on
// capture time. Overlapping fragments discard their datagram, as Linux and
// RFC 5722 do: reassembly ambiguity is how teardrop-style attacks and IDS
// evasion work, and there is no right answer to pick.
type fragTable struct {
	maxBytes int
	timeout  int64
	stats    *Stats

	byKey          map[fragKey]*datagram
	oldest, newest *datagram
	held           int
}

func (t *fragTable) init(maxBytes int, timeout int64, stats *Stats) {
	t.maxBytes, t.timeout, t.stats = maxBytes, timeout, stats
	t.byKey = make(map[fragKey]*datagram)
}

func (t *fragTable) pending() bool { return t.oldest != nil }

// expire drops the datagrams whose first fragment came more than the
// timeout before ts.
func (t *fragTable) expire(ts int64) {
	for t.oldest != nil && ts-t.oldest.firstTS > t.timeout {
		t.stats.FragExpired++
		t.remove(t.oldest)
	}
}

// add files one fragment: off is its offset in bytes, more its MF flag,
// data its bytes (copied). When the fragment completes its datagram, add
// returns the whole fragmentable part, in a buffer the table no longer
// uses, and the first fragment's facts.
func (t *fragTable) add(key fragKey, ts int64, off int, more bool, data []byte, head fragHead) ([]byte, fragHead, bool) {
	end := off + len(data)
	if len(data) == 0 || end > maxDatagram {
		t.stats.FragInvalid++
		return nil, fragHead{}, false
	}
	dg := t.byKey[key]
	if dg == nil {
		dg = t.insert(key, ts)
	}

	at := len(dg.ranges) // where the new range goes, keeping them sorted
	for i, r := range dg.ranges {
		if off < r.end && r.off < end {
			if off == r.off && end == r.end {
				t.stats.FragDuplicates++ // a retransmitted fragment
				return nil, fragHead{}, false
			}
			t.stats.FragOverlaps++
			t.remove(dg)
			return nil, fragHead{}, false
		}
		if r.off > off && at == len(dg.ranges) {
			at = i
		}
	}
	switch {
	case !more && (dg.end >= 0 && dg.end != end || end < len(dg.buf)):
		// A second, different last fragment, or one ending before bytes
		// already received.
		t.stats.FragInvalid++
		t.remove(dg)
		return nil, fragHead{}, false
	case more && dg.end >= 0 && end > dg.end:
		// Bytes past the end the last fragment set.
		t.stats.FragInvalid++
		t.remove(dg)
		return nil, fragHead{}, false
	}
	if len(dg.ranges) >= maxFragPieces {
		t.stats.FragPieceCap++
		t.remove(dg)
		return nil, fragHead{}, false
	}
	if !t.reserve(dg, end) {
		return nil, fragHead{}, false
	}

	copy(dg.buf[off:end], data)
	dg.ranges = append(dg.ranges, fragRange{})
	copy(dg.ranges[at+1:], dg.ranges[at:])
	dg.ranges[at] = fragRange{off, end}
	dg.have += len(data)
	if !more {
		dg.end = end
	}
	if off == 0 {
		dg.head = head
	}
	if dg.end < 0 || dg.have != dg.end {
		return nil, fragHead{}, false
	}
	// Disjoint ranges inside [0, end) that add up to end cover it.
	whole, h := dg.buf[:dg.end], dg.head
	t.remove(dg)
	return whole, h, true
}

// reserve grows dg's buffer to hold bytes up to end, charging the growth
// and the fragment's overhead, and evicting the oldest datagrams when the
// bound is reached. It reports false when dg itself had to go.
func (t *fragTable) reserve(dg *datagram, end int) bool {
	// The buffer grows to the bytes needed, rounded up so that fragments
	// arriving in order do not copy it every time.
	grow := 0
	newCap := cap(dg.buf)
	if end > newCap {
		newCap = min((end+bufRound-1)/bufRound*bufRound, maxDatagram)
		grow = newCap - cap(dg.buf)
	}
	cost := grow + pieceOverhead
	for t.held+cost > t.maxBytes {
		victim := t.oldest
		if victim == nil {
			return false // unreachable: dg itself is in the list
		}
		t.stats.FragEvicted++
		t.remove(victim)
		if victim == dg {
			return false
		}
	}
	if grow > 0 {
		buf := make([]byte, len(dg.buf), newCap)
		copy(buf, dg.buf)
		dg.buf = buf
	}
	if end > len(dg.buf) {
		dg.buf = dg.buf[:end]
	}
	dg.charged += cost
	t.held += cost
	return true
}

func (t *fragTable) insert(key fragKey, ts int64) *datagram {
	dg := &datagram{key: key, firstTS: ts, end: -1, ranges: make([]fragRange, 0, 4)}
	t.byKey[key] = dg
	dg.older = t.newest
	if t.newest != nil {
		t.newest.newer = dg
	} else {
		t.oldest = dg
	}
	t.newest = dg
	return dg
}

func (t *fragTable) remove(dg *datagram) {
	if dg.older != nil {
		dg.older.newer = dg.newer
	} else {
		t.oldest = dg.newer
	}
	if dg.newer != nil {
		dg.newer.older = dg.older
	} else {
		t.newest = dg.older
	}
	dg.older, dg.newer = nil, nil
	delete(t.byKey, dg.key)
	t.held -= dg.charged
	dg.charged = 0
}
