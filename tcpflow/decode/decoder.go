package decode

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Options configure a Decoder. Zero values take the defaults.
type Options struct {
	// MaxFragBytes bounds the memory held by IP fragments waiting for the
	// rest of their datagram, over all datagrams (default 4 MiB, Linux's
	// ipfrag_high_thresh). At the bound the oldest datagrams are dropped
	// and counted in Stats.FragEvicted.
	MaxFragBytes int
	// FragTimeout is how long, in capture time, an incomplete datagram
	// waits for its missing fragments (default 30 s, Linux's ipfrag_time);
	// expired datagrams are counted in Stats.FragExpired.
	FragTimeout time.Duration
}

// Defaults for zero Options.
const (
	DefaultMaxFragBytes = 4 << 20
	DefaultFragTimeout  = 30 * time.Second
)

// ErrUnsupportedLinkType is returned for packets of a link type the
// decoder has no parser for; Stats.UnsupportedLinkType counts them.
var ErrUnsupportedLinkType = errors.New("decode: unsupported link type")

// errNotIP is returned for raw-IP link types whose packet does not start
// with version 4 or 6.
var errNotIP = errors.New("decode raw ip: version is neither 4 nor 6")

// Link types written in capture files for raw IP besides LINKTYPE_RAW
// (101): libpcap maps DLT_RAW as 12 (most systems) and 14 (OpenBSD).
const (
	linkTypeRawDLT        layers.LinkType = 12
	linkTypeRawDLTOpenBSD layers.LinkType = 14
)

// Decoder decodes packets into Packets. It is not safe for concurrent use:
// use one per goroutine. Its layers are allocated once and shared by one
// DecodingLayerParser per first layer (link type), so decoding a TCP
// segment allocates nothing.
type Decoder struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  layers.LinuxSLL2
	loop  layers.Loopback
	ip4   layers.IPv4
	ip6   layers.IPv6
	ext6  layers.IPv6ExtensionSkipper // routing and destination options
	frag6 layers.IPv6Fragment
	tcp   layers.TCP
	icmp4 layers.ICMPv4
	icmp6 layers.ICMPv6

	ethernet, linuxSLL, linuxSLL2, loopback, rawIPv4, rawIPv6 *gopacket.DecodingLayerParser
	decoded                                                   []gopacket.LayerType

	frags fragTable
	stats Stats
}

// NewDecoder returns a Decoder with its layers and parsers allocated.
func NewDecoder(opts Options) *Decoder {
	if opts.MaxFragBytes <= 0 {
		opts.MaxFragBytes = DefaultMaxFragBytes
	}
	if opts.FragTimeout <= 0 {
		opts.FragTimeout = DefaultFragTimeout
	}
	d := &Decoder{decoded: make([]gopacket.LayerType, 0, 16)}
	d.frags.init(opts.MaxFragBytes, int64(opts.FragTimeout), &d.stats)

	// One sparse container (a slice indexed by layer type, the fastest
	// lookup) holds every layer; each parser starts at its own first
	// layer. The fragment header is added after the extension skipper so
	// that it, not the skipper, decodes it: the skipper would carry on into
	// a non-first fragment's bytes as if they were a transport header.
	var dlc gopacket.DecodingLayerContainer = gopacket.DecodingLayerSparse(nil)
	for _, l := range []gopacket.DecodingLayer{
		&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop,
		&d.ip4, &d.ip6, &d.ext6, &d.frag6,
		&d.tcp, &d.icmp4, &d.icmp6,
	} {
		dlc = dlc.Put(l)
	}
	newParser := func(first gopacket.LayerType) *gopacket.DecodingLayerParser {
		p := gopacket.NewDecodingLayerParser(first)
		p.SetDecodingLayerContainer(dlc)
		// Stop quietly at a layer we do not decode (UDP, ARP, ICMPv6
		// bodies): what was decoded up to there is what we want.
		p.IgnoreUnsupported = true
		return p
	}
	d.ethernet = newParser(layers.LayerTypeEthernet)
	d.linuxSLL = newParser(layers.LayerTypeLinuxSLL)
	d.linuxSLL2 = newParser(layers.LayerTypeLinuxSLL2)
	d.loopback = newParser(layers.LayerTypeLoopback)
	d.rawIPv4 = newParser(layers.LayerTypeIPv4)
	d.rawIPv6 = newParser(layers.LayerTypeIPv6)
	return d
}

