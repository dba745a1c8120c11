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

// Scripted packets: made-up connections fed through the real tracker, for
// the edge cases no capture at hand shows. Packets are the decoder's
// output (decode.Packet), so everything after decoding is the pipeline's
// own code. Three ways to write them:
//   - netScript.send and icmp: free-form segments and ICMP errors with
//     explicit sequence numbers, through the tracker and the FTP dissector
//     (ctlScript scripts a control connection that way);
//   - netScript.conn: an sconn, whose sequence numbers, windows and IP IDs
//     are tracked per side, for FTP sessions and bulk transfers;
//   - wire: the tracker alone, every IP fact (TTL, IP ID, DF, window) under
//     the test's control per packet, each connection read as a download.

// Endpoints of scripted sessions (documentation addresses).
const (
	cli     = "198.51.100.10:40000"
	srv     = "203.0.113.20:21"
	cliData = "198.51.100.10:40001"
	srvData = "203.0.113.20:30000" // 227 (203,0,113,20,117,48)
	mss     = 1448
)

// clock numbers scripted packets and times them.
type clock struct{ frame, ts int64 }

// tick is the next packet, d after the one before.
func (c *clock) tick(d time.Duration) tcpflow.Ref {
	c.frame++
	c.ts += int64(d)
	return tcpflow.Ref{Frame: c.frame, TS: c.ts}
}

// netScript runs scripted packets through the tracker and the FTP
// dissector like a capture file.
type netScript struct {
	clock
	t   testing.TB
	tr  *tcpflow.Tracker
	rec *recorder
	out *capture
}

func newNetScript(t testing.TB) *netScript {
	n := &netScript{clock: clock{ts: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano()}, t: t, out: &capture{ctx: &Context{}}}
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

// finish ends the capture (every connection closes, every session
// finishes) and returns what it showed.
func (n *netScript) finish() *capture {
	n.tr.Flush()
	n.rec.Flush()
	n.out.conns = n.rec.conns
	return n.out
}

// ---- free-form segments ----

// Flag shorthands for scripts.
const (
	fSYN = tcpflow.FlagSYN
	fACK = tcpflow.FlagACK
	fRST = tcpflow.FlagRST
	fFIN = tcpflow.FlagFIN
	fPSH = tcpflow.FlagPSH
)

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

// ctlScript scripts an FTP control connection cli → srv: its
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
		pk{from: cli, to: srv, flags: fSYN, seq: 1000, ttl: cliTTL, mss: 1460},
		pk{from: srv, to: cli, flags: fSYN | fACK, seq: 9000, ack: 1001, ttl: srvTTL, mss: 1460, after: time.Millisecond},
		pk{from: cli, to: srv, flags: fACK, seq: 1001, ack: 9001, ttl: cliTTL, after: time.Millisecond},
	)
	c.reply("220 ready")
	return c
}

// cmd sends a command 1 ms after the packet before; cmdAfter dt after it.
func (c *ctlScript) cmd(line string) { c.cmdAfter(time.Millisecond, line) }

func (c *ctlScript) cmdAfter(dt time.Duration, line string) {
	c.n.send(pk{from: cli, to: srv, flags: fACK | fPSH, seq: c.cseq, ack: c.sseq, data: line + "\r\n", ttl: c.cliTTL, df: true, after: dt})
	c.cseq += uint32(len(line) + 2)
}

func (c *ctlScript) reply(line string) {
	c.n.send(pk{from: srv, to: cli, flags: fACK | fPSH, seq: c.sseq, ack: c.cseq, data: line + "\r\n", ttl: c.srvTTL, df: true, after: time.Millisecond})
	c.sseq += uint32(len(line) + 2)
}

// loggedIn scripts a session captured at the client's side (its packets
// leave with TTL 64, the server's arrive with 62, two routers away) up to
// a successful login.
func loggedIn(t testing.TB) (*netScript, *ctlScript) {
	n := newNetScript(t)
	c := openControl(n, 64, 62)
	c.login()
	return n, c
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
		pk{from: srv, to: cli, flags: fFIN | fACK, seq: c.sseq, ack: c.cseq, ttl: c.srvTTL, after: time.Millisecond},
		pk{from: cli, to: srv, flags: fFIN | fACK, seq: c.cseq, ack: c.sseq + 1, ttl: c.cliTTL, after: time.Millisecond},
		pk{from: srv, to: cli, flags: fACK, seq: c.sseq + 1, ack: c.cseq + 1, ttl: c.srvTTL, after: time.Millisecond},
	)
}

