package diagram

import (
	"github.com/ftpcap/ftpcap/internal/words"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// The time-sequence graph's geometry.
const (
	tsgWidth  = 1000.0
	tsgLeft   = 72.0 // the sequence axis' labels
	tsgRight  = 24.0
	tsgTop    = 58.0 // title and legend
	tsgPlotH  = 340.0
	tsgBottom = 62.0 // the time axis' labels and the caption
)

// Reduction: a graph of more points than maxPoints draws the ordinary
// segments of each segBucketPx-wide column of pixels as one bar from
// their lowest to their highest byte, and the ordinary ACKs of each
// ackBucketPx-wide column as the first, the last and those with the
// lowest and highest window: what the screen would show anyway. Every
// retransmission, zero window, SYN, FIN and RST, and the last packets,
// are drawn one by one.
const (
	maxPoints   = 2000
	segBucketPx = 2.0
	ackBucketPx = 3.0
	lastKept    = 20
)

// SeqGraph writes a time-sequence graph, the break marked.
func SeqGraph(w io.Writer, g *analysis.SeqGraph, mark Mark) error {
	var c canvas
	if g == nil {
		c.text(tsgWidth/2, 40, `text-anchor="middle" fill="`+inkMuted+`"`, "no time-sequence graph: no packets were kept")
		return c.writeSVG(w, "tsg", tsgWidth, 64, "time-sequence graph: no data")
	}
	l := newTSGLayout(g, mark)
	l.draw(&c)
	return c.writeSVG(w, "tsg", tsgWidth, tsgTop+tsgPlotH+tsgBottom, "time-sequence graph: "+l.heading())
}

// beam is a vertical bar of the graph: one segment, or the ordinary
// segments of one column of pixels (seg nil).
type beam struct {
	at     time.Duration
	lo, hi float64
	seg    *analysis.SeqSegment
}

type tsgLayout struct {
	g     *analysis.SeqGraph
	mark  Mark
	xmax  time.Duration
	ymax  float64
	plotW float64
	beams []beam
	acks  []*analysis.SeqAck
	// original counts the packets the connection had; drawn those drawn.
	original, drawn int64
	// named: the flags (SYN, FIN, RST) already named beside a mark.
	named uint8
}

func newTSGLayout(g *analysis.SeqGraph, mark Mark) *tsgLayout {
	l := &tsgLayout{g: g, mark: mark, plotW: tsgWidth - tsgLeft - tsgRight}
	l.xmax = max(g.End.Sub(g.Start), 0)
	for _, s := range g.Segments {
		l.xmax = max(l.xmax, s.At)
	}
	for _, a := range g.Acks {
		l.xmax = max(l.xmax, a.At)
	}
	if !mark.At.IsZero() {
		l.xmax = max(l.xmax, mark.At.Sub(g.Start))
	}
	if l.xmax <= 0 {
		l.xmax = time.Millisecond
	}
	l.xmax += l.xmax / 50 // room after the last packet, so a mark at the end stands clear of the frame
	l.ymax = seqScale(g)
	l.original = int64(len(g.Segments)+len(g.Acks)) + max(g.Reduced, 0)
	if len(g.Segments)+len(g.Acks) > maxPoints {
		l.beams = l.reduceSegments()
		l.acks = l.reduceAcks()
	} else {
		for i := range g.Segments {
			s := &g.Segments[i]
			lo, hi := segRange(s)
			l.beams = append(l.beams, beam{at: s.At, lo: lo, hi: hi, seg: s})
		}
		for i := range g.Acks {
			l.acks = append(l.acks, &g.Acks[i])
		}
	}
	l.drawn = int64(len(l.beams) + len(l.acks))
	return l
}

// segRange is the bytes a segment covers; a SYN or FIN counts one.
func segRange(s *analysis.SeqSegment) (lo, hi float64) {
	lo = float64(s.Seq)
	hi = lo + float64(max(s.Len, 0))
	if s.Flags&(tcpflow.FlagSYN|tcpflow.FlagFIN) != 0 {
		hi++
	}
	return lo, hi
}

// seqScale is the top of the sequence axis: the highest byte sent or
// acknowledged, raised to the window line's top unless that would
// flatten the data (a window far larger than the transfer): the window
// line is then cut at the top.
func seqScale(g *analysis.SeqGraph) float64 {
	var data, win float64
	for i := range g.Segments {
		if s := &g.Segments[i]; s.Flags&tcpflow.FlagRST == 0 { // a forged reset may carry any number
			_, hi := segRange(s)
			data = math.Max(data, hi)
		}
	}
	for _, a := range g.Acks {
		data = math.Max(data, float64(a.Ack))
		win = math.Max(win, float64(a.Ack)+float64(max(a.Win, 0)))
	}
	top := data
	if win > top {
		limit := math.Max(data*1.5, data+4*float64(max(g.MSS, 1460)))
		top = math.Min(win, limit)
	}
	top = math.Max(top, 1)
	step := niceStep(top, 6)
	return math.Ceil(top/step) * step
}

// special: a segment drawn on its own however many there are.
func specialSegment(s *analysis.SeqSegment) bool {
	return s.Retrans || s.Flags&(tcpflow.FlagSYN|tcpflow.FlagFIN|tcpflow.FlagRST) != 0
}

func specialAck(a *analysis.SeqAck) bool {
	return a.ZeroWindow || a.Flags&(tcpflow.FlagSYN|tcpflow.FlagFIN|tcpflow.FlagRST) != 0
}

// reduceSegments draws the special segments and the last ones singly and
// the others one bar per column of pixels.
func (l *tsgLayout) reduceSegments() []beam {
	segs := l.g.Segments
	var out []beam
	column := map[int]int{} // pixel column → index in out of its bar
	for i := range segs {
		s := &segs[i]
		lo, hi := segRange(s)
		if specialSegment(s) || i >= len(segs)-lastKept {
			out = append(out, beam{at: s.At, lo: lo, hi: hi, seg: s})
			continue
		}
		col := int((l.x(s.At) - tsgLeft) / segBucketPx)
		if j, ok := column[col]; ok {
			out[j].lo, out[j].hi = math.Min(out[j].lo, lo), math.Max(out[j].hi, hi)
			continue
		}
		column[col] = len(out)
		out = append(out, beam{at: s.At, lo: lo, hi: hi})
	}
	return out
}

// reduceAcks keeps the special ACKs and the last ones, and of each
// column of pixels the first and last ACK and those with the lowest and
// highest window, in time order.
func (l *tsgLayout) reduceAcks() []*analysis.SeqAck {
	acks := l.g.Acks
	keep := make([]bool, len(acks))
	type pick struct{ first, last, minWin, maxWin int }
	columns := map[int]*pick{}
	for i := range acks {
		a := &acks[i]
		if specialAck(a) || i >= len(acks)-lastKept || (i > 0 && acks[i-1].ZeroWindow) {
			keep[i] = true
			continue
		}
		col := int((l.x(a.At) - tsgLeft) / ackBucketPx)
		p, ok := columns[col]
		if !ok {
			columns[col] = &pick{i, i, i, i}
			continue
		}
		p.last = i
		if winTop(a) < winTop(&acks[p.minWin]) {
			p.minWin = i
		}
		if winTop(a) > winTop(&acks[p.maxWin]) {
			p.maxWin = i
		}
	}
	for _, p := range columns {
		keep[p.first], keep[p.last], keep[p.minWin], keep[p.maxWin] = true, true, true, true
	}
	var out []*analysis.SeqAck
	for i := range acks {
		if keep[i] {
			out = append(out, &acks[i])
		}
	}
	return out
}

// windowTop is the highest the window line goes.
func (l *tsgLayout) windowTop() float64 {
	var top float64
	for _, a := range l.acks {
		top = math.Max(top, winTop(a))
	}
	return top
}

func winTop(a *analysis.SeqAck) float64 { return float64(a.Ack) + float64(max(a.Win, 0)) }

func (l *tsgLayout) x(at time.Duration) float64 {
	f := float64(at) / float64(l.xmax)
	return tsgLeft + math.Max(0, math.Min(f, 1))*l.plotW
}

func (l *tsgLayout) y(v float64) float64 {
	f := v / l.ymax
	return tsgTop + tsgPlotH - math.Max(0, math.Min(f, 1))*tsgPlotH
}

// offScale: a sequence number beyond the axis, drawn at its edge.
func (l *tsgLayout) offScale(v float64) bool { return v > l.ymax }

func (l *tsgLayout) heading() string {
	from, to := l.g.Server, l.g.Client
	if l.g.SenderIsClient {
		from, to = to, from
	}
	return "data " + from + " → " + to + " (sender → receiver)"
}

func (l *tsgLayout) draw(c *canvas) {
	c.text(tsgLeft, 16, `font-size="12" font-weight="bold"`, shorten("time-sequence graph · "+l.heading(), 130))
	l.drawLegend(c)
	l.drawAxes(c)
	l.drawWindowAndAcks(c)
	l.drawSegments(c)
	l.drawAckMarks(c)
	l.drawMark(c)
	l.drawCaption(c)
}

func (l *tsgLayout) drawAxes(c *canvas) {
	bottom := tsgTop + tsgPlotH
	c.raw(`<g class="axes">`)
	values, label := timeTicks(l.xmax, 10)
	for _, v := range values {
		x := l.x(v)
		c.line(x, tsgTop, x, bottom, stroke("#e2e2e2", 1, ""))
		c.line(x, bottom, x, bottom+4, stroke(inkStrong, 1, ""))
		c.text(x, bottom+16, `text-anchor="middle" font-size="10"`, label(v))
	}
	for _, v := range ticks(l.ymax, niceStep(l.ymax, 6)) {
		y := l.y(v)
		c.line(tsgLeft, y, tsgLeft+l.plotW, y, stroke("#e2e2e2", 1, ""))
		c.line(tsgLeft-4, y, tsgLeft, y, stroke(inkStrong, 1, ""))
		c.text(tsgLeft-7, y+3.5, `text-anchor="end" font-size="10"`, short(v))
	}
	c.rect(tsgLeft, tsgTop, l.plotW, tsgPlotH, `fill="none" `+stroke(inkStrong, 1, ""))
	c.text(tsgLeft+l.plotW, bottom+30, `text-anchor="end" font-size="10" fill="`+inkMuted+`"`, "time since the connection's first packet")
	c.raw(`<text x="14" y="`, num(tsgTop+tsgPlotH/2), `" transform="rotate(-90 14 `, num(tsgTop+tsgPlotH/2), `)" text-anchor="middle" font-size="10" fill="`, inkMuted, `">sequence offset (bytes)</text>`, "\n")
	c.raw("</g>\n")
}

// drawWindowAndAcks draws the ACK line and the window line above it as
// step lines: each holds its value until the next ACK.
func (l *tsgLayout) drawWindowAndAcks(c *canvas) {
	if len(l.acks) == 0 {
		return
	}
	var ackPath, winPath strings.Builder
	for i, a := range l.acks {
		x := num(l.x(a.At))
		ya, yw := num(l.y(float64(a.Ack))), num(l.y(winTop(a)))
		if i == 0 {
			ackPath.WriteString("M" + x + " " + ya)
			winPath.WriteString("M" + x + " " + yw)
			continue
		}
		ackPath.WriteString("H" + x + "V" + ya)
		winPath.WriteString("H" + x + "V" + yw)
	}
	end := num(l.x(l.xmax))
	if last := l.acks[len(l.acks)-1]; last.Flags&tcpflow.FlagRST == 0 {
		ackPath.WriteString("H" + end)
		winPath.WriteString("H" + end)
	}
	c.raw(`<path class="window" d="`, winPath.String(), `" fill="none" `, stroke(inkWindow, 1.3, dashWindow), "/>\n")
	c.raw(`<path class="acks" d="`, ackPath.String(), `" fill="none" `, stroke(inkAck, 1.5, ""), "/>\n")
}

// drawSegments draws the ordinary segments as one path of I-beams, and
// each retransmission, SYN, FIN and RST as a group of its own with its
// hover text.
func (l *tsgLayout) drawSegments(c *canvas) {
	var ordinary strings.Builder
	for _, b := range l.beams {
		if b.seg != nil && specialSegment(b.seg) {
			continue
		}
		x, ylo, yhi := l.x(b.at), l.y(b.lo), l.y(b.hi)
		ordinary.WriteString("M" + num(x) + " " + num(ylo) + "V" + num(math.Min(yhi, ylo-0.5)))
		if b.seg != nil && ylo-yhi >= 3 { // caps only where the beam is long enough to show them
			ordinary.WriteString("M" + num(x-2) + " " + num(ylo) + "h4M" + num(x-2) + " " + num(yhi) + "h4")
		}
	}
	if ordinary.Len() > 0 {
		c.raw(`<path class="segments" d="`, ordinary.String(), `" fill="none" `, stroke(inkHandsh, 1, ""), "/>\n")
	}
	for _, b := range l.beams {
		if b.seg != nil && specialSegment(b.seg) {
			l.drawSpecialSegment(c, b)
		}
	}
}

func (l *tsgLayout) drawSpecialSegment(c *canvas, b beam) {
	s := b.seg
	x, ylo, yhi := l.x(b.at), l.y(b.lo), l.y(b.hi)
	var cls []string
	if s.Retrans {
		cls = append(cls, "retrans")
	}
	for _, f := range []struct {
		bit  uint8
		name string
	}{{tcpflow.FlagSYN, "syn"}, {tcpflow.FlagFIN, "fin"}, {tcpflow.FlagRST, "rst"}} {
		if s.Flags&f.bit != 0 {
			cls = append(cls, f.name)
		}
	}
	c.raw(`<g class="seg `, strings.Join(cls, " "), `" data-frame="`, itoa(s.Frame), `">`)
	title := "frame " + itoa(s.Frame) + " · +" + exactOffset(s.At) + " · " + flagNames(s.Flags) +
		" seq " + strconv.FormatUint(uint64(s.Seq), 10) + " len " + strconv.Itoa(s.Len)
	if s.Retrans {
		title += " · retransmission"
	}
	if l.offScale(b.lo) {
		title += " · off the scale, drawn at its top"
	}
	c.title(title)
	if s.Retrans {
		c.line(x, ylo, x, math.Min(yhi, ylo-1), stroke(inkReset, 2.4, ""))
		c.line(x-3, ylo, x+3, ylo, stroke(inkReset, 2, ""))
		d := 4.0
		c.raw(`<path d="M`, num(x), " ", num(yhi-d), "l", num(d), " ", num(d), "l", num(-d), " ", num(d), "l", num(-d), " ", num(-d), `Z" fill="`, inkReset, `"/>`)
	} else if s.Len > 0 {
		c.line(x, ylo, x, yhi, stroke(inkHandsh, 1, ""))
	}
	l.flagMarks(c, x, yhi, s.Flags)
	c.raw("</g>\n")
}

// flagMarks draws SYN as an open circle, FIN as an open square and RST
// as a heavy cross, the first of each kind named beside it (a burst of
// resets would write RST over itself).
func (l *tsgLayout) flagMarks(c *canvas, x, y float64, flags uint8) {
	name := func(bit uint8) bool {
		first := l.named&bit == 0
		l.named |= bit
		return first
	}
	switch {
	case flags&tcpflow.FlagRST != 0:
		c.raw(`<path d="M`, num(x-5), " ", num(y-5), "l10 10M", num(x-5), " ", num(y+5), `l10 -10" `, stroke(inkReset, 2.5, ""), "/>")
		if name(tcpflow.FlagRST) {
			c.text(x-7, y-6, `text-anchor="end" font-size="10" font-weight="bold" fill="`+inkReset+`" `+halo, "RST")
		}
	case flags&tcpflow.FlagFIN != 0:
		c.rect(x-4, y-4, 8, 8, `fill="`+fillPanel+`" `+stroke(inkHandsh, 1.5, ""))
		if name(tcpflow.FlagFIN) {
			c.text(x-7, y-6, `text-anchor="end" font-size="10" `+halo, "FIN")
		}
	case flags&tcpflow.FlagSYN != 0:
		c.raw(`<circle cx="`, num(x), `" cy="`, num(y), `" r="4" fill="`, fillPanel, `" `, stroke(inkHandsh, 1.5, ""), "/>")
		if name(tcpflow.FlagSYN) {
			c.text(x+7, y-6, `font-size="10" `+halo, "SYN")
		}
	}
}

// drawAckMarks marks the receiver's zero windows (a filled triangle
// pointing down onto the ACK line) and its SYN, FIN and RST.
func (l *tsgLayout) drawAckMarks(c *canvas) {
	labelled := false
	for _, a := range l.acks {
		if !specialAck(a) {
			continue
		}
		x, y := l.x(a.At), l.y(float64(a.Ack))
		cls := "ack-mark"
		if a.ZeroWindow {
			cls += " zero-window"
		}
		c.raw(`<g class="`, cls, `" data-frame="`, itoa(a.Frame), `">`)
		title := "frame " + itoa(a.Frame) + " · +" + exactOffset(a.At) + " · receiver " + flagNames(a.Flags) +
			" ack " + strconv.FormatUint(uint64(a.Ack), 10) + " win " + strconv.FormatInt(a.Win, 10)
		if a.ZeroWindow {
			title += " · zero window"
		}
		c.title(title)
		if a.ZeroWindow {
			c.raw(`<path d="M`, num(x-4.5), " ", num(y-9), "h9l-4.5 8Z", `" fill="`, inkStrong, `"/>`)
			if !labelled {
				c.text(x+6, y-10, `font-size="10" font-weight="bold" `+halo, "zero window")
				labelled = true
			}
		}
		if a.Flags&(tcpflow.FlagSYN|tcpflow.FlagFIN|tcpflow.FlagRST) != 0 {
			l.flagMarks(c, x, y, a.Flags)
		}
		c.raw("</g>\n")
	}
}

// drawMark draws the break: a vertical line at its time, named at the
// top.
func (l *tsgLayout) drawMark(c *canvas) {
	if l.mark.At.IsZero() {
		return
	}
	x := l.x(l.mark.At.Sub(l.g.Start))
	c.raw(`<g class="break">`)
	c.title("the break, +" + exactOffset(l.mark.At.Sub(l.g.Start)) + ": " + l.mark.Label)
	c.line(x, tsgTop-4, x, tsgTop+tsgPlotH, stroke(inkReset, 2, dashMark))
	attrs := `font-size="11" font-weight="bold" fill="` + inkReset + `" ` + halo
	if x > tsgLeft+l.plotW*0.7 {
		attrs += ` text-anchor="end"`
		x -= 4
	} else {
		x += 4
	}
	c.text(x, tsgTop+12, attrs, shorten(l.mark.Label, 60))
	c.raw("</g>\n")
}

func (l *tsgLayout) drawLegend(c *canvas) {
	y := 38.0
	x := tsgLeft
	item := func(label string, draw func(x float64)) {
		draw(x)
		c.text(x+22, y+4, `font-size="10"`, label)
		x += 34 + textWidth(label, 10)
	}
	c.raw(`<g class="legend">`)
	item("segment", func(x float64) { c.line(x+9, y-6, x+9, y+6, stroke(inkHandsh, 1, "")) })
	item("retransmission", func(x float64) {
		c.line(x+9, y-2, x+9, y+6, stroke(inkReset, 2.4, ""))
		c.raw(`<path d="M`, num(x+9), " ", num(y-8), `l4 4l-4 4l-4 -4Z" fill="`, inkReset, `"/>`)
	})
	item("ACK", func(x float64) { c.line(x, y, x+18, y, stroke(inkAck, 1.5, "")) })
	item("window (ACK + receive window)", func(x float64) { c.line(x, y, x+18, y, stroke(inkWindow, 1.3, dashWindow)) })
	item("zero window", func(x float64) {
		c.raw(`<path d="M`, num(x+4.5), " ", num(y-5), `h9l-4.5 8Z" fill="`, inkStrong, `"/>`)
	})
	item("SYN ○ FIN □ RST ✕", func(float64) {})
	if !l.mark.At.IsZero() {
		item("the break", func(x float64) { c.line(x+9, y-7, x+9, y+7, stroke(inkReset, 2, dashMark)) })
	}
	c.raw("</g>\n")
}

// drawCaption: the segment size, how the connection ended and how much
// was left out.
func (l *tsgLayout) drawCaption(c *canvas) {
	var parts []string
	if l.g.MSS > 0 {
		parts = append(parts, "MSS "+strconv.Itoa(l.g.MSS))
	}
	if l.g.Closed != "" {
		parts = append(parts, "closed "+l.g.Closed)
	}
	if top := l.windowTop(); top > l.ymax {
		parts = append(parts, "window line cut at the top: it reaches "+short(top))
	}
	if l.drawn < l.original {
		parts = append(parts, words.GroupDigits(l.original)+" packets reduced to "+words.GroupDigits(l.drawn)+" (every retransmission, zero window, SYN, FIN and RST kept)")
	}
	if len(parts) == 0 {
		return
	}
	c.text(tsgLeft, tsgTop+tsgPlotH+46, `class="caption" font-size="10"`, strings.Join(parts, " · "))
}
