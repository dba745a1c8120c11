package classify

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/source"
	"github.com/ftpcap/ftpcap/tcpflow"
	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// Test helpers shared by the rule tests: run a real capture through
// source → decode → tcpflow → dissect, as the pipeline does, and build
// Cases from what comes out. The analysis package cannot be used here (it
// imports classify).

// capture is what one capture file shows: its FTP sessions in the order
// they finished, every TCP connection in the order it closed, and the
// capture-wide context.
type capture struct {
	sessions []*dissect.Session
	conns    []*tcpflow.Conn
	ctx      *Context
}

// recorder passes the tracker's events to the FTP dissector and keeps
// every connection it closes (FTP or not), so tests can build Cases from
// connections of any protocol.
type recorder struct {
	*dissect.Analyzer
	conns []*tcpflow.Conn
}

func (r *recorder) Closed(c *tcpflow.Conn) {
	r.conns = append(r.conns, c)
	r.Analyzer.Closed(c)
}

// loadCapture reads a capture file; controlPorts are the FTP control
// ports besides 21.
func loadCapture(t testing.TB, path string, controlPorts ...uint16) *capture {
	t.Helper()
	src, err := source.OpenFiles([]string{path}, source.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer src.Close()
	ports := append([]uint16{21}, controlPorts...)
	out := &capture{ctx: &Context{}}
	rec := &recorder{}
	rec.Analyzer = dissect.New(dissect.Options{ControlPorts: ports}, func(s *dissect.Session) {
		out.sessions = append(out.sessions, s)
	})
	topts := tcpflow.DefaultOptions()
	topts.ServerPorts = ports
	tr := tcpflow.NewTracker(topts, rec)
	out.ctx.Hosts = tr.Hosts()
	dec := decode.NewDecoder(decode.Options{})
	var pkt source.Packet
	var dp decode.Packet
	for {
		err := src.Next(&pkt)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		ts := pkt.CI.Timestamp.UnixNano()
		ref := tcpflow.Ref{Input: pkt.Input, Frame: pkt.Frame, TS: ts}
		switch kind, _ := dec.Decode(pkt.Data, pkt.LinkType, ts, &dp); kind {
		case decode.KindTCP:
			tr.Packet(&dp, ref)
		case decode.KindICMPError:
			tr.ICMP(&dp, ref)
		default:
			tr.Advance(ts)
		}
	}
	tr.Flush()
	rec.Flush()
	out.conns = rec.conns
	return out
}

// corpusFile returns the path of a capture of the public corpus beside the
// repository, skipping the test when the corpus is absent.
func corpusFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "corpus", "public", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Skipf("public corpus capture %s not found (../shared/corpus/public): skipping", rel)
	}
	return p
}

// sampleFile returns the path of a lab sample (samples/<name>.pcap or
// .pcapng), skipping the test when the lab has not committed it yet.
func sampleFile(t testing.TB, name string) string {
	t.Helper()
	for _, ext := range []string{".pcap", ".pcapng"} {
		p := filepath.Join("..", "samples", name+ext)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skipf("sample %s not in samples/ yet: skipping", name)
	return ""
}

// session returns the capture's only FTP session.
func (c *capture) session(t testing.TB) *dissect.Session {
	t.Helper()
	if len(c.sessions) != 1 {
		t.Fatalf("capture has %d FTP sessions, want 1", len(c.sessions))
	}
	return c.sessions[0]
}

// judge judges every session of the capture as the pipeline does.
func (c *capture) judge() []Verdict {
	var out []Verdict
	for _, s := range c.sessions {
		out = append(out, Judge(s, c.ctx)...)
	}
	return out
}

// connTo returns the first connection whose server port is port.
func (c *capture) connTo(t testing.TB, port uint16) *tcpflow.Conn {
	t.Helper()
	for _, conn := range c.conns {
		if conn.Server.Port() == port {
			return conn
		}
	}
	t.Fatalf("no connection to port %d in the capture", port)
	return nil
}

// streamCase makes a Case of a connection of another protocol, read as a
// download: a data connection in which the TCP server sends. Path and
// TCP rules read the same facts on any connection.
func (c *capture) streamCase(conn *tcpflow.Conn, why string) *Case {
	d := &dissect.DataConn{Conn: conn, FromFTPServer: tcpflow.FromServer}
	s := &dissect.Session{Control: conn, Data: []*dissect.DataConn{d}}
	return &Case{Session: s, Kind: KindData, Conn: conn, Data: d, Why: why, Ctx: c.ctx}
}

// script builds connections packet by packet, as a capture beside one of
// the hosts would show them, and runs them through the tracker and the
// FTP dissector like a capture file. Rule tests use it for the edge cases
// the lab and the corpus have no capture of.
type script struct {
	t     testing.TB
	tr    *tcpflow.Tracker
	rec   *recorder
	out   *capture
	frame int64
	ts    int64
}

// sconn is one scripted TCP connection.
type sconn struct {
	s    *script
	ends [2]netip.AddrPort // by tcpflow.Dir
	next [2]uint32         // next sequence number per side
	win  [2]uint16         // raw window each side advertises
	ipid [2]uint16
}

func newScript(t testing.TB) *script {
	s := &script{t: t, out: &capture{ctx: &Context{}}, ts: 1.8e18}
	s.rec = &recorder{}
	s.rec.Analyzer = dissect.New(dissect.Options{}, func(ss *dissect.Session) { s.out.sessions = append(s.out.sessions, ss) })
	s.tr = tcpflow.NewTracker(tcpflow.DefaultOptions(), s.rec)
	s.out.ctx.Hosts = s.tr.Hosts()
	return s
}

// conn starts a connection from client to server ("198.51.100.10:40000",
// "203.0.113.20:21") with a handshake whose SYN and SYN-ACK carry the
// window-scale shifts given (tcpflow.WScaleNone for none), the SYN-ACK
// arriving rtt after the SYN and the ACK right away.
func (s *script) conn(client, server string, wsClient, wsServer int8, rtt time.Duration) *sconn {
	c := &sconn{s: s, ends: [2]netip.AddrPort{netip.MustParseAddrPort(client), netip.MustParseAddrPort(server)},
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
	s := c.s
	s.frame++
	s.ts += int64(dt)
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
	s.tr.Packet(p, tcpflow.Ref{Frame: s.frame, TS: s.ts})
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

// done ends the capture: every connection closes, every session finishes.
func (s *script) done() *capture {
	s.tr.Flush()
	s.rec.Flush()
	s.out.conns = s.rec.conns
	return s.out
}

// Endpoints of scripted FTP sessions (documentation addresses).
const (
	cli21   = "198.51.100.10:40000"
	srv21   = "203.0.113.20:21"
	cliData = "198.51.100.10:40001"
	srvData = "203.0.113.20:30000" // 227 (203,0,113,20,117,48)
	mss     = 1448
)

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
func ftpTransfer(s *script, cmd string, ws int8, rtt time.Duration) (ctl, data *sconn) {
	ctl = s.conn(cli21, srv21, ws, ws, rtt)
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
