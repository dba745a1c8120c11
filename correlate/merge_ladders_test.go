package correlate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// mergedPair analyses a lab pair's two captures as the HTML report does
// (packets and diagrams kept), correlates and merges them.
func mergedPair(t *testing.T, name string) *analysis.Result {
	t.Helper()
	dir := filepath.Join("..", "samples", "pairs")
	var vs []Vantage
	for _, point := range []string{"client", "server"} {
		path := filepath.Join(dir, name+"-"+point+".pcap")
		if _, err := os.Stat(path); err != nil {
			t.Skipf("no lab pair %s: %v", name, err)
		}
		res, err := analysis.Files(context.Background(), []string{path}, analysis.Options{KeepPackets: true, Diagrams: true})
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, Vantage{Name: point, Paths: []string{path}, Result: res})
	}
	return Merge(vs, Correlate(vs, Options{}))
}

// breakOf is the merged break of a cause, failing the test without one.
func breakOf(t *testing.T, r *analysis.Result, cause string) analysis.Verdict {
	t.Helper()
	for _, b := range r.Breaks {
		if b.Cause == cause {
			return b
		}
	}
	t.Fatalf("no %s break among %d", cause, len(r.Breaks))
	return analysis.Verdict{}
}

func logLadder(t *testing.T, ld analysis.Ladder) {
	t.Helper()
	t.Logf("ladder %s → %s points %v vantage %s", ld.Client, ld.Server, ld.Points, ld.Vantage)
	for _, p := range ld.Packets {
		t.Logf("  %s#%d %s fromClient=%v flags=%#x seq=%d len=%d seen=%b dropped=%v injected=%v deciding=%v",
			p.Point, p.Frame, p.Time.Format("15:04:05.000000"), p.FromClient, p.Flags, p.Seq, p.Len, p.SeenAt, p.PathDropped, p.PathInjected, p.Deciding)
	}
}

// The forged reset reached the client's point and never left the
// server: drawn as injected, seen at the client's point only; the
// packets before it at both points.
func TestMergedLadderMiddleboxReset(t *testing.T) {
	r := mergedPair(t, "pair-middlebox-reset")
	b := breakOf(t, r, "middlebox-reset")
	if len(b.Ladders) == 0 {
		t.Fatal("the break has no ladder")
	}
	both, injectedRST := 0, 0
	for _, ld := range b.Ladders {
		if strings.Join(ld.Points, ",") != "client,server" {
			t.Fatalf("points %v, want client,server", ld.Points)
		}
		for _, p := range ld.Packets {
			if p.SeenAt == 0b11 {
				both++
			}
			if p.Flags&tcpflow.FlagRST != 0 && p.PathInjected {
				// The middlebox forges a reset to each end: each is seen
				// at the point it reached only.
				want := map[string]uint64{"client": 0b01, "server": 0b10}[p.Point]
				if p.SeenAt != want || p.FromClient == (p.Point == "client") {
					t.Errorf("injected reset %s#%d from client %v seen at %b: want only the receiving point", p.Point, p.Frame, p.FromClient, p.SeenAt)
				}
				if p.Point == "client" {
					injectedRST++
				}
			}
		}
	}
	if injectedRST == 0 || both == 0 {
		logLadder(t, b.Ladders[len(b.Ladders)-1])
		t.Fatalf("%d injected resets, %d packets seen at both points: want both some", injectedRST, both)
	}
}

// The full-size segments left the server's point and never reached the
// client's: drawn as dropped, seen at the server's point only, though
// the client's capture never had them (added from the server's).
func TestMergedLadderMTUBlackhole(t *testing.T) {
	r := mergedPair(t, "pair-mtu-blackhole")
	b := breakOf(t, r, "mtu-blackhole")
	if len(b.Ladders) == 0 {
		t.Fatal("the break has no ladder")
	}
	var dropped, fromServer int
	for _, ld := range b.Ladders {
		for _, p := range ld.Packets {
			if !p.PathDropped {
				continue
			}
			dropped++
			if p.Len < 1000 {
				t.Errorf("dropped packet %s#%d has %d bytes: want full-size segments only", p.Point, p.Frame, p.Len)
			}
			if p.Point == "server" && p.SeenAt == 0b10 {
				fromServer++
			}
		}
	}
	if dropped == 0 || fromServer == 0 {
		logLadder(t, b.Ladders[len(b.Ladders)-1])
		t.Fatalf("%d dropped packets, %d of them from the server's capture: want some of both", dropped, fromServer)
	}
}

// vantagesOf analyses a lab pair's two captures, packets kept.
func vantagesOf(t *testing.T, name string) []Vantage {
	t.Helper()
	var vs []Vantage
	for _, point := range []string{"client", "server"} {
		path := filepath.Join("..", "samples", "pairs", name+"-"+point+".pcap")
		if _, err := os.Stat(path); err != nil {
			t.Skipf("no lab pair %s: %v", name, err)
		}
		res, err := analysis.Files(context.Background(), []string{path}, analysis.Options{KeepPackets: true})
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, Vantage{Name: point, Paths: []string{path}, Result: res})
	}
	return vs
}

