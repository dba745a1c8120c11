package analysis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// diagramsOf analyses a sample with Options.Diagrams.
func diagramsOf(t *testing.T, sample string) *analysis.Result {
	t.Helper()
	res, err := analysis.Files(context.Background(), []string{"../samples/" + sample}, analysis.Options{Diagrams: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// breakOf returns the sample's break of a cause on a kind of connection.
func breakOf(t *testing.T, res *analysis.Result, cause string, kind classify.ConnKind) *analysis.Verdict {
	t.Helper()
	for i := range res.Breaks {
		if b := &res.Breaks[i]; b.Cause == cause && b.Connection.Kind == kind {
			return b
		}
	}
	t.Fatalf("no %s break on the %s connection", cause, kind)
	return nil
}

// A middlebox's reset is on the ladder and is one of the packets that
// decided; a data connection's ladder has the control connection's
// beside it, control first, with its commands and replies labelled.
func TestLadderHoldsTheDecidingReset(t *testing.T) {
	for _, tc := range []struct {
		sample string
		kind   classify.ConnKind
		label  string // a command or reply the control ladder must show
	}{
		{"middlebox-reset-control.pcap", classify.KindControl, "PWD"},
		{"middlebox-reset-data.pcap", classify.KindData, "426 Transfer aborted"},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			b := breakOf(t, diagramsOf(t, tc.sample), "middlebox-reset", tc.kind)
			want := 1
			if tc.kind == classify.KindData {
				want = 2
			}
			if len(b.Ladders) != want {
				t.Fatalf("%d ladders, want %d", len(b.Ladders), want)
			}
			if b.Ladders[0].Kind != classify.KindControl {
				t.Errorf("the first ladder is the %s connection's, want the control connection's", b.Ladders[0].Kind)
			}
			own := b.Ladders[len(b.Ladders)-1]
			if own.Client != b.Connection.Client || own.Server != b.Connection.Server || own.Closed != "rst" {
				t.Errorf("ladder of %s→%s closed %s; want the verdict's connection %s→%s, closed by rst",
					own.Client, own.Server, own.Closed, b.Connection.Client, b.Connection.Server)
			}
			decidingRST := false
			for _, p := range own.Packets {
				if p.Flags&tcpflow.FlagRST != 0 && p.Deciding {
					decidingRST = true
				}
			}
			if !decidingRST {
				t.Error("no deciding RST on the verdict's connection's ladder")
			}
			if !hasLabel(b.Ladders[0], tc.label) {
				t.Errorf("the control ladder labels no packet %q", tc.label)
			}
			if tc.kind == classify.KindData && own.Transfer != 1 {
				t.Errorf("the data ladder's transfer is %d, want 1", own.Transfer)
			}
		})
	}
}

func hasLabel(l analysis.Ladder, prefix string) bool {
	for _, p := range l.Packets {
		if strings.HasPrefix(p.Label, prefix) {
			return true
		}
	}
	return false
}

// An MTU black hole: the upload's time-sequence graph shows the first
// full segment sent again and again, and nothing acknowledged past it.
func TestSeqGraphShowsTheBlackHole(t *testing.T) {
	res := diagramsOf(t, "mtu-blackhole.pcap")
	tr := res.Sessions[0].Transfers[0]
	g := tr.SeqGraph
	if g == nil {
		t.Fatalf("the %s transfer (%s) has no time-sequence graph", tr.Command, tr.Status)
	}
	if !g.SenderIsClient {
		t.Error("an upload in passive mode: the sender is the TCP client")
	}
	retrans := 0
	for i, s := range g.Segments {
		if s.Retrans {
			retrans++
			if s.Seq != 1 || s.Len != 1448 {
				t.Errorf("retransmission in frame %d: seq %d len %d, want the first segment (seq 1, 1448 bytes)", s.Frame, s.Seq, s.Len)
			}
		}
		if i > 0 && s.At < g.Segments[i-1].At {
			t.Errorf("segments out of time order at frame %d", s.Frame)
		}
	}
	if retrans < 6 {
		t.Errorf("%d retransmissions on the graph, want the 6 of the RTO back-off", retrans)
	}
	for _, a := range g.Acks {
		if a.Ack > 1 {
			t.Errorf("frame %d acknowledges up to %d: nothing past the handshake should be", a.Frame, a.Ack)
		}
	}
	if g.MSS != 1460 || g.Closed == "" || !g.End.After(g.Start) {
		t.Errorf("MSS %d, closed %q, %v to %v", g.MSS, g.Closed, g.Start, g.End)
	}
}

// A router's fragmentation-needed message is a packet of the ladder,
// worded with its next-hop MTU and its sender.
func TestLadderHoldsTheICMPError(t *testing.T) {
	res := diagramsOf(t, "fragmentation-needed.pcap")
	for _, f := range res.Findings {
		if f.Cause != "fragmentation-needed" {
			continue
		}
		for _, l := range f.Ladders {
			for _, p := range l.Packets {
				if strings.HasPrefix(p.ICMP, "fragmentation needed, next-hop MTU ") && p.ICMPFrom != "" && p.Deciding {
					return
				}
			}
		}
		t.Fatalf("finding %s: no deciding fragmentation-needed ICMP packet on its ladders", f.ID)
	}
	t.Fatal("no fragmentation-needed finding")
}

// Each session of a capture has its timeline: its exchanges in time
// order, and its data connections as bars linked to their transfers.
func TestTimelines(t *testing.T) {
	res := diagramsOf(t, "multi-session.pcap")
	if len(res.Sessions) < 2 {
		t.Fatalf("%d sessions, want several", len(res.Sessions))
	}
	for _, s := range res.Sessions {
		tl := s.Timeline
		if tl == nil {
			t.Fatalf("session %s has no timeline", s.ID)
		}
		if len(tl.Exchanges)+tl.Omitted < s.Commands {
			t.Errorf("session %s: %d exchanges + %d omitted, fewer than its %d commands", s.ID, len(tl.Exchanges), tl.Omitted, s.Commands)
		}
		for i, e := range tl.Exchanges {
			if i > 0 && e.At.Before(tl.Exchanges[i-1].At) {
				t.Errorf("session %s: exchange %d out of time order", s.ID, i)
			}
			if e.At.Before(tl.Start) || e.At.After(tl.End) {
				t.Errorf("session %s: exchange at %v outside %v–%v", s.ID, e.At, tl.Start, tl.End)
			}
		}
		if len(tl.Data) < len(s.Transfers) {
			t.Errorf("session %s: %d data connections on the timeline for %d transfers", s.ID, len(tl.Data), len(s.Transfers))
		}
		for _, d := range tl.Data {
			if d.Transfer == 0 || d.Bytes <= 0 || d.Closed == "" {
				t.Errorf("session %s: data bar %+v lacks its transfer, bytes or end", s.ID, d)
			}
		}
	}
}

// On every sample and crasher, with diagrams on: each ladder is in
// capture order, its packets and the ones skipped add up to at most the
// connection's, its labels are short valid text, and nothing panics.
// The JSON report is the same byte for byte as without diagrams, and
// without them there are none.
func TestDiagramsOnEverySample(t *testing.T) {
	var paths []string
	for _, pat := range []string{"../samples/*.pcap", "../samples/*.pcapng", "testdata/crashers/*.pcap"} {
		m, _ := filepath.Glob(pat)
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Skip("no samples")
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) { checkDiagrams(t, path) })
	}
}

