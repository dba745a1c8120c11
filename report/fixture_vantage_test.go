package report

import (
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
)

// fixtureTwoPoints is a multi-point analysis (--vantage client=…
// --vantage server=…) as correlate.Merge makes it: one session seen at
// both points, a reset proven injected between them, a blocked data
// channel whose SYNs did reach the server (inferred, the server's view
// said), a finding, a connection only the client saw, and the server's
// clock 2.5 s ahead.
func fixtureTwoPoints() *analysis.Result {
	b := fixtureBase
	const cli, srv = "captures/client.pcapng", "captures/server.pcap"
	r := &analysis.Result{
		Tool: "ftpcap", Version: "0.3.0",
		Inputs: []analysis.Input{
			{Path: cli, Format: "pcapng", LinkType: "Ethernet", Packets: 96, Bytes: 20_480, First: b, Last: at(b, 40*time.Second)},
			{Path: srv, Format: "pcap", LinkType: "Linux SLL2", Packets: 91, Bytes: 19_876, First: at(b, 2500*time.Millisecond), Last: at(b, 42*time.Second)},
		},
		CapturePoint: "client-side",
		CaptureQuality: analysis.CaptureQuality{Rating: "good", Notes: []string{
			"contradiction: B1 syn-unanswered (from client's capture): the SYN reached server (frame 60): the path delivered it and 203.0.113.20:30001 never answered",
		}},
		VantagePoints: []analysis.VantagePoint{
			{Name: "client", Path: cli, CapturePoint: "client-side", MatchedPackets: 88},
			{Name: "server", Path: srv, CapturePoint: "server-side", ClockOffsetS: 2.5, DriftPPM: 1.2, MatchedPackets: 88},
		},
		Sessions: []analysis.Session{{
			ID: "S1", Client: "198.51.100.10:40112", Server: "203.0.113.20:21", User: "alice",
			Start: at(b, time.Second), End: at(b, 30*time.Second), Outcome: analysis.OutcomeBroken,
			Commands: 7, Replies: 7, LastReply: 150, Frame: 1,
			Transfers: []analysis.Transfer{{
				Command: "RETR", Path: "pub/big.iso", Direction: dissect.DirectionDownload, Mode: dissect.ModePassive,
				Data:  &analysis.DataEnds{Client: "198.51.100.10:40114", Server: "203.0.113.20:30001"},
				Reply: 425, ReplyText: "Can't open data connection.", Status: classify.StatusFailed,
				Start: at(b, 5*time.Second), End: at(b, 12*time.Second), Frame: 40,
			}},
		}},
		Breaks: []analysis.Verdict{
			{
				ID: "B1", Session: "S1", Proof: analysis.ProofInferred,
				Connection: analysis.ConnRef{Kind: classify.KindData, Client: "198.51.100.10:40114", Server: "203.0.113.20:30001"},
				Class:      "network", Cause: "data-channel-blocked", Confidence: 0.8, Time: at(b, 11*time.Second),
				Summary:      "The client's SYNs to the PASV data port 30001 went unanswered and the server replied 425.",
				Contributing: []string{"syn-unanswered"},
				Evidence: []analysis.Evidence{
					{Frame: 42, Time: at(b, 5*time.Second), Text: "SYN to 203.0.113.20:30001", Input: cli, Vantage: "client"},
					{Frame: 43, Time: at(b, 8*time.Second), Text: "SYN retransmitted", Input: cli, Vantage: "client"},
					{Frame: 60, Time: at(b, 5*time.Second+20*time.Millisecond), Text: "the data connection's SYN reached server (frame 60): nothing between the points blocked it; 203.0.113.20:30001 did not answer", Input: srv, Vantage: "server"},
				},
				Filter: "tcp.port == 40114 && tcp.port == 30001",
			},
			{
				ID: "B2", Session: "S1", Proof: analysis.ProofProven,
				Connection: analysis.ConnRef{Kind: classify.KindControl, Client: "198.51.100.10:40112", Server: "203.0.113.20:21"},
				Class:      "network", Cause: "middlebox-reset", Confidence: 0.9, Time: at(b, 30*time.Second),
				Summary: "A reset claiming to come from the server 203.0.113.20:21 arrived with TTL 64 while the server's packets arrived with TTL 55.",
				Evidence: []analysis.Evidence{
					{Frame: 95, Time: at(b, 30*time.Second), Text: "RST claims 203.0.113.20:21 but arrives with TTL 64", Input: cli, Vantage: "client"},
					{Frame: 90, Time: at(b, 29*time.Second+900*time.Millisecond), Text: "server's capture: no RST left 203.0.113.20:21 (41 packets of it seen there); the RST at client frame 95 was injected on the path", Input: srv, Vantage: "server"},
				},
				Filter: "tcp.port == 40112 && tcp.port == 21",
			},
		},
		Findings: []analysis.Verdict{{
			ID: "F1", Session: "S1", Proof: analysis.ProofInferred, Severity: analysis.SeverityInfo,
			Connection: analysis.ConnRef{Kind: classify.KindControl, Client: "198.51.100.10:40112", Server: "203.0.113.20:21"},
			Class:      "protocol", Cause: "no-window-scaling", Confidence: 1, Time: at(b, time.Second),
			Summary:  "The server's SYN-ACK carries no window-scale option.",
			Evidence: []analysis.Evidence{{Frame: 2, Time: at(b, time.Second), Text: "SYN-ACK options: MSS 1460", Input: cli, Vantage: "client"}},
			Filter:   "tcp.port == 40112",
		}},
		Connections: []analysis.Connection{
			{
				Kind: classify.KindControl, Session: "S1", Client: "198.51.100.10:40112", Server: "203.0.113.20:21",
				Start: at(b, time.Second), End: at(b, 30*time.Second), ConnState: "RSTR", History: "ShADadR",
				Packets: analysis.PerSide[int64]{Client: 40, Server: 42}, Bytes: analysis.PerSide[int64]{Client: 96, Server: 1_310},
				Hops: analysis.PerSide[int]{Client: 0, Server: 9}, WindowScale: analysis.PerSide[analysis.WScale]{Client: "7", Server: "none"},
				Closed: "server-rst", Frame: 1,
				Path: &analysis.ConnPath{
					ClientToServer: analysis.PathCounts{Sent: 40, Delivered: 40},
					ServerToClient: analysis.PathCounts{Sent: 41, Delivered: 41, Injected: 1},
					Translation:    "198.51.100.10:40112 ↔ 192.0.2.1:61000",
					DelayS:         &analysis.DirDelays{ClientToServer: 0.0042, ServerToClient: 0.0039},
				},
			},
			{
				Kind: classify.KindData, Session: "S1", Client: "198.51.100.10:40114", Server: "203.0.113.20:30001",
				Start: at(b, 5*time.Second), End: at(b, 8*time.Second), ConnState: "S0", History: "S",
				Packets: analysis.PerSide[int64]{Client: 2}, WindowScale: analysis.PerSide[analysis.WScale]{Client: "7", Server: "unknown"},
				Frame: 42,
				Path:  &analysis.ConnPath{ClientToServer: analysis.PathCounts{Sent: 2, Delivered: 2}},
			},
			{
				Kind: classify.KindControl, Client: "198.51.100.10:40200", Server: "203.0.113.20:21",
				Start: at(b, 35*time.Second), End: at(b, 36*time.Second), ConnState: "S0", History: "S",
				Packets: analysis.PerSide[int64]{Client: 1}, WindowScale: analysis.PerSide[analysis.WScale]{Client: "7", Server: "unknown"},
				Frame: 96,
			},
		},
		Stats: analysis.Stats{Packets: 187, Bytes: 40_356, TCPPackets: 187, Connections: 6, FTPSessions: 2, DataConnections: 2, MaxConns: 100_000},
	}
	return withCounts(r)
}
