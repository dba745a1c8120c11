package diagram

import (
	"github.com/ftpcap/ftpcap/internal/words"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

// The timeline's geometry.
const (
	tlWidth      = 1000.0
	tlMargin     = 16.0
	tlAxisY      = 52.0
	tlLabelLane  = 14.0 // one lane of command labels
	tlLabelLanes = 5    // labels that find no free lane are left to the hover text
	tlBarHeight  = 14.0
	tlBarLane    = 20.0
	tlBarLanes   = 24 // data connections beyond are counted, not drawn
	tlLabelChars = 30
	tlFontSize   = 10.0
	tlMaxShift   = 160.0 // how far right of its tick a label may move
)

// A silence with no command, reply or data connection in it is folded
// when it is at least tlFoldMin long and at least tlFoldShare of the
// session; at most tlMaxFolds of the longest are.
const (
	tlFoldMin   = 5 * time.Second
	tlFoldShare = 0.1
	tlMaxFolds  = 12
)

// Timeline writes a session's timeline: commands and replies, and its
// data connections as bars.
func Timeline(w io.Writer, t *analysis.Timeline) error {
	var c canvas
	if t == nil || (len(t.Exchanges) == 0 && len(t.Data) == 0) {
		c.text(tlWidth/2, 40, `text-anchor="middle" fill="`+inkMuted+`"`, "no commands or data connections to draw")
		return c.writeSVG(w, "timeline", tlWidth, 64, "session timeline: empty")
	}
	l := newTimelineLayout(t)
	l.draw(&c)
	return c.writeSVG(w, "timeline", tlWidth, l.height, "session timeline: "+strconv.Itoa(len(t.Exchanges))+" exchanges, "+strconv.Itoa(len(t.Data))+" data connections")
}

// piece is a stretch of the time axis: drawn to scale, or folded into a
// fixed width that states its length.
type piece struct {
	t0, t1 time.Duration // since the session's start
	x0, x1 float64
	folded bool
}

type timelineLayout struct {
	t      *analysis.Timeline
	start  time.Time
	pieces []piece
	// labelLane and barLane are each exchange's and data connection's
	// lane (-1: not drawn).
	labelLane []int
	labelX    []float64
	barLane   []int
	lanes     int // label lanes used
	barLanes  int
	notDrawn  int
	height    float64
}

func newTimelineLayout(t *analysis.Timeline) *timelineLayout {
	l := &timelineLayout{t: t, start: t.Start}
	if l.start.IsZero() {
		l.start = earliest(t)
	}
	l.pieces = axisPieces(l.busy(), l.rel(t.End))
	l.placeLabels()
	l.placeBars()
	l.height = l.barTop() + float64(max(l.barLanes, 1))*tlBarLane + 44
	return l
}

// earliest is the first time the timeline holds, when Start is unset.
func earliest(t *analysis.Timeline) time.Time {
	var first time.Time
	consider := func(x time.Time) {
		if !x.IsZero() && (first.IsZero() || x.Before(first)) {
			first = x
		}
	}
	for _, e := range t.Exchanges {
		consider(e.At)
	}
	for _, d := range t.Data {
		consider(d.Start)
	}
	return first
}

func (l *timelineLayout) rel(x time.Time) time.Duration {
	if x.IsZero() {
		return 0
	}
	return max(x.Sub(l.start), 0)
}

// busy are the stretches of time in which something happens: a command
// waiting for its reply, a data connection open.
func (l *timelineLayout) busy() [][2]time.Duration {
	var spans [][2]time.Duration
	for _, e := range l.t.Exchanges {
		end := l.rel(e.At)
		if !e.ReplyAt.IsZero() {
			end = max(end, l.rel(e.ReplyAt))
		}
		spans = append(spans, [2]time.Duration{l.rel(e.At), end})
	}
	for _, d := range l.t.Data {
		spans = append(spans, [2]time.Duration{l.rel(d.Start), max(l.rel(d.End), l.rel(d.Start))})
	}
	spans = append(spans, [2]time.Duration{0, 0})
	return spans
}

// axisPieces cuts the time axis from 0 to the end into stretches drawn
// to scale and folded silences.
func axisPieces(busy [][2]time.Duration, end time.Duration) []piece {
	sort.Slice(busy, func(i, j int) bool {
		if busy[i][0] != busy[j][0] {
			return busy[i][0] < busy[j][0]
		}
		return busy[i][1] < busy[j][1]
	})
	total := end
	for _, b := range busy {
		total = max(total, b[1])
	}
	// The silences between the busy stretches, longest first.
	type gap struct{ from, to time.Duration }
	var gaps []gap
	reach := time.Duration(0)
	for _, b := range busy {
		if b[0] > reach {
			gaps = append(gaps, gap{reach, b[0]})
		}
		reach = max(reach, b[1])
	}
	if total > reach {
		gaps = append(gaps, gap{reach, total})
	}
	var folds []gap
	for _, g := range gaps {
		d := g.to - g.from
		if d >= tlFoldMin && float64(d) >= tlFoldShare*float64(total) {
			folds = append(folds, g)
		}
	}
	sort.SliceStable(folds, func(i, j int) bool { return folds[i].to-folds[i].from > folds[j].to-folds[j].from })
	if len(folds) > tlMaxFolds {
		folds = folds[:tlMaxFolds]
	}
	sort.Slice(folds, func(i, j int) bool { return folds[i].from < folds[j].from })

	width := tlWidth - 2*tlMargin
	foldW := func(g gap) float64 { return textWidth("… "+span(g.to-g.from)+" …", tlFontSize) + 12 }
	scaled := total
	for _, f := range folds {
		width -= foldW(f)
		scaled -= f.to - f.from
	}
	perNs := 0.0
	if scaled > 0 {
		perNs = width / float64(scaled)
	}
	var out []piece
	x, t := tlMargin, time.Duration(0)
	addScaled := func(to time.Duration) {
		w := float64(to-t) * perNs
		out = append(out, piece{t0: t, t1: to, x0: x, x1: x + w})
		x, t = x+w, to
	}
	for _, f := range folds {
		addScaled(f.from)
		w := foldW(f)
		out = append(out, piece{t0: f.from, t1: f.to, x0: x, x1: x + w, folded: true})
		x, t = x+w, f.to
	}
	addScaled(total)
	return out
}

// x maps a time since the start to its place on the axis.
func (l *timelineLayout) x(d time.Duration) float64 {
	for _, p := range l.pieces {
		if d <= p.t1 {
			if p.t1 == p.t0 {
				return p.x0
			}
			f := float64(d-p.t0) / float64(p.t1-p.t0)
			return p.x0 + math.Max(0, f)*(p.x1-p.x0)
		}
	}
	if len(l.pieces) == 0 {
		return tlMargin
	}
	return l.pieces[len(l.pieces)-1].x1
}

// exchangeLabel: "RETR big.bin → 226", "greeting → 220".
func exchangeLabel(e *analysis.TimelineExchange, limit int) string {
	cmd := e.Command
	if cmd == "" {
		cmd = "greeting"
	}
	s := shorten(cmd, limit)
	if e.Reply > 0 {
		s += " → " + strconv.Itoa(e.Reply)
	}
	return s
}

// placeLabels gives each exchange's label the lane where it sits nearest
// its tick without overlapping the label before it, shifted right by up
// to tlMaxShift (a leader line joins it to its tick); a label that finds
// no such place is left out (its tick and hover text stay).
func (l *timelineLayout) placeLabels() {
	var laneEnd [tlLabelLanes]float64
	for i := range laneEnd {
		laneEnd[i] = math.Inf(-1)
	}
	for i := range l.t.Exchanges {
		e := &l.t.Exchanges[i]
		x := l.x(l.rel(e.At))
		w := textWidth(exchangeLabel(e, tlLabelChars), tlFontSize)
		lane, at := -1, 0.0
		for k := range laneEnd {
			xl := math.Max(x, laneEnd[k]+6)
			if xl-x <= tlMaxShift && xl+w <= tlWidth && (lane < 0 || xl < at) {
				lane, at = k, xl
			}
		}
		l.labelLane = append(l.labelLane, lane)
		l.labelX = append(l.labelX, at)
		if lane >= 0 {
			laneEnd[lane] = at + w
			l.lanes = max(l.lanes, lane+1)
		}
	}
}

func (l *timelineLayout) barLabel(d *analysis.TimelineData) string {
	var parts []string
	if d.Transfer > 0 {
		parts = append(parts, "transfer "+strconv.Itoa(d.Transfer))
	} else {
		parts = append(parts, "data")
	}
	parts = append(parts, sizeText(d.Bytes))
	if d.Closed != "" {
		parts = append(parts, d.Closed)
	}
	if d.Broken {
		parts = append(parts, "broken")
	}
	return strings.Join(parts, " · ")
}

// placeBars packs the data connections into lanes: a bar (with room for
// its label) goes into the first lane it does not overlap.
func (l *timelineLayout) placeBars() {
	var laneEnd []float64
	for i := range l.t.Data {
		d := &l.t.Data[i]
		x0 := l.x(l.rel(d.Start))
		x1 := math.Max(l.x(l.rel(d.End)), x0+3)
		reach := math.Max(x1, x0+textWidth(l.barLabel(d), tlFontSize)+6)
		lane := -1
		for k, end := range laneEnd {
			if end+4 <= x0 {
				lane = k
				break
			}
		}
		if lane < 0 && len(laneEnd) < tlBarLanes {
			lane = len(laneEnd)
			laneEnd = append(laneEnd, 0)
		}
		l.barLane = append(l.barLane, lane)
		if lane < 0 {
			l.notDrawn++
			continue
		}
		laneEnd[lane] = reach
	}
	l.barLanes = len(laneEnd)
}

func (l *timelineLayout) barTop() float64 {
	return tlAxisY + 20 + float64(max(l.lanes, 1))*tlLabelLane + 14
}

func (l *timelineLayout) draw(c *canvas) {
	title := "session timeline · " + l.start.UTC().Format("2006-01-02 15:04:05") + " UTC · " + span(l.rel(l.t.End))
	c.text(tlMargin, 16, `font-size="12" font-weight="bold"`, title)
	bottom := l.barTop() + float64(max(l.barLanes, 1))*tlBarLane
	l.drawAxis(c, bottom)
	l.drawExchanges(c)
	l.drawBars(c)
	l.drawCaption(c, bottom+20)
}

func (l *timelineLayout) drawAxis(c *canvas, bottom float64) {
	c.raw(`<g class="axis">`)
	for _, p := range l.pieces {
		if p.folded {
			c.raw(`<g class="fold">`)
			c.title("a silence of " + span(p.t1-p.t0) + ", folded")
			c.rect(p.x0+2, tlAxisY-16, p.x1-p.x0-4, bottom-tlAxisY+16, `fill="`+fillFold+`" `+stroke(inkMuted, 0.8, "2 2"))
			c.text((p.x0+p.x1)/2, tlAxisY-5, `text-anchor="middle" font-size="10" font-style="italic"`, "… "+span(p.t1-p.t0)+" …")
			c.raw("</g>\n")
			continue
		}
		c.line(p.x0, tlAxisY, p.x1, tlAxisY, stroke(inkStrong, 1.2, ""))
		l.drawTicks(c, p)
	}
	c.raw("</g>\n")
}

// drawTicks writes round times along a stretch drawn to scale, about one
// per 110 pixels.
func (l *timelineLayout) drawTicks(c *canvas, p piece) {
	length := p.t1 - p.t0
	n := int((p.x1 - p.x0) / 110)
	if n < 1 || length <= 0 {
		if p.x1-p.x0 >= 40 { // room for the start's time at least
			c.line(p.x0, tlAxisY-4, p.x0, tlAxisY, stroke(inkStrong, 1, ""))
			c.text(p.x0, tlAxisY-7, `text-anchor="start" font-size="10"`, tickText(p.t0, length))
		}
		return
	}
	step := tickStep(length, n)
	if step <= 0 { // overflowed: a span of centuries
		return
	}
	first := (p.t0 + step - 1) / step * step
	for i, v := 0, first; i <= n+1 && v >= first && v <= p.t1; i, v = i+1, v+step { // v >= first: stop if v+step wraps
		x := l.x(v)
		if x > tlWidth-tlMargin-20 && v != p.t0 {
			break
		}
		c.line(x, tlAxisY-4, x, tlAxisY, stroke(inkStrong, 1, ""))
		c.text(x, tlAxisY-7, `text-anchor="middle" font-size="10"`, tickText(v, step))
	}
}

// tickStep is a round step for n ticks over length: milliseconds and
// seconds in 1, 2, 5 steps; minutes and hours in their own.
func tickStep(length time.Duration, n int) time.Duration {
	raw := length / time.Duration(n)
	switch {
	case raw < time.Minute:
		return max(time.Duration(niceStep(float64(length), n)), time.Microsecond)
	case raw < time.Hour:
		return time.Duration(niceStep(length.Minutes(), n)) * time.Minute
	}
	return time.Duration(math.Max(niceStep(length.Hours(), n), 1)) * time.Hour
}

func tickText(v, step time.Duration) string {
	switch {
	case step < time.Second:
		return trimFloat(v.Seconds(), 3) + " s"
	case v < time.Minute:
		return trimFloat(v.Seconds(), 1) + " s"
	}
	return span(v)
}

func (l *timelineLayout) drawExchanges(c *canvas) {
	for i := range l.t.Exchanges {
		e := &l.t.Exchanges[i]
		x := l.x(l.rel(e.At))
		cls := "exchange"
		ink, width, dash := inkHandsh, 1.2, ""
		switch {
		case e.Reply >= 400:
			cls += " error"
			ink, width = inkReset, 2.4
		case e.ReplyAt.IsZero():
			cls += " unanswered"
			ink, dash = inkMuted, "2 2"
		}
		c.raw(`<g class="`, cls, `" data-frame="`, itoa(e.Frame), `">`)
		c.title(l.exchangeTitle(e))
		c.line(x, tlAxisY, x, tlAxisY+12, stroke(ink, width, dash))
		if !e.ReplyAt.IsZero() {
			xr := l.x(l.rel(e.ReplyAt))
			c.line(x, tlAxisY+6, math.Max(xr, x+1), tlAxisY+6, stroke(ink, 2, dash))
			c.raw(`<circle cx="`, num(xr), `" cy="`, num(tlAxisY+6), `" r="2.2" fill="`, ink, `"/>`)
		}
		if lane := l.labelLane[i]; lane >= 0 {
			y := tlAxisY + 24 + float64(lane)*tlLabelLane
			xl := l.labelX[i]
			c.line(x, tlAxisY+12, xl, y-9, stroke("#b0b0b0", 0.8, ""))
			attrs := `font-size="10"`
			if e.Reply >= 400 {
				attrs += ` font-weight="bold" fill="` + inkReset + `"`
			}
			c.text(xl+1, y, attrs, exchangeLabel(e, tlLabelChars))
		}
		c.raw("</g>\n")
	}
}

func (l *timelineLayout) exchangeTitle(e *analysis.TimelineExchange) string {
	s := "frame " + itoa(e.Frame) + " · +" + exactOffset(l.rel(e.At)) + " · "
	if e.Command == "" {
		s += "greeting"
	} else {
		s += e.Command
	}
	if e.Reply > 0 {
		s += " → " + strconv.Itoa(e.Reply)
		if e.ReplyText != "" {
			s += " " + e.ReplyText
		}
	}
	if !e.ReplyAt.IsZero() {
		s += " (after " + span(e.ReplyAt.Sub(e.At)) + ")"
	} else {
		s += " (no reply seen)"
	}
	return s
}

func (l *timelineLayout) drawBars(c *canvas) {
	top := l.barTop()
	for i := range l.t.Data {
		lane := l.barLane[i]
		if lane < 0 {
			continue
		}
		d := &l.t.Data[i]
		x0 := l.x(l.rel(d.Start))
		x1 := math.Max(l.x(l.rel(d.End)), x0+3)
		y := top + float64(lane)*tlBarLane
		cls := "data"
		if d.Broken {
			cls += " broken"
		}
		c.raw(`<g class="`, cls, `" data-transfer="`, strconv.Itoa(d.Transfer), `">`)
		c.title(l.barTitle(d))
		if d.Broken {
			c.rect(x0, y, x1-x0, tlBarHeight, `fill="`+fillPanel+`" `+stroke(inkReset, 2, "5 2"))
			hatch(c, x0, y, x1, y+tlBarHeight)
		} else {
			c.rect(x0, y, x1-x0, tlBarHeight, `fill="#c9d6ee" `+stroke(inkHandsh, 1, ""))
		}
		attrs := `font-size="10" ` + halo
		if d.Broken {
			attrs += ` font-weight="bold"`
		}
		c.text(x0+3, y+tlBarHeight-3.5, attrs, l.barLabel(d))
		c.raw("</g>\n")
	}
}

// hatch fills a broken connection's bar with diagonal lines, drawn one by
// one (a pattern would need an id, which could clash between the SVGs of
// one page).
func hatch(c *canvas, x0, y0, x1, y1 float64) {
	h := y1 - y0
	var b strings.Builder
	for s := x0 - h; s < x1; s += 6 {
		// The line from (s, y1) to (s+h, y0), cut to the bar.
		ax, ay := s, y1
		bx, by := s+h, y0
		if ax < x0 {
			ay -= x0 - ax
			ax = x0
		}
		if bx > x1 {
			by += bx - x1
			bx = x1
		}
		if bx <= ax {
			continue
		}
		b.WriteString("M" + num(ax) + " " + num(ay) + "L" + num(bx) + " " + num(by))
	}
	c.raw(`<path d="`, b.String(), `" `, stroke(inkReset, 1, ""), "/>")
}

func (l *timelineLayout) barTitle(d *analysis.TimelineData) string {
	s := l.barLabel(d) + " · " + d.Client + " → " + d.Server + " · +" + exactOffset(l.rel(d.Start)) + " to +" + exactOffset(l.rel(d.End)) +
		" · " + words.GroupDigits(d.Bytes) + " bytes"
	return s
}

func (l *timelineLayout) drawCaption(c *canvas, y float64) {
	var parts []string
	if l.t.Omitted > 0 {
		parts = append(parts, words.GroupDigits(int64(l.t.Omitted))+" exchanges in the middle of the session not drawn")
	}
	thinned := 0
	for _, lane := range l.labelLane {
		if lane < 0 {
			thinned++
		}
	}
	if thinned > 0 {
		parts = append(parts, words.GroupDigits(int64(thinned))+" labels left out where they would overlap (hover a tick for its text)")
	}
	if l.notDrawn > 0 {
		parts = append(parts, words.GroupDigits(int64(l.notDrawn))+" data connections not drawn")
	}
	parts = append(parts, "bold red: a 4xx/5xx reply; hatched: a broken data connection")
	c.text(tlMargin, y, `class="caption" font-size="10"`, strings.Join(parts, " · "))
}
