package diagram

import (
	"bytes"
	"github.com/ftpcap/ftpcap/internal/inert"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// Text a hostile server or client could put in a file name, a user name
// or a reply.
var hostile = []string{
	`</svg><script>alert(1)</script>`,
	`"onload="alert(1)`,
	`' onmouseover='x`,
	`]]><!-- <![CDATA[`,
	`<style>*{display:none}</style>`,
	`&amp; &#x3c; &lt;`,
	"\x1b[31mred\x1b[0m\r\n226 forged",
	"\xff\xfe invalid \xc3\x28 utf-8",
	"bidi \u202ereversed\u202c and \ufeff bom \ufffe",
	"nul \x00 byte",
}

// drawAllHostile draws each drawing with text in every field that comes
// off the wire.
func drawAllHostile(s string) map[string][]byte {
	b := newLadder(classify.KindControl, s, s, 1)
	b.handshake(0)
	b.pkt(ms(60), false, pshack, 30, s)
	p := b.pkt(ms(70), true, syn, 0, s)
	p.ICMP, p.ICMPFrom, p.Deciding = s, s, true
	b.l.Closed = s
	b.l.Kind = classify.ConnKind(s)
	d := b.l
	d.Kind, d.FTPServerIsClient = classify.KindData, true

	g, _ := blackHoleGraph()
	g.Client, g.Server, g.Closed = s, s, s

	tl := sessionTimeline()
	tl.Exchanges[1].Command, tl.Exchanges[1].ReplyText = s, s
	tl.Data[0].Client, tl.Data[0].Server, tl.Data[0].Closed = s, s, s

	out := map[string][]byte{}
	var buf bytes.Buffer
	_ = Ladder(&buf, []analysis.Ladder{b.l, d}, s)
	out["ladder"] = append([]byte(nil), buf.Bytes()...)
	buf.Reset()
	_ = SeqGraph(&buf, g, Mark{At: g.End, Label: s})
	out["tsg"] = append([]byte(nil), buf.Bytes()...)
	buf.Reset()
	_ = Timeline(&buf, tl)
	out["timeline"] = append([]byte(nil), buf.Bytes()...)
	return out
}

func TestCaptureTextIsInert(t *testing.T) {
	for _, s := range hostile {
		for name, out := range drawAllHostile(s) {
			root := parseSVG(t, out)
			checkInert(t, root)
			for _, bad := range []string{"<script", "<style", "<!--", "<![CDATA[", "\x1b", "\x00", "\u202e", "\ufeff"} {
				if bytes.Contains(out, []byte(bad)) {
					t.Errorf("%s with %q: output holds %q", name, s, bad)
				}
			}
			if !utf8.Valid(out) {
				t.Errorf("%s with %q: output is not UTF-8", name, s)
			}
			// The text is there, shown, not lost.
			if !strings.Contains(root.allText(), shownPrefix(s)) {
				t.Errorf("%s with %q: the text %q is not shown", name, s, shownPrefix(s))
			}
		}
	}
}

// shownPrefix is the start of s as a reader sees it, short enough to
// survive any shortening.
func shownPrefix(s string) string {
	v := []rune(inert.Text(s))
	if len(v) > 12 {
		v = v[:12]
	}
	return string(v)
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		`</svg><script>`: `&lt;/svg&gt;&lt;script&gt;`,
		`"onload="x`:     `&#34;onload=&#34;x`,
		`]]>`:            `]]&gt;`,
		"a\x1bb":         `a\x1bb`,
		"\xff":           "\ufffd",
		"\u202e":         `\u202e`,
		"\ufffe":         `\ufffe`,
		"tab\there":      `tab\x09here`,
	} {
		if got := esc(in); got != want {
			t.Errorf("esc(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzDrawings feeds arbitrary text and numbers to all three drawings:
// none may panic, each must stay well-formed XML with nothing active in
// it.
func FuzzDrawings(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, int64(7), uint32(1), int64(64240), 1448, uint8(0x12), int64(time.Second), 3)
	}
	f.Add("", int64(-1), uint32(0xffffffff), int64(-5), -3, uint8(0xff), int64(-time.Hour), 0)
	f.Add("RETR a", int64(1<<62), uint32(1<<31), int64(1<<62), 1<<30, uint8(4), int64(1<<62), 500)
	f.Fuzz(func(t *testing.T, s string, frame int64, seq uint32, win int64, n int, flags uint8, dt int64, count int) {
		count = min(max(count, 0), 400)
		step := time.Duration(dt)
		l := analysis.Ladder{Kind: classify.ConnKind(s), Client: s, Server: s, Closed: s, Total: frame}
		g := &analysis.SeqGraph{Client: s, Server: s, Start: base, End: base.Add(step), Closed: s, MSS: n, Reduced: frame}
		tl := &analysis.Timeline{Start: base, End: base.Add(step * 3), Omitted: n}
		for i := range count {
			at := base.Add(step * time.Duration(i%7))
			l.Packets = append(l.Packets, analysis.LadderPacket{
				Frame: frame + int64(i), Time: at, FromClient: i%2 == 0, Flags: flags ^ uint8(i),
				Seq: seq + uint32(i), Ack: seq, Len: n, Win: win, TTL: uint8(i), Label: s,
				ICMP: s[:min(len(s), i%3)], ICMPFrom: s, Deciding: i%5 == 0, Retrans: i%3 == 0, Skipped: int64(i) - 2,
			})
			g.Segments = append(g.Segments, analysis.SeqSegment{At: step * time.Duration(i), Frame: frame, Seq: seq * uint32(i), Len: n, Flags: flags, Retrans: i%4 == 0})
			g.Acks = append(g.Acks, analysis.SeqAck{At: step * time.Duration(i), Frame: frame, Ack: seq, Win: win, Flags: flags, ZeroWindow: i%6 == 0})
			tl.Exchanges = append(tl.Exchanges, analysis.TimelineExchange{At: at, Frame: frame, Command: s, Reply: n, ReplyText: s, ReplyAt: at.Add(step)})
			tl.Data = append(tl.Data, analysis.TimelineData{Client: s, Server: s, Start: at, End: at.Add(step), Bytes: win, Transfer: n, Closed: s, Broken: i%2 == 1})
		}
		for name, draw := range map[string]func(*bytes.Buffer) error{
			"ladder":   func(b *bytes.Buffer) error { return Ladder(b, []analysis.Ladder{l, l}, s) },
			"tsg":      func(b *bytes.Buffer) error { return SeqGraph(b, g, Mark{At: base.Add(step / 2), Label: s}) },
			"timeline": func(b *bytes.Buffer) error { return Timeline(b, tl) },
		} {
			var b bytes.Buffer
			if err := draw(&b); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			root, err := parseXML(b.Bytes())
			if err != nil {
				t.Fatalf("%s: not well-formed: %v", name, err)
			}
			checkInert(t, root)
			if bytes.Contains(b.Bytes(), []byte("<script")) {
				t.Fatalf("%s: a script element", name)
			}
		}
	})
}
