package classify

import (
	"fmt"
	"math"
	"time"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Thresholds of the rate-limited rule.
const (
	// minRateSpan: a cap shows over seconds; shorter transfers are mostly
	// slow start.
	minRateSpan = 2 * time.Second
	// minRateBins: intervals the steady part must span.
	minRateBins = 4
	// maxRateCV: the intervals' rates may differ by this coefficient of
	// variation and still count as one steady rate.
	maxRateCV = 0.25
	// minAppWaitShare: the sender sat with nothing in flight and an open
	// window for at least this share of the transfer: it was holding back.
	minAppWaitShare = 0.2
	// maxWindowLimitedShare and maxRetransShare: more than this and the
	// window or loss explains the rate.
	maxWindowLimitedShare = 0.2
	maxRetransShare       = 0.01
)

// rate-limited: a transfer's throughput held at a steady level that
// neither the receive window nor loss explains, with the sender
// repeatedly letting the pipe run dry (everything acknowledged, window
// open) before sending more: its application, or a shaper in front of it,
// paced it. A finding.
func init() {
	register(Rule{
		Cause:   "rate-limited",
		Needs:   "a data connection whose sender's rate stays steady (±25 % over ≥4 intervals, or bursts between pauses of one length) for ≥2 s, with the pipe run dry (all acknowledged, window open) for ≥20 % of the time, ≤20 % of segments window-limited and ≤1 % retransmitted",
		Example: "The download on the data connection of RETR slow.bin ran at a steady 25.0 kB/s for 5.24 s (in 3 bursts, one every 2.62 s), the server leaving nothing in flight for 100 % of the time; not window-limited (4 of ~139 segments) and no retransmissions: a rate cap.",
		Notice:  noticeRateLimited,
	})
}

func noticeRateLimited(b *Case) *Finding {
	c := b.Conn
	if c == nil || b.Kind != KindData {
		return nil
	}
	sender := bulkSender(b)
	h := &c.Half[sender]
	tr := h.Traffic()
	rate, span, ok := throughput(h)
	if !ok || span < minRateSpan {
		return nil
	}
	steady, ok := steadyRate(&tr.Sent)
	if !ok {
		steady, ok = regularBursts(h, rate, span)
	}
	if !ok {
		return nil
	}
	w := measureWindow(c, sender)
	segs := max(w.segments, 1)
	if w.limitedShare() > maxWindowLimitedShare || float64(h.Retransmits) > maxRetransShare*float64(segs) {
		return nil
	}
	waitShare := float64(tr.AppWait) / float64(span)
	if waitShare < minAppWaitShare {
		return nil
	}
	f := &Finding{Confidence: 0.8}
	dir := dissect.DirectionDownload
	if sender != b.ServerDir() {
		dir = dissect.DirectionUpload
	}
	retx := "no retransmissions"
	if h.Retransmits > 0 {
		retx = count(h.Retransmits, "retransmission")
	}
	f.Summary = fmt.Sprintf("The %s on %s ran at a steady %s for %s (%s), the %s leaving nothing in flight for %.0f %% of the time; not window-limited (%s of ~%s) and %s: a rate cap.",
		dir, connName(b), fmtRate(steady.rate), fmtDur(span), steady.words(),
		ftpRole(b, sender), 100*math.Min(waitShare, 1), fmtInt(w.limited), count(w.segments, "segment"), retx)
	f.Evidence = []Evidence{
		{At: h.FirstData, Text: fmt.Sprintf("%s's first data", ftpRole(b, sender))},
		{At: h.LastData, Text: fmt.Sprintf("%s's last data: %s in %s, %s on average; %s with nothing in flight and the window open, %s in all",
			ftpRole(b, sender), count(h.SeqBytes(), "byte"), fmtDur(span), fmtRate(rate), count(tr.AppWaits, "pause"), fmtDur(time.Duration(tr.AppWait)))},
		rttEvidence(c),
	}
	if _, _, state := c.WindowScaling(); state == "unknown" {
		f.Confidence = 0.7
		f.Evidence = append(f.Evidence, Evidence{At: c.First, Text: "window scaling unknown (the handshake predates the capture): windows read as raw values, so window use is an estimate"})
	}
	sortEvidence(f.Evidence)
	return f
}

// steadyLevel is a rate that held over several intervals, or a sender
// that sent in bursts between pauses of one length.
type steadyLevel struct {
	rate   float64 // bytes per second
	cv     float64 // the intervals' coefficient of variation
	bins   int
	width  time.Duration
	bursts bool // measured from the pauses between bursts
}

func (l steadyLevel) words() string {
	if l.bursts {
		return fmt.Sprintf("in %d bursts, one every %s", l.bins, fmtDur(l.width))
	}
	return fmt.Sprintf("±%.0f %% over %d intervals of %s", 100*l.cv, l.bins, fmtDur(l.width))
}

// regularBursts recognises a sender that paces itself in chunks too
// coarse for the rate series to look steady (vsftpd's rate limit writes
// 64 KiB, then sleeps): at least two pauses with nothing in flight, no
// pause longer than 1.5 times their mean, and pauses taking at least half
// of the transfer's time. The cap is what the bursts between the first
// (servers let a first burst go at once) and the last (the file's end)
// carry per period, when the rate series shows the bursts apart; else the
// average.
func regularBursts(h *tcpflow.Half, rate float64, span time.Duration) (steadyLevel, bool) {
	tr := h.Traffic()
	if tr.AppWaits < 2 || span <= 0 {
		return steadyLevel{}, false
	}
	mean := float64(tr.AppWait) / float64(tr.AppWaits)
	if float64(tr.AppWaitMax) > 1.5*mean || float64(tr.AppWait) < 0.5*float64(span) {
		return steadyLevel{}, false
	}
	period := span / time.Duration(tr.AppWaits) // N bursts span N-1 periods
	var bursts []int64
	for _, b := range tr.Sent.Bins[:tr.Sent.Used] {
		if b > 0 {
			bursts = append(bursts, b)
		}
	}
	if len(bursts) == int(tr.AppWaits)+1 && len(bursts) >= 3 {
		var mid int64
		for _, b := range bursts[1 : len(bursts)-1] {
			mid += b
		}
		rate = float64(mid) / (period * time.Duration(len(bursts)-2)).Seconds()
	}
	return steadyLevel{rate: rate, bins: int(tr.AppWaits) + 1, width: period, bursts: true}, true
}

// steadyRate looks for one steady rate in a series: its interior bins
// (the first holds slow start, the last a partial interval) at the finest
// granularity where they agree within maxRateCV. Coarser bins smooth the
// bursts of a sender that paces itself in chunks.
func steadyRate(r *tcpflow.RateSeries) (steadyLevel, bool) {
	var bins [tcpflow.RateBins]int64
	n := copy(bins[:], r.Bins[:r.Used])
	width := r.Width
	for n-2 >= minRateBins {
		mid := bins[1 : n-1]
		var sum float64
		for _, v := range mid {
			sum += float64(v)
		}
		mean := sum / float64(len(mid))
		if mean > 0 {
			var sq float64
			for _, v := range mid {
				d := float64(v) - mean
				sq += d * d
			}
			cv := math.Sqrt(sq/float64(len(mid))) / mean
			if cv <= maxRateCV {
				w := time.Duration(width)
				return steadyLevel{rate: mean / w.Seconds(), cv: cv, bins: len(mid), width: w}, true
			}
		}
		// Merge neighbours; an odd last bin stays alone (it is the
		// partial tail, left out of the interior anyway).
		m := 0
		for i := 0; i < n; i += 2 {
			bins[m] = bins[i]
			if i+1 < n {
				bins[m] += bins[i+1]
			}
			m++
		}
		n, width = m, width*2
	}
	return steadyLevel{}, false
}
