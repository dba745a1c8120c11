package tcpflow

import "github.com/ftpcap/ftpcap/tcpflow/decode"

// record adds one packet's facts to its connection.
func (t *Tracker) record(c *Conn, dir Dir, p *decode.Packet, at Ref) {
	h := &c.Half[dir]
	peer := &c.Half[dir.Other()]
	c.Last = at
	h.Packets++
	h.Bytes += int64(p.PayloadLen)
	h.IPBytes += int64(p.IPLen)
	if h.Packets == 1 {
		h.TTLFirst, h.TTLMin, h.TTLMax = p.TTL, p.TTL, p.TTL
	} else {
		h.TTLMin = min(h.TTLMin, p.TTL)
		h.TTLMax = max(h.TTLMax, p.TTL)
	}
	if p.DF {
		h.DFSeen++
	}
	if !p.V6 && p.IPID != 0 {
		// IP ID 0 is excluded: stacks that send it on every DF packet
		// would make genuine duplicate ACKs look like capture duplicates.
		k := dupKey{ipid: p.IPID, seq: p.Seq, ack: p.Ack, len: uint16(p.PayloadLen), flags: p.Flags, valid: true}
		if h.seenRecently(k) {
			// The same packet captured twice: count it, let Zeek's state
			// see it as Zeek would, and record nothing else.
			h.Duplicates++
			c.zeek.ObserveCaptured(dir == FromClient, p.Flags, p.Seq, p.Ack, p.PayloadLen, len(p.Payload), p.Win, p.IPLen)
			return
		}
		h.recent[h.nRecent%len(h.recent)] = k
		h.nRecent++
	}
	pre := c.snapshotLoss(dir)
	if peer.MSS > 0 && p.PayloadLen > int(peer.MSS) {
		h.Oversized++
	}
	if p.Flags&FlagRST == 0 {
		h.TTL.Add(p.TTL, at)
		t.hosts.add(p.Src, p.TTL, at)
		if !p.V6 {
			h.noteIPID(p.IPID)
		}
	}
	if h.Packets > 1 {
		if gap := at.TS - h.lastTS; gap > h.MaxIdle {
			h.MaxIdle, h.MaxIdleEnd = gap, at
		}
	}
	h.lastTS = at.TS
	seg := Seg{Ref: at, Dir: dir, Flags: p.Flags, Seq: p.Seq, Ack: p.Ack, Len: p.PayloadLen,
		Win: p.Win, TTL: p.TTL, IPID: p.IPID, DF: p.DF}
	important := false

	if p.Flags&FlagSYN != 0 {
		important = true
		h.SYNCount++
		if !h.SawSYN {
			h.SawSYN = true
			h.SYN = at
			h.ISN = p.Seq
			h.Base = p.Seq + 1
			h.HighSeq = h.Base
			h.seqValid = true
			h.MSS = p.MSS
			h.WScale = p.WScale
			h.SACKPerm = p.SACKPerm
			if dir == FromServer && p.Flags&FlagACK != 0 {
				c.SynAck = at
			}
		} else if p.Seq == h.ISN {
			seg.Retrans = true
		}
	}
	if !h.seqValid && p.Flags&FlagRST == 0 {
		// Mid-stream: sequence-derived counts start at the first segment.
		h.Base, h.HighSeq, h.seqValid = p.Seq, p.Seq, true
	}
	keepalive := h.seqValid && p.PayloadLen <= 1 && p.Flags&(FlagSYN|FlagFIN|FlagRST) == 0 &&
		p.Seq == h.HighSeq-1 && h.Packets > 1
	if keepalive {
		tr := h.traffic()
		tr.Keepalives++
		tr.LastKeepalive = at
		important = true
	}
	probe := peer.WindowClosed() && isWindowProbe(p.Flags, p.PayloadLen, keepalive)
	if p.PayloadLen > 0 && h.seqValid && !keepalive {
		h.traffic().PMTU.noteSent(p.Seq, p.PayloadLen, p.IPLen, at)
		span := h.span
		if t.trackPayload(c, dir, p, at) {
			seg.Retrans = true
			important = true
			h.traffic().rttTiming = false // Karn: an ACK after a retransmission times neither copy
		}
		if n := h.span - span; n > 0 {
			h.traffic().Sent.add(at.TS, n)
			h.timeSegment(at.TS)
			h.resumeAfterWait(at.TS, c.pauseFloor())
		}
	}
	// A sender that had data in flight when the window shut probes it by
	// resending the segment at the window's edge, whole (RFC 9293
	// 3.8.6.1: a probe may carry data; Linux does this when the data was
	// already sent): a retransmission starting at the byte the receiver
	// last acknowledged, sent while its window is zero.
	if !probe && seg.Retrans && peer.WindowClosed() && peer.ackValid && p.Seq == peer.AckedHigh {
		probe = true
	}
	if probe {
		pt := peer.traffic()
		pt.ZeroWinProbes++
		pt.ZeroWinProbeLast = at
		important = true
	}
	if p.Flags&FlagACK != 0 {
		if !h.ackValid || seqLT(h.AckedHigh, p.Ack) {
			h.AckedHigh, h.ackValid = p.Ack, true
		}
		if dir == FromClient && c.HandshakeAck.IsZero() && !c.SynAck.IsZero() &&
			p.Flags&(FlagSYN|FlagRST) == 0 && p.Ack == peer.ISN+1 {
			c.HandshakeAck = at
		}
		t.noteCaptureLoss(c, dir, p.Ack)
		if p.Flags&FlagRST == 0 {
			// A RST's ACK times no round trip: it may not come from the
			// peer at all (a middlebox forging it answers from nearer).
			peer.ackTimed(p.Ack, at.TS)
		}
		peer.notePipe(p.Ack, p.Win, at.TS)
		if peer.tr != nil { // nothing sent, nothing to acknowledge
			peer.tr.PMTU.noteAck(p.Ack)
		}
	}
	h.LastWin = p.Win
	if p.Flags&(FlagSYN|FlagRST) == 0 {
		h.MaxWin = max(h.MaxWin, p.Win)
	}
	if p.Win == 0 && p.Flags&(FlagRST|FlagSYN) == 0 {
		h.ZeroWindows++
		important = true
		h.noteZeroWindow(at)
		tr := h.traffic()
		if tr.ZeroWinFirst.IsZero() {
			tr.ZeroWinFirst = at
		}
		tr.ZeroWinLast = at
	} else if p.Win != 0 && p.Flags&(FlagRST|FlagSYN) == 0 && h.WindowClosed() {
		// Only a packet whose window counts reopens it: a RST's window
		// means nothing (Linux fills in its current buffer space).
		h.traffic().WinReopen = at
		important = true
	}
	if p.PayloadLen > 0 && peer.ackValid && !keepalive {
		t.noteInFlight(c, dir)
	}
	if p.Flags&FlagFIN != 0 {
		important = true
		finSeq := p.Seq + uint32(p.PayloadLen)
		if h.FIN.IsZero() {
			h.FIN = at
			h.finSeq = finSeq
		}
		c.streams[dir].fin, c.streams[dir].finSeq = true, finSeq
	}
	if p.Flags&FlagRST != 0 {
		important = true
		h.RSTCount++
		if h.RST.IsZero() {
			h.RST = at
		}
	}
	if p.PayloadLen > 0 && h.FirstData.IsZero() {
		h.FirstData = at
		important = true
	}
	if p.PayloadLen > 0 {
		h.LastData = at
		h.MaxSegSize = max(h.MaxSegSize, p.PayloadLen)
	}
	c.noteLoss(dir, &seg, keepalive, &pre)
	if important {
		if len(c.Log) < t.opts.MaxSegLog {
			c.Log = append(c.Log, seg)
		} else {
			c.SegLogDropped++
			t.stats.SegLogDropped++
		}
	}
	c.addTail(seg)
	c.zeek.ObserveCaptured(dir == FromClient, p.Flags, p.Seq, p.Ack, p.PayloadLen, len(p.Payload), p.Win, p.IPLen)

	// Reassembly for connections the handler wants.
	if p.PayloadLen > 0 {
		t.reassemble(c, dir, p, at)
	}
	if p.Flags&FlagACK != 0 && c.streams[dir.Other()].wanted {
		t.acked(c, dir.Other(), p.Ack, at)
	}
	t.updateState(c, dir, p)
}

