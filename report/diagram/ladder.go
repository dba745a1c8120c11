package diagram

import (
	"github.com/ftpcap/ftpcap/internal/inert"
	"github.com/ftpcap/ftpcap/internal/words"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// The ladder's geometry, in pixels of a page about 1000 wide.
const (
	ladderWidth   = 1000.0
	gutterWidth   = 104.0 // frame numbers and times, left of the panels
	columnInset   = 34.0  // from a panel's edge to its outer columns
	ladderHeader  = 84.0  // headings and column names
	rowStep       = 24.0  // one packet
	labelLine     = 13.0  // a second label line (an FTP command that does not fit beside the TCP facts)
	arrowDrop     = 10.0  // how far an arrow slopes: packets take time to travel
	foldHeight    = 24.0
	foldSpacing   = 6.0
	minPanelWidth = 420.0
	labelSize     = 11.0
	// captureInset places a capture point's column near the end it is
	// next to: this share of the distance between the outer columns.
	captureInset = 0.18
)

// The ladder's time scale. Rows follow one another at a fixed step,
// except before a packet whose timing is evidence (a retransmission, a
// reset, an ICMP error, a deciding packet): there the step grows with
// the silence before it, up to maxTimedExtra, so an RTO back-off shows
// its doubling. Silences longer than a fold's threshold become a band
// that states their length instead.
const (
	foldGap        = 3 * time.Second // an uneventful silence this long is folded
	maxTimedGap    = 5 * time.Minute // a timed silence longer than this is folded too
	maxTimedExtra  = 160.0
	maxPxPerSecond = 400.0
	gapNoteMin     = 14.0 // a timed gap this tall gets its length written beside it
)

// Ladder writes one ladder diagram: one connection, or a control and a
// data connection side by side. capturePoint (client-side, server-side,
// middle, unknown) places the capture point's column.
func Ladder(w io.Writer, ladders []analysis.Ladder, capturePoint string) error {
	l := newLadderLayout(ladders, capturePoint)
	var c canvas
	l.draw(&c)
	return c.writeSVG(w, "ladder", l.width, l.height, l.summary())
}

// panelGeom is where one connection's columns stand.
type panelGeom struct {
	ladder *analysis.Ladder
	x0, w  float64
	// left and right are the outer columns: the FTP client on the left,
	// so that control and data panels read the same way round even when
	// the FTP server opened the data connection (active mode).
	left, right, capture float64
	clientOnLeft         bool
	drawn                int
	// points are the columns of the capture points of a ladder of
	// several (analysis.Ladder.Points), from the FTP client's side to
	// the server's; nil for one capture point, drawn at capture.
	points []float64
}

// clientX and serverX are the TCP client's and server's columns.
func (g *panelGeom) clientX() float64 {
	if g.clientOnLeft {
		return g.left
	}
	return g.right
}

func (g *panelGeom) serverX() float64 {
	if g.clientOnLeft {
		return g.right
	}
	return g.left
}

// row is one placed row of the drawing.
type row struct {
	item ladderItem
	y    float64 // top of the row
	// arrowY: where the arrow leaves its sender.
	arrowY float64
	lines  []string
	// A silence folded across all panels (item is then a fold with
	// panel -1).
	silence bool
	// gap is the timed silence drawn before the row, and its height.
	gap      time.Duration
	gapExtra float64
	// repeatMark: the packet before in its panel was dropped (or
	// injected) as this one was: the word beside its mark is not
	// written again.
	repeatMark bool
}

type ladderLayout struct {
	panels        []panelGeom
	rows          []row
	capturePoint  string
	t0            time.Time
	width, height float64
	legendY       float64
}

func newLadderLayout(ladders []analysis.Ladder, capturePoint string) *ladderLayout {
	l := &ladderLayout{capturePoint: capturePoint}
	n := max(len(ladders), 1)
	panelW := math.Max((ladderWidth-gutterWidth)/float64(n), minPanelWidth)
	l.width = gutterWidth + panelW*float64(n)
	var perPanel [][]ladderItem
	for i := range ladders {
		ld := &ladders[i]
		keep := keepMask(ld.Packets, maxArrows)
		g := panelGeom{ladder: ld, x0: gutterWidth + panelW*float64(i), w: panelW, clientOnLeft: !ld.FTPServerIsClient}
		g.left, g.right = g.x0+columnInset, g.x0+panelW-columnInset
		g.capture = capturePointX(capturePoint, g.left, g.right)
		g.points = pointColumns(len(ld.Points), g.left, g.right)
		for _, k := range keep {
			if k {
				g.drawn++
			}
		}
		l.panels = append(l.panels, g)
		perPanel = append(perPanel, panelItems(i, ld.Packets, keep))
		for _, p := range ld.Packets {
			if !p.Time.IsZero() && (l.t0.IsZero() || p.Time.Before(l.t0)) {
				l.t0 = p.Time
			}
		}
	}
	l.place(mergeItems(perPanel))
	return l
}

// capturePointX: near the FTP client (left), near the server (right), or
// in the middle when the capture point is in the middle or not known.
func capturePointX(point string, left, right float64) float64 {
	switch point {
	case "client-side":
		return left + (right-left)*captureInset
	case "server-side":
		return right - (right-left)*captureInset
	}
	return (left + right) / 2
}

// isTimed: a packet whose distance in time from the one before is part
// of the evidence.
func isTimed(p *analysis.LadderPacket) bool {
	return p.Retrans || p.Deciding || p.ICMP != "" || p.ZeroWindow || p.Flags&tcpflow.FlagRST != 0
}

// silenceFolded: a silence before p drawn as a band rather than to scale.
func silenceFolded(p *analysis.LadderPacket, dt time.Duration) bool {
	if isTimed(p) {
		return dt > maxTimedGap
	}
	return dt >= foldGap
}

// gapsBefore is, for each row, the time since the row before (zero after
// a fold, which accounts for that time itself).
func gapsBefore(items []ladderItem) []time.Duration {
	gaps := make([]time.Duration, len(items))
	for i := 1; i < len(items); i++ {
		if items[i].pkt != nil && items[i-1].pkt != nil {
			gaps[i] = max(items[i].at.Sub(items[i-1].at), 0)
		}
	}
	return gaps
}

// timeScale is the pixels per second of the timed gaps: the longest one
// drawn to scale gets maxTimedExtra.
func timeScale(items []ladderItem, gaps []time.Duration) float64 {
	var longest time.Duration
	for i, it := range items {
		if it.pkt != nil && isTimed(it.pkt) && !silenceFolded(it.pkt, gaps[i]) && gaps[i] > longest {
			longest = gaps[i]
		}
	}
	if longest <= 0 {
		return 0
	}
	return math.Min(maxTimedExtra/longest.Seconds(), maxPxPerSecond)
}

// place lays the rows out from top to bottom.
func (l *ladderLayout) place(items []ladderItem) {
	gaps := gapsBefore(items)
	scale := timeScale(items, gaps)
	marks := pathMarks{}
	y := ladderHeader
	for i, it := range items {
		if it.pkt == nil {
			marks.repeats(it)
			l.rows = append(l.rows, row{item: it, y: y})
			y += foldHeight + foldSpacing
			continue
		}
		dt := gaps[i]
		var gap time.Duration
		var extra float64
		switch {
		case i > 0 && silenceFolded(it.pkt, dt):
			fold := ladderItem{panel: -1, at: it.at, spans: dt}
			l.rows = append(l.rows, row{item: fold, y: y, silence: true})
			y += foldHeight + foldSpacing
		case isTimed(it.pkt) && dt > 0:
			gap, extra = dt, math.Min(dt.Seconds()*scale, maxTimedExtra)
			y += extra
		}
		lines := l.labelLines(&l.panels[it.panel], it.pkt)
		r := row{item: it, y: y, lines: lines, gap: gap, gapExtra: extra, repeatMark: marks.repeats(it)}
		r.arrowY = y + 10 + float64(len(lines)-1)*labelLine
		l.rows = append(l.rows, r)
		y += rowStep + float64(len(lines)-1)*labelLine
	}
	if len(items) == 0 {
		y += rowStep
	}
	l.legendY = y + 20
	l.height = l.legendY + 22
	if l.multiPoint() || l.capturePoint != "client-side" && l.capturePoint != "server-side" && l.capturePoint != "middle" {
		l.height += 16
	}
}

// labelLines are the texts above a packet's arrow: the TCP facts, with
// the FTP command or reply in front, or on a line of its own above when
// both do not fit between the columns.
func (l *ladderLayout) labelLines(g *panelGeom, p *analysis.LadderPacket) []string {
	fit := int((g.right - g.left - 16) / (labelSize * 0.62))
	facts := packetFacts(p)
	if p.Label == "" {
		return []string{shorten(facts, fit)}
	}
	if len([]rune(inert.Text(p.Label)))+3+len([]rune(facts)) <= fit {
		return []string{inert.Text(p.Label) + " · " + facts}
	}
	return []string{shorten(p.Label, fit), shorten(facts, fit)}
}

// flagNames writes the TCP flags a ladder shows: SYN, SYN-ACK, FIN, RST,
// PSH, ACK.
func flagNames(f uint8) string {
	var parts []string
	switch {
	case f&tcpflow.FlagSYN != 0 && f&tcpflow.FlagACK != 0:
		parts = append(parts, "SYN-ACK")
	case f&tcpflow.FlagSYN != 0:
		parts = append(parts, "SYN")
	}
	if f&tcpflow.FlagFIN != 0 {
		parts = append(parts, "FIN")
	}
	if f&tcpflow.FlagRST != 0 {
		parts = append(parts, "RST")
	}
	if f&tcpflow.FlagPSH != 0 {
		parts = append(parts, "PSH")
	}
	if f&tcpflow.FlagACK != 0 && f&tcpflow.FlagSYN == 0 {
		parts = append(parts, "ACK")
	}
	return strings.Join(parts, " ")
}

// packetFacts is a packet's TCP facts in short form, or an ICMP error's
// description.
func packetFacts(p *analysis.LadderPacket) string {
	if p.ICMP != "" {
		s := "ICMP " + inert.Text(p.ICMP)
		if p.ICMPFrom != "" {
			s += " from " + inert.Text(p.ICMPFrom)
		}
		return s
	}
	var b strings.Builder
	if p.Retrans {
		b.WriteString("retrans ")
	}
	b.WriteString(flagNames(p.Flags))
	b.WriteString(" seq " + seqText(p.Seq))
	if p.Flags&tcpflow.FlagACK != 0 {
		b.WriteString(" ack " + seqText(p.Ack))
	}
	if p.Len > 0 {
		b.WriteString(" len " + strconv.Itoa(p.Len))
	}
	if p.Flags&tcpflow.FlagRST == 0 || p.Win != 0 {
		b.WriteString(" win " + short(float64(p.Win)))
	}
	if p.Flags&tcpflow.FlagRST != 0 || p.Deciding {
		b.WriteString(" ttl " + strconv.Itoa(int(p.TTL)))
	}
	if p.Flags&tcpflow.FlagRST != 0 {
		b.WriteString(" id " + strconv.Itoa(int(p.IPID)))
	}
	return strings.TrimSpace(b.String())
}

// packetClasses are the contract's classes of a packet's group.
func packetClasses(p *analysis.LadderPacket) string {
	cls := []string{"pkt"}
	if p.ICMP != "" {
		cls = append(cls, "icmp")
	} else {
		if p.Flags&tcpflow.FlagSYN != 0 {
			cls = append(cls, "syn")
		}
		if p.Flags&tcpflow.FlagFIN != 0 {
			cls = append(cls, "fin")
		}
		if p.Flags&tcpflow.FlagRST != 0 {
			cls = append(cls, "rst")
		}
	}
	if p.Retrans {
		cls = append(cls, "retrans")
	}
	if p.Label != "" {
		cls = append(cls, "ftp")
	}
	if p.Deciding {
		cls = append(cls, "deciding")
	}
	if p.PathDropped {
		cls = append(cls, "dropped")
	}
	if p.PathInjected {
		cls = append(cls, "injected")
	}
	return strings.Join(cls, " ")
}

// arrowStyle is a packet's stroke: colour, width and dash, each
// distinction carried by more than the colour.
func arrowStyle(p *analysis.LadderPacket) (ink string, width float64, dash string) {
	ink, width = inkNormal, 1
	switch {
	case p.ICMP != "":
		ink, width, dash = inkICMP, 1.6, dashICMP
	case p.Flags&tcpflow.FlagRST != 0:
		ink, width, dash = inkReset, 2, dashReset
	case p.Retrans:
		ink, width, dash = inkStrong, 1.8, dashRetrans
	case p.Flags&(tcpflow.FlagSYN|tcpflow.FlagFIN) != 0:
		ink, width = inkHandsh, 1.6
	}
	if p.Deciding {
		width += 1.6
	}
	return ink, width, dash
}

func (l *ladderLayout) summary() string {
	if len(l.panels) == 0 {
		return "ladder diagram: no connection"
	}
	var parts []string
	for i := range l.panels {
		parts = append(parts, panelHeading(l.panels[i].ladder))
	}
	return "ladder diagram: " + strings.Join(parts, "; ")
}

// panelHeading names a connection: "control 192.0.2.10:40000 →
// 198.51.100.5:21", "data …, transfer 2".
func panelHeading(ld *analysis.Ladder) string {
	kind := string(ld.Kind)
	if kind == "" {
		kind = string(classify.KindOther)
	}
	s := kind + " " + ld.Client + " → " + ld.Server
	if ld.Transfer > 0 {
		s += ", transfer " + strconv.Itoa(ld.Transfer)
	}
	return s
}

func (l *ladderLayout) draw(c *canvas) {
	if len(l.panels) == 0 {
		c.text(l.width/2, ladderHeader, `text-anchor="middle" fill="`+inkMuted+`"`, "no connection to draw")
		return
	}
	bottom := l.legendY - 16
	l.drawHeadings(c)
	l.drawDecidingBands(c)
	l.drawColumns(c, bottom)
	for i := range l.rows {
		r := &l.rows[i]
		switch {
		case r.silence:
			l.drawSilence(c, r)
		case r.item.pkt == nil:
			l.drawFold(c, r)
		default:
			l.drawPacket(c, r)
		}
	}
	l.drawLegend(c)
}

func (l *ladderLayout) drawHeadings(c *canvas) {
	c.text(gutterWidth-8, ladderHeader-24, `text-anchor="end" font-size="10" fill="`+inkMuted+`"`, "frame   time")
	for i := range l.panels {
		g := &l.panels[i]
		ld := g.ladder
		fit := int((g.w - 16) / (12 * 0.62))
		mid := g.x0 + g.w/2
		c.text(mid, 16, `text-anchor="middle" font-size="12" font-weight="bold"`, shorten(panelHeading(ld), fit))
		c.text(mid, 30, `text-anchor="middle" font-size="10" fill="`+inkMuted+`"`, panelCounts(ld, g.drawn))
		if g.points != nil {
			drawPointHeadings(c, g)
		} else {
			c.text(g.capture, 46, `text-anchor="middle" font-size="10" fill="`+inkMuted+`"`, "capture point ("+captureName(l.capturePoint)+")")
		}
		leftName, rightName := "FTP client", "FTP server"
		leftAddr, rightAddr := ld.Client, ld.Server
		if !g.clientOnLeft {
			leftAddr, rightAddr = ld.Server, ld.Client
		}
		if ld.Kind == classify.KindOther {
			leftName, rightName = "client", "server"
		}
		half := int((g.w/2 - 8) / (10 * 0.62))
		c.text(g.left-10, 60, `text-anchor="start" font-weight="bold"`, leftName)
		c.text(g.right+10, 60, `text-anchor="end" font-weight="bold"`, rightName)
		c.text(g.left-10, 73, `text-anchor="start" font-size="10" font-family="`+monoFamily+`"`, shorten(leftAddr, half))
		c.text(g.right+10, 73, `text-anchor="end" font-size="10" font-family="`+monoFamily+`"`, shorten(rightAddr, half))
	}
}

// panelCounts: "1,234 packets, 200 drawn, closed rst".
func panelCounts(ld *analysis.Ladder, drawn int) string {
	total := ld.Total
	if total < int64(len(ld.Packets)) {
		total = int64(len(ld.Packets))
	}
	s := words.GroupDigits(total) + " packets"
	if int64(drawn) < total {
		s += ", " + words.GroupDigits(int64(drawn)) + " drawn"
	}
	if ld.Closed != "" {
		s += ", closed " + ld.Closed
	}
	return s
}

func captureName(point string) string {
	switch point {
	case "client-side", "server-side", "middle":
		return point
	}
	return "unknown"
}

func (l *ladderLayout) drawDecidingBands(c *canvas) {
	for _, r := range l.rows {
		if r.item.pkt == nil || !r.item.pkt.Deciding {
			continue
		}
		g := &l.panels[r.item.panel]
		top := r.y - 2
		c.rect(0, top, gutterWidth, r.arrowY+arrowDrop+4-top, `fill="`+fillDecide+`"`)
		c.rect(g.x0, top, g.w, r.arrowY+arrowDrop+4-top, `class="decide-band" fill="`+fillDecide+`"`)
	}
}

func (l *ladderLayout) drawColumns(c *canvas, bottom float64) {
	top := ladderHeader - 6
	for i := range l.panels {
		g := &l.panels[i]
		if i > 0 {
			c.line(g.x0, 4, g.x0, bottom, stroke("#c8c8c8", 1, ""))
		}
		c.line(g.left, top, g.left, bottom, stroke(inkStrong, 1.5, ""))
		c.line(g.right, top, g.right, bottom, stroke(inkStrong, 1.5, ""))
		if g.points == nil {
			c.line(g.capture, top, g.capture, bottom, stroke(inkMuted, 1.2, dashCapture))
		}
		for _, x := range g.points {
			c.line(x, top, x, bottom, stroke(inkMuted, 1.2, dashCapture))
		}
	}
}

func (l *ladderLayout) drawSilence(c *canvas, r *row) {
	c.raw(`<g class="fold silence">`)
	c.rect(0, r.y, l.width, foldHeight, `fill="`+fillFold+`" `+stroke(inkMuted, 0.8, "2 2"))
	c.text(l.width/2, r.y+16, `text-anchor="middle" font-style="italic"`, "… "+span(r.item.spans)+" without packets …")
	c.raw("</g>\n")
}

func (l *ladderLayout) drawFold(c *canvas, r *row) {
	if r.item.panel < 0 || r.item.panel >= len(l.panels) {
		return
	}
	g := &l.panels[r.item.panel]
	text := "… " + words.GroupDigits(r.item.hidden) + " packets not drawn …"
	if r.item.spans > 0 {
		text = "… " + span(r.item.spans) + ", " + words.GroupDigits(r.item.hidden) + " packets not drawn …"
	}
	c.raw(`<g class="fold">`)
	c.rect(g.x0+4, r.y, g.w-8, foldHeight, `fill="`+fillFold+`" `+stroke(inkMuted, 0.8, "2 2"))
	c.text(g.x0+g.w/2, r.y+16, `text-anchor="middle" font-style="italic"`, text)
	c.raw("</g>\n")
}

func (l *ladderLayout) drawPacket(c *canvas, r *row) {
	p := r.item.pkt
	g := &l.panels[r.item.panel]
	x1, x2 := g.serverX(), g.clientX()
	if p.FromClient {
		x1, x2 = x2, x1
	}
	if p.ICMP != "" {
		x1 = g.capture // from the router's side of the capture point back to the quoted packet's sender
		if g.points != nil {
			x1 = g.pointX(g.ladder.Vantage)
		}
		if p.FromClient {
			x2 = g.clientX()
		} else {
			x2 = g.serverX()
		}
	}
	y1, y2 := r.arrowY, r.arrowY+arrowDrop
	// The arrow as drawn: a packet dropped or injected between two
	// capture points is drawn on the part of its way it travelled.
	ax1, ay1, ax2, ay2 := x1, y1, x2, y2
	var marks []pointMark
	if g.points != nil && p.ICMP == "" {
		ax1, ax2, marks = g.pathOf(p, x1, x2)
		ay1, ay2 = yOnLine(ax1, x1, y1, x2, y2), yOnLine(ax2, x1, y1, x2, y2)
	}
	ink, width, dash := arrowStyle(p)
	c.raw(`<g class="`, packetClasses(p), `" data-frame="`, strconv.FormatInt(p.Frame, 10), `">`)
	c.title(l.packetTitle(g, p))
	c.raw("\n")
	if r.gapExtra >= gapNoteMin {
		c.line(gutterWidth-3, r.y-r.gapExtra+2, gutterWidth-3, r.y-2, stroke(inkStrong, 1, ""))
		c.text(gutterWidth-7, r.y-r.gapExtra/2+4, `text-anchor="end" font-size="10" font-style="italic"`, "↕ "+span(r.gap))
	}
	// The frame number and the time, one text element of two spans: a
	// ladder has hundreds of rows.
	bold := ""
	if p.Deciding {
		bold = ` font-weight="bold"`
	}
	c.raw(`<text y="`, num(y1+6), `" text-anchor="end" font-size="10" font-family="`, monoFamily, `"`, bold, `><tspan x="42"`,
		frameAttrs(g, p), `>`, strconv.FormatInt(p.Frame, 10), `</tspan><tspan x="`, num(gutterWidth-8), `">`, esc(offset(p.Time.Sub(l.t0))), "</tspan></text>\n")
	c.line(ax1, ay1, ax2, ay2, `class="arrow" `+stroke(ink, width, dash))
	switch {
	case g.points == nil:
		arrowHead(c, x1, y1, x2, y2, ink, p)
		captureMark(c, g.capture, x1, y1, x2, y2, p, ink)
	case p.ICMP != "":
		arrowHead(c, x1, y1, x2, y2, ink, p)
		captureMark(c, x1, x1, y1, x2, y2, p, ink)
	default:
		drawPathEnds(c, ax1, ay1, ax2, ay2, ink, p, !r.repeatMark)
		pointMarks(c, marks, ax1, ay1, ax2, ay2, p, ink)
	}
	labelAttrs := `text-anchor="middle" ` + halo
	if p.Deciding {
		labelAttrs += ` font-weight="bold"`
	}
	if p.Flags&tcpflow.FlagRST != 0 && p.ICMP == "" {
		labelAttrs += ` fill="` + inkReset + `"`
	}
	mid := (g.left + g.right) / 2
	for i, line := range r.lines {
		above := float64(len(r.lines)-1-i) * labelLine
		c.text(mid, y1-above, labelAttrs, line) // just above the arrow's middle
	}
	c.raw("</g>\n")
}

// packetTitle is a packet's hover text: everything known about it, the
// label in full.
func (l *ladderLayout) packetTitle(g *panelGeom, p *analysis.LadderPacket) string {
	dir := g.ladder.Client + " → " + g.ladder.Server
	if !p.FromClient {
		dir = g.ladder.Server + " → " + g.ladder.Client
	}
	parts := []string{"frame " + strconv.FormatInt(p.Frame, 10), "+" + exactOffset(p.Time.Sub(l.t0))}
	if g.points != nil {
		frame, seen := pointFacts(g, p)
		parts = []string{frame, parts[1], seen}
	}
	if p.ICMP != "" {
		from := p.ICMPFrom
		if from == "" {
			from = "a router"
		}
		parts = append(parts, "ICMP "+p.ICMP+" from "+from+", quoting "+dir)
	} else {
		parts = append(parts, dir, flagNames(p.Flags),
			"seq "+strconv.FormatUint(uint64(p.Seq), 10)+" ack "+strconv.FormatUint(uint64(p.Ack), 10)+
				" len "+strconv.Itoa(p.Len)+" win "+strconv.FormatInt(p.Win, 10),
			"TTL "+strconv.Itoa(int(p.TTL))+" IP ID "+strconv.Itoa(int(p.IPID)))
	}
	if p.Retrans {
		parts = append(parts, "retransmission")
	}
	if p.ZeroWindow {
		parts = append(parts, "zero window")
	}
	if p.Label != "" {
		parts = append(parts, p.Label)
	}
	if p.Deciding {
		parts = append(parts, "deciding packet")
	}
	return strings.Join(parts, " · ")
}

// arrowHead draws a packet's head at (x2, y2): a filled triangle; an
// open one for an ICMP error; a reset adds a stop bar across its tip.
func arrowHead(c *canvas, x1, y1, x2, y2 float64, ink string, p *analysis.LadderPacket) {
	dx, dy := x2-x1, y2-y1
	n := math.Hypot(dx, dy)
	if n == 0 {
		return
	}
	ux, uy := dx/n, dy/n
	size := 8.0
	if p.Deciding {
		size = 11
	}
	bx, by := x2-ux*size, y2-uy*size
	px, py := -uy*size*0.45, ux*size*0.45
	fill := ink
	if p.ICMP != "" {
		fill = fillPanel
	}
	c.raw(`<path d="M`, num(x2), " ", num(y2), "L", num(bx+px), " ", num(by+py), "L", num(bx-px), " ", num(by-py), `Z" fill="`, fill, `" `, stroke(ink, 1, ""), "/>")
	if p.Flags&tcpflow.FlagRST != 0 && p.ICMP == "" {
		c.line(x2+px*1.4, y2+py*1.4, x2-px*1.4, y2-py*1.4, stroke(ink, 2.5, ""))
	}
}

// captureMark marks where the capture point saw the packet: a dot, a
// diamond for a deciding packet, a square where an ICMP error was seen
// leaving the router's side.
func captureMark(c *canvas, cx, x1, y1, x2, y2 float64, p *analysis.LadderPacket, ink string) {
	cy := y1
	if x2 != x1 {
		cy = y1 + (cx-x1)/(x2-x1)*(y2-y1)
	}
	switch {
	case p.Deciding:
		d := 6.5
		c.raw(`<path d="M`, num(cx), " ", num(cy-d), "L", num(cx+d), " ", num(cy), "L", num(cx), " ", num(cy+d), "L", num(cx-d), " ", num(cy), `Z" fill="`, inkStrong, `" stroke="#ffffff" stroke-width="1"/>`)
	case p.ICMP != "":
		c.rect(cx-3, cy-3, 6, 6, `fill="`+ink+`"`)
	default:
		c.raw(`<circle cx="`, num(cx), `" cy="`, num(cy), `" r="2" fill="`, ink, `"/>`)
	}
	c.raw("\n")
}

// drawLegend explains the strokes, for a reader of the printout.
func (l *ladderLayout) drawLegend(c *canvas) {
	y := l.legendY
	x := gutterWidth
	sample := func(label string, ink string, width float64, dash string) {
		c.line(x, y-4, x+28, y-4, stroke(ink, width, dash))
		c.text(x+33, y, `font-size="10"`, label)
		x += 40 + textWidth(label, 10)
	}
	c.raw(`<g class="legend">`)
	sample("packet", inkNormal, 1, "")
	sample("SYN, FIN", inkHandsh, 1.6, "")
	sample("RST", inkReset, 2, dashReset)
	sample("retransmission", inkStrong, 1.8, dashRetrans)
	sample("ICMP error", inkICMP, 1.6, dashICMP)
	sample("deciding (◆ at the capture point)", inkNormal, 2.6, "")
	c.raw("</g>\n")
	if l.multiPoint() {
		l.drawPointsLegend(c, y+16)
	} else if captureName(l.capturePoint) == "unknown" {
		c.text(gutterWidth, y+16, `font-size="10" font-style="italic"`, "capture point unknown: its column is drawn in the middle, and which end saw a packet first cannot be told")
	}
}