// Stats returns the decoder's counters.
func (d *Decoder) Stats() Stats {
	s := d.stats
	s.FragPending = len(d.frags.byKey)
	s.FragBytesHeld = d.frags.held
	s.MaxFragBytes, s.MaxFragPieces = d.frags.maxBytes, maxFragPieces
	return s
}

// parser returns the parser for a link type, nil for an unsupported one.
// Raw IP link types pick IPv4 or IPv6 by the version nibble.
func (d *Decoder) parser(lt layers.LinkType, data []byte) (*gopacket.DecodingLayerParser, error) {
	switch lt {
	case layers.LinkTypeEthernet:
		return d.ethernet, nil
	case layers.LinkTypeLinuxSLL:
		return d.linuxSLL, nil
	case layers.LinkTypeLinuxSLL2:
		return d.linuxSLL2, nil
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return d.loopback, nil
	case layers.LinkTypeRaw, linkTypeRawDLT, linkTypeRawDLTOpenBSD, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
		if len(data) > 0 {
			switch data[0] >> 4 {
			case 4:
				return d.rawIPv4, nil
			case 6:
				return d.rawIPv6, nil
			}
		}
		return nil, errNotIP
	}
	return nil, ErrUnsupportedLinkType
}

// Decode fills p with the facts of one captured packet of link type lt.
// ts is its capture time in Unix nanoseconds, which drives fragment
// expiry. p is overwritten; p.Payload aliases data, or the decoder's
// reassembly buffer, until the next call.
//
// The error is non-nil when the packet could not be decoded as far as its
// headers claim (a malformed header, or an unsupported link type); p then
// holds what was decoded before the problem and the Kind says how far that
// got. A packet cut by the snap length is not an error: it is decoded as
// far as its bytes go and p.Truncated is set.
func (d *Decoder) Decode(data []byte, lt layers.LinkType, ts int64, p *Packet) (Kind, error) {
	*p = Packet{WScale: WScaleNone}
	d.stats.Packets++
	if d.frags.pending() {
		d.frags.expire(ts)
	}
	parser, err := d.parser(lt, data)
	if err != nil {
		if err == ErrUnsupportedLinkType {
			d.stats.UnsupportedLinkType++
		}
		d.stats.Undecodable++
		d.stats.NonIP++
		return KindNonIP, err
	}
	perr := parser.DecodeLayers(data, &d.decoded)
	k, err := d.facts(data, ts, p, perr)
	if err != nil {
		d.stats.Undecodable++
	}
	if p.Truncated {
		d.stats.Truncated++
	}
	d.stats.count(k)
	return k, err
}

