package correlate

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// twoPoints is a client-side and a server-side point (the server's clock
// 1 s ahead) sharing session S1, its control connection paired.
func twoPoints() (*point, *point, Pair) {
	cli := newPoint("client", "client.pcapng", "client-side", 0)
	srv := newPoint("server", "server.pcap", "server-side", time.Second)
	cli.session("S1", cliEnd, srvEnd, 0, analysis.OutcomeBroken)
	srv.session("S1", cliEnd, srvEnd, 0, analysis.OutcomeBroken)
	control := Pair{A: 0, B: 1, ConnA: controlConn(cli, "S1"), ConnB: controlConn(srv, "S1"),
		Path: [2]DirCounts{{Sent: 2, Delivered: 2}, {Sent: 2, Delivered: 2}}}
	return cli, srv, control
}

// onlyBreak merges and returns the one break.
func onlyBreak(t *testing.T, cli, srv *point, pairs ...Pair) (*analysis.Result, analysis.Verdict) {
	t.Helper()
	r := Merge([]Vantage{cli.vantage(), srv.vantage()}, correlation(cli, srv, pairs...))
	if len(r.Breaks) != 1 {
		t.Fatalf("breaks = %+v, want one", r.Breaks)
	}
	return r, r.Breaks[0]
}

func wantProof(t *testing.T, v analysis.Verdict, proof analysis.Proof, vantage, text string) {
	t.Helper()
	if v.Proof != proof {
		t.Errorf("%s: proof = %q, want %q", v.Cause, v.Proof, proof)
	}
	e := evidenceAt(v, vantage)
	for i := range v.Evidence {
		if v.Evidence[i].Vantage == vantage && strings.Contains(v.Evidence[i].Text, text) {
			return
		}
	}
	t.Errorf("%s: no evidence at %s saying %q; at %s: %+v", v.Cause, vantage, text, vantage, e)
}

// mtuPoints: a download whose full-size segments (1448 bytes) left the
// server and never reached the client, while the small ones did.
func mtuPoints(dropBig bool) (*point, *point, []Pair) {
	cli, srv, control := twoPoints()
	dataPkts := []analysis.PathPacket{
		pk(1, 100, true, flagSYN, 5000, 0), pk(2, 110, false, flagSYNACK, 9000, 0), pk(3, 120, true, flagACK, 5001, 0),
		pk(4, 130, false, flagPSH, 9001, 200), pk(5, 140, false, flagACK, 9201, 1448), pk(6, 150, false, flagACK, 9201, 1448),
	}
	dc := cli.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 5000, dataPkts[:4]...)
	ds := srv.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 5000, dataPkts...)
	cli.verdict(false, "mtu-blackhole", "S1", classify.KindData, dataCliEnd, dataSrvEnd, 150, 4)
	data := Pair{A: 0, B: 1, ConnA: dc, ConnB: ds, Path: [2]DirCounts{{Sent: 2, Delivered: 2}, {Sent: 4, Delivered: 4}}}
	if dropBig {
		data.Path[1] = DirCounts{Sent: 4, Delivered: 2, Dropped: 2}
		data.Dropped = []PacketRef{{Point: 1, Conn: ds, Packet: 4, Frame: 5}, {Point: 1, Conn: ds, Packet: 5, Frame: 6}}
	}
	return cli, srv, []Pair{control, data}
}

func TestProofMTUBlackhole(t *testing.T) {
	cli, srv, pairs := mtuPoints(true)
	_, b := onlyBreak(t, cli, srv, pairs...)
	wantProof(t, b, analysis.ProofProven, "server", "the 1448-byte segment at server frame 5 never reached client's capture: 2 full-size segment(s)")
}

func TestProofMTUBlackholeContradicted(t *testing.T) {
	cli, srv, pairs := mtuPoints(false)
	r, b := onlyBreak(t, cli, srv, pairs...)
	wantProof(t, b, analysis.ProofInferred, "server", "contradicts mtu-blackhole: every segment that left")
	if !hasNote(r, "contradiction: B1 mtu-blackhole") {
		t.Errorf("notes = %q", r.CaptureQuality.Notes)
	}
}