// trackPayload updates sequence facts for a segment with payload and
// reports whether it repeated bytes already seen (a retransmission).
// Segments that fill a hole below the highest sequence seen are
// out-of-order arrivals, not retransmissions; holes are tracked in a small
// fixed array, so very lossy captures degrade to counting them as
// retransmissions.
func (t *Tracker) trackPayload(c *Conn, dir Dir, p *decode.Packet, at Ref) bool {
	h := &c.Half[dir]
	start, end := p.Seq, p.Seq+uint32(p.PayloadLen)
	if !seqLT(start, h.HighSeq) {
		if seqLT(h.HighSeq, start) {
			h.addHole(h.HighSeq, start)
		}
		h.advanceHigh(end)
		return false
	}
	if h.fillHole(start, end) {
		h.OutOfOrder++
		h.advanceHigh(end)
		return false
	}
	h.Retransmits++
	h.RetransBytes += int64(p.PayloadLen)
	h.advanceHigh(end)
	return true
}

// advanceHigh moves the highest sequence number seen forward to end (if it
// is ahead) and keeps span, its unwrapped distance from Base: sequence
// numbers wrap every 4 GiB, but each step between captured segments is far
// below 2 GiB, so summing the steps counts transfers of any size.
func (h *Half) advanceHigh(end uint32) {
	if d := seqDiff(h.HighSeq, end); d > 0 {
		h.span += d
		h.HighSeq = end
	}
}

