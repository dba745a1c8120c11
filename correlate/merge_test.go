package correlate

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// resetPoints is a session reset by a middlebox: the client's capture
// has a RST claiming to come from the server, the server's capture never
// sent one. The server's clock is 2.5 s ahead.
func resetPoints(serverSentRST bool) (*point, *point, *Correlation) {
	cli := newPoint("client", "client.pcapng", "client-side", 0)
	srv := newPoint("server", "server.pcap", "server-side", 2500*time.Millisecond)
	cli.session("S1", cliEnd, srvEnd, 0, analysis.OutcomeBroken)
	srv.session("S1", cliEnd, srvEnd, 0, analysis.OutcomeBroken)
	ca := cli.conn(classify.KindControl, "S1", cliEnd, srvEnd, 100,
		pk(1, 0, true, flagSYN, 100, 0), pk(2, 10, false, flagSYNACK, 1100, 0),
		pk(3, 20, true, flagACK, 101, 0), pk(4, 40, false, flagRST, 1101, 0))
	srvPkts := []analysis.PathPacket{pk(7, 5, true, flagSYN, 100, 0), pk(8, 5, false, flagSYNACK, 1100, 0), pk(9, 15, true, flagACK, 101, 0)}
	if serverSentRST {
		srvPkts = append(srvPkts, pk(10, 35, false, flagRST, 1101, 0))
	}
	cb := srv.conn(classify.KindControl, "S1", cliEnd, srvEnd, 100, srvPkts...)
	cli.verdict(false, "middlebox-reset", "S1", classify.KindControl, cliEnd, srvEnd, 40, 4)
	cli.res.Breaks[0].Summary = "A RST in the server's name (frame 4) ended it; frame 3 was the last ACK."
	c := correlation(cli, srv, Pair{A: 0, B: 1, ConnA: ca, ConnB: cb,
		Path: [2]DirCounts{{Sent: 2, Delivered: 2}, {Sent: 1, Delivered: 1, Injected: 1}}, Translation: "198.51.100.10:40112 ↔ 192.0.2.1:61000",
		Delay: [2]time.Duration{5 * time.Millisecond, 7 * time.Millisecond}})
	return cli, srv, c
}

func TestMergeProvesInjectedReset(t *testing.T) {
	cli, srv, c := resetPoints(false)
	r := Merge([]Vantage{cli.vantage(), srv.vantage()}, c)

	if len(r.Sessions) != 1 || len(r.Connections) != 1 || len(r.Breaks) != 1 {
		t.Fatalf("sessions %d, connections %d, breaks %d; want one of each (the points saw the same session)",
			len(r.Sessions), len(r.Connections), len(r.Breaks))
	}
	b := r.Breaks[0]
	if b.Proof != analysis.ProofProven || b.Cause != "middlebox-reset" || b.ID != "B1" || b.Session != "S1" {
		t.Errorf("break = %s %s %s session %s, want B1 middlebox-reset proven S1", b.ID, b.Cause, b.Proof, b.Session)
	}
	if want := "A RST in the server's name (client frame 4) ended it; frame 3 was the last ACK."; b.Summary != want {
		t.Errorf("summary %q, want %q (frame 4 named at its point; frame 3 cited by no evidence, left)", b.Summary, want)
	}
	proof := evidenceAt(b, "server")
	if proof == nil || !strings.Contains(proof.Text, "no RST left 203.0.113.20:21") || !strings.Contains(proof.Text, "client frame 4 was injected") {
		t.Errorf("no server-side evidence naming the injected RST: %+v", b.Evidence)
	}
	// It cites the server's last packet to the client (the SYN-ACK,
	// frame 8), on the client's clock.
	if proof != nil && (!proof.Time.Equal(at(5)) || proof.Frame != 8 || proof.Input != "server.pcap") {
		t.Errorf("server evidence frame %d of %q at %v, want frame 8 of server.pcap at %v (its clock shifted back by 2.5 s)", proof.Frame, proof.Input, proof.Time, at(5))
	}
	if own := evidenceAt(b, "client"); own == nil || own.Input != "client.pcapng" || own.Frame != 4 {
		t.Errorf("client evidence = %+v, want frame 4 of client.pcapng", own)
	}
	if got := r.Connections[0].Path; got == nil || got.ServerToClient.Injected != 1 || got.ClientToServer.Sent != 2 || got.Translation != "198.51.100.10:40112 ↔ 192.0.2.1:61000" {
		t.Errorf("connection path = %+v, want the pair's counts", got)
	}
	if d := r.Connections[0].Path.DelayS; d == nil || d.ClientToServer != 0.005 || d.ServerToClient != 0.007 {
		t.Errorf("one-way delays = %+v, want 5 ms and 7 ms", d)
	}
	if len(r.VantagePoints) != 2 || r.VantagePoints[1].ClockOffsetS != 2.5 || r.VantagePoints[1].CapturePoint != "server-side" || r.VantagePoints[0].Path != "client.pcapng" {
		t.Errorf("vantage points = %+v", r.VantagePoints)
	}
	cli.res.Stats.FTPSessions, srv.res.Stats.FTPSessions = 1, 1
	cli.res.Stats.Connections, srv.res.Stats.Connections = 3, 2 // TCP connections, FTP or not
	r = Merge([]Vantage{cli.vantage(), srv.vantage()}, c)
	if r.Stats.FTPSessions != 1 || r.Stats.Connections != 4 {
		t.Errorf("stats count %d sessions, %d connections; want 1 (seen twice) and 4 (5, one seen twice)", r.Stats.FTPSessions, r.Stats.Connections)
	}
	if len(r.Inputs) != 2 || r.Stats.BreaksByCause["middlebox-reset"] != 1 {
		t.Errorf("inputs %d, breaks by cause %v", len(r.Inputs), r.Stats.BreaksByCause)
	}
}