// synPoints: the data connection's SYNs at the client; the server's
// capture, covering the time, has no such connection.
func TestProofDataChannelBlockedSYNsVanished(t *testing.T) {
	cli, srv, control := twoPoints()
	cli.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000,
		pk(10, 200, true, flagSYN, 7000, 0), pk(11, 1200, true, flagSYN, 7000, 0), pk(12, 3200, true, flagSYN, 7000, 0))
	cli.verdict(false, "data-channel-blocked", "S1", classify.KindControl, cliEnd, srvEnd, 3200, 10, 11, 12)
	_, b := onlyBreak(t, cli, srv, control)
	wantProof(t, b, analysis.ProofProven, "server", "no SYN of 198.51.100.10:40114 (ISN 7000) reached server's capture")
	wantProof(t, b, analysis.ProofProven, "server", "the 3 SYN(s) from 198.51.100.10:40114 at client frame 10 on vanished")
}

func TestProofDataChannelBlockedNeedsTheOtherCaptureToCoverTheTime(t *testing.T) {
	cli, srv, control := twoPoints()
	// SYNs after the server's capture ended.
	cli.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000, pk(10, 70_000, true, flagSYN, 7000, 0))
	cli.verdict(false, "data-channel-blocked", "S1", classify.KindControl, cliEnd, srvEnd, 70_000, 10)
	_, b := onlyBreak(t, cli, srv, control)
	if b.Proof != analysis.ProofInferred {
		t.Errorf("proof = %q, want inferred: the server's capture had ended", b.Proof)
	}
}

func TestProofDataChannelBlockedSYNsArrived(t *testing.T) {
	cli, srv, control := twoPoints()
	syn := pk(10, 200, true, flagSYN, 7000, 0)
	dc := cli.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000, syn)
	ds := srv.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000, syn)
	cli.verdict(false, "data-channel-blocked", "S1", classify.KindData, dataCliEnd, dataSrvEnd, 200, 10)
	_, b := onlyBreak(t, cli, srv, control, Pair{A: 0, B: 1, ConnA: dc, ConnB: ds, Path: [2]DirCounts{{Sent: 1, Delivered: 1}}})
	wantProof(t, b, analysis.ProofInferred, "server", "the data connection's SYN reached server (frame 10): nothing between the points blocked it")
}

// A SYN-ACK the server sent that never reached the client: the client
// says syn-unanswered, the server handshake-incomplete. The server's is
// proven and leads; the client's is contradicted and said.
func TestProofSYNACKVanished(t *testing.T) {
	cli, srv, control := twoPoints()
	dc := cli.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000, pk(10, 200, true, flagSYN, 7000, 0), pk(11, 1200, true, flagSYN, 7000, 0))
	ds := srv.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000, pk(20, 205, true, flagSYN, 7000, 0), pk(21, 206, false, flagSYNACK, 8000, 0))
	cli.verdict(false, "syn-unanswered", "S1", classify.KindData, dataCliEnd, dataSrvEnd, 1200, 10, 11)
	srv.verdict(false, "handshake-incomplete", "S1", classify.KindData, dataCliEnd, dataSrvEnd, 1206, 20, 21)
	data := Pair{A: 0, B: 1, ConnA: dc, ConnB: ds, Path: [2]DirCounts{{Sent: 2, Delivered: 2}, {Sent: 1, Dropped: 1}},
		Dropped: []PacketRef{{Point: 1, Conn: ds, Packet: 1, Frame: 21}}}
	r, b := onlyBreak(t, cli, srv, control, data)
	if b.Cause != "handshake-incomplete" || len(b.Contributing) != 1 || b.Contributing[0] != "syn-unanswered" {
		t.Errorf("break = %s (also %v), want handshake-incomplete leading, syn-unanswered contributing", b.Cause, b.Contributing)
	}
	wantProof(t, b, analysis.ProofProven, "server", "the SYN-ACK left 203.0.113.20:30001 at server frame 21 and never reached client's capture")
	wantProof(t, b, analysis.ProofProven, "server", "contradicts syn-unanswered: the SYN reached server (frame 20)")
	if !hasNote(r, "contradiction: B1 syn-unanswered (from client's capture)") {
		t.Errorf("notes = %q", r.CaptureQuality.Notes)
	}
	if evidenceAt(b, "client") == nil {
		t.Error("the client's own evidence was lost")
	}
}