// ladderFrom is a ladder of every packet a point kept of a connection.
func ladderFrom(cp *analysis.ConnPackets) analysis.Ladder {
	ld := analysis.Ladder{Kind: cp.Kind, Client: cp.Client.String(), Server: cp.Server.String(), Total: int64(len(cp.Packets))}
	for _, pk := range cp.Packets {
		ld.Packets = append(ld.Packets, analysis.LadderPacket{Frame: pk.Frame, Input: pk.Input, Time: time.Unix(0, pk.TS).UTC(),
			FromClient: pk.FromClient, Flags: pk.Flags, Seq: pk.Seq, Ack: pk.Ack, Len: pk.Len})
	}
	return ld
}

// Capture loss is not network loss: the three uploaded segments deleted
// from the server's file reached the server (it acknowledged them), so
// the client's ladder draws them neither dropped nor seen at the
// server's point (a ring there), and adds nothing from the server's.
func TestMergedLadderCaptureLossIsNotDrop(t *testing.T) {
	vs := vantagesOf(t, "pair-capture-loss")
	m := newMerger(vs, Correlate(vs, Options{}))
	unseen, added := 0, 0
	for k := range vs[0].Result.Packets {
		ld := m.mergeLadder(0, ladderFrom(&vs[0].Result.Packets[k]), nil)
		for _, p := range ld.Packets {
			switch {
			case p.PathDropped || p.PathInjected:
				t.Errorf("client#%d drawn dropped %v, injected %v: nothing was lost nor forged", p.Frame, p.PathDropped, p.PathInjected)
			case p.Point != "client":
				added++
			case p.SeenAt == 0b01:
				unseen++
				if p.Len == 0 || !p.FromClient {
					t.Errorf("client#%d (len %d) missed by the server's capture: only uploaded data was deleted there", p.Frame, p.Len)
				}
			case p.SeenAt != 0b11:
				t.Errorf("client#%d seen at %b", p.Frame, p.SeenAt)
			}
		}
	}
	if unseen != 3 || added != 0 {
		t.Errorf("%d packets unseen at the server's point, %d added from it: want 3 and 0", unseen, added)
	}
}

// Three points of one NAT run, given in no particular order: a ladder
// drawn from the client's capture names them from the client's side to
// the server's, and most of its packets were captured at all three.
func TestMergedLadderThreePoints(t *testing.T) {
	var vs []Vantage
	for _, point := range []string{"server", "client", "router"} {
		path := filepath.Join("testdata", "three-nat", point+".pcap")
		res, err := analysis.Files(context.Background(), []string{path}, analysis.Options{KeepPackets: true})
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, Vantage{Name: point, Paths: []string{path}, Result: res})
	}
	m := newMerger(vs, Correlate(vs, Options{}))
	client := vs[1].Result
	if len(client.Packets) == 0 {
		t.Fatal("the client's capture kept no connection")
	}
	for k := range client.Packets {
		ld := m.mergeLadder(1, ladderFrom(&client.Packets[k]), nil)
		if got := strings.Join(ld.Points, ","); got != "client,router,server" {
			t.Fatalf("connection %d: points %s, want client,router,server", k, got)
		}
		all := 0
		for _, p := range ld.Packets {
			if p.SeenAt == 0b111 {
				all++
			}
		}
		if all*10 < len(ld.Packets)*9 {
			logLadder(t, ld)
			t.Errorf("connection %d: %d of %d packets seen at all three points", k, all, len(ld.Packets))
		}
	}
}

// A correlation without per-packet fates (one built by hand) draws the
// same ladder from its refs and the segments both points captured.
func TestMergedLadderWithoutFatesAgrees(t *testing.T) {
	for _, name := range []string{"pair-middlebox-reset", "pair-mtu-blackhole", "pair-capture-loss"} {
		t.Run(name, func(t *testing.T) {
			vs := vantagesOf(t, name)
			c := Correlate(vs, Options{})
			bare := *c
			bare.Pairs = slices.Clone(c.Pairs)
			fates := 0
			for i := range bare.Pairs {
				fates += len(bare.Pairs[i].FateA) + len(bare.Pairs[i].FateB)
				bare.Pairs[i].FateA, bare.Pairs[i].FateB = nil, nil
			}
			if fates == 0 {
				t.Fatal("the correlation gives no fates")
			}
			withFates, withRefs := newMerger(vs, c), newMerger(vs, &bare)
			for k := range vs[0].Result.Packets {
				ld := ladderFrom(&vs[0].Result.Packets[k])
				a, b := withFates.mergeLadder(0, ld, nil), withRefs.mergeLadder(0, ld, nil)
				if got, want := marksOf(b), marksOf(a); got != want {
					t.Errorf("connection %d drawn from the refs:\n%s\nfrom the fates:\n%s", k, got, want)
				}
			}
		})
	}
}

// marksOf lists each packet of a ladder with its capture point marks.
func marksOf(ld analysis.Ladder) string {
	var b strings.Builder
	for _, p := range ld.Packets {
		fmt.Fprintf(&b, "%s#%d seen %b dropped %v injected %v\n", p.Point, p.Frame, p.SeenAt, p.PathDropped, p.PathInjected)
	}
	return b.String()
}
