package tcpflow

import "github.com/ftpcap/ftpcap/tcpflow/decode"

// record adds one packet's facts to its connection, in steps that each
// fill one group of facts, in the order the facts depend on each other:
// a step may read what an earlier one filled for this packet (the
// comments say what), and the last steps keep and deliver the packet once
// every fact of it is in. noteAck and noteEnding read nothing their
// neighbours fill for this packet, so their place among them is free.
// The steps follow below in this order.
func (t *Tracker) record(c *Conn, dir Dir, p *decode.Packet, at Ref) {
	r := recording{t: t, c: c, dir: dir, h: &c.Half[dir], peer: &c.Half[dir.Other()], p: p, at: at,
		pre: c.snapshotLoss(dir), // the state before the handshake, sequence and ACK steps move it
		seg: Seg{Ref: at, Dir: dir, Flags: p.Flags, Seq: p.Seq, Ack: p.Ack, Len: p.PayloadLen,
			Win: p.Win, TTL: p.TTL, IPID: p.IPID, DF: p.DF}}
	r.countPacket() // the packet count the idle time and keepalive tests read
	r.keepPacket()  // keep.go: every packet, copies too, when the handler asked
	if !p.V6 && p.IPID != 0 && r.duplicate() {
		return // a copy of a packet already recorded
	}
	r.notePath()
	if p.Flags&FlagSYN != 0 {
		r.noteHandshake() // the ISN the sequence step counts from; the window scale
	}
	r.noteSequence() // retransmission and keepalive, which the window and loss steps tell apart
	if p.Flags&FlagACK != 0 {
		r.noteAck()
	}
	r.noteWindow()
	if p.Flags&(FlagFIN|FlagRST) != 0 {
		r.noteEnding()
	}
	c.noteLoss(dir, &r.seg, r.keepalive, &r.pre) // loss.go
	r.tracePacket()                              // trace.go: for drawing, when the handler asked
	r.logSegment()                               // once every step said whether the packet matters
	r.deliver()                                  // the handler sees every fact of the packet
	t.updateState(c, dir, p)
}

// recording is one packet on its way through record's steps: the packet,
// the two halves of its connection, and what earlier steps found that
// later ones need.
type recording struct {
	t       *Tracker
	c       *Conn
	dir     Dir
	h, peer *Half // the sender's half and the receiver's
	p       *decode.Packet
	at      Ref

	// pre is the sequence and ACK state before this packet, for the loss
	// facts (loss.go), which compare the packet with what came before.
	pre lossBefore
	// seg is the packet's entry for the segment log and the connection's
	// last packets; the sequence step marks it a retransmission.
	seg Seg
	// keepalive: the sequence step found a keepalive probe, which carries
	// no new data (the sequence, window and loss facts skip its byte).
	keepalive bool
	// important: the packet matters for a verdict (handshake, FIN, RST,
	// retransmission, zero window, first data...) and goes into the
	// segment log.
	important bool
}

// countPacket counts every packet of the side, copies the capture saw
// twice included, as Zeek's packet and byte counts do, and the range of
// TTLs and the DF bits they carried.
func (r *recording) countPacket() {
	h, p := r.h, r.p
	r.c.Last = r.at
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
}

// duplicate reports whether the capture saw this packet twice (two
// interfaces, a bridge, a SPAN of both ports): the same IPv4 ID, sequence
// number, ack, length and flags as one of the side's last few packets. A
// copy is counted and shown to Zeek's state, as Zeek would see it, and
// records nothing else: counted again it would look like a retransmission
// or a duplicate ACK. Only IPv4 packets with an IP ID reach it: IPv6 has
// none, and IP ID 0 is excluded because stacks that send it on every DF
// packet would make genuine duplicate ACKs look like capture duplicates.
func (r *recording) duplicate() bool {
	h, p := r.h, r.p
	k := dupKey{ipid: p.IPID, seq: p.Seq, ack: p.Ack, len: uint16(p.PayloadLen), flags: p.Flags, valid: true}
	if h.seenRecently(k) {
		h.Duplicates++
		r.c.zeek.ObserveCaptured(r.dir == FromClient, p.Flags, p.Seq, p.Ack, p.PayloadLen, len(p.Payload), p.Win, p.IPLen)
		return true
	}
	h.recent[h.nRecent%len(h.recent)] = k
	h.nRecent++
	return false
}