func TestMergeReportsAContradictedReset(t *testing.T) {
	cli, srv, c := resetPoints(true)
	r := Merge([]Vantage{cli.vantage(), srv.vantage()}, c)
	if len(r.Breaks) != 1 {
		t.Fatalf("breaks = %d, want 1", len(r.Breaks))
	}
	b := r.Breaks[0]
	if b.Proof != analysis.ProofInferred {
		t.Errorf("proof = %q, want inferred: the server's capture shows the RST leave", b.Proof)
	}
	e := evidenceAt(b, "server")
	if e == nil || !strings.HasPrefix(e.Text, "contradicts middlebox-reset:") || e.Frame != 10 {
		t.Errorf("no contradiction evidence at server frame 10: %+v", b.Evidence)
	}
	if !hasNote(r, "contradiction: B1 middlebox-reset (from client's capture)") {
		t.Errorf("capture-quality notes do not say the contradiction: %q", r.CaptureQuality.Notes)
	}
}

func TestMergeWithoutSharedConnectionListsEachPointAlone(t *testing.T) {
	cli, srv, _ := resetPoints(false)
	srv.verdict(false, "server-reset", "S1", classify.KindControl, cliEnd, srvEnd, 35, 9)
	r := Merge([]Vantage{cli.vantage(), srv.vantage()}, correlation(cli, srv))
	if !NoSharedConnection(correlation(cli, srv)) {
		t.Error("NoSharedConnection = false for a correlation without pairs")
	}
	if len(r.Sessions) != 2 || r.Sessions[0].ID != "S1" || r.Sessions[1].ID != "S2" {
		t.Errorf("sessions = %+v, want S1 and S2 (one per point)", r.Sessions)
	}
	if len(r.Breaks) != 2 || r.Breaks[0].Proof != analysis.ProofInferred || r.Breaks[1].Proof != analysis.ProofInferred {
		t.Fatalf("breaks = %+v, want both points' breaks, inferred", r.Breaks)
	}
	// The server's reset came 5 ms before the client's, on the client's
	// clock: the server's is first, in its session S2.
	if r.Breaks[0].Evidence[0].Vantage != "server" || r.Breaks[0].Session != "S2" || r.Breaks[1].Evidence[0].Vantage != "client" {
		t.Errorf("breaks not tagged with their point and session: %+v", r.Breaks)
	}
	if !hasNote(r, "share no connection") {
		t.Errorf("notes = %q, want one saying the captures share no connection", r.CaptureQuality.Notes)
	}
}