func TestProofSYNUnansweredVanished(t *testing.T) {
	cli, srv, control := twoPoints()
	cli.conn(classify.KindControl, "S2", "198.51.100.10:40300", srvEnd, 900, pk(30, 40_000, true, flagSYN, 900, 0))
	cli.verdict(false, "syn-unanswered", "S2", classify.KindControl, "198.51.100.10:40300", srvEnd, 40_000, 30)
	_, b := onlyBreak(t, cli, srv, control)
	wantProof(t, b, analysis.ProofProven, "server", "no SYN of 198.51.100.10:40300 (ISN 900) reached server's capture")
}

func TestProofHandshakeACKVanished(t *testing.T) {
	cli, srv, control := twoPoints()
	pkts := []analysis.PathPacket{pk(10, 200, true, flagSYN, 7000, 0), pk(11, 210, false, flagSYNACK, 8000, 0), pk(12, 211, true, flagACK, 7001, 0)}
	dc := cli.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000, pkts...)
	ds := srv.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000, pkts[:2]...)
	srv.verdict(false, "handshake-incomplete", "S1", classify.KindData, dataCliEnd, dataSrvEnd, 300, 10, 11)
	_, b := onlyBreak(t, cli, srv, control, Pair{A: 0, B: 1, ConnA: dc, ConnB: ds})
	wantProof(t, b, analysis.ProofProven, "client", "the handshake's ACK left 198.51.100.10:40114 at client frame 12 and never reached server's capture")
}

func TestProofPathLossTimeout(t *testing.T) {
	for _, dropped := range []bool{true, false} {
		cli, srv, control := twoPoints()
		cli.verdict(false, "path-loss-timeout", "S1", classify.KindControl, cliEnd, srvEnd, 30, 4)
		if dropped {
			control.Path[1] = DirCounts{Sent: 2, Delivered: 1, Dropped: 1}
			control.Dropped = []PacketRef{{Point: 1, Conn: control.ConnB, Packet: 3, Frame: 4}}
		}
		_, b := onlyBreak(t, cli, srv, control)
		if dropped {
			wantProof(t, b, analysis.ProofProven, "server", "left 203.0.113.20:21 at server frame 4 and never reached client's capture: 1 of the 2 packet(s)")
		} else {
			wantProof(t, b, analysis.ProofInferred, "server", "contradicts path-loss-timeout: every packet that left client or server reached the other point")
		}
	}
}

func TestProofPASVAddressMismatch(t *testing.T) {
	for _, nat := range []bool{true, false} {
		cli := newPoint("client", "client.pcapng", "client-side", 0)
		srv := newPoint("server", "server.pcap", "server-side", 0)
		inner := srvEnd
		if nat {
			inner = "192.0.2.5:21"
		}
		cli.session("S1", cliEnd, srvEnd, 0, analysis.OutcomeBroken)
		srv.session("S1", cliEnd, inner, 0, analysis.OutcomeBroken)
		ca := controlConn(cli, "S1")
		cb := srv.conn(classify.KindControl, "S1", cliEnd, inner, 100, pk(1, 5, true, flagSYN, 100, 0), pk(2, 5, false, flagSYNACK, 1100, 0))
		cli.verdict(false, "pasv-address-mismatch", "S1", classify.KindControl, cliEnd, srvEnd, 500, 4)
		pair := Pair{A: 0, B: 1, ConnA: ca, ConnB: cb}
		if nat {
			pair.Translation = "server 192.0.2.5:21 → 203.0.113.20:21"
		}
		_, b := onlyBreak(t, cli, srv, pair)
		if nat {
			wantProof(t, b, analysis.ProofProven, "server", "the FTP server is 192.0.2.5 at server and 203.0.113.20 at client: a NAT between the points translates the address, and the 227 was not rewritten with it (server 192.0.2.5:21 → 203.0.113.20:21)")
		} else {
			wantProof(t, b, analysis.ProofInferred, "server", "the FTP server is 203.0.113.20 at both client and server")
		}
	}
}

