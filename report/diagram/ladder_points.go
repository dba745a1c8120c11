package diagram

import (
	"math"
	"strconv"
	"strings"

	"github.com/ftpcap/ftpcap/analysis"
)

// A ladder of a report of several capture points (analysis.Ladder.Points)
// draws one column per point between the FTP client and the server, in
// order from the client's side, and marks on each arrow the points that
// captured it: a dot where a point saw the packet, a ring where the
// packet went by a point whose capture missed it. A packet dropped
// between two points ends at a cross between them; one injected between
// them starts at a hollow diamond there. Every distinction is a shape,
// so the drawing reads in grey.

// pointSpread is the share of the distance between the outer columns
// the capture point columns spread over, centred.
const pointSpread = 0.6

// pointColumns places n capture points' columns between left and right;
// nil for none (a report of one point).
func pointColumns(n int, left, right float64) []float64 {
	if n == 0 {
		return nil
	}
	if n == 1 {
		return []float64{(left + right) / 2}
	}
	xs := make([]float64, n)
	from := left + (right-left)*(1-pointSpread)/2
	step := (right - left) * pointSpread / float64(n-1)
	for i := range xs {
		xs[i] = from + step*float64(i)
	}
	return xs
}

// multiPoint: a panel draws several capture points.
func (l *ladderLayout) multiPoint() bool {
	for i := range l.panels {
		if l.panels[i].points != nil {
			return true
		}
	}
	return false
}

// drawPointHeadings names each capture point's column.
func drawPointHeadings(c *canvas, g *panelGeom) {
	room := g.right - g.left
	if len(g.points) > 1 {
		room = g.points[1] - g.points[0]
	}
	fit := max(int((room-8)/(10*0.62)), 4)
	for i, x := range g.points {
		c.text(x, 46, `text-anchor="middle" font-size="10" font-weight="bold" fill="`+inkMuted+`"`, shorten("capture at "+g.ladder.Points[i], fit))
	}
}

// pointX is the column of the named point (the middle when the ladder
// does not list it).
func (g *panelGeom) pointX(name string) float64 {
	for i, n := range g.ladder.Points {
		if n == name && i < len(g.points) {
			return g.points[i]
		}
	}
	return (g.left + g.right) / 2
}

// pointMark is a capture point's column an arrow crosses.
type pointMark struct {
	x    float64
	seen bool // the point captured the packet
	own  bool // the packet's frame number is this point's
}

// pathOf is where a packet's arrow starts and ends (a dropped packet
// ends between the last point that saw it and the next; an injected one
// starts between the point before the first that saw it and that one)
// and the capture point columns it crosses, x1 to x2 being its sender's
// and receiver's columns.
func (g *panelGeom) pathOf(p *analysis.LadderPacket, x1, x2 float64) (float64, float64, []pointMark) {
	travel := make([]int, len(g.points))
	for i := range travel {
		travel[i] = i
		if x2 < x1 {
			travel[i] = len(g.points) - 1 - i
		}
	}
	seen := func(i int) bool { return i < 64 && p.SeenAt&(1<<uint(i)) != 0 }
	start, end := x1, x2
	first, last := -1, -1
	for k, i := range travel {
		if seen(i) {
			if first < 0 {
				first = k
			}
			last = k
		}
	}
	if p.PathInjected && first >= 0 {
		before := x1
		if first > 0 {
			before = g.points[travel[first-1]]
		}
		start = (before + g.points[travel[first]]) / 2
	}
	if p.PathDropped && last >= 0 {
		after := x2
		if last < len(travel)-1 {
			after = g.points[travel[last+1]]
		}
		end = (g.points[travel[last]] + after) / 2
	}
	var marks []pointMark
	lo, hi := math.Min(start, end), math.Max(start, end)
	for _, i := range travel {
		x := g.points[i]
		if x < lo || x > hi {
			continue
		}
		marks = append(marks, pointMark{x: x, seen: seen(i), own: i < len(g.ladder.Points) && g.ladder.Points[i] == p.Point})
	}
	return start, end, marks
}

// frameAttrs are the frame number's attributes in the gutter: italic for
// a frame of another point's capture than the ladder's own.
func frameAttrs(g *panelGeom, p *analysis.LadderPacket) string {
	if g.points != nil && p.Point != "" && p.Point != g.ladder.Vantage {
		return ` font-style="italic"`
	}
	return ""
}

// drawPathEnds draws a packet's ends: a cross where a dropped packet was
// lost, a hollow diamond where an injected one appeared, an arrowhead
// where a packet arrived.
func drawPathEnds(c *canvas, x1, y1, x2, y2 float64, ink string, p *analysis.LadderPacket, note bool) {
	if p.PathDropped {
		d := 4.5
		c.line(x2-d, y2-d, x2+d, y2+d, stroke(ink, 2.2, ""))
		c.line(x2-d, y2+d, x2+d, y2-d, stroke(ink, 2.2, ""))
		if note {
			sideNote(c, x2, y2, x2-x1, "dropped")
		}
	} else {
		arrowHead(c, x1, y1, x2, y2, ink, p)
	}
	if p.PathInjected {
		d := 5.0
		c.raw(`<path d="M`, num(x1), " ", num(y1-d), "L", num(x1+d), " ", num(y1), "L", num(x1), " ", num(y1+d), "L", num(x1-d), " ", num(y1),
			`Z" fill="`, fillPanel, `" `, stroke(ink, 1.6, ""), "/>")
		if note {
			sideNote(c, x1, y1, x1-x2, "injected")
		}
	}
}