// noteInFlight records how much of its send window a side is using after
// sending a segment: bytes sent and not yet acknowledged against the window
// the peer last advertised.
func (t *Tracker) noteInFlight(c *Conn, dir Dir) {
	h, peer := &c.Half[dir], &c.Half[dir.Other()]
	inFlight := seqDiff(peer.AckedHigh, h.HighSeq)
	if inFlight <= 0 || inFlight > 1<<30 {
		return
	}
	tr := h.traffic()
	tr.MaxInFlight = max(tr.MaxInFlight, inFlight)
	win := int64(peer.LastWin)
	if cs, ss, st := c.WindowScaling(); st == "on" {
		shift := cs
		if dir == FromClient {
			shift = ss // the server's window, scaled by the server's shift
		}
		win <<= uint(min(shift, 14))
	}
	if win > 0 && inFlight*10 >= win*9 {
		tr.WinLimited++
	}
}

// noteIPID follows a sender's IPv4 identification field.
func (h *Half) noteIPID(id uint16) {
	h.IPIDLast = id
	h.IPIDSamples++
	if id == 0 {
		h.IPIDZero++
	}
	if h.ipidHavePrev {
		if d := id - h.ipidPrev; d > 0 && d < 1024 {
			h.IPIDSteps++
		}
	}
	h.ipidPrev, h.ipidHavePrev = id, true
}

// noteCaptureLoss: an ACK from dir covering bytes of the peer's that are
// still holes means the peer sent them and the capture missed them.
func (t *Tracker) noteCaptureLoss(c *Conn, dir Dir, ack uint32) {
	peer := &c.Half[dir.Other()]
	if !peer.seqValid || peer.tr == nil || peer.tr.nHoles == 0 {
		return
	}
	peer.ackHoles(ack)
}

// seenRecently reports whether k matches one of the side's last packets.
func (h *Half) seenRecently(k dupKey) bool {
	for _, r := range h.recent {
		if r == k {
			return true
		}
	}
	return false
}
