package diagram

import (
	"bytes"
	"github.com/ftpcap/ftpcap/internal/words"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

func drawLadder(t *testing.T, ladders []analysis.Ladder, capturePoint string) *node {
	t.Helper()
	var b bytes.Buffer
	if err := Ladder(&b, ladders, capturePoint); err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, b.Bytes())
	checkInert(t, root)
	if root.name != "svg" || root.attrs["class"] != "ladder" {
		t.Fatalf("root <%s class=%q>, want <svg class=\"ladder\">", root.name, root.attrs["class"])
	}
	return root
}

// packetGroups maps data-frame to the g.pkt elements drawn for it.
func packetGroups(root *node) map[string][]*node {
	out := map[string][]*node{}
	for _, g := range root.all(byClass("pkt")) {
		out[g.attrs["data-frame"]] = append(out[g.attrs["data-frame"]], g)
	}
	return out
}

// wantClasses is the contract's class list of a packet, derived from its
// record.
func wantClasses(p analysis.LadderPacket) []string {
	want := []string{"pkt"}
	if p.ICMP != "" {
		want = append(want, "icmp")
	} else {
		for _, f := range []struct {
			bit  uint8
			name string
		}{{syn, "syn"}, {fin, "fin"}, {rst, "rst"}} {
			if p.Flags&f.bit != 0 {
				want = append(want, f.name)
			}
		}
	}
	if p.Retrans {
		want = append(want, "retrans")
	}
	if p.Label != "" {
		want = append(want, "ftp")
	}
	if p.Deciding {
		want = append(want, "deciding")
	}
	return want
}

func TestLadderEveryPacketHasItsGroup(t *testing.T) {
	for name, ladders := range map[string][]analysis.Ladder{
		"middlebox-reset": middleboxReset(),
		"mtu-black-hole":  mtuBlackHole(),
		"active-blocked":  activeBlocked(),
	} {
		t.Run(name, func(t *testing.T) {
			groups := packetGroups(drawLadder(t, ladders, "client-side"))
			n := 0
			for _, ld := range ladders {
				for _, p := range ld.Packets {
					n++
					gs := groups[strconv.FormatInt(p.Frame, 10)]
					if len(gs) != 1 {
						t.Errorf("frame %d: %d groups, want 1", p.Frame, len(gs))
						continue
					}
					want := wantClasses(p)
					if got := strings.Fields(gs[0].attrs["class"]); strings.Join(got, " ") != strings.Join(want, " ") {
						t.Errorf("frame %d: classes %q, want %q", p.Frame, got, want)
					}
					if gs[0].child("title") == nil || gs[0].child("title").text == "" {
						t.Errorf("frame %d: no hover text", p.Frame)
					}
				}
			}
			if len(groups) != n {
				t.Errorf("%d packet groups for %d packets", len(groups), n)
			}
		})
	}
}

func TestLadderMiddleboxReset(t *testing.T) {
	root := drawLadder(t, middleboxReset(), "client-side")
	rsts := root.all(byClass("pkt", "rst", "deciding"))
	if len(rsts) != 1 || rsts[0].attrs["data-frame"] != "15" {
		t.Fatalf("deciding RST groups: %d, want frame 15 alone", len(rsts))
	}
	text := rsts[0].allText()
	for _, want := range []string{"RST", "ttl 64", "id 0", "15"} {
		if !strings.Contains(text, want) {
			t.Errorf("the deciding RST's text %q lacks %q", text, want)
		}
	}
	// Highlighted: a thicker stroke than an ordinary packet's, and bold.
	if w := arrowWidth(t, rsts[0]); w < 3 {
		t.Errorf("deciding RST drawn %v wide, want at least 3", w)
	}
	if !strings.Contains(rstLabelAttrs(rsts[0]), "bold") {
		t.Error("the deciding RST's label is not bold")
	}
	// The 34 s of silence before it is timing evidence: drawn to scale,
	// not folded.
	if folds := root.all(byClass("fold")); len(folds) != 0 {
		t.Errorf("%d folds, want none (the silence before the reset is drawn to scale)", len(folds))
	}
	if !strings.Contains(root.allText(), "↕ 34 s") {
		t.Error("the silence before the reset is not written beside it")
	}
	if !strings.Contains(root.allText(), "control 192.0.2.10:40000 → 198.51.100.5:21") {
		t.Error("no heading naming the control connection")
	}
}