// notePath records what the packet shows about the path and the sender's
// stack: a segment larger than the peer's MSS (the capture sat above
// segmentation offload), the TTL and IP ID of every packet but resets (so
// a reset can be compared with its supposed sender's other packets, and a
// forged one stands out), and the longest silence of the side.
func (r *recording) notePath() {
	h, p, at := r.h, r.p, r.at
	if r.peer.MSS > 0 && p.PayloadLen > int(r.peer.MSS) {
		h.Oversized++
	}
	if p.Flags&FlagRST == 0 {
		h.TTL.Add(p.TTL, at)
		if h.host != nil {
			h.host.Add(p.TTL, at)
		} else {
			h.host = r.t.hosts.add(p.Src, p.TTL, at)
		}
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
}

// noteHandshake records the side's SYN: its time, the initial sequence
// number every sequence fact counts from, and the options (MSS, window
// scale, SACK) that only a SYN carries and the window facts need. A SYN
// with the same ISN again is a retransmission. Only SYNs reach it; the
// handshake's third packet is an ACK, which noteAck records.
func (r *recording) noteHandshake() {
	h, p := r.h, r.p
	r.important = true
	h.SYNCount++
	if h.SawSYN {
		if p.Seq == h.ISN {
			r.seg.Retrans = true
		}
		return
	}
	h.SawSYN = true
	h.SYN = r.at
	h.ISN = p.Seq
	h.Base = p.Seq + 1
	h.HighSeq = h.Base
	h.seqValid = true
	h.MSS = p.MSS
	h.WScale = p.WScale
	h.SACKPerm = p.SACKPerm
	if r.dir == FromServer && p.Flags&FlagACK != 0 {
		r.c.SynAck = r.at
	}
}

// noteSequence follows the side's sequence space: where it starts when the
// capture began mid-stream, keepalive probes (one byte below the next
// sequence number, no new data), new bytes against retransmitted and
// out-of-order ones, and when the side first and last sent data. Every
// segment with data feeds the path-MTU facts (sizes sent); new bytes feed
// the pace facts (rate, a round trip timed, the end of a pause).
func (r *recording) noteSequence() {
	h, p, at := r.h, r.p, r.at
	if !h.seqValid && p.Flags&FlagRST == 0 {
		// Mid-stream: sequence-derived counts start at the first segment.
		h.Base, h.HighSeq, h.seqValid = p.Seq, p.Seq, true
	}
	r.keepalive = h.seqValid && p.PayloadLen <= 1 && p.Flags&(FlagSYN|FlagFIN|FlagRST) == 0 &&
		p.Seq == h.HighSeq-1 && h.Packets > 1
	if r.keepalive {
		tr := h.traffic()
		tr.Keepalives++
		tr.LastKeepalive = at
		r.important = true
	}
	if p.PayloadLen > 0 && h.seqValid && !r.keepalive {
		h.traffic().PMTU.noteSent(p.Seq, p.PayloadLen, p.IPLen, at)
		span := h.span
		if r.t.trackPayload(r.c, r.dir, p, at) {
			r.seg.Retrans = true
			r.important = true
			h.traffic().rttTiming = false // Karn: an ACK after a retransmission times neither copy
		}
		if n := h.span - span; n > 0 {
			h.traffic().Sent.add(at.TS, n)
			h.timeSegment(at.TS)
			h.resumeAfterWait(at.TS, r.c.pauseFloor())
		}
	}
	if p.PayloadLen > 0 {
		if h.FirstData.IsZero() {
			h.FirstData = at
			r.important = true
		}
		h.LastData = at
		h.MaxSegSize = max(h.MaxSegSize, p.PayloadLen)
	}
}

// noteAck records what the packet's ACK says about the peer's data: how
// far this side has acknowledged it, the handshake's third packet, bytes
// acknowledged that the capture never had (capture loss, not network
// loss), the round trip of the peer's timed segment, whether the peer's
// pipe ran dry, and the largest of its segments that got through (path
// MTU). Only packets with the ACK bit reach it.
func (r *recording) noteAck() {
	c, h, peer, p, at := r.c, r.h, r.peer, r.p, r.at
	if !h.ackValid || seqLT(h.AckedHigh, p.Ack) {
		h.AckedHigh, h.ackValid = p.Ack, true
	}
	if r.dir == FromClient && c.HandshakeAck.IsZero() && !c.SynAck.IsZero() &&
		p.Flags&(FlagSYN|FlagRST) == 0 && p.Ack == peer.ISN+1 {
		c.HandshakeAck = at
	}
	r.t.noteCaptureLoss(c, r.dir, p.Ack)
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

// noteWindow records both windows the packet bears on: the peer's, when
// this packet probes it while it is shut, and this side's, as advertised
// (zero windows, their end, the largest), and how much of the peer's
// window the side's data in flight fills. It comes after the sequence step:
// a probe may be a retransmission or a keepalive, and in flight counts up
// to the newest byte.
func (r *recording) noteWindow() {
	h, peer, p := r.h, r.peer, r.p
	if peer.WindowClosed() && r.probesShutWindow() {
		pt := peer.traffic()
		pt.ZeroWinProbes++
		pt.ZeroWinProbeLast = r.at
		r.important = true
	}
	h.LastWin = p.Win
	counts := p.Flags&(FlagSYN|FlagRST) == 0
	if counts {
		h.MaxWin = max(h.MaxWin, p.Win)
	}
	if p.Win == 0 && counts {
		h.ZeroWindows++
		r.important = true
		h.noteZeroWindow(r.at)
		tr := h.traffic()
		if tr.ZeroWinFirst.IsZero() {
			tr.ZeroWinFirst = r.at
		}
		tr.ZeroWinLast = r.at
	} else if p.Win != 0 && counts && h.WindowClosed() {
		// Only a packet whose window counts reopens it: a RST's window
		// means nothing (Linux fills in its current buffer space).
		h.traffic().WinReopen = r.at
		r.important = true
	}
	if p.PayloadLen > 0 && peer.ackValid && !r.keepalive {
		r.t.noteInFlight(r.c, r.dir)
	}
}

// probesShutWindow reports whether the packet probes the peer's window,
// which is shut: a keepalive-shaped or 1-byte segment (isWindowProbe), or,
// from a sender that had data in flight when the window shut, the segment
// at the window's edge resent whole (RFC 9293 3.8.6.1: a probe may carry
// data; Linux does this when the data was already sent): a retransmission
// starting at the byte the receiver last acknowledged.
func (r *recording) probesShutWindow() bool {
	peer, p := r.peer, r.p
	return isWindowProbe(p.Flags, p.PayloadLen, r.keepalive) ||
		(r.seg.Retrans && peer.ackValid && p.Seq == peer.AckedHigh)
}

// noteEnding records how the side ends the connection: its first FIN and
// the sequence number the FIN stands at (the transfer's size when the
// bytes before it were not all captured; the stream's end for
// reassembly), and its resets. Only FINs and RSTs reach it.
func (r *recording) noteEnding() {
	h, p := r.h, r.p
	if p.Flags&FlagFIN != 0 {
		r.important = true
		finSeq := p.Seq + uint32(p.PayloadLen)
		if h.FIN.IsZero() {
			h.FIN = r.at
			h.finSeq = finSeq
		}
		r.c.streams[r.dir].fin, r.c.streams[r.dir].finSeq = true, finSeq
	}
	if p.Flags&FlagRST != 0 {
		r.important = true
		h.RSTCount++
		if h.RST.IsZero() {
			h.RST = r.at
		}
	}
}

// logSegment keeps the packet where the rules find it: in the segment log
// when a step found it important (up to Options.MaxSegLog, the rest
// counted), among the connection's last packets, and in Zeek's state
// (history letters, conn_state).
func (r *recording) logSegment() {
	c := r.c
	if r.important {
		if len(c.Log) < r.t.opts.MaxSegLog {
			c.Log = append(c.Log, r.seg)
		} else {
			c.SegLogDropped++
			r.t.stats.SegLogDropped++
		}
	}
	c.addTail(r.seg)
	p := r.p
	c.zeek.ObserveCaptured(r.dir == FromClient, p.Flags, p.Seq, p.Ack, p.PayloadLen, len(p.Payload), p.Win, p.IPLen)
}

// deliver hands the payload to the handler's reassembly, last, so that a
// handler reading the connection while it takes the data sees every fact
// of this packet; the ACK frees what the peer's stream held for it.
func (r *recording) deliver() {
	c, p := r.c, r.p
	if p.PayloadLen > 0 {
		r.t.reassemble(c, r.dir, p, r.at)
	}
	if p.Flags&FlagACK != 0 && c.streams[r.dir.Other()].wanted {
		r.t.acked(c, r.dir.Other(), p.Ack, r.at)
	}
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
