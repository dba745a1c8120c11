package classify

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// netScript feeds made-up packets through the real tracker and FTP
// dissector, for edge cases no capture at hand shows. Packets are the
// decoder's output (decode.Packet), so everything after decoding is the
// pipeline's own code.
type netScript struct {
	t     testing.TB
	tr    *tcpflow.Tracker
	rec   *recorder
	out   *capture
	frame int64
	ts    int64
}

func newNetScript(t testing.TB) *netScript {
	n := &netScript{t: t, out: &capture{ctx: &Context{}}, ts: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano()}
	n.rec = &recorder{}
	n.rec.Analyzer = dissect.New(dissect.Options{ControlPorts: []uint16{21}}, func(s *dissect.Session) {
		n.out.sessions = append(n.out.sessions, s)
	})
	opts := tcpflow.DefaultOptions()
	opts.ServerPorts = []uint16{21}
	n.tr = tcpflow.NewTracker(opts, n.rec)
	n.out.ctx.Hosts = n.tr.Hosts()
	return n
}

// pk is one made-up TCP segment: from/to are "addr:port"; data is the
// payload, or n bytes of filler when data is "" and n > 0.
type pk struct {
	from, to string
	flags    uint8
	seq, ack uint32
	data     string
	n        int
	ttl      uint8 // 64 when 0
	df       bool
	mss      uint16
	after    time.Duration // since the previous packet
}

// Flag shorthands for scripts.
const (
	fSYN = tcpflow.FlagSYN
	fACK = tcpflow.FlagACK
	fRST = tcpflow.FlagRST
	fFIN = tcpflow.FlagFIN
	fPSH = tcpflow.FlagPSH
)

func (n *netScript) tick(d time.Duration) tcpflow.Ref {
	n.frame++
	n.ts += int64(d)
	return tcpflow.Ref{Frame: n.frame, TS: n.ts}
}

// send feeds TCP segments.
func (n *netScript) send(ps ...pk) {
	for _, p := range ps {
		src, dst := netip.MustParseAddrPort(p.from), netip.MustParseAddrPort(p.to)
		payload := []byte(p.data)
		if len(payload) == 0 && p.n > 0 {
			payload = []byte(strings.Repeat("x", p.n))
		}
		ttl := p.ttl
		if ttl == 0 {
			ttl = 64
		}
		hdr := 40
		if src.Addr().Is6() {
			hdr = 60
		}
		d := &decode.Packet{
			Src: src.Addr(), Dst: dst.Addr(), V6: src.Addr().Is6(), TTL: ttl, DF: p.df, IPID: uint16(n.frame + 1),
			IPLen: hdr + len(payload), SrcPort: src.Port(), DstPort: dst.Port(), Seq: p.seq, Ack: p.ack,
			Flags: p.flags, Win: 64240, MSS: p.mss, WScale: decode.WScaleNone, Payload: payload, PayloadLen: len(payload),
		}
		n.tr.Packet(d, n.tick(p.after))
	}
}

// icmpErr is a made-up ICMP error quoting a segment from→to with seq.
type icmpErr struct {
	sender   string // the ICMP's source address
	from, to string // the quoted segment's endpoints
	seq      uint32
	typ      uint8
	code     uint8
	mtu      int
	qlen     int
	ttl      uint8
	after    time.Duration
}

func (n *netScript) icmp(e icmpErr) {
	q, dst := netip.MustParseAddrPort(e.from), netip.MustParseAddrPort(e.to)
	ttl := e.ttl
	if ttl == 0 {
		ttl = 64
	}
	src := netip.MustParseAddr(e.sender)
	d := &decode.Packet{Src: src, Dst: q.Addr(), V6: src.Is6(), TTL: ttl, ICMP: decode.ICMPError{
		Type: e.typ, Code: e.code, MTU: e.mtu, QSrc: q.Addr(), QDst: dst.Addr(), QProto: 6, QLen: e.qlen,
		QSrcPort: q.Port(), QDstPort: dst.Port(), QSeq: e.seq, HasPorts: true, HasSeq: true}}
	n.tr.ICMP(d, n.tick(e.after))
}