// ---- sconn: connections with tracked sequence numbers ----

// sconn is one scripted TCP connection.
type sconn struct {
	s    *netScript
	ends [2]netip.AddrPort // by tcpflow.Dir
	next [2]uint32         // next sequence number per side
	win  [2]uint16         // raw window each side advertises
	ipid [2]uint16
}

// conn starts a connection from client to server (cli, srv) with a
// handshake whose SYN and SYN-ACK carry the window-scale shifts given
// (tcpflow.WScaleNone for none), the SYN-ACK arriving rtt after the SYN
// and the ACK right away.
func (n *netScript) conn(client, server string, wsClient, wsServer int8, rtt time.Duration) *sconn {
	c := &sconn{s: n, ends: [2]netip.AddrPort{netip.MustParseAddrPort(client), netip.MustParseAddrPort(server)},
		next: [2]uint32{1000, 500000}, win: [2]uint16{65535, 65535}, ipid: [2]uint16{100, 9000}}
	c.packet(tcpflow.FromClient, 0, tcpflow.FlagSYN, "", wsClient)
	c.packet(tcpflow.FromServer, rtt, tcpflow.FlagSYN|tcpflow.FlagACK, "", wsServer)
	c.packet(tcpflow.FromClient, 100*time.Microsecond, tcpflow.FlagACK, "", 0)
	return c
}

// packet sends one segment from d, dt after the script's last packet,
// acknowledging everything the peer sent. SYN and FIN take one sequence
// number, payload its length.
func (c *sconn) packet(d tcpflow.Dir, dt time.Duration, flags uint8, payload string, wscale int8) {
	c.packetAck(d, dt, flags, payload, wscale, c.next[d.Other()])
}

// packetAck is packet with the acknowledgment number given.
func (c *sconn) packetAck(d tcpflow.Dir, dt time.Duration, flags uint8, payload string, wscale int8, ack uint32) {
	from, to := c.ends[d], c.ends[d.Other()]
	c.ipid[d]++
	p := &decode.Packet{Src: from.Addr(), Dst: to.Addr(), SrcPort: from.Port(), DstPort: to.Port(),
		TTL: 64, IPID: c.ipid[d], DF: true, Flags: flags, Seq: c.next[d], Ack: ack,
		Win: c.win[d], WScale: tcpflow.WScaleNone, MSS: 1460,
		Payload: []byte(payload), PayloadLen: len(payload), IPLen: 52 + len(payload)}
	if flags&tcpflow.FlagSYN != 0 {
		p.WScale = wscale
		if flags&tcpflow.FlagACK == 0 {
			p.Ack = 0
		}
	}
	if flags&tcpflow.FlagSYN != 0 && d == tcpflow.FromServer {
		p.Ack = c.next[tcpflow.FromClient]
	}
	c.s.tr.Packet(p, c.s.tick(dt))
	c.next[d] += uint32(len(payload))
	if flags&(tcpflow.FlagSYN|tcpflow.FlagFIN) != 0 {
		c.next[d]++
	}
}

// send sends payload from d (with an ACK of everything the peer sent).
func (c *sconn) send(d tcpflow.Dir, dt time.Duration, payload string) {
	c.packet(d, dt, tcpflow.FlagACK|tcpflow.FlagPSH, payload, 0)
}

// ack sends a pure ACK from d.
func (c *sconn) ack(d tcpflow.Dir, dt time.Duration) { c.packet(d, dt, tcpflow.FlagACK, "", 0) }

// probe sends a zero-window probe from d the way Linux does: no data, one
// below the next sequence number.
func (c *sconn) probe(d tcpflow.Dir, dt time.Duration) {
	c.next[d]--
	c.packet(d, dt, tcpflow.FlagACK, "", 0)
	c.next[d]++
}

