package classify

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Facts about round trips, windows and rates, worded for evidence. The
// window, zero-window, server-stall, slow-reply and rate rules share them.

// maxUnscaledWindow is the largest window a TCP header can carry without
// window scaling (RFC 7323 §1.1).
const maxUnscaledWindow = 65535

// handshakeRTT is the round trip the handshake shows: from the client's
// SYN to its ACK of the SYN-ACK. Wherever the capture was taken that spans
// one full round trip (beside the client: SYN out, SYN-ACK back; beside the
// server: SYN-ACK out, ACK back; in between: a part of each). A
// retransmitted SYN or SYN-ACK would stretch it, so then there is none.
func handshakeRTT(c *tcpflow.Conn) (time.Duration, bool) {
	toServer, toClient, ok := handshakeLegs(c)
	return toServer + toClient, ok
}

// handshakeLegs splits the handshake's round trip at the capture point:
// SYN to SYN-ACK is the way from the capture point to the server and
// back, SYN-ACK to ACK the way to the client and back.
func handshakeLegs(c *tcpflow.Conn) (toServer, toClient time.Duration, ok bool) {
	cl, sv := &c.Half[tcpflow.FromClient], &c.Half[tcpflow.FromServer]
	if c.SynAck.IsZero() || c.HandshakeAck.IsZero() || cl.SYN.IsZero() || cl.SYNCount != 1 || sv.SYNCount != 1 {
		return 0, 0, false
	}
	toServer = time.Duration(c.SynAck.TS - cl.SYN.TS)
	toClient = time.Duration(c.HandshakeAck.TS - c.SynAck.TS)
	return toServer, toClient, toServer >= 0 && toClient >= 0
}

// roundTrip is the best estimate of a connection's round trip and how it
// was measured. Each leg, from the capture point to one side and back, is
// measured twice: by the handshake, and by that side acknowledging the
// other side's data (the quickest data/ACK pair). Both can only be
// stretched (a server slow to answer its SYN, a delayed ACK), never
// shortened, so each leg takes the smaller; the legs add up to the path.
// Without a leg from the handshake or from data there is no estimate.
func roundTrip(c *tcpflow.Conn) (time.Duration, string, bool) {
	toServer, toClient, hs := handshakeLegs(c)
	haveServer, haveClient := hs, hs
	usedData := false
	leg := func(d *time.Duration, have *bool, h *tcpflow.Half) {
		if h.Traffic().AckRTTSamples == 0 {
			return
		}
		if m := time.Duration(h.Traffic().AckRTTMin); !*have || m < *d {
			*d, *have, usedData = m, true, true
		}
	}
	// The client's data is acknowledged by the server: the server's leg.
	leg(&toServer, &haveServer, &c.Half[tcpflow.FromClient])
	leg(&toClient, &haveClient, &c.Half[tcpflow.FromServer])
	if !haveServer || !haveClient {
		return 0, "", false
	}
	how := "handshake"
	switch {
	case usedData && hs:
		how = "handshake and data/ACK pairs"
	case usedData:
		how = "data/ACK pairs"
	}
	return toServer + toClient, how, true
}

// rttEvidence describes the round-trip measurements of a connection.
func rttEvidence(c *tcpflow.Conn) Evidence {
	at := c.HandshakeAck
	var parts []string
	if d, how, ok := roundTrip(c); ok {
		parts = append(parts, fmt.Sprintf("round trip %s (from the %s)", fmtDur(d), how))
	}
	if toServer, toClient, ok := handshakeLegs(c); ok {
		parts = append(parts, fmt.Sprintf("handshake %s (SYN to SYN-ACK %s, SYN-ACK to ACK %s)", fmtDur(toServer+toClient), fmtDur(toServer), fmtDur(toClient)))
	} else {
		at = c.First
		parts = append(parts, "no round trip from the handshake (not captured whole, or retransmitted)")
	}
	for _, d := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
		h := &c.Half[d]
		if h.Traffic().AckRTTSamples == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s's data acknowledged %s–%s after passing the capture point (%d samples)",
			d, fmtDur(time.Duration(h.Traffic().AckRTTMin)), fmtDur(time.Duration(h.Traffic().AckRTTMax)), h.Traffic().AckRTTSamples))
	}
	return Evidence{At: at, Text: strings.Join(parts, "; ")}
}

// scalingWords says which SYN left window scaling off, or why nobody can
// tell. RFC 7323 §2.2: a side may send the option in its SYN-ACK only if
// the SYN carried it, so a client that did not offer it decides alone.
func scalingWords(c *tcpflow.Conn) string {
	cs, ss, state := c.WindowScaling()
	switch {
	case state == "unknown":
		return "window scaling unknown: the handshake predates the capture, so advertised windows are raw header values"
	case state == "on":
		return fmt.Sprintf("window scaling on (client shift %d, server shift %d)", cs, ss)
	case cs == tcpflow.WScaleNone:
		return "the client's SYN carried no window-scale option"
	default:
		return fmt.Sprintf("the server's SYN-ACK carried no window-scale option (the client offered shift %d)", cs)
	}
}

// windowBytes is the window the last packet from d advertised, in bytes,
// and whether the scale is known.
func windowBytes(c *tcpflow.Conn, d tcpflow.Dir, raw uint16) (int64, bool) {
	cs, ss, state := c.WindowScaling()
	shift := cs
	if d == tcpflow.FromServer {
		shift = ss
	}
	if state == "on" {
		return int64(raw) << uint(min(shift, 14)), true
	}
	return int64(raw), state == "off"
}

