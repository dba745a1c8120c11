package capgen

// The TCP moves a session makes on its connections: handshakes, segments
// with their stack's acknowledgement habits, closes and resets.

// emit queues a segment of the session and notes when the session ends.
func (s *session) emit(at int64, sg segment) {
	s.end = max(s.end, at)
	s.g.sim.emit(at, sg)
}

func (s *session) newConn(opener *host, oport uint16, acceptor *host, aport uint16) *conn {
	c := newConn(opener, oport, acceptor, aport, s.r)
	s.conns = append(s.conns, c)
	s.g.m.Connections++
	return c
}

// connect runs a three-way handshake that opener starts at capture time
// at. It returns the connection and the capture time of the opener's ACK.
func (s *session) connect(opener *host, oport uint16, acceptor *host, aport uint16, at int64) (*conn, int64) {
	c := s.newConn(opener, oport, acceptor, aport)
	s.emit(at, c.next(up, flagSYN, nil))
	t := at + c.turn(down) + jitter(s.r, 15*us)
	s.emit(t, c.next(down, flagSYN|flagACK, nil))
	t += c.turn(up) + jitter(s.r, 10*us)
	s.emit(t, c.next(up, flagACK, nil))
	return c, t
}

// unanswered sends a SYN at capture time at and retransmits it after each
// of rtos; nothing answers. It returns the time of the last SYN.
func (s *session) unanswered(opener *host, oport uint16, acceptor *host, aport uint16, at int64, rtos []int64) int64 {
	c := s.newConn(opener, oport, acceptor, aport)
	syn := c.next(up, flagSYN, nil)
	s.emit(at, syn)
	for _, rto := range rtos {
		at += rto
		s.emit(at, syn) // same sequence number; IP ID and timestamp are new
		s.g.m.Retransmissions++
	}
	return at
}

// send puts end d's next segment on c at capture time at, with its
// stack's acknowledgement habits. An end that owes an acknowledgement
// either piggybacks it on this segment or, when its delayed-ACK timer ran
// out first, sends a pure ACK at the timer; data or a FIN makes the peer
// owe one.
func (s *session) send(c *conn, d dir, at int64, flags uint8, payload []byte) {
	if flags == flagACK && len(payload) == 0 {
		s.pureAck(c, d, at) // settles what d owes
		return
	}
	p := d.peer()
	carries := len(payload) > 0 || flags&flagFIN != 0
	if due := c.owe[p]; carries && due != 0 && due < at {
		s.pureAck(c, p, due) // the peer acknowledged the earlier data before this arrives
	}
	if due := c.owe[d]; due != 0 {
		if due < at {
			s.pureAck(c, d, due)
		} else {
			c.owe[d] = 0
			c.h[d].acked++
		}
	}
	s.emit(at, c.next(d, flags, payload))
	if !carries {
		return
	}
	// the peer acknowledges at once while in quickack mode or for a FIN,
	// else after its delayed-ACK time; never before the data reached it
	st := c.h[p].host.stack
	delay := st.delayedAck
	if flags&flagFIN != 0 || c.h[p].acked < st.quickAcks {
		delay = jitter(s.r, 20*us)
	}
	if due := at + c.turn(p) + delay; c.owe[p] == 0 {
		c.owe[p] = due
	} else {
		c.owe[p] = max(c.owe[p], at+c.turn(p)+jitter(s.r, 20*us))
	}
}

// pureAck is end d's bare acknowledgement at capture time at.
func (s *session) pureAck(c *conn, d dir, at int64) {
	c.owe[d] = 0
	c.h[d].acked++
	s.emit(at, c.next(d, flagACK, nil))
}

// closeBy: end d closes c at capture time at; the peer's application
// closes after peerDelay (its kernel acknowledges the FIN at once), and d
// acknowledges the peer's FIN. It returns the time of that last ACK.
func (s *session) closeBy(c *conn, d dir, at, peerDelay int64) int64 {
	s.send(c, d, at, flagFIN|flagACK, nil)
	t := at + c.turn(d.peer()) + peerDelay
	s.send(c, d.peer(), t, flagFIN|flagACK, nil)
	t += c.turn(d) + jitter(s.r, 15*us)
	s.send(c, d, t, flagACK, nil)
	return t
}

// reset: end d aborts c at capture time at (RST from the end's own stack).
func (s *session) reset(c *conn, d dir, at int64) {
	s.emit(at, c.next(d, flagRST|flagACK, nil))
	c.owe = [2]int64{}
}

// forgedReset: a firewall resets c in end d's name at capture time at,
// with its own TTL and IP ID and without the end's options.
func (s *session) forgedReset(c *conn, d dir, at int64, ipid uint16) {
	s.emit(at, segment{
		c: c, d: d, flags: flagRST | flagACK, opts: optNone,
		seq: c.h[d].seq, ack: c.h[d.peer()].seq,
		forged: true, forgedTTL: s.g.site.firewallTTL, forgedIPID: ipid,
	})
	c.owe = [2]int64{}
}

// sleepUntil lets the timeline catch up to capture time at. The
// acknowledgements the session's connections owe by then go out first,
// so nothing is queued behind the clock.
func (s *session) sleepUntil(at int64) {
	for _, c := range s.conns {
		for d, due := range c.owe {
			if due != 0 && due <= at {
				s.pureAck(c, dir(d), due)
			}
		}
	}
	s.t.sleepUntil(at)
}

// settle sends the acknowledgements still owed when the session ends.
func (s *session) settle() {
	for _, c := range s.conns {
		for d, due := range c.owe {
			if due != 0 {
				s.pureAck(c, dir(d), due)
			}
		}
	}
}
