package tcpflow

// Facts about the pace of a connection: how fast each side's new data went
// by over time, how long its data took to be acknowledged, and the window
// probes a zero window drew. All fixed-size, in the side's Traffic:
// recording them allocates nothing once it is made.

// RateBins is the number of bins of a RateSeries.
const RateBins = 16

// rateFirstWidth is a RateSeries' first bin width: 10 ms, fine enough for
// a LAN transfer; the width doubles as the transfer outgrows the bins.
const rateFirstWidth = int64(10e6)

// RateSeries is a coarse time series of one side's new payload bytes
// (sequence space first seen; retransmissions do not count): RateBins bins
// of equal width from the first new payload on. When a packet falls past
// the last bin, neighbouring bins are merged pairwise and the width
// doubles, so the series always spans the whole transfer in at most
// RateBins bins and at least half of them once it has grown.
type RateSeries struct {
	Start int64 // capture time the first bin begins (the first new payload)
	Last  int64 // capture time of the last new payload
	Width int64 // bin width in nanoseconds; 0 until the first payload
	Bins  [RateBins]int64
	Used  int // bins from the first to the last that received bytes
}

// add counts n new bytes seen at capture time ts.
func (r *RateSeries) add(ts, n int64) {
	if r.Width == 0 {
		r.Start, r.Width = ts, rateFirstWidth
	}
	r.Last = max(r.Last, ts)
	d := max(ts-r.Start, 0) // a capture's clock may step back: count it in the first bin
	for d/r.Width >= RateBins {
		for i := 0; i < RateBins/2; i++ {
			r.Bins[i] = r.Bins[2*i] + r.Bins[2*i+1]
		}
		clear(r.Bins[RateBins/2:])
		r.Width *= 2
		r.Used = (r.Used + 1) / 2
	}
	i := int(d / r.Width)
	r.Bins[i] += n
	r.Used = max(r.Used, i+1)
}

// timeSegment starts timing this side's newest data (ending at h.HighSeq)
// unless a segment is being timed already: one sample at a time, as
// classic TCP timers do, keeps it cheap and keeps samples apart.
func (h *Half) timeSegment(ts int64) {
	if t := h.traffic(); !t.rttTiming {
		t.rttSeq, t.rttTS, t.rttTiming = h.HighSeq, ts, true
	}
}

// ackTimed takes an RTT sample when the peer's ack covers the timed data.
func (h *Half) ackTimed(ack uint32, ts int64) {
	t := h.tr
	if t == nil || !t.rttTiming || seqLT(ack, t.rttSeq) {
		return
	}
	t.rttTiming = false
	rtt := ts - t.rttTS
	if rtt < 0 {
		return
	}
	if t.AckRTTSamples == 0 || rtt < t.AckRTTMin {
		t.AckRTTMin = rtt
	}
	t.AckRTTMax = max(t.AckRTTMax, rtt)
	t.AckRTTSum += rtt
	t.AckRTTSamples++
}

// notePipe follows whether this side's data is all acknowledged: an ACK
// from the peer covering everything sent, with an open window, starts a
// pause that only this side's application can end.
func (h *Half) notePipe(ack uint32, win uint16, ts int64) {
	if h.FirstData.IsZero() || seqLT(ack, h.HighSeq) {
		return
	}
	t := h.traffic()
	if win == 0 {
		t.pipeEmpty = false // waiting for the window, not for the application
		return
	}
	if !t.pipeEmpty {
		t.pipeEmptyTS, t.pipeEmpty = ts, true
	}
}

// resumeAfterWait ends a pause when this side sends new data. Pauses
// shorter than floor are not counted: beside the receiver every ACK
// empties the pipe as seen there, and the next segment follows at the
// path's pace, not the sender's choice.
func (h *Half) resumeAfterWait(ts, floor int64) {
	t := h.tr
	if t == nil || !t.pipeEmpty {
		return
	}
	t.pipeEmpty = false
	if d := ts - t.pipeEmptyTS; d >= floor {
		t.AppWait += d
		t.AppWaits++
		t.AppWaitMax = max(t.AppWaitMax, d)
	}
}

// Floors of a counted pause: the handshake's round trip (at least
// minPauseFloor) when it was captured whole, else defaultPauseFloor.
const (
	minPauseFloor     = int64(1e6)  // 1 ms
	defaultPauseFloor = int64(10e6) // 10 ms
)

// pauseFloor is the shortest pause that counts as the sender holding
// back: longer than a round trip, which is what ACK clocking takes.
func (c *Conn) pauseFloor() int64 {
	syn := c.Half[FromClient].SYN
	if c.HandshakeAck.IsZero() || syn.IsZero() || c.Half[FromClient].SYNCount != 1 || c.Half[FromServer].SYNCount != 1 {
		return defaultPauseFloor
	}
	return max(c.HandshakeAck.TS-syn.TS, minPauseFloor)
}

// WindowClosed reports whether the last window this side advertised (on a
// packet that counts: not SYN, not RST) was zero.
func (h *Half) WindowClosed() bool {
	t := h.Traffic()
	return !t.ZeroWinLast.IsZero() && (t.WinReopen.IsZero() || t.WinReopen.Before(t.ZeroWinLast))
}

// noteZeroWindow records a zero window advertised by h at at, starting a
// new run when the window had been open.
func (h *Half) noteZeroWindow(at Ref) {
	if !h.WindowClosed() {
		t := h.traffic()
		t.ZeroWinSince, t.ZeroWinProbes, t.ZeroWinProbeLast = at, 0, Ref{}
	}
}

// isWindowProbe reports whether a segment sent while the peer's window is
// closed probes it (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17): Linux sends no
// data with the sequence number one below the next (keepalive form), BSD
// and Windows one byte at the window's edge, retransmitted while the
// window stays shut.
func isWindowProbe(flags uint8, payloadLen int, keepalive bool) bool {
	if flags&(FlagSYN|FlagFIN|FlagRST) != 0 {
		return false
	}
	return keepalive || payloadLen == 1
}
