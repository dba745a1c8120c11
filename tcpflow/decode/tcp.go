package decode

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
)

// maxWScale is the largest window-scale shift a receiver honours (RFC 7323
// section 2.3); gopacket's layers has no constant for it.
const maxWScale = 14

// tcpFacts fills p's TCP fields from the decoded TCP layer. seg is the
// segment as captured (from the TCP header on, possibly cut by the snap
// length); segLen is the segment length the IP header implies.
func (d *Decoder) tcpFacts(p *Packet, seg []byte, segLen int) {
	t := &d.tcp
	p.SrcPort = uint16(t.SrcPort)
	p.DstPort = uint16(t.DstPort)
	p.Seq = t.Seq
	p.Ack = t.Ack
	p.Flags = seg[13]
	p.Win = t.Window

	hdrLen := int(t.DataOffset) * 4
	parseTCPOptions(seg[20:min(hdrLen, len(seg))], p)

	p.PayloadLen = max(segLen-hdrLen, 0)
	if hdrLen < len(seg) {
		p.Payload = t.Payload
	}
	if len(p.Payload) < p.PayloadLen {
		p.Truncated = true
	}
}

// parseTCPOptions reads the options the tracker needs straight from the
// header bytes: MSS, window scale, SACK permitted and timestamps. Parsing
// stops at the end-of-options kind or at the first malformed option, as a
// receiving stack would; options before it keep their values. Each option
// counts only with the length its RFC fixes (RFC 9293, RFC 7323, RFC 2018).
func parseTCPOptions(opts []byte, p *Packet) {
	for i := 0; i < len(opts); {
		kind := opts[i]
		switch kind {
		case layers.TCPOptionKindEndList:
			return
		case layers.TCPOptionKindNop:
			i++
			continue
		}
		if i+1 >= len(opts) {
			return
		}
		n := int(opts[i+1])
		if n < 2 || i+n > len(opts) {
			return
		}
		val := opts[i+2 : i+n]
		switch {
		case kind == layers.TCPOptionKindMSS && n == 4:
			p.MSS = binary.BigEndian.Uint16(val)
		case kind == layers.TCPOptionKindWindowScale && n == 3:
			p.WScaleRaw = val[0]
			p.WScale = int8(min(val[0], maxWScale))
		case kind == layers.TCPOptionKindSACKPermitted && n == 2:
			p.SACKPerm = true
		case kind == layers.TCPOptionKindTimestamps && n == 10:
			p.HasTS = true
			p.TSVal = binary.BigEndian.Uint32(val[0:4])
			p.TSEcr = binary.BigEndian.Uint32(val[4:8])
		}
		i += n
	}
}