// fin and rst end the connection from d.
func (c *sconn) fin(d tcpflow.Dir, dt time.Duration) {
	c.packet(d, dt, tcpflow.FlagFIN|tcpflow.FlagACK, "", 0)
}
func (c *sconn) rst(d tcpflow.Dir, dt time.Duration) {
	c.packet(d, dt, tcpflow.FlagRST|tcpflow.FlagACK, "", 0)
}

// closeBoth ends the connection the polite way, d first.
func (c *sconn) closeBoth(d tcpflow.Dir, dt time.Duration) {
	c.fin(d, dt)
	c.fin(d.Other(), time.Millisecond)
	c.ack(d, 100*time.Microsecond)
}

// exchange sends a command; the server's TCP acknowledges it at once and
// the reply follows after delay (no reply when reply is "").
func (c *sconn) exchange(cmd string, delay time.Duration, reply string) {
	c.send(tcpflow.FromClient, 50*time.Millisecond, cmd+"\r\n")
	c.ack(tcpflow.FromServer, 10*time.Millisecond)
	if reply != "" {
		c.send(tcpflow.FromServer, delay, reply+"\r\n")
		c.ack(tcpflow.FromClient, 10*time.Millisecond)
	}
}

// ftpTransfer scripts a session that logs in, negotiates a passive data
// connection and sends cmd ("RETR big.bin", "STOR big.bin"), and returns
// the control and data connections after the 150 reply. Both handshakes
// carry the window-scale shift ws (tcpflow.WScaleNone for none) and take
// rtt.
func ftpTransfer(s *netScript, cmd string, ws int8, rtt time.Duration) (ctl, data *sconn) {
	ctl = s.conn(cli, srv, ws, ws, rtt)
	ctl.send(tcpflow.FromServer, time.Millisecond, "220 lab FTP\r\n")
	ctl.ack(tcpflow.FromClient, time.Millisecond)
	ctl.exchange("USER ftplab", 2*time.Millisecond, "331 Password please")
	ctl.exchange("PASS secret", 2*time.Millisecond, "230 Logged in")
	ctl.exchange("TYPE I", 2*time.Millisecond, "200 Binary")
	ctl.exchange("PASV", 2*time.Millisecond, "227 Entering Passive Mode (203,0,113,20,117,48).")
	data = s.conn(cliData, srvData, ws, ws, rtt)
	ctl.exchange(cmd, 2*time.Millisecond, "150 Opening BINARY mode data connection.")
	return ctl, data
}

// bulk sends n bytes from d in full segments gap apart; the peer
// acknowledges every second segment right away, as a receiver beside the
// capture point would.
func (c *sconn) bulk(d tcpflow.Dir, n int, gap time.Duration) {
	for i := 0; n > 0; i++ {
		k := min(n, mss)
		c.send(d, gap, strings.Repeat("x", k))
		n -= k
		if i%2 == 1 || n == 0 {
			c.ack(d.Other(), 200*time.Microsecond)
		}
	}
}

// windowed sends n bytes from d the way a sender pinned at the peer's
// window does, seen beside the sender: a window of segments, then one new
// segment for each acknowledgment, which comes a round trip after the
// segment it acknowledges.
func (c *sconn) windowed(d tcpflow.Dir, n int, window int, rtt time.Duration) {
	type sent struct {
		at  time.Duration
		end uint32
	}
	var log []sent
	var now time.Duration
	perWindow := window / mss
	for i := 0; n > 0; i++ {
		if i >= perWindow {
			// The ACK of the segment a window back frees room for this one.
			a := log[i-perWindow]
			due := a.at + rtt
			c.packetAck(d.Other(), max(due-now, 0), tcpflow.FlagACK, "", 0, a.end)
			now = max(due, now)
		}
		k := min(n, mss)
		dt := 100 * time.Microsecond
		c.send(d, dt, strings.Repeat("x", k))
		now += dt
		log = append(log, sent{at: now, end: c.next[d]})
		n -= k
	}
	c.ack(d.Other(), rtt)
}

// shutWindow makes the receiver r advertise a zero window.
func (c *sconn) shutWindow(r tcpflow.Dir, dt time.Duration) {
	c.win[r] = 0
	c.ack(r, dt)
}

