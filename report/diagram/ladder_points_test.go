package diagram

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// twoPoints: a passive-mode data connection captured at the client and
// at the server. The handshake and a small segment reach both points;
// the server's full-size segments leave its point and never reach the
// client's (added from the server's capture, its frame numbers); an ACK
// the server's capture missed went by it unseen; then a middlebox
// between the points forges a reset to each end.
func twoPoints() []analysis.Ladder {
	b := newLadder(classify.KindData, "192.0.2.10:50100", "198.51.100.5:30000", 40)
	b.handshake(0)
	b.l.Points, b.l.Vantage = []string{"client", "server"}, "client"
	small := b.pkt(ms(30), false, pshack, 512, "")
	small.Seq = 1
	b.pkt(ms(31), true, ack, 0, "")
	for i := range 3 {
		p := b.pkt(ms(32+i), false, ack, 1448, "")
		p.Frame, p.Point, p.SeenAt, p.PathDropped = int64(210+i), "server", 0b10, true
	}
	b.pkt(ms(40), true, ack, 0, "")
	missed := &b.l.Packets[len(b.l.Packets)-1]
	toClient := b.pkt(ms(900), false, rst, 0, "")
	toClient.TTL, toClient.IPID, toClient.Win, toClient.PathInjected, toClient.Deciding = 64, 0, 0, true, true
	toServer := b.pkt(ms(900)+time.Millisecond, true, rst, 0, "")
	toServer.Frame, toServer.Point, toServer.SeenAt, toServer.PathInjected = 214, "server", 0b10, true
	toServer.TTL, toServer.IPID = 64, 0
	for i := range b.l.Packets {
		p := &b.l.Packets[i]
		if p.Point == "" {
			p.Point, p.SeenAt = "client", 0b11
		}
	}
	missed.SeenAt, missed.Ack = 0b01, 513
	toClient.SeenAt, toClient.Seq = 0b01, 513
	toServer.Win = 0
	b.l.Closed = "rst"
	return []analysis.Ladder{b.l}
}

// A two-point ladder names both capture points' columns, marks the
// dropped and injected packets by class and by shape, and puts the
// other point's frame numbers in italics.
func TestLadderTwoPoints(t *testing.T) {
	var b bytes.Buffer
	if err := Ladder(&b, twoPoints(), "client-side"); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	for _, want := range []string{
		">capture at client<", ">capture at server<",
		`class="pkt rst deciding injected"`, `class="pkt rst injected"`, `class="pkt dropped"`,
		`<circle class="unseen"`, ">dropped<", ">injected<",
		`<tspan x="42" font-style="italic">210</tspan>`,
		"server frame 214", "captured at client and server", "captured at server, dropped on the path after it",
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("the drawing lacks %q", want)
		}
	}
	if n := strings.Count(svg, `class="pkt dropped"`); n != 3 {
		t.Errorf("%d dropped packets drawn, want 3", n)
	}
	if n := strings.Count(svg, ">dropped<"); n != 1 {
		t.Errorf("a run of dropped packets says dropped %d times, want once", n)
	}
	if strings.Contains(svg, "capture point (") {
		t.Error("a ladder of several points still draws the single capture point's column")
	}
}

// A packet dropped between the points ends between their columns, and
// one injected between them starts there: neither reaches both ends.
func TestLadderPathEndsBetweenPoints(t *testing.T) {
	ld := twoPoints()[0]
	g := panelGeom{ladder: &ld, left: 100, right: 700, clientOnLeft: true}
	g.points = pointColumns(2, g.left, g.right)
	if g.points[0] != 220 || g.points[1] != 580 {
		t.Fatalf("columns at %v, want 220 and 580", g.points)
	}
	for _, tc := range []struct {
		p          analysis.LadderPacket
		start, end float64
		marks      int
	}{
		{analysis.LadderPacket{SeenAt: 0b11}, 700, 100, 2},
		{analysis.LadderPacket{SeenAt: 0b10, PathDropped: true}, 700, 400, 1},
		{analysis.LadderPacket{SeenAt: 0b01, PathInjected: true}, 400, 100, 1},
		{analysis.LadderPacket{FromClient: true, SeenAt: 0b10, PathInjected: true}, 400, 700, 1},
		{analysis.LadderPacket{FromClient: true, SeenAt: 0b01}, 100, 700, 2},
	} {
		x1, x2 := g.serverX(), g.clientX()
		if tc.p.FromClient {
			x1, x2 = x2, x1
		}
		start, end, marks := g.pathOf(&tc.p, x1, x2)
		if start != tc.start || end != tc.end || len(marks) != tc.marks {
			t.Errorf("%+v: drawn %v to %v across %d points, want %v to %v across %d", tc.p, start, end, len(marks), tc.start, tc.end, tc.marks)
		}
	}
}

// With three points (client, router, server) a packet the router saw
// and the server's point did not ends between those two, and one that
// reached the client's point from nowhere starts between it and the
// router's.
func TestLadderPathEndsAmongThreePoints(t *testing.T) {
	ld := analysis.Ladder{Points: []string{"client", "router", "server"}}
	g := panelGeom{ladder: &ld, left: 100, right: 700, clientOnLeft: true}
	g.points = pointColumns(3, g.left, g.right)
	if g.points[0] != 220 || g.points[1] != 400 || g.points[2] != 580 {
		t.Fatalf("columns at %v, want 220, 400 and 580", g.points)
	}
	for _, tc := range []struct {
		p          analysis.LadderPacket
		start, end float64
		seen       []bool
	}{
		{analysis.LadderPacket{FromClient: true, SeenAt: 0b011, PathDropped: true}, 100, 490, []bool{true, true}},
		{analysis.LadderPacket{SeenAt: 0b001, PathInjected: true}, 310, 100, []bool{true}},
		{analysis.LadderPacket{SeenAt: 0b101}, 700, 100, []bool{true, false, true}},
	} {
		x1, x2 := g.serverX(), g.clientX()
		if tc.p.FromClient {
			x1, x2 = x2, x1
		}
		start, end, marks := g.pathOf(&tc.p, x1, x2)
		var seen []bool
		for _, mk := range marks {
			seen = append(seen, mk.seen)
		}
		if start != tc.start || end != tc.end || !slices.Equal(seen, tc.seen) {
			t.Errorf("%+v: drawn %v to %v, points seen %v; want %v to %v, %v", tc.p, start, end, seen, tc.start, tc.end, tc.seen)
		}
	}
}
