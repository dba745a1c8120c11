package classify

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/source"
	"github.com/ftpcap/ftpcap/tcpflow"
	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// Test helpers shared by the rule tests: run a real capture through
// source → decode → tcpflow → dissect, as the pipeline does, and build
// Cases from what comes out (the analysis package cannot be used here: it
// imports classify); then pick verdicts out and assert what they say.
// Made-up packets for the cases no capture shows are netscript_test.go's.

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

// ---- picking verdicts ----

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

// onlyBreak judges a capture and returns its one break, failing the
// test when it has another number of them.
func onlyBreak(t testing.TB, c *capture) Verdict {
	t.Helper()
	bs := breaksOf(c)
	if len(bs) != 1 {
		t.Fatalf("%d breaks, want 1: %+v", len(bs), bs)
	}
	return bs[0]
}

// breakOn returns the last break on the kind of connection (KindControl,
// KindData), or nil.
func breakOn(vs []Verdict, kind ConnKind) *Verdict {
	var out *Verdict
	for i := range vs {
		if !vs[i].Info && vs[i].Kind == kind {
			out = &vs[i]
		}
	}
	return out
}

// sampleVerdict returns the break on the kind of connection, failing the
// test unless it has cause.
func sampleVerdict(t testing.TB, vs []Verdict, kind ConnKind, cause string) *Verdict {
	t.Helper()
	v := breakOn(vs, kind)
	switch {
	case v == nil:
		t.Fatalf("no %s break, want %s", kind, cause)
	case v.Cause != cause:
		t.Fatalf("%s break is %s (%s), want %s", kind, v.Cause, v.Summary, cause)
	}
	return v
}

// verdictsOf returns the verdicts and findings with a cause.
func verdictsOf(vs []Verdict, cause string) (breaks, findings []Verdict) {
	for _, v := range vs {
		if v.Cause != cause {
			continue
		}
		if v.Info {
			findings = append(findings, v)
		} else {
			breaks = append(breaks, v)
		}
	}
	return breaks, findings
}

// dataVerdict returns the verdict (break or finding) with cause on the
// data connection.
func dataVerdict(vs []Verdict, cause string, info bool) *Verdict {
	for i := range vs {
		if vs[i].Cause == cause && vs[i].Kind == KindData && vs[i].Info == info {
			return &vs[i]
		}
	}
	return nil
}

// framesOf lists the frames of a verdict's evidence.
func framesOf(v *Verdict) map[int64]bool {
	out := map[int64]bool{}
	for _, e := range v.Evidence {
		out[e.At.Frame] = true
	}
	return out
}

// ---- running one rule ----

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

// checkRule runs the rule of a cause on b, fails the test unless it holds
// exactly when want says, and returns its finding.
func checkRule(t testing.TB, cause string, b *Case, want bool) *Finding {
	t.Helper()
	f := ruleFor(t, cause).Check(b)
	switch {
	case f != nil && !want:
		t.Fatalf("%s holds: %s", cause, f.Summary)
	case f == nil && want:
		t.Fatalf("%s does not hold (verdict %s)", cause, decide(b).Cause)
	}
	return f
}

// ---- asserting what a finding says ----

// near compares confidences computed in floating point.
func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// findingIs checks a finding's confidence and what its summary and its
// evidence say.
func findingIs(t testing.TB, f *Finding, conf float64, summary, evidence []string) {
	t.Helper()
	if !near(f.Confidence, conf) {
		t.Errorf("confidence %.2f, want %.2f", f.Confidence, conf)
	}
	says(t, "summary", f.Summary, summary...)
	says(t, "evidence", evidenceText(f), evidence...)
}

// says fails the test for each part that text (what: "summary",
// "evidence" …) does not contain.
func says(t testing.TB, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, text)
		}
	}
}

// evidenceText joins a finding's evidence lines.
func evidenceText(f *Finding) string {
	var b strings.Builder
	for _, e := range f.Evidence {
		b.WriteString(e.Text)
		b.WriteByte('\n')
	}
	return b.String()
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