// dataSegments estimates how many segments carried d's payload: the new
// bytes in full-size segments plus the retransmissions.
func dataSegments(h *tcpflow.Half) int64 {
	if h.MaxSegSize <= 0 {
		return 0
	}
	n := (h.SeqBytes() + int64(h.MaxSegSize) - 1) / int64(h.MaxSegSize)
	return n + h.Retransmits
}

// throughput is d's new bytes per second between its first and last new
// payload (retransmissions after the last new byte do not stretch it).
func throughput(h *tcpflow.Half) (float64, time.Duration, bool) {
	if h.FirstData.IsZero() || h.Traffic().Sent.Last <= h.FirstData.TS {
		return 0, 0, false
	}
	span := time.Duration(h.Traffic().Sent.Last - h.FirstData.TS)
	return float64(h.SeqBytes()) / span.Seconds(), span, true
}

// windowUse measures whether a sender was held back by its peer's
// receive window. Two views, because where the capture was taken decides
// what it shows: beside the sender, bytes in flight pinned at the
// advertised window; anywhere, a sustained throughput close to the
// largest window the peer advertised per round trip (beside the receiver
// data is acknowledged as it arrives, so bytes in flight look small
// whatever limits the sender).
type windowUse struct {
	segments    int64   // data segments (estimated)
	limited     int64   // segments sent with ≥ 90 % of the window in flight
	maxInFlight int64   // most bytes in flight
	maxWin      int64   // the peer's largest advertised window, in bytes
	rate        float64 // bytes per second, first to last payload
	sustained   float64 // bytes per second without the first and last intervals
	rtt         time.Duration
	rttHow      string
}

func measureWindow(c *tcpflow.Conn, sender tcpflow.Dir) windowUse {
	h := &c.Half[sender]
	w := windowUse{segments: dataSegments(h), limited: h.Traffic().WinLimited, maxInFlight: h.Traffic().MaxInFlight}
	w.maxWin, _ = windowBytes(c, sender.Other(), c.Half[sender.Other()].MaxWin)
	w.rate, _, _ = throughput(h)
	w.sustained = sustainedRate(h, w.rate)
	w.rtt, w.rttHow, _ = roundTrip(c)
	return w
}

// sustainedRate is the rate over a sender's rate series without its first
// interval (slow start) and its last (partial), or fallback when the
// series is too short.
func sustainedRate(h *tcpflow.Half, fallback float64) float64 {
	r := &h.Traffic().Sent
	if r.Used < 3 || r.Width <= 0 {
		return fallback
	}
	var sum int64
	for _, b := range r.Bins[1 : r.Used-1] {
		sum += b
	}
	return float64(sum) / (time.Duration(r.Width) * time.Duration(r.Used-2)).Seconds()
}

// limitedShare is the share of data segments sent against a full window.
func (w windowUse) limitedShare() float64 {
	if w.segments == 0 {
		return 0
	}
	return math.Min(float64(w.limited)/float64(w.segments), 1)
}

// perRoundTrip is what a sender moving n bytes per round trip achieves.
func (w windowUse) perRoundTrip(n int64) (float64, bool) {
	if w.rtt <= 0 || n <= 0 {
		return 0, false
	}
	return float64(n) / w.rtt.Seconds(), true
}

// pinned reports a transfer held back by the window for most of its
// length: beside the sender, at least half of its segments sent against a
// full window and its throughput within a factor of 1.5 of bytes in
// flight per round trip; from anywhere, a sustained throughput between
// 60 % and 130 % of the peer's largest window per round trip (not far
// below: something else slowed it; not above: the window was not the
// bound).
func (w windowUse) pinned() bool {
	if w.segments < minWindowLimitedSegments {
		return false
	}
	if wr, ok := w.perRoundTrip(w.maxInFlight); ok && w.limitedShare() >= 0.5 && w.rate > 0 {
		if r := w.rate / wr; r >= 1/1.5 && r <= 1.5 {
			return true
		}
	}
	if wr, ok := w.perRoundTrip(w.maxWin); ok && w.sustained > 0 {
		if r := w.sustained / wr; r >= 0.6 && r <= 1.3 {
			return true
		}
	}
	return false
}

// words describes the measurement for evidence.
func (w windowUse) words() string {
	s := fmt.Sprintf("%s of ~%s sent with the window (nearly) full, at most %s in flight, the peer's window at most %s",
		fmtInt(w.limited), count(w.segments, "data segment"), count(w.maxInFlight, "byte"), count(w.maxWin, "byte"))
	if w.rate > 0 {
		s += fmt.Sprintf("; %s on average, %s sustained", fmtRate(w.rate), fmtRate(w.sustained))
	}
	if wr, ok := w.perRoundTrip(w.maxWin); ok {
		s += fmt.Sprintf("; %s per %s round trip (%s) would be %s", count(w.maxWin, "byte"), fmtDur(w.rtt), w.rttHow, fmtRate(wr))
	}
	return s
}

// bulkSender is the direction that carried the connection's data: the
// transfer's sender when the case names one, else the side that sent
// more.
func bulkSender(b *Case) tcpflow.Dir {
	if b.Transfer != nil || b.Data != nil {
		return senderDir(b)
	}
	c := b.Conn
	if c.Half[tcpflow.FromClient].SeqBytes() > c.Half[tcpflow.FromServer].SeqBytes() {
		return tcpflow.FromClient
	}
	return tcpflow.FromServer
}
