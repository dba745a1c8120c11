package classify

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

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