// The same on every capture of the public corpus, FTP or not.
func TestCorpusDiagrams(t *testing.T) {
	root := corpusRoot(t)
	for _, capture := range corpusCaptures(t, root) {
		t.Run(capture, func(t *testing.T) { checkDiagrams(t, filepath.Join(root, capture)) })
	}
}

func checkDiagrams(t *testing.T, path string) {
	t.Helper()
	on := analyseFile(t, path, analysis.Options{Diagrams: true})
	off := analyseFile(t, path, analysis.Options{})
	if a, b := jsonOf(t, on), jsonOf(t, off); !bytes.Equal(a, b) {
		t.Error("the JSON report differs with diagrams on")
	}
	for _, v := range append(append([]analysis.Verdict{}, off.Breaks...), off.Findings...) {
		if v.Ladders != nil {
			t.Errorf("%s has ladders without Options.Diagrams", v.ID)
		}
	}
	for _, s := range off.Sessions {
		if s.Timeline != nil {
			t.Errorf("session %s has a timeline without Options.Diagrams", s.ID)
		}
		for _, tr := range s.Transfers {
			if tr.SeqGraph != nil {
				t.Errorf("session %s has a time-sequence graph without Options.Diagrams", s.ID)
			}
		}
	}
	for _, v := range append(append([]analysis.Verdict{}, on.Breaks...), on.Findings...) {
		if len(v.Ladders) == 0 {
			t.Errorf("%s (%s) has no ladder", v.ID, v.Cause)
		}
		for _, l := range v.Ladders {
			checkLadder(t, v.ID, l)
		}
	}
	for _, s := range on.Sessions {
		if s.Timeline == nil {
			t.Errorf("session %s has no timeline", s.ID)
		}
	}
}