// A cause with no proof rule is inferred, its points' views merged.
func TestProofUnprovableCauseIsInferred(t *testing.T) {
	cli, srv, control := twoPoints()
	cli.verdict(false, "login-failures", "S1", classify.KindControl, cliEnd, srvEnd, 30, 4)
	srv.verdict(false, "login-failures", "S1", classify.KindControl, cliEnd, srvEnd, 30, 4)
	_, b := onlyBreak(t, cli, srv, control)
	if b.Proof != analysis.ProofInferred || evidenceAt(b, "client") == nil || evidenceAt(b, "server") == nil || len(b.Contributing) != 0 {
		t.Errorf("break = %+v, want inferred with both points' evidence", b)
	}
}

func TestEveryProofRuleIsACatalogCause(t *testing.T) {
	want := []string{"middlebox-reset", "mtu-blackhole", "syn-unanswered", "handshake-incomplete", "data-channel-blocked", "path-loss-timeout", "pasv-address-mismatch"}
	for _, c := range want {
		if _, ok := proofRules[c]; !ok {
			t.Errorf("no proof rule for %s", c)
		}
	}
	if len(proofRules) != len(want) {
		t.Errorf("%d proof rules, want %d", len(proofRules), len(want))
	}
}

// The correlation pairs a connection only one point saw with -1 for the
// other side, counting what left towards the other point as dropped: the
// blocked data channel's SYNs are still proven to have vanished, and the
// connection's path shows them dropped.
func TestProofDataChannelBlockedLonePair(t *testing.T) {
	cli, srv, control := twoPoints()
	dc := cli.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000,
		pk(10, 200, true, flagSYN, 7000, 0), pk(11, 1200, true, flagSYN, 7000, 0))
	cli.verdict(false, "data-channel-blocked", "S1", classify.KindData, dataCliEnd, dataSrvEnd, 1200, 10, 11)
	lone := Pair{A: 0, B: 1, ConnA: dc, ConnB: -1, Path: [2]DirCounts{{Sent: 2, Dropped: 2}},
		Dropped: []PacketRef{{Point: 0, Conn: dc, Packet: 0, Frame: 10}, {Point: 0, Conn: dc, Packet: 1, Frame: 11}}}
	c := correlation(cli, srv, control, lone)
	if NoSharedConnection(c) {
		t.Error("NoSharedConnection with a shared control connection")
	}
	r, b := onlyBreak(t, cli, srv, control, lone)
	wantProof(t, b, analysis.ProofProven, "server", "no SYN of 198.51.100.10:40114 (ISN 7000) reached server's capture")
	var path *analysis.ConnPath
	for _, conn := range r.Connections {
		if conn.Client == dataCliEnd {
			path = conn.Path
		}
	}
	if path == nil || path.ClientToServer.Dropped != 2 {
		t.Errorf("data connection path = %+v, want the lone pair's 2 dropped", path)
	}
	if !NoSharedConnection(&Correlation{Pairs: []Pair{lone}}) {
		t.Error("a lone pair alone counts as a shared connection")
	}
}

// A SYN answered by a forged reset: the server's point never saw the
// connection; the correlation counted the RST injected.
func TestProofMiddleboxResetOnALoneConnection(t *testing.T) {
	cli, srv, control := twoPoints()
	dc := cli.conn(classify.KindData, "S1", dataCliEnd, dataSrvEnd, 7000,
		pk(10, 200, true, flagSYN, 7000, 0), pk(11, 201, false, flagRST, 0, 0))
	cli.verdict(false, "middlebox-reset", "S1", classify.KindData, dataCliEnd, dataSrvEnd, 201, 11)
	lone := Pair{A: 0, B: 1, ConnA: dc, ConnB: -1, Path: [2]DirCounts{{Sent: 1, Dropped: 1}, {Injected: 1}},
		Dropped: []PacketRef{{Point: 0, Conn: dc, Packet: 0, Frame: 10}}, Injected: []PacketRef{{Point: 0, Conn: dc, Packet: 1, Frame: 11}}}
	_, b := onlyBreak(t, cli, srv, control, lone)
	wantProof(t, b, analysis.ProofProven, "server", "server's capture has no packet of this connection, though it covers the time: the RST claiming 203.0.113.20:30001 at client frame 11 never passed it")
}