// yOnLine is the height at x of the line from (x1, y1) to (x2, y2).
func yOnLine(x, x1, y1, x2, y2 float64) float64 {
	if x2 == x1 {
		return y1
	}
	return y1 + (x-x1)/(x2-x1)*(y2-y1)
}

// pathMarks remembers, per panel, how the last packet placed was marked
// (dropped, injected, neither), so that a run of dropped packets says
// "dropped" once.
type pathMarks map[int]int

// repeats reports whether it is marked as the packet before it in its
// panel was; a fold between them ends the run.
func (pm pathMarks) repeats(it ladderItem) bool {
	kind := 0
	switch {
	case it.pkt == nil:
		kind = -1
	case it.pkt.PathDropped:
		kind = 1
	case it.pkt.PathInjected:
		kind = 2
	}
	prev, seen := pm[it.panel]
	pm[it.panel] = kind
	return seen && kind > 0 && prev == kind
}

// sideNote writes a short word beside a marker, on the side away from
// the arrow (outward: the direction the arrow would go on, or came from).
func sideNote(c *canvas, x, y, outward float64, word string) {
	anchor, dx := "start", 9.0
	if outward < 0 {
		anchor, dx = "end", -9
	}
	c.text(x+dx, y+3, `text-anchor="`+anchor+`" font-size="9" font-style="italic" `+halo, word)
}

// pointMarks marks each capture point column the arrow crosses: a dot
// where the point captured the packet (a diamond for a deciding packet
// at the point whose frame it is), a ring where the packet went by the
// point unseen.
func pointMarks(c *canvas, marks []pointMark, x1, y1, x2, y2 float64, p *analysis.LadderPacket, ink string) {
	for _, mk := range marks {
		cy := y1
		if x2 != x1 {
			cy = y1 + (mk.x-x1)/(x2-x1)*(y2-y1)
		}
		switch {
		case mk.seen && mk.own && p.Deciding:
			d := 6.5
			c.raw(`<path d="M`, num(mk.x), " ", num(cy-d), "L", num(mk.x+d), " ", num(cy), "L", num(mk.x), " ", num(cy+d), "L", num(mk.x-d), " ", num(cy), `Z" fill="`, inkStrong, `" stroke="#ffffff" stroke-width="1"/>`)
		case mk.seen:
			c.raw(`<circle class="seen" cx="`, num(mk.x), `" cy="`, num(cy), `" r="2.6" fill="`, ink, `"/>`)
		default:
			c.raw(`<circle class="unseen" cx="`, num(mk.x), `" cy="`, num(cy), `" r="3" fill="`, fillPanel, `" `, stroke(ink, 1.2, ""), "/>")
		}
	}
	c.raw("\n")
}

// pointFacts are a packet's frame, named by its point, and which points
// captured it, for its hover text.
func pointFacts(g *panelGeom, p *analysis.LadderPacket) (frame, seen string) {
	frame = "frame " + strconv.FormatInt(p.Frame, 10)
	if p.Point != "" {
		frame = p.Point + " " + frame
	}
	var at []string
	for i, name := range g.ladder.Points {
		if i < 64 && p.SeenAt&(1<<uint(i)) != 0 {
			at = append(at, name)
		}
	}
	seen = "captured at " + strings.Join(at, " and ")
	if len(at) == 0 {
		seen = "captured at no point"
	}
	switch {
	case p.PathDropped:
		seen += ", dropped on the path after it"
	case p.PathInjected:
		seen += ", injected on the path before it"
	}
	return frame, seen
}

// drawPointsLegend explains the capture point marks, on the legend's
// second line.
func (l *ladderLayout) drawPointsLegend(c *canvas, y float64) {
	x := gutterWidth
	item := func(draw func(cx, cy float64), label string) {
		draw(x+6, y-4)
		c.text(x+16, y, `font-size="10"`, label)
		x += 26 + textWidth(label, 10)
	}
	c.raw(`<g class="legend points">`)
	item(func(cx, cy float64) {
		c.raw(`<circle cx="`, num(cx), `" cy="`, num(cy), `" r="2.6" fill="`, inkNormal, `"/>`)
	}, "captured at the point")
	item(func(cx, cy float64) {
		c.raw(`<circle cx="`, num(cx), `" cy="`, num(cy), `" r="3" fill="`, fillPanel, `" `, stroke(inkNormal, 1.2, ""), "/>")
	}, "went by unseen (capture loss)")
	item(func(cx, cy float64) {
		c.line(cx-4, cy-4, cx+4, cy+4, stroke(inkNormal, 2, ""))
		c.line(cx-4, cy+4, cx+4, cy-4, stroke(inkNormal, 2, ""))
	}, "dropped between points")
	item(func(cx, cy float64) {
		c.raw(`<path d="M`, num(cx), " ", num(cy-5), "L", num(cx+5), " ", num(cy), "L", num(cx), " ", num(cy+5), "L", num(cx-5), " ", num(cy),
			`Z" fill="`, fillPanel, `" `, stroke(inkNormal, 1.4, ""), "/>")
	}, "injected between points")
	c.text(x, y, `font-size="10" font-style="italic"`, "italic frame: another point's capture")
	c.raw("</g>\n")
}
