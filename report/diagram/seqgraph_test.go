package diagram

import (
	"bytes"
	"github.com/ftpcap/ftpcap/internal/words"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

func drawSeqGraph(t *testing.T, g *analysis.SeqGraph, m Mark) (*node, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := SeqGraph(&b, g, m); err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, b.Bytes())
	checkInert(t, root)
	if root.name != "svg" || root.attrs["class"] != "tsg" {
		t.Fatalf("root <%s class=%q>, want <svg class=\"tsg\">", root.name, root.attrs["class"])
	}
	return root, b.Bytes()
}

func frames(nodes []*node) map[string]bool {
	out := map[string]bool{}
	for _, n := range nodes {
		out[n.attrs["data-frame"]] = true
	}
	return out
}

func TestSeqGraphBlackHole(t *testing.T) {
	g, m := blackHoleGraph()
	root, _ := drawSeqGraph(t, g, m)
	retrans := frames(root.all(byClass("seg", "retrans")))
	for _, s := range g.Segments {
		if s.Retrans && !retrans[strconv.FormatInt(s.Frame, 10)] {
			t.Errorf("retransmission frame %d not marked", s.Frame)
		}
	}
	if len(retrans) != 7 {
		t.Errorf("%d retransmissions marked, want 7", len(retrans))
	}
	if len(root.all(byClass("seg", "rst"))) != 1 || len(root.all(byClass("seg", "syn"))) != 1 {
		t.Error("the SYN-ACK and the RST are not both marked")
	}
	brk := root.all(byClass("break"))
	if len(brk) != 1 || !strings.Contains(brk[0].allText(), "B2 mtu-black-hole") {
		t.Fatal("the break is not marked with its label")
	}
	for _, class := range []string{"acks", "window", "segments"} {
		if len(root.all(byClass(class))) != 1 {
			t.Errorf("no %s line", class)
		}
	}
	text := root.allText()
	for _, want := range []string{"MSS 1460", "closed rst", "0 s", "20 s", "5K", "data 198.51.100.5:50000 → 192.0.2.10:40112"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in the graph", want)
		}
	}
}

func TestSeqGraphZeroWindow(t *testing.T) {
	g, m := zeroWindowGraph()
	root, _ := drawSeqGraph(t, g, m)
	marked := frames(root.all(byClass("zero-window")))
	n := 0
	for _, a := range g.Acks {
		if a.ZeroWindow {
			n++
			if !marked[strconv.FormatInt(a.Frame, 10)] {
				t.Errorf("zero window of frame %d not marked", a.Frame)
			}
		}
	}
	if n == 0 || len(marked) != n {
		t.Errorf("%d zero windows marked, want %d", len(marked), n)
	}
}

// A million segments are drawn as no more than about 2,000 points, every
// retransmission and zero window among them, and the last packets.
func TestSeqGraphReduction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-segment graph")
	}
	g := longGraph(1_000_000, 10_000)
	for i := 25_000; i < len(g.Acks); i += 50_000 {
		g.Acks[i].ZeroWindow, g.Acks[i].Win = true, 0
	}
	l := newTSGLayout(g, Mark{})
	if l.drawn > 2_400 {
		t.Errorf("%d points drawn, want about 2,000 at most", l.drawn)
	}
	root, out := drawSeqGraph(t, g, Mark{})
	retrans := frames(root.all(byClass("seg", "retrans")))
	zero := frames(root.all(byClass("zero-window")))
	wantRetrans, wantZero := 0, 0
	for _, s := range g.Segments {
		if s.Retrans {
			wantRetrans++
			if !retrans[strconv.FormatInt(s.Frame, 10)] {
				t.Fatalf("retransmission frame %d left out", s.Frame)
			}
		}
	}
	for _, a := range g.Acks {
		if a.ZeroWindow {
			wantZero++
			if !zero[strconv.FormatInt(a.Frame, 10)] {
				t.Fatalf("zero window frame %d left out", a.Frame)
			}
		}
	}
	if wantRetrans != 100 || wantZero != 10 {
		t.Fatalf("the fixture has %d retransmissions and %d zero windows, want 100 and 10", wantRetrans, wantZero)
	}
	last := g.Segments[len(g.Segments)-1]
	kept := false
	for _, b := range l.beams {
		kept = kept || (b.seg != nil && b.seg.Frame == last.Frame)
	}
	if !kept {
		t.Error("the last segment is not drawn on its own")
	}
	caption := root.all(byClass("caption"))
	if len(caption) != 1 || !strings.Contains(caption[0].text, words.GroupDigits(int64(len(g.Segments)+len(g.Acks)))+" packets reduced to "+words.GroupDigits(l.drawn)) {
		t.Errorf("the caption does not state the reduction (%d captions)", len(caption))
	}
	if len(out) > 400_000 {
		t.Errorf("the graph is %d bytes, want it small enough for a page of many", len(out))
	}
}

func TestSeqGraphEmptyAndDegenerate(t *testing.T) {
	drawSeqGraph(t, nil, Mark{})
	drawSeqGraph(t, &analysis.SeqGraph{}, Mark{At: base, Label: "B1"})
	// A forged reset far outside the window does not flatten the graph.
	g, _ := blackHoleGraph()
	g.Segments[len(g.Segments)-1].Seq = 4_000_000_000
	root, _ := drawSeqGraph(t, g, Mark{})
	if !strings.Contains(root.all(byClass("seg", "rst"))[0].allText(), "off the scale") {
		t.Error("an off-scale reset is not said to be")
	}
	if strings.Contains(root.allText(), "4G") {
		t.Error("the axis was stretched to the forged sequence number")
	}
}

func TestTimeTicks(t *testing.T) {
	for _, c := range []struct {
		length time.Duration
		want   []string
	}{
		{800 * time.Millisecond, []string{"0 ms", "100 ms", "800 ms"}},
		{35 * time.Second, []string{"0 s", "5 s", "35 s"}},
		{2 * time.Hour, []string{"0 min", "20 min", "120 min"}},
	} {
		values, label := timeTicks(c.length, 10)
		var got []string
		for _, v := range values {
			got = append(got, label(v))
		}
		joined := strings.Join(got, ",")
		for _, w := range c.want {
			if !strings.Contains(","+joined+",", ","+w+",") {
				t.Errorf("%v: ticks %q lack %q", c.length, got, w)
			}
		}
	}
}