// facts reads the decoded layers into p. perr is the parser's error.
func (d *Decoder) facts(data []byte, ts int64, p *Packet, perr error) (Kind, error) {
	var (
		ipStart   = -1 // offset of the IP header in data
		transport []byte
		next      gopacket.LayerType // what the last decoded layer says follows
		fragment  bool
	)
	for _, typ := range d.decoded {
		switch typ {
		case layers.LayerTypeDot1Q:
			p.VLAN = d.dot1q.VLANIdentifier
		case layers.LayerTypeIPv4:
			ipStart = offsetIn(data, d.ip4.Contents)
			d.ip4Facts(p)
			transport, next = d.ip4.Payload, d.ip4.NextLayerType()
			fragment = next == gopacket.LayerTypeFragment
		case layers.LayerTypeIPv6:
			ipStart = offsetIn(data, d.ip6.Contents)
			d.ip6Facts(p)
			transport, next = d.ip6.Payload, d.ip6.NextLayerType()
		case layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination, layers.LayerTypeIPv6HopByHop:
			transport, next = d.ext6.Payload, d.ext6.NextLayerType()
		case layers.LayerTypeIPv6Fragment:
			transport, next = d.frag6.Payload, d.frag6.NextLayerType()
			fragment = next == gopacket.LayerTypeFragment
		}
	}
	if ipStart < 0 {
		return KindNonIP, wrapParserError(perr)
	}
	// p.Truncated: the capture holds fewer bytes than the IP header says.
	p.Truncated = len(data)-ipStart < p.IPLen
	// transportLen is the transport length the IP header implies.
	transportLen := ipStart + p.IPLen - offsetIn(data, transport)

	if fragment {
		return d.fragment(data, ts, p, transport, ipStart)
	}
	if perr != nil && p.Truncated {
		// The snap length cut a header after the IP header: that is the
		// capture's limit, not a malformed packet. A TCP header cut inside
		// its options still has its fixed part.
		if next == layers.LayerTypeTCP && d.tcpCutShort(transport) {
			d.tcpFacts(p, transport, transportLen)
			return KindTCP, nil
		}
		return KindOther, nil
	}
	if perr != nil {
		return KindOther, wrapParserError(perr)
	}
	if d.decoded[len(d.decoded)-1] != next {
		// The parser stopped before the transport layer: one we do not
		// decode, or an empty IP payload.
		return KindOther, nil
	}
	switch next {
	case layers.LayerTypeTCP:
		d.tcpFacts(p, transport, transportLen)
		return KindTCP, nil
	case layers.LayerTypeICMPv4:
		return d.icmp4Facts(p), nil
	case layers.LayerTypeICMPv6:
		return d.icmp6Facts(p), nil
	}
	return KindOther, nil
}

// tcpCutShort reports whether the TCP layer failed only because the
// header was cut inside its options: the fixed header is then complete and
// the segment's facts are still good.
func (d *Decoder) tcpCutShort(seg []byte) bool {
	return len(seg) >= 20 && d.tcp.DataOffset >= 5 && int(d.tcp.DataOffset)*4 > len(seg)
}

// wrapParserError prefixes a gopacket layer's error, which names the
// layer and the problem ("Invalid ip4 header. Length 12 less than 20").
func wrapParserError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("decode: %w", err)
}

func (d *Decoder) ip4Facts(p *Packet) {
	ip := &d.ip4
	p.Src = netip.AddrFrom4([4]byte(ip.SrcIP))
	p.Dst = netip.AddrFrom4([4]byte(ip.DstIP))
	p.TTL = ip.TTL
	p.IPID = ip.Id
	p.DF = ip.Flags&layers.IPv4DontFragment != 0
	p.IPLen = int(ip.Length)
}

func (d *Decoder) ip6Facts(p *Packet) {
	ip := &d.ip6
	p.V6 = true
	p.Src = netip.AddrFrom16([16]byte(ip.SrcIP))
	p.Dst = netip.AddrFrom16([16]byte(ip.DstIP))
	p.TTL = ip.HopLimit
	p.IPLen = 40 + int(ip.Length)
	if ip.Length == 0 && ip.HopByHop != nil {
		// A jumbogram: its length is in the hop-by-hop option, and the
		// parser bounded the payload by it.
		p.IPLen = 40 + ip.HopByHop.ActualLength + len(ip.Payload)
	}
}

// offsetIn returns where inner starts within outer, for a slice that the
// layers cut from outer: slicing forward keeps the end of the backing
// array, so the start is the difference of the capacities.
func offsetIn(outer, inner []byte) int {
	return cap(outer) - cap(inner)
}
