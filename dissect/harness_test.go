package dissect

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// harness plays the tracker's part: it builds tcpflow.Conn values, calls
// the Handler in capture order and collects the finished sessions.
type harness struct {
	t       testing.TB
	a       *Analyzer
	done    []*Session
	frame   int64
	ts      int64
	conns   uint64
	sniffed map[*tcpflow.Conn]*[2]bool
	// split cuts each packet's payload into the pieces handed to Data
	// (all with the packet's Ref); nil hands it whole.
	split func([]byte) [][]byte
}

func newHarness(t testing.TB, opts Options) *harness {
	h := &harness{t: t, ts: 1_700_000_000e9, sniffed: make(map[*tcpflow.Conn]*[2]bool)}
	h.a = New(opts, func(s *Session) { h.done = append(h.done, s) })
	return h
}

// tick returns the next packet's Ref, a millisecond after the previous.
func (h *harness) tick() tcpflow.Ref {
	h.frame++
	h.ts += 1e6
	return tcpflow.Ref{Frame: h.frame, TS: h.ts}
}

// wait moves capture time on.
func (h *harness) wait(d int64) { h.ts += d }

// open starts a connection whose SYN and SYN-ACK were captured.
func (h *harness) open(client, server string) *tcpflow.Conn {
	h.conns++
	at := h.tick()
	c := &tcpflow.Conn{
		ID:     h.conns,
		Client: netip.MustParseAddrPort(client),
		Server: netip.MustParseAddrPort(server),
		First:  at, Last: at,
	}
	c.Half[tcpflow.FromClient].SawSYN, c.Half[tcpflow.FromClient].SYN = true, at
	h.sniffed[c] = new([2]bool)
	h.a.Opened(c)
	c.Half[tcpflow.FromServer].SawSYN, c.Half[tcpflow.FromServer].SYN = true, h.tick()
	return c
}

// openSYNOnly starts a connection nobody answers.
func (h *harness) openSYNOnly(client, server string) *tcpflow.Conn {
	c := h.open(client, server)
	c.Half[tcpflow.FromServer] = tcpflow.Half{}
	return c
}

// send delivers one packet of payload as the tracker would: facts first,
// Sniff for the first payload of a direction that is not reassembled, Data
// when it is.
func (h *harness) send(c *tcpflow.Conn, dir tcpflow.Dir, payload string) tcpflow.Ref {
	at := h.tick()
	c.Last = at
	half := &c.Half[dir]
	half.Packets++
	half.Bytes += int64(len(payload))
	if half.FirstData.IsZero() {
		half.FirstData = at
	}
	half.LastData = at
	if !c.Reassemble {
		if s := h.sniffed[c]; s != nil && !s[dir] {
			s[dir] = true
			if h.a.Sniff(c, dir, []byte(payload)) {
				c.Reassemble = true
			}
		}
	}
	if c.Reassemble {
		pieces := [][]byte{[]byte(payload)}
		if h.split != nil {
			pieces = h.split([]byte(payload))
		}
		for _, p := range pieces {
			h.a.Data(c, dir, p, at)
		}
	}
	return at
}

// talk plays a dialogue: "C: line" from the client, "S: line" from the
// server, one packet each; CRLF is appended, and "\r\n" inside a string
// puts several lines in one packet.
func (h *harness) talk(c *tcpflow.Conn, lines ...string) {
	h.t.Helper()
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "C: "):
			h.send(c, tcpflow.FromClient, l[3:]+"\r\n")
		case strings.HasPrefix(l, "S: "):
			h.send(c, tcpflow.FromServer, l[3:]+"\r\n")
		default:
			h.t.Fatalf("talk: line %q has no C:/S: prefix", l)
		}
	}
}

// fin closes a connection with a FIN from each side (the sender's first).
func (h *harness) fin(c *tcpflow.Conn, first tcpflow.Dir) {
	c.Half[first].FIN = h.tick()
	c.Half[first.Other()].FIN = h.tick()
	c.Closed = tcpflow.ClosedFIN
	h.a.Closed(c)
}

// halfClose sends a FIN from one side; the connection stays open.
func (h *harness) halfClose(c *tcpflow.Conn, from tcpflow.Dir) tcpflow.Ref {
	c.Half[from].FIN = h.tick()
	return c.Half[from].FIN
}

// resetOnly sends a RST from one side without ending the connection for
// the analyzer (the tracker keeps it until its idle timeout or the end of
// the capture).
func (h *harness) resetOnly(c *tcpflow.Conn, from tcpflow.Dir) tcpflow.Ref {
	c.Half[from].RST = h.tick()
	c.Half[from].RSTCount++
	return c.Half[from].RST
}

// rst closes a connection with a reset from one side.
func (h *harness) rst(c *tcpflow.Conn, from tcpflow.Dir) {
	c.Half[from].RST = h.tick()
	c.Half[from].RSTCount++
	c.Closed = tcpflow.ClosedRST
	h.a.Closed(c)
}

// session returns the only finished session.
func (h *harness) session() *Session {
	h.t.Helper()
	if len(h.done) != 1 {
		h.t.Fatalf("%d sessions finished, want 1", len(h.done))
	}
	return h.done[0]
}

// verbs lists the log as "VERB:code,code" entries ("-" for no command).
func verbs(s *Session) []string {
	var out []string
	for _, ex := range s.Log {
		v := "-"
		if ex.Cmd != nil {
			v = ex.Cmd.Verb
		}
		var codes []string
		for _, r := range ex.Replies {
			codes = append(codes, strconv.Itoa(r.Code))
		}
		out = append(out, v+":"+strings.Join(codes, ","))
	}
	return out
}

// Addresses used by the tests (documentation ranges only).
const (
	cliAddr = "198.51.100.10"
	srvAddr = "203.0.113.20"
	ctlCli  = cliAddr + ":40000"
	ctlSrv  = srvAddr + ":21"
)

// login plays the greeting and a login.
func login(h *harness, c *tcpflow.Conn) {
	h.talk(c,
		"S: 220 ProFTPD Server ready.",
		"C: USER alice",
		"S: 331 Password required for alice",
		"C: PASS s3cret",
		"S: 230 User alice logged in",
	)
}

func mustAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