func TestMergeKeepsOnePointsOwnConnections(t *testing.T) {
	cli, srv, c := resetPoints(false)
	// A second session only the client's capture has.
	cli.session("S2", "198.51.100.10:40200", srvEnd, 30_000, analysis.OutcomeOK)
	cli.conn(classify.KindControl, "S2", "198.51.100.10:40200", srvEnd, 500, pk(20, 30_000, true, flagSYN, 500, 0))
	r := Merge([]Vantage{cli.vantage(), srv.vantage()}, c)
	if len(r.Sessions) != 2 || r.Sessions[1].ID != "S2" || r.Sessions[1].Client != "198.51.100.10:40200" {
		t.Fatalf("sessions = %+v", r.Sessions)
	}
	if len(r.Connections) != 2 || r.Connections[1].Path != nil || r.Connections[1].Session != "S2" {
		t.Errorf("connections = %+v, want the unpaired one listed without a path", r.Connections)
	}
	if r.Sessions[0].Outcome != analysis.OutcomeBroken || r.Sessions[1].Outcome != analysis.OutcomeOK {
		t.Errorf("outcomes = %s, %s", r.Sessions[0].Outcome, r.Sessions[1].Outcome)
	}
}

func TestMergeCountsVerdictsPastTheListingCap(t *testing.T) {
	cli, srv, c := resetPoints(false)
	// The client counted two more middlebox resets it did not list.
	cli.res.Stats.Causes[0].Breaks += 2
	r := Merge([]Vantage{cli.vantage(), srv.vantage()}, c)
	if got := r.Stats.BreaksByCause["middlebox-reset"]; got != 3 {
		t.Errorf("middlebox-reset breaks counted = %d, want 3 (1 listed + 2 past the cap)", got)
	}
	if got := r.Stats.BreaksByClass["network"]; got != 3 {
		t.Errorf("network breaks = %d, want 3", got)
	}
}

func TestMergeNilCorrelation(t *testing.T) {
	cli, srv, _ := resetPoints(false)
	r := Merge([]Vantage{cli.vantage(), srv.vantage(), {Name: "empty"}}, nil)
	if len(r.VantagePoints) != 2 || len(r.Breaks) != 1 {
		t.Errorf("vantage points %d, breaks %d: want the two points with results and the one break", len(r.VantagePoints), len(r.Breaks))
	}
}

func evidenceAt(v analysis.Verdict, vantage string) *analysis.Evidence {
	for i := range v.Evidence {
		if v.Evidence[i].Vantage == vantage {
			return &v.Evidence[i]
		}
	}
	return nil
}