// arrowWidth is the stroke width of a packet group's arrow.
func arrowWidth(t *testing.T, g *node) float64 {
	t.Helper()
	for _, c := range g.children {
		if c.name == "line" && c.attrs["class"] == "arrow" {
			w, err := strconv.ParseFloat(c.attrs["stroke-width"], 64)
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
	}
	t.Fatal("no arrow line in the packet's group")
	return 0
}

func rstLabelAttrs(g *node) string {
	for _, c := range g.children {
		if c.name == "text" && strings.Contains(c.text, "RST") {
			return c.attrs["font-weight"]
		}
	}
	return ""
}

// arrowY is where a packet's arrow leaves its sender.
func arrowY(t *testing.T, g *node) float64 {
	t.Helper()
	for _, c := range g.children {
		if c.name == "line" && c.attrs["class"] == "arrow" {
			y, err := strconv.ParseFloat(c.attrs["y1"], 64)
			if err != nil {
				t.Fatal(err)
			}
			return y
		}
	}
	t.Fatal("no arrow in the packet's group")
	return 0
}

func TestLadderBackOffDrawnToScale(t *testing.T) {
	root := drawLadder(t, mtuBlackHole(), "server-side")
	retrans := root.all(byClass("pkt", "retrans"))
	if len(retrans) != 7 {
		t.Fatalf("%d retransmissions drawn, want 7", len(retrans))
	}
	// Each timeout doubles: the gaps between the rows grow until the
	// longest reaches the bound.
	prev := 0.0
	for i := 1; i < len(retrans); i++ {
		gap := arrowY(t, retrans[i]) - arrowY(t, retrans[i-1])
		if gap <= prev {
			t.Errorf("gap %d between retransmissions is %v px, not more than the one before (%v)", i, gap, prev)
		}
		prev = gap
	}
	if prev > rowStep+maxTimedExtra+1 {
		t.Errorf("the longest gap is %v px, beyond the bound %v", prev, rowStep+maxTimedExtra)
	}
}

func TestLadderSideBySide(t *testing.T) {
	root := drawLadder(t, activeBlocked(), "client-side")
	text := root.allText()
	for _, want := range []string{"control 192.0.2.10:40000 → 198.51.100.5:21", "data 198.51.100.5:20 → 192.0.2.10:40001, transfer 2"} {
		if !strings.Contains(text, want) {
			t.Errorf("no heading %q", want)
		}
	}
	icmp := root.all(byClass("pkt", "icmp", "deciding"))
	if len(icmp) != 1 || !strings.Contains(icmp[0].allText(), "192.0.2.1") {
		t.Fatalf("the deciding ICMP error is not drawn with its sender")
	}
	// One time axis: rows in time order across both panels.
	groups := root.all(byClass("pkt"))
	for i := 1; i < len(groups); i++ {
		if arrowY(t, groups[i]) <= arrowY(t, groups[i-1]) {
			t.Errorf("frame %s drawn above frame %s", groups[i].attrs["data-frame"], groups[i-1].attrs["data-frame"])
		}
	}
	if w, _ := strconv.ParseFloat(root.attrs["width"], 64); w > ladderWidth {
		t.Errorf("two panels %v wide, want at most %v", w, ladderWidth)
	}
}

func TestLadderLongTransferFolded(t *testing.T) {
	ladders := longTransfer()
	root := drawLadder(t, ladders, "unknown")
	if n := len(root.all(byClass("pkt"))); n > maxArrows {
		t.Errorf("%d arrows, want at most %d", n, maxArrows)
	}
	var folds []string
	for _, f := range root.all(byClass("fold")) {
		folds = append(folds, f.allText())
	}
	// The packets the tracker skipped, 12.4 s of them, are folded with
	// the ordinary packets around them.
	var skipped bool
	for _, f := range folds {
		skipped = skipped || strings.Contains(f, "12.5 s, 1,685 packets not drawn")
	}
	if !skipped {
		t.Errorf("no fold for the 1,204 packets the tracker skipped; folds: %q", folds)
	}
	// Every packet is either drawn or counted in a fold.
	var hidden int64
	for _, f := range folds {
		i := strings.Index(f, " packets not drawn")
		fields := strings.Fields(strings.ReplaceAll(f[:i], ",", ""))
		n, err := strconv.ParseInt(fields[len(fields)-1], 10, 64)
		if err != nil {
			t.Fatalf("fold %q: %v", f, err)
		}
		hidden += n
	}
	drawn := int64(len(root.all(byClass("pkt"))))
	if drawn+hidden != ladders[0].Total {
		t.Errorf("%d drawn + %d folded = %d, want the connection's %d", drawn, hidden, drawn+hidden, ladders[0].Total)
	}
	if !strings.Contains(root.allText(), "capture point unknown") {
		t.Error("an unknown capture point is not said")
	}
	if fin := root.all(byClass("pkt", "fin", "deciding")); len(fin) != 1 {
		t.Error("the deciding FIN at the end is not drawn")
	}
}

// A connection of thousands of packets with its deciding packets in the
// middle: at most maxArrows drawn, the deciding ones and their
// neighbours among them.
func TestLadderCapKeepsDecidingAndNeighbours(t *testing.T) {
	b := newLadder(classify.KindData, "192.0.2.10:40500", "198.51.100.5:50040", 1)
	b.handshake(0)
	for i := range 5000 {
		p := b.pkt(ms(30)+time.Duration(i)*time.Millisecond, i%2 == 0, ack, 100, "")
		if i == 2500 || i == 2600 {
			p.Deciding = true
		}
	}
	root := drawLadder(t, []analysis.Ladder{b.l}, "middle")
	groups := packetGroups(root)
	if len(groups) > maxArrows {
		t.Errorf("%d arrows, want at most %d", len(groups), maxArrows)
	}
	for _, i := range []int{2500, 2600} {
		frame := int64(i + 4) // three handshake packets, frames from 1
		for f := frame - decidingNeighbours; f <= frame+decidingNeighbours; f++ {
			if len(groups[strconv.FormatInt(f, 10)]) != 1 {
				t.Errorf("frame %d (next to deciding frame %d) not drawn", f, frame)
			}
		}
	}
	for _, f := range []int64{1, 2, 3, int64(len(b.l.Packets))} {
		if len(groups[strconv.FormatInt(f, 10)]) != 1 {
			t.Errorf("frame %d (the start or the end) not drawn", f)
		}
	}
}

// An uneventful silence is folded across all panels with its length.
func TestLadderFoldsUneventfulSilence(t *testing.T) {
	b := newLadder(classify.KindControl, "192.0.2.10:40000", "198.51.100.5:21", 1)
	b.handshake(0)
	b.pkt(ms(60), false, pshack, 37, "220 ready")
	b.pkt(ms(60)+12*time.Minute, true, pshack, 6, "NOOP")
	root := drawLadder(t, []analysis.Ladder{b.l}, "middle")
	folds := root.all(byClass("fold", "silence"))
	if len(folds) != 1 || !strings.Contains(folds[0].allText(), "12 min 0 s without packets") {
		t.Fatalf("folds %d, want one saying 12 min 0 s", len(folds))
	}
}

func TestLadderEmpty(t *testing.T) {
	drawLadder(t, nil, "middle")
	drawLadder(t, []analysis.Ladder{{Kind: classify.KindControl}}, "")
}

func TestCapturePointColumn(t *testing.T) {
	left, right := 100.0, 900.0
	for point, want := range map[string]func(float64) bool{
		"client-side": func(x float64) bool { return x > left && x < 300 },
		"server-side": func(x float64) bool { return x > 700 && x < right },
		"middle":      func(x float64) bool { return x == 500 },
		"unknown":     func(x float64) bool { return x == 500 },
	} {
		if x := capturePointX(point, left, right); !want(x) {
			t.Errorf("%s: capture column at %v", point, x)
		}
	}
}

// A long run of ordinary data and ACKs is drawn as its ends around a
// fold; the packets that matter around it stay.
func TestLadderThinsPlainRuns(t *testing.T) {
	b := newLadder(classify.KindData, "192.0.2.10:40600", "198.51.100.5:50050", 1)
	b.handshake(0)
	for i := range 100 {
		fromClient := i%3 == 2 // two segments of data, an ACK
		n := 1448
		if fromClient {
			n = 0
		}
		b.pkt(ms(30)+time.Duration(i)*100*time.Microsecond, fromClient, ack, n, "")
	}
	r := b.pkt(ms(50), false, rst|ack, 0, "")
	r.Deciding = true
	root := drawLadder(t, []analysis.Ladder{b.l}, "middle")
	groups := packetGroups(root)
	// SYN and SYN-ACK, the ends of the run (the handshake's ACK and the
	// 100 packets but for the reset's neighbours), the neighbours and the
	// reset.
	if want := 2 + plainRunEnds*2 + decidingNeighbours + 1; len(groups) != want {
		t.Errorf("%d packets drawn, want %d", len(groups), want)
	}
	folds := root.all(byClass("fold"))
	hidden := 1 + 100 - 2*plainRunEnds - decidingNeighbours
	if len(folds) != 1 || !strings.Contains(folds[0].allText(), words.GroupDigits(int64(hidden))+" packets not drawn") {
		t.Fatalf("%d folds (%q), want one of %d packets", len(folds), root.allText(), hidden)
	}
}