// linuxProbes sends n zero-window probes from the sender with the
// exponential backoff of RFC 1122 §4.2.2.17 (from 200 ms), each answered
// by the receiver with its still-zero window.
func (c *sconn) linuxProbes(sender tcpflow.Dir, n int) {
	for i := range n {
		c.probe(sender, time.Duration(200<<i)*time.Millisecond)
		c.ack(sender.Other(), time.Millisecond)
	}
}

// finishTransfer ends a scripted transfer the healthy way: the sender
// closes the data connection, the server replies 226, the client quits.
func finishTransfer(ctl, data *sconn, sender tcpflow.Dir) {
	data.closeBoth(sender, time.Millisecond)
	ctl.send(tcpflow.FromServer, time.Millisecond, "226 Transfer complete.\r\n")
	ctl.ack(tcpflow.FromClient, time.Millisecond)
	ctl.exchange("QUIT", time.Millisecond, "221 Goodbye.")
	ctl.closeBoth(tcpflow.FromServer, time.Millisecond)
}

// ftpControl opens a scripted control connection with a 20 ms round
// trip and the server's greeting after greet.
func ftpControl(s *netScript, greet time.Duration) *sconn {
	c := s.conn(cli, srv, 7, 7, 20*time.Millisecond)
	c.send(tcpflow.FromServer, greet, "220 lab FTP\r\n")
	c.ack(tcpflow.FromClient, time.Millisecond)
	return c
}

// ---- wire: the tracker alone, every IP fact under control ----

// wire builds connections packet by packet with every IP fact under the
// test's control (TTL, IP ID, DF, window), through the real tracker, for
// edge cases no public capture has. Sequence numbers are tracked per side
// so a test only says who sends what.
type wire struct {
	clock
	t    testing.TB
	tr   *tcpflow.Tracker
	keep *connKeeper
}

// connKeeper is a tracker Handler that keeps every connection.
type connKeeper struct{ conns []*tcpflow.Conn }

func (k *connKeeper) Opened(c *tcpflow.Conn)                               { k.conns = append(k.conns, c) }
func (k *connKeeper) Sniff(*tcpflow.Conn, tcpflow.Dir, []byte) bool        { return false }
func (k *connKeeper) Data(*tcpflow.Conn, tcpflow.Dir, []byte, tcpflow.Ref) {}
func (k *connKeeper) Gap(*tcpflow.Conn, tcpflow.Dir, int64, tcpflow.Ref)   {}
func (k *connKeeper) Closed(*tcpflow.Conn)                                 {}

func newWire(t testing.TB) *wire {
	k := &connKeeper{}
	return &wire{clock: clock{ts: 1.7e18}, t: t, tr: tcpflow.NewTracker(tcpflow.Options{}, k), keep: k}
}

// wconn is one connection being built: its ends, next sequence numbers,
// and the facts each side's packets carry unless a packet says otherwise.
type wconn struct {
	w            *wire
	ends         [2]netip.AddrPort
	next         [2]uint32
	ttl          [2]uint8
	ipid         [2]uint16
	df           [2]bool
	win          [2]uint16
	conn         *tcpflow.Conn
	synSeq, isn1 uint32
}

// open makes a connection with a completed handshake: the client's packets
// arrive with TTL cttl, the server's with sttl.
func (w *wire) open(client, server string, cttl, sttl uint8) *wconn {
	c := w.start(client, server, cttl, sttl)
	c.pkt(tcpflow.FromServer, time.Millisecond, tcpflow.FlagSYN|tcpflow.FlagACK, 0, nil)
	c.pkt(tcpflow.FromClient, time.Millisecond, tcpflow.FlagACK, 0, nil)
	return c
}

// start sends only the client's SYN.
func (w *wire) start(client, server string, cttl, sttl uint8) *wconn {
	c := &wconn{w: w, ends: [2]netip.AddrPort{netip.MustParseAddrPort(client), netip.MustParseAddrPort(server)},
		next: [2]uint32{1000, 900000}, ttl: [2]uint8{cttl, sttl}, ipid: [2]uint16{0x1000, 0x5000},
		df: [2]bool{true, true}, win: [2]uint16{64240, 65160}}
	c.synSeq = c.next[0]
	c.pkt(tcpflow.FromClient, 0, tcpflow.FlagSYN, 0, nil)
	c.conn = w.keep.conns[len(w.keep.conns)-1]
	return c
}

// over changes one packet's facts.
type over func(p *decode.Packet)

