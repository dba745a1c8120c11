package decode

import "encoding/binary"

// TCP option kinds (RFC 9293, RFC 7323, RFC 2018).
const (
	tcpOptEnd       = 0
	tcpOptNop       = 1
	tcpOptMSS       = 2
	tcpOptWScale    = 3
	tcpOptSACKPerm  = 4
	tcpOptTimestamp = 8

	maxWScale = 14 // RFC 7323 section 2.3
)

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
// receiving stack would; options before it keep their values.
func parseTCPOptions(opts []byte, p *Packet) {
	for i := 0; i < len(opts); {
		kind := opts[i]
		switch kind {
		case tcpOptEnd:
			return
		case tcpOptNop:
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
		case kind == tcpOptMSS && n == 4:
			p.MSS = binary.BigEndian.Uint16(val)
		case kind == tcpOptWScale && n == 3:
			p.WScaleRaw = val[0]
			p.WScale = int8(min(val[0], maxWScale))
		case kind == tcpOptSACKPerm && n == 2:
			p.SACKPerm = true
		case kind == tcpOptTimestamp && n == 10:
			p.HasTS = true
			p.TSVal = binary.BigEndian.Uint32(val[0:4])
			p.TSEcr = binary.BigEndian.Uint32(val[4:8])
		}
		i += n
	}
}
