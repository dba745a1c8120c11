package capgen

import "math/rand/v2"

// dir is the direction a segment travels.
type dir uint8

const (
	up   dir = 0 // client → server
	down dir = 1 // server → client
)

func (d dir) peer() dir { return 1 - d }

// TCP flag bits as they sit in the header's flags byte.
const (
	flagFIN uint8 = 0x01
	flagSYN uint8 = 0x02
	flagRST uint8 = 0x04
	flagPSH uint8 = 0x08
	flagACK uint8 = 0x10
)

// half is one end of a connection: the sender of the segments in its
// direction.
type half struct {
	host *host
	port uint16
	seq  uint32 // next sequence number it sends
	ipid uint16 // per-connection IP ID counter
	// tsOffset is its TCP timestamp clock's random per-connection offset
	// (Linux ≥ 4.10); lastTSval is the value it put in its latest packet,
	// which the peer echoes.
	tsOffset  uint32
	lastTSval uint32
	flowLabel uint32 // IPv6 flow label (Linux picks one per connection)
	mss       uint16 // MSS it announces in its SYN
	rcvWindow uint32 // receive window it advertises, bytes
	acked     int    // data segments it has acknowledged (quickack accounting)
}

// conn is one TCP connection. h[up] is the end that opened it (sent the
// SYN), h[down] the end that accepted it; on an active-mode FTP data
// connection that is the FTP server and the FTP client respectively.
type conn struct {
	h  [2]half
	v6 bool
	// owe is, per end, the capture time by which it acknowledges data it
	// received and has not acknowledged yet (0: nothing owed); see
	// session.send.
	owe [2]int64
	// negotiated in the handshake
	wscale [2]int8 // shift applied to each end's window field; -1: none
	ts     bool
	sack   bool
}

// newConn is a connection that opener's port oport opens to acceptor's
// port aport: random ISNs, IP ID starts, timestamp offsets and flow labels,
// and the options the two stacks agree on.
func newConn(opener *host, oport uint16, acceptor *host, aport uint16, r *rand.Rand) *conn {
	c := &conn{v6: opener.addr.Is6()}
	for d, e := range [2]struct {
		h    *host
		port uint16
	}{{opener, oport}, {acceptor, aport}} {
		mss := uint16(1460)
		if c.v6 {
			mss = 1440
		}
		c.h[d] = half{
			host: e.h, port: e.port,
			seq: r.Uint32(), ipid: uint16(r.Uint32()),
			tsOffset: r.Uint32(), flowLabel: r.Uint32() & 0xfffff,
			mss: mss, rcvWindow: e.h.stack.rcvWindow,
		}
	}
	os, as := opener.stack, acceptor.stack
	c.ts = os.timestamps && as.timestamps
	c.sack = os.sackOK && as.sackOK
	c.wscale = [2]int8{-1, -1}
	if os.wscale >= 0 && as.wscale >= 0 {
		c.wscale = [2]int8{os.wscale, as.wscale}
	}
	for d := range c.h {
		if c.wscale[d] < 0 {
			// without window scaling the window field is the window
			c.h[d].rcvWindow = min(c.h[d].rcvWindow, 65535)
		}
	}
	return c
}

// payloadMSS is the largest payload a segment in direction d carries: the
// receiver's MSS less the timestamp option.
func (c *conn) payloadMSS(d dir) int {
	m := int(c.h[d.peer()].mss)
	if c.ts {
		m -= 12
	}
	return m
}

// window is the window field the sender in direction d advertises.
func (c *conn) window(d dir) uint16 {
	w := c.h[d].rcvWindow
	if s := c.wscale[d]; s >= 0 {
		w >>= uint(s)
	}
	return uint16(min(w, 65535))
}

// rtt is the round-trip time between the two ends.
func (c *conn) rtt() int64 { return 2 * (c.h[up].host.delay + c.h[down].host.delay) }

// turn is how long after a packet from the peer is captured the end in
// direction d can be seen answering it, before its own processing time.
func (c *conn) turn(d dir) int64 { return 2 * c.h[d].host.delay }

// optSet names the TCP options a segment carries; the writer lays them
// out as the sending stack does.
type optSet uint8

const (
	optAuto optSet = iota // timestamps if negotiated, nothing otherwise
	optSYN                // the stack's SYN or SYN-ACK options
	optSACK               // timestamps if negotiated, then one SACK block
	optNone               // no options at all (resets, forged packets)
)

// segment is one TCP segment waiting in the timeline. IP IDs and TCP
// timestamps are left out: they depend on what the end sent before, so
// they are filled in when the segment is written, in capture order.
type segment struct {
	c       *conn
	d       dir
	flags   uint8
	opts    optSet
	seq     uint32
	ack     uint32
	win     uint16
	sack    [2]uint32 // left and right edge of one SACK block (optSACK)
	payload []byte
	// forged marks a packet a middlebox sent in an end's name: it carries
	// the middlebox's TTL and IP ID instead of the end's.
	forged     bool
	forgedTTL  uint8
	forgedIPID uint16
}

// next builds the end's next segment in direction d: it takes the end's
// sequence number and advances it, and acknowledges everything the peer
// has sent so far (sessions generate each connection's segments in their
// logical order, so the peer's next sequence number is what this end has
// received).
func (c *conn) next(d dir, flags uint8, payload []byte) segment {
	h, p := &c.h[d], &c.h[d.peer()]
	s := segment{c: c, d: d, flags: flags, seq: h.seq, payload: payload}
	if flags&flagACK != 0 {
		s.ack = p.seq
	}
	s.win = c.window(d)
	if flags&flagSYN != 0 {
		s.opts = optSYN
		s.win = h.host.stack.synWindow
		if flags&flagACK != 0 {
			s.win = h.host.stack.synAckWindow
		}
	}
	h.seq += uint32(len(payload))
	if flags&(flagSYN|flagFIN) != 0 {
		h.seq++
	}
	return s
}

// wire holds the fields an end fills in at the moment it sends.
type wire struct {
	ttl   uint8
	ipid  uint16
	tsval uint32
	tsecr uint32
}

// stamp fills in the send-time fields of sg sent at capture time at and
// advances the sender's counters.
func (c *conn) stamp(sg *segment, at int64) wire {
	h, p := &c.h[sg.d], &c.h[sg.d.peer()]
	if sg.forged {
		return wire{ttl: sg.forgedTTL, ipid: sg.forgedIPID}
	}
	w := wire{ttl: h.host.ttl()}
	st := h.host.stack
	switch {
	case st.zeroIDSynAck && sg.flags&(flagSYN|flagACK) == flagSYN|flagACK,
		st.zeroIDSynAck && sg.flags&flagRST != 0 && sg.opts == optNone:
		w.ipid = 0
	case st.perConnIPID:
		w.ipid = h.ipid
		h.ipid++
	default:
		w.ipid = h.host.ipid
		h.host.ipid++
	}
	if st.timestamps {
		// a 1 kHz timestamp clock, as Linux's
		w.tsval = h.tsOffset + uint32(at/1_000_000)
		if sg.flags&(flagSYN|flagACK) != flagSYN {
			w.tsecr = p.lastTSval
		}
		h.lastTSval = w.tsval
	}
	return w
}