// finish ends the capture and returns what it showed.
func (n *netScript) finish() *capture {
	n.tr.Flush()
	n.rec.Flush()
	n.out.conns = n.rec.conns
	return n.out
}

// breaksOf judges a capture and returns its breaks (not findings).
func breaksOf(c *capture) []Verdict {
	var out []Verdict
	for _, v := range c.judge() {
		if !v.Info {
			out = append(out, v)
		}
	}
	return out
}

// findingsOf judges a capture and returns its findings.
func findingsOf(c *capture) []Verdict {
	var out []Verdict
	for _, v := range c.judge() {
		if v.Info {
			out = append(out, v)
		}
	}
	return out
}

// evidenceHas reports whether some evidence text contains every one of
// the parts.
func evidenceHas(ev []Evidence, parts ...string) bool {
	for _, e := range ev {
		ok := true
		for _, p := range parts {
			if !strings.Contains(e.Text, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// ruleFor returns the registered rule of a cause.
func ruleFor(t testing.TB, cause string) *Rule {
	t.Helper()
	for i := range rules {
		if rules[i].Cause == cause {
			return &rules[i]
		}
	}
	t.Fatalf("no rule for %s", cause)
	return nil
}

// ctlScript scripts an FTP control connection cliEP → srvEP: its
// handshake, then commands and replies in order, then the close.
type ctlScript struct {
	n              *netScript
	cseq, sseq     uint32
	cliTTL, srvTTL uint8
}

// openControl scripts the control connection's handshake and the 220.
func openControl(n *netScript, cliTTL, srvTTL uint8) *ctlScript {
	c := &ctlScript{n: n, cseq: 1001, sseq: 9001, cliTTL: cliTTL, srvTTL: srvTTL}
	n.send(
		pk{from: cliEP, to: srvEP, flags: fSYN, seq: 1000, ttl: cliTTL, mss: 1460},
		pk{from: srvEP, to: cliEP, flags: fSYN | fACK, seq: 9000, ack: 1001, ttl: srvTTL, mss: 1460, after: time.Millisecond},
		pk{from: cliEP, to: srvEP, flags: fACK, seq: 1001, ack: 9001, ttl: cliTTL, after: time.Millisecond},
	)
	c.reply("220 ready")
	return c
}

func (c *ctlScript) cmd(line string) {
	c.n.send(pk{from: cliEP, to: srvEP, flags: fACK | fPSH, seq: c.cseq, ack: c.sseq, data: line + "\r\n", ttl: c.cliTTL, df: true, after: time.Millisecond})
	c.cseq += uint32(len(line) + 2)
}

func (c *ctlScript) reply(line string) {
	c.n.send(pk{from: srvEP, to: cliEP, flags: fACK | fPSH, seq: c.sseq, ack: c.cseq, data: line + "\r\n", ttl: c.srvTTL, df: true, after: time.Millisecond})
	c.sseq += uint32(len(line) + 2)
}

// login scripts USER/PASS answered 230.
func (c *ctlScript) login() {
	c.cmd("USER u")
	c.reply("331 pw")
	c.cmd("PASS p")
	c.reply("230 in")
}

// quit scripts QUIT, 221 and the FINs both ways.
func (c *ctlScript) quit() {
	c.cmd("QUIT")
	c.reply("221 bye")
	c.n.send(
		pk{from: srvEP, to: cliEP, flags: fFIN | fACK, seq: c.sseq, ack: c.cseq, ttl: c.srvTTL, after: time.Millisecond},
		pk{from: cliEP, to: srvEP, flags: fFIN | fACK, seq: c.cseq, ack: c.sseq + 1, ttl: c.cliTTL, after: time.Millisecond},
		pk{from: srvEP, to: cliEP, flags: fACK, seq: c.sseq + 1, ack: c.cseq + 1, ttl: c.srvTTL, after: time.Millisecond},
	)
}