func withTTL(ttl uint8) over     { return func(p *decode.Packet) { p.TTL = ttl } }
func withIPID(id uint16) over    { return func(p *decode.Packet) { p.IPID = id } }
func withSeq(seq uint32) over    { return func(p *decode.Packet) { p.Seq = seq } }
func withAck(ack uint32) over    { return func(p *decode.Packet) { p.Ack = ack } }
func withWin(win uint16) over    { return func(p *decode.Packet) { p.Win = win } }
func withDF(df bool) over        { return func(p *decode.Packet) { p.DF = df } }
func withFlags(flags uint8) over { return func(p *decode.Packet) { p.Flags = flags } }

// pkt sends one packet from d, dt after the previous one, with n payload
// bytes; SYN and FIN take a sequence number, as payload does.
func (c *wconn) pkt(d tcpflow.Dir, dt time.Duration, flags uint8, n int, ov []over) *decode.Packet {
	src, dst := c.ends[d], c.ends[d.Other()]
	p := &decode.Packet{Src: src.Addr(), Dst: dst.Addr(), SrcPort: src.Port(), DstPort: dst.Port(),
		TTL: c.ttl[d], IPID: c.ipid[d], DF: c.df[d], Flags: flags, Seq: c.next[d], Win: c.win[d],
		WScale: decode.WScaleNone, PayloadLen: n, Payload: make([]byte, n), IPLen: 40 + n}
	if flags&tcpflow.FlagACK != 0 {
		p.Ack = c.next[d.Other()]
	}
	for _, o := range ov {
		o(p)
	}
	c.ipid[d]++
	if p.Flags&tcpflow.FlagRST == 0 && p.Seq == c.next[d] {
		c.next[d] += uint32(n)
		if flags&(tcpflow.FlagSYN|tcpflow.FlagFIN) != 0 {
			c.next[d]++
		}
	}
	c.w.tr.Packet(p, c.w.tick(dt))
	return p
}

// data sends n bytes from d; ack sends a pure ACK; rst a RST/ACK.
func (c *wconn) data(d tcpflow.Dir, dt time.Duration, n int, ov ...over) {
	c.pkt(d, dt, tcpflow.FlagACK|tcpflow.FlagPSH, n, ov)
}
func (c *wconn) ack(d tcpflow.Dir, dt time.Duration, ov ...over) {
	c.pkt(d, dt, tcpflow.FlagACK, 0, ov)
}
func (c *wconn) rst(d tcpflow.Dir, dt time.Duration, ov ...over) {
	c.pkt(d, dt, tcpflow.FlagRST|tcpflow.FlagACK, 0, ov)
}

// exchange sends n rounds of server data answered by client ACKs.
func (c *wconn) exchange(n int, dt time.Duration) {
	for range n {
		c.data(tcpflow.FromServer, dt, 1448)
		c.ack(tcpflow.FromClient, time.Millisecond)
	}
}

// resend sends the same segment again after each wait in waits.
func (c *wconn) resend(d tcpflow.Dir, seq uint32, n int, waits ...time.Duration) {
	for _, w := range waits {
		c.data(d, w, n, withSeq(seq))
	}
}

// backoff is the Linux schedule from a 200 ms timeout: 0.2, 0.4, 0.8 …
func backoff(n int) []time.Duration {
	var out []time.Duration
	w := 200 * time.Millisecond
	for range n {
		out = append(out, w)
		w *= 2
	}
	return out
}

// cases flushes the tracker and returns a Case for each connection (read
// as a download: the TCP server sends), sharing the capture's host table.
func (w *wire) cases() []*Case {
	w.tr.Flush()
	cap := &capture{ctx: &Context{Hosts: w.tr.Hosts()}}
	var out []*Case
	for _, c := range w.keep.conns {
		out = append(out, cap.streamCase(c, "reset"))
	}
	return out
}

// rstOf returns the first RST of a case's connection.
func rstOf(t *testing.T, b *Case) tcpflow.Seg {
	t.Helper()
	segs, _ := b.Conn.KnownSegs()
	for _, s := range segs {
		if s.Flags&tcpflow.FlagRST != 0 {
			return s
		}
	}
	t.Fatal("no RST in the connection")
	return tcpflow.Seg{}
}