func hasNote(r *analysis.Result, part string) bool {
	for _, n := range r.CaptureQuality.Notes {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// A correlation that names points, connections or packets the points do
// not have (a bug in the engine, or results from elsewhere) must not
// crash the merge: what cannot be resolved is not joined and not proven.
func TestMergeSurvivesABadCorrelation(t *testing.T) {
	cli, srv, c := resetPoints(false)
	bad := []Pair{
		{A: 0, B: 7, ConnA: 0, ConnB: 0},
		{A: -1, B: 1, ConnA: 0, ConnB: 0},
		{A: 0, B: 1, ConnA: 99, ConnB: -3},
		{A: 1, B: 1, ConnA: 0, ConnB: 0},
		{A: 0, B: 1, ConnA: 0, ConnB: 0, Dropped: []PacketRef{{Point: 5, Conn: 9, Packet: 1}, {Point: 0, Conn: 0, Packet: 99}},
			Injected: []PacketRef{{Point: -1}}, Path: [2]DirCounts{{Dropped: 3}, {Dropped: 1}}},
	}
	c.Pairs = append(bad, c.Pairs...)
	c.Points = c.Points[:1]
	for _, cause := range []string{"mtu-blackhole", "syn-unanswered", "handshake-incomplete", "data-channel-blocked", "path-loss-timeout", "pasv-address-mismatch"} {
		cli.verdict(false, cause, "S1", classify.KindControl, cliEnd, srvEnd, 40, 4)
	}
	r := Merge([]Vantage{cli.vantage(), srv.vantage()}, c)
	if len(r.Breaks) == 0 || len(r.Sessions) != 1 {
		t.Errorf("breaks %d, sessions %d", len(r.Breaks), len(r.Sessions))
	}
}

// A blocked data channel: the client's point breaks the data connection
// (the server never saw it), the server's point breaks the control
// connection with the same cause. One break, the client's (proven)
// leading, the server's evidence kept.
func TestMergeJoinsABreakOnAConnectionOnlyOnePointSaw(t *testing.T) {
	cli, srv, control := twoPoints()
	cli.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000, pk(10, 200, true, flagSYN, 7000, 0), pk(11, 1200, true, flagSYN, 7000, 0))
	cli.verdict(false, "data-channel-blocked", "S1", classify.KindData, dataCliEnd, dataSrvEnd, 1200, 10, 11)
	srv.verdict(false, "data-channel-blocked", "S1", classify.KindControl, cliEnd, srvEnd, 1300, 4)
	// An unrelated break of another cause stays apart.
	srv.verdict(false, "server-close", "S1", classify.KindControl, cliEnd, srvEnd, 1400, 4)
	r := Merge([]Vantage{cli.vantage(), srv.vantage()}, correlation(cli, srv, control))
	if len(r.Breaks) != 2 {
		t.Fatalf("breaks = %+v, want the blocked data channel once and the server-close", r.Breaks)
	}
	b := r.Breaks[0]
	if b.Cause != "data-channel-blocked" || b.Connection.Kind != classify.KindData || b.Proof != analysis.ProofProven || evidenceAt(b, "server") == nil {
		t.Errorf("break = %+v, want the client's data-connection verdict, proven, with the server's evidence", b)
	}
	if r.Breaks[1].Cause != "server-close" {
		t.Errorf("second break = %s, want server-close", r.Breaks[1].Cause)
	}
}

// The client's pasv-address-mismatch on the data connection (which the
// server never saw) also held data-channel-blocked, the server's cause on
// the control connection: one break.
func TestMergeJoinsAOnePointBreakByAContributingCause(t *testing.T) {
	cli, srv, control := twoPoints()
	cli.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000, pk(10, 200, true, flagSYN, 7000, 0))
	cli.verdict(false, "pasv-address-mismatch", "S1", classify.KindData, dataCliEnd, dataSrvEnd, 1200, 10)
	cli.res.Breaks[0].Contributing = []string{"data-channel-blocked"}
	srv.verdict(false, "data-channel-blocked", "S1", classify.KindControl, cliEnd, srvEnd, 1300, 4)
	r := Merge([]Vantage{cli.vantage(), srv.vantage()}, correlation(cli, srv, control))
	if len(r.Breaks) != 1 || evidenceAt(r.Breaks[0], "server") == nil {
		t.Fatalf("breaks = %+v, want one with both points' evidence", r.Breaks)
	}
}

// The drawings' times are on the first point's clock like the rest of
// the merged report: with the server's file (its clock 3.25 s ahead) as
// the reference, the sessions recorded as the client's point saw them
// have their timelines and graphs moved by the same offset as their
// start and end.
func TestMergePutsTheDrawingsOnTheReferenceClock(t *testing.T) {
	var vs []Vantage
	for _, name := range []string{"server", "client"} {
		path := "../samples/pairs/pair-clean-" + name + ".pcap"
		r, err := analysis.Files(context.Background(), []string{path}, analysis.Options{KeepPackets: true, Diagrams: true})
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, Vantage{Name: name, Paths: []string{path}, Result: r})
	}
	merged := Merge(vs, Correlate(vs, Options{}))
	if got := merged.VantagePoints[1].ClockOffsetS; got > -3.2 || got < -3.3 {
		t.Fatalf("the client's clock is %.3f s ahead of the server's; the lab shifted the server's by +3.25 s", got)
	}
	timelines := 0
	for _, s := range merged.Sessions {
		if s.Timeline == nil {
			continue
		}
		timelines++
		if !s.Timeline.Start.Equal(s.Start) {
			t.Errorf("%s: timeline starts %s, the session %s", s.ID, s.Timeline.Start, s.Start)
		}
		for _, d := range s.Timeline.Data {
			if d.Start.Before(s.Start) || d.Start.After(s.End) {
				t.Errorf("%s: a data connection starts at %s, outside the session's %s–%s", s.ID, d.Start, s.Start, s.End)
			}
		}
	}
	if timelines == 0 {
		t.Fatal("no session timeline in the merged report")
	}
}