func checkLadder(t *testing.T, id string, l analysis.Ladder) {
	t.Helper()
	var tcp, skipped int64
	for i, p := range l.Packets {
		if i > 0 && p.Time.Before(l.Packets[i-1].Time) {
			t.Errorf("%s: %s ladder: frame %d before frame %d", id, l.Kind, p.Frame, l.Packets[i-1].Frame)
		}
		if p.ICMP == "" {
			tcp++
			skipped += p.Skipped
		}
		if !utf8.ValidString(p.Label) || utf8.RuneCountInString(p.Label) > 80 || strings.Contains(p.Label, "\n") {
			t.Errorf("%s: label %q is not one short line", id, p.Label)
		}
		if strings.HasPrefix(p.Label, "PASS ") && p.Label != "PASS ****" {
			t.Errorf("%s: a password shows: %q", id, p.Label)
		}
	}
	if tcp+skipped > l.Total || tcp == 0 {
		t.Errorf("%s: %s ladder: %d packets + %d skipped, of %d", id, l.Kind, tcp, skipped, l.Total)
	}
}

func jsonOf(t *testing.T, res *analysis.Result) []byte {
	t.Helper()
	res.Stats.DurationSeconds = 0
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The judging goroutine of a parallel run draws the same diagrams, and
// lets go of the traces the tracker's goroutine made (run with -race).
func TestDiagramsParallel(t *testing.T) {
	paths := []string{"../samples/middlebox-reset-data.pcap", "../samples/multi-session.pcap", "../samples/mtu-blackhole.pcap"}
	for _, path := range paths {
		seq, err := analysis.Files(context.Background(), []string{path}, analysis.Options{Diagrams: true})
		if err != nil {
			t.Fatal(err)
		}
		par, err := analysis.Files(context.Background(), []string{path}, analysis.Options{Diagrams: true, Parallel: true})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(seq.Breaks, par.Breaks) || !reflect.DeepEqual(seq.Sessions, par.Sessions) {
			t.Errorf("%s: a parallel run draws other diagrams", filepath.Base(path))
		}
	}
}

// A long session's timeline keeps its first and last exchanges and
// counts the ones between; its control ladder labels every command the
// trace kept, the password redacted.
func TestTimelineFoldsALongSession(t *testing.T) {
	c := newCapture(t)
	k := c.login(c.control(0))
	const noops = 150
	for i := range noops {
		k.send(client, fmt.Sprintf("NOOP %d\r\n", i))
		k.send(server, "200 ok\r\n")
	}
	k.send(client, "QUIT\r\n")
	k.send(server, "221 bye\r\n")
	k.close()
	res, err := analysis.Files(context.Background(), []string{c.finish()}, analysis.Options{Diagrams: true})
	if err != nil {
		t.Fatal(err)
	}
	tl := res.Sessions[0].Timeline
	exchanges := 1 + 2 + noops + 1 // the greeting, USER and PASS, the NOOPs, QUIT
	if len(tl.Exchanges) != 100 || tl.Omitted != exchanges-100 {
		t.Fatalf("%d exchanges kept, %d omitted; want 100 and %d", len(tl.Exchanges), tl.Omitted, exchanges-100)
	}
	first, last := tl.Exchanges[0], tl.Exchanges[len(tl.Exchanges)-1]
	if first.Command != "" || first.Reply != 220 || last.Command != "QUIT" || last.Reply != 221 || last.ReplyAt.Before(last.At) {
		t.Errorf("first exchange %+v, last %+v; want the greeting and QUIT answered 221", first, last)
	}
	if tl.Exchanges[49].Command != "NOOP 46" || tl.Exchanges[50].Command != "NOOP 101" {
		t.Errorf("the fold lies between %q and %q, want NOOP 46 and NOOP 101", tl.Exchanges[49].Command, tl.Exchanges[50].Command)
	}
	// The handshake without window scaling is a finding: its ladder is
	// the control connection, each command and reply labelled.
	if len(res.Findings) == 0 || len(res.Findings[0].Ladders) != 1 {
		t.Fatal("no finding with a ladder")
	}
	labels := 0
	for _, p := range res.Findings[0].Ladders[0].Packets {
		if p.Label != "" {
			labels++
		}
	}
	if want := 2*exchanges - 1; labels != want || !hasLabel(res.Findings[0].Ladders[0], "PASS ****") {
		t.Errorf("%d packets labelled, want %d (every command and reply), the password redacted", labels, want)
	}
}
