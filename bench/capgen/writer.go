package capgen

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// snaplen of the written captures: tcpdump's default.
const snaplen = 262144

// pcapSink serialises segments into a pcap file with microsecond
// timestamps and Ethernet framing. Its layers, options and buffer are
// reused for every packet, so writing allocates nothing.
type pcapSink struct {
	pw    *pcapgo.Writer
	start time.Time

	buf  gopacket.SerializeBuffer
	eth  layers.Ethernet
	ip4  layers.IPv4
	ip6  layers.IPv6
	tcp  layers.TCP
	data gopacket.Payload
	v4   []gopacket.SerializableLayer
	v6   []gopacket.SerializableLayer

	opts     []layers.TCPOption
	mssData  [2]byte
	wsData   [1]byte
	tsData   [8]byte
	sackData [8]byte

	packets int64
	bytes   int64 // file bytes, headers included
}

func newPCAPSink(w io.Writer, start time.Time) (*pcapSink, error) {
	s := &pcapSink{
		pw:    pcapgo.NewWriter(w),
		start: start,
		buf:   gopacket.NewSerializeBufferExpectedSize(128, 1500),
		opts:  make([]layers.TCPOption, 0, 8),
	}
	if err := s.pw.WriteFileHeader(snaplen, layers.LinkTypeEthernet); err != nil {
		return nil, fmt.Errorf("write pcap header: %w", err)
	}
	s.bytes = 24
	s.ip4 = layers.IPv4{Version: 4, Protocol: layers.IPProtocolTCP}
	s.ip6 = layers.IPv6{Version: 6, NextHeader: layers.IPProtocolTCP}
	s.v4 = []gopacket.SerializableLayer{&s.eth, &s.ip4, &s.tcp, &s.data}
	s.v6 = []gopacket.SerializableLayer{&s.eth, &s.ip6, &s.tcp, &s.data}
	return s, nil
}

var serializeOpts = gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}

// write serialises sg as sent at capture time at (ns after the start).
func (s *pcapSink) write(at int64, sg *segment) error {
	c := sg.c
	src, dst := &c.h[sg.d], &c.h[sg.d.peer()]
	w := c.stamp(sg, at)

	s.eth.SrcMAC = src.host.mac[:]
	s.eth.DstMAC = dst.host.mac[:]
	var ip gopacket.NetworkLayer
	stack := s.v4
	if c.v6 {
		s.eth.EthernetType = layers.EthernetTypeIPv6
		s.ip6.SrcIP, s.ip6.DstIP = src.host.ip, dst.host.ip
		s.ip6.HopLimit = w.ttl
		s.ip6.FlowLabel = src.flowLabel
		ip, stack = &s.ip6, s.v6
	} else {
		s.eth.EthernetType = layers.EthernetTypeIPv4
		s.ip4.SrcIP, s.ip4.DstIP = src.host.ip, dst.host.ip
		s.ip4.TTL = w.ttl
		s.ip4.Id = w.ipid
		s.ip4.Flags = layers.IPv4DontFragment
		if sg.forged {
			s.ip4.Flags = 0
		}
		ip = &s.ip4
	}

	t := &s.tcp
	t.SrcPort, t.DstPort = layers.TCPPort(src.port), layers.TCPPort(dst.port)
	t.Seq, t.Ack, t.Window = sg.seq, sg.ack, sg.win
	t.FIN = sg.flags&flagFIN != 0
	t.SYN = sg.flags&flagSYN != 0
	t.RST = sg.flags&flagRST != 0
	t.PSH = sg.flags&flagPSH != 0
	t.ACK = sg.flags&flagACK != 0
	t.Padding = nil // FixLengths only ever sets it; the layouts below are aligned
	t.Options = s.options(sg, w)
	if err := t.SetNetworkLayerForChecksum(ip); err != nil {
		return fmt.Errorf("serialise packet %d: %w", s.packets+1, err)
	}
	s.data = sg.payload

	if err := gopacket.SerializeLayers(s.buf, serializeOpts, stack...); err != nil {
		return fmt.Errorf("serialise packet %d: %w", s.packets+1, err)
	}
	frame := s.buf.Bytes()
	ts := s.start.Add(time.Duration(at))
	ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}
	if err := s.pw.WritePacket(ci, frame); err != nil {
		return fmt.Errorf("write packet %d: %w", s.packets+1, err)
	}
	s.packets++
	s.bytes += 16 + int64(len(frame))
	return nil
}

// options lays out sg's TCP options the way the sending stack does, in
// s.opts (reused).
func (s *pcapSink) options(sg *segment, w wire) []layers.TCPOption {
	c := sg.c
	o := s.opts[:0]
	nop := layers.TCPOption{OptionType: layers.TCPOptionKindNop}
	ts := func() layers.TCPOption {
		binary.BigEndian.PutUint32(s.tsData[:4], w.tsval)
		binary.BigEndian.PutUint32(s.tsData[4:], w.tsecr)
		return layers.TCPOption{OptionType: layers.TCPOptionKindTimestamps, OptionData: s.tsData[:]}
	}
	switch sg.opts {
	case optNone:
	case optAuto:
		if c.ts {
			o = append(o, nop, nop, ts())
		}
	case optSACK:
		if c.ts {
			o = append(o, nop, nop, ts())
		}
		if c.sack {
			binary.BigEndian.PutUint32(s.sackData[:4], sg.sack[0])
			binary.BigEndian.PutUint32(s.sackData[4:], sg.sack[1])
			o = append(o, nop, nop, layers.TCPOption{OptionType: layers.TCPOptionKindSACK, OptionData: s.sackData[:]})
		}
	case optSYN:
		h := &c.h[sg.d]
		st := h.host.stack
		binary.BigEndian.PutUint16(s.mssData[:], h.mss)
		mss := layers.TCPOption{OptionType: layers.TCPOptionKindMSS, OptionData: s.mssData[:]}
		sackPerm := layers.TCPOption{OptionType: layers.TCPOptionKindSACKPermitted}
		// a SYN offers what the stack has; a SYN-ACK answers what was offered
		offerTS, offerSACK, ws := st.timestamps, st.sackOK, st.wscale
		if sg.flags&flagACK != 0 {
			offerTS, offerSACK = c.ts, c.sack
			if c.wscale[down] < 0 {
				ws = -1
			}
		}
		s.wsData[0] = byte(max(ws, 0))
		wscale := layers.TCPOption{OptionType: layers.TCPOptionKindWindowScale, OptionData: s.wsData[:]}
		switch st.synOptions {
		case synBare:
		case synWindows:
			o = append(o, mss, nop, wscale, nop, nop, sackPerm)
		default: // Linux's tcp_options_write order
			o = append(o, mss)
			switch {
			case offerTS && offerSACK:
				o = append(o, sackPerm, ts())
			case offerTS:
				o = append(o, nop, nop, ts())
			case offerSACK:
				o = append(o, nop, nop, sackPerm)
			}
			if ws >= 0 {
				o = append(o, nop, wscale)
			}
		}
	}
	s.opts = o
	return o
}
