package report

import (
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
)

// Hand-built results covering what the renderers must handle. Addresses
// are documentation ranges only.

func at(base time.Time, offset time.Duration) time.Time { return base.Add(offset) }

func int64p(v int64) *int64 { return &v }

// withCounts fills a fixture's counters by class and cause as the
// analysis does: every listed verdict, plus the ones counted past the
// listing cap (unlisted).
func withCounts(r *analysis.Result, unlisted ...analysis.CauseCount) *analysis.Result {
	var t analysis.CauseTally
	for _, v := range r.Breaks {
		t.Add(v.Class, v.Cause, false)
	}
	for _, v := range r.Findings {
		t.Add(v.Class, v.Cause, true)
	}
	for _, u := range unlisted {
		for range u.Breaks {
			t.Add(u.Class, u.Cause, false)
		}
		for range u.Findings {
			t.Add(u.Class, u.Cause, true)
		}
	}
	t.Fill(&r.Stats)
	return r
}

var fixtureBase = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

// fixtureClean is one healthy session with three complete transfers and no
// break.
func fixtureClean() *analysis.Result {
	b := fixtureBase
	r := &analysis.Result{
		Tool: "ftpcap", Version: "0.3.0",
		Inputs: []analysis.Input{{
			Path: "samples/clean-session.pcapng", Format: "pcapng", LinkType: "Ethernet",
			Packets: 412, Bytes: 5_391_872, First: b, Last: at(b, 3*time.Second+250*time.Millisecond),
		}},
		CapturePoint:   "client-side",
		CaptureQuality: analysis.CaptureQuality{Rating: "good"},
		Sessions: []analysis.Session{{
			ID: "S1", Client: "198.51.100.10:40112", Server: "203.0.113.20:21", User: "alice",
			Start: at(b, 1200*time.Microsecond), End: at(b, 3*time.Second+249*time.Millisecond),
			Outcome: analysis.OutcomeOK, Banner: "220 ProFTPD Server (Debian) [203.0.113.20]",
			Commands: 11, Replies: 12, LastReply: 221, Input: 0, Frame: 1,
			Transfers: []analysis.Transfer{
				{
					Command: "LIST", Path: "", Direction: dissect.DirectionDownload, Mode: dissect.ModePassive,
					Data:  &analysis.DataEnds{Client: "198.51.100.10:40114", Server: "203.0.113.20:30001"},
					Bytes: 1_280, Reply: 226, ReplyText: "Transfer complete", Status: classify.StatusComplete,
					Start: at(b, 410*time.Millisecond), End: at(b, 455*time.Millisecond), Frame: 24,
				},
				{
					Command: "RETR", Path: "pub/releases/big.iso", Direction: dissect.DirectionDownload, Mode: dissect.ModePassive,
					Data:  &analysis.DataEnds{Client: "198.51.100.10:40116", Server: "203.0.113.20:30002"},
					Bytes: 5_242_880, ExpectedBytes: int64p(5_242_880), Reply: 226,
					ReplyText: "Transfer complete", Status: classify.StatusComplete,
					Start: at(b, 600*time.Millisecond), End: at(b, 2*time.Second+900*time.Millisecond), Frame: 40,
				},
				{
					Command: "STOR", Path: "incoming/report.txt", Direction: dissect.DirectionUpload, Mode: dissect.ModeActive,
					Data:  &analysis.DataEnds{Client: "198.51.100.10:20", Server: "203.0.113.20:20"},
					Bytes: 4_096, Reply: 226, ReplyText: "Transfer complete", Status: classify.StatusComplete,
					Start: at(b, 3*time.Second), End: at(b, 3*time.Second+100*time.Millisecond), Frame: 380,
				},
			},
		}},
		Breaks:   nil,
		Findings: nil,
		Connections: []analysis.Connection{
			{
				Kind: classify.KindControl, Session: "S1", Client: "198.51.100.10:40112", Server: "203.0.113.20:21",
				Start: at(b, 1200*time.Microsecond), End: at(b, 3*time.Second+249*time.Millisecond),
				ConnState: "SF", History: "ShAdDaFf",
				Packets: analysis.PerSide[int64]{Client: 24, Server: 22}, Bytes: analysis.PerSide[int64]{Client: 212, Server: 1_034},
				Hops: analysis.PerSide[int]{Client: 0, Server: 9}, WindowScale: analysis.PerSide[analysis.WScale]{Client: "7", Server: "7"},
				Closed: "client-fin", Frame: 1,
			},
			{
				Kind: classify.KindData, Session: "S1", Client: "198.51.100.10:40116", Server: "203.0.113.20:30002",
				Start: at(b, 610*time.Millisecond), End: at(b, 2*time.Second+880*time.Millisecond),
				ConnState: "SF", History: "ShADadfF",
				Packets: analysis.PerSide[int64]{Client: 1_804, Server: 3_622}, Bytes: analysis.PerSide[int64]{Client: 0, Server: 5_242_880},
				Hops: analysis.PerSide[int]{Client: 0, Server: 9}, WindowScale: analysis.PerSide[analysis.WScale]{Client: "7", Server: "7"},
				Retransmits: analysis.PerSide[int64]{Client: 0, Server: 3},
				Closed:      "server-fin", Frame: 42,
			},
		},
		Stats: analysis.Stats{
			Packets: 412, Bytes: 5_391_872, TCPPackets: 410, Connections: 4, FTPSessions: 1,
			DataConnections: 3, MaxConns: 100_000,
		},
	}
	return withCounts(r)
}

// fixtureBroken has two inputs, several breaks and findings with evidence
// from both files, an IPv6 session, failed and cut transfers, caps hit and
// an input that could not be read to its end.
func fixtureBroken() *analysis.Result {
	b := fixtureBase
	day2 := time.Date(2024, 3, 6, 0, 0, 1, 500_000_000, time.UTC) // crosses midnight
	r := &analysis.Result{
		Tool: "ftpcap", Version: "0.3.0",
		Inputs: []analysis.Input{
			{
				Path: "captures/client-side/ftp-gateway-2024-03-05.pcapng.gz", Format: "pcapng", Compression: "gzip",
				LinkType: "Ethernet", Packets: 18_234, Bytes: 12_345_678, First: b, Last: day2,
				Dropped: int64p(12), Truncated: 3,
			},
			{
				Path: "captures/server.pcap", Format: "pcap", LinkType: "Linux SLL2",
				Packets: 17_990, Bytes: 12_001_002, First: at(b, 2*time.Millisecond), Last: day2,
			},
		},
		CapturePoint: "middle",
		CaptureQuality: analysis.CaptureQuality{Rating: "poor", AckedUnseenBytes: 4096, KernelDrops: 12, Duplicates: 3,
			Notes: []string{"the capturing interfaces reported 12 packets dropped: missing packets may be the capture's, not the network's",
				"4096 bytes were acknowledged by their receiver but are not in the capture: the capture missed them (not the network); byte counts include them, loss-based verdicts on those connections are doubtful"}},
		Sessions: []analysis.Session{
			{
				ID: "S1", Client: "198.51.100.10:40112", Server: "203.0.113.20:21", User: "alice",
				Start: at(b, time.Second), End: at(b, 2*time.Minute+13*time.Second+400*time.Millisecond),
				Outcome: analysis.OutcomeBroken, Commands: 9, Replies: 9, LastReply: 150, Frame: 3,
				Anomalies: map[string]int{"reply_without_space": 2, "command_before_banner": 1},
				Transfers: []analysis.Transfer{{
					Command: "RETR", Path: "pub/releases/2024/ftpcap-0.3.0-linux-amd64.tar.gz", Direction: dissect.DirectionDownload, Mode: dissect.ModePassive,
					Data:  &analysis.DataEnds{Client: "198.51.100.10:40118", Server: "203.0.113.20:30011"},
					Bytes: 1_048_576, ExpectedBytes: int64p(73_400_320), Reply: 0, Status: classify.StatusTruncated,
					Start: at(b, 5*time.Second), End: at(b, 2*time.Minute+13*time.Second), Frame: 60,
				}},
			},
			{
				ID: "S2", Client: "[2001:db8:10::42]:51234", Server: "[2001:db8:20::21]:21", User: "deploy-bot",
				TLS: true, Start: at(b, 30*time.Second), End: at(b, 31*time.Second+200*time.Millisecond),
				Outcome: analysis.OutcomeBroken, Commands: 6, Replies: 5, LastReply: 229, Input: 1, Frame: 210,
				Transfers: []analysis.Transfer{{
					Command: "STOR", Path: "builds/nightly/артефакт-构建.zip", Direction: dissect.DirectionUpload, Mode: dissect.ModePassive,
					Data:  &analysis.DataEnds{Client: "[2001:db8:10::42]:51240", Server: "[2001:db8:20::21]:40000"},
					Bytes: 0, Reply: 425, ReplyText: "Can't open data connection.", Status: classify.StatusFailed,
					Start: at(b, 31*time.Second), End: at(b, 31*time.Second+150*time.Millisecond), Frame: 233,
					Inferred: true, Input: 1,
				}},
			},
			{
				ID: "S3", Client: "198.51.100.11:40200", Server: "203.0.113.20:21", User: "",
				Start: at(b, 14*time.Hour), End: day2,
				Outcome: analysis.OutcomeOK, Commands: 4, Replies: 5, LastReply: 221, Frame: 9_000,
				Transfers: []analysis.Transfer{
					{
						Command: "RETR", Path: "/home/bob/secret/payroll-q1.xlsx", Direction: dissect.DirectionDownload, Mode: dissect.ModeActive,
						Reply: 550, ReplyText: "/home/bob/secret/payroll-q1.xlsx: Permission denied", Status: classify.StatusFailed,
						Start: at(b, 14*time.Hour+time.Second), End: at(b, 14*time.Hour+time.Second+3*time.Millisecond), Frame: 9_010,
					},
					{
						Command: "RETR", Path: "pub/a.txt", Direction: dissect.DirectionDownload, Mode: dissect.ModePassive,
						Data:  &analysis.DataEnds{Client: "198.51.100.11:40202", Server: "203.0.113.20:30020"},
						Bytes: 10, ExpectedBytes: int64p(20), Reply: 426, ReplyText: "Connection closed; transfer aborted.",
						Status: classify.StatusAborted, Start: at(b, 14*time.Hour+2*time.Second), End: day2, Frame: 9_020,
					},
				},
			},
		},
		Breaks: []analysis.Verdict{
			{
				ID: "B1", Session: "S1",
				Connection: analysis.ConnRef{Kind: classify.KindControl, Client: "198.51.100.10:40112", Server: "203.0.113.20:21"},
				Class:      "network", Cause: "middlebox-reset", Confidence: 0.9,
				Time:    at(b, 2*time.Minute+13*time.Second+400*time.Millisecond),
				Summary: "A reset claiming to come from the server 203.0.113.20:21 arrived with TTL 64 while the server's 812 earlier packets arrived with TTL 55: a firewall or load balancer between the two ended the control connection.",
				Evidence: []analysis.Evidence{
					{Frame: 1234, Time: at(b, 2*time.Minute+13*time.Second+400*time.Millisecond), Text: "RST claims 203.0.113.20:21 but arrives with TTL 64; the server's 812 earlier packets arrive with TTL 55", Input: "captures/client-side/ftp-gateway-2024-03-05.pcapng.gz"},
					{Frame: 1201, Time: at(b, 2*time.Minute+13*time.Second), Text: "IP ID 0 on the RST; the server's IP IDs run 4410-5221", Input: "captures/client-side/ftp-gateway-2024-03-05.pcapng.gz"},
					{Frame: 1190, Time: at(b, 2*time.Minute+12*time.Second+900*time.Millisecond), Text: "the server side capture never shows this RST leaving the server", Input: "captures/server.pcap"},
				},
				Filter:       "tcp.stream eq 0 || (ip.addr == 203.0.113.20 && tcp.port == 40112)",
				Contributing: []string{"idle-state-loss"},
			},
			{
				ID: "B2", Session: "S1",
				Connection: analysis.ConnRef{Kind: classify.KindData, Client: "198.51.100.10:40118", Server: "203.0.113.20:30011"},
				Class:      "server-policy", Cause: "server-close", Confidence: 0.75,
				Time:    at(b, 2*time.Minute+13*time.Second),
				Summary: "The server closed the data connection after 1,048,576 of 73,400,320 announced bytes, with no final reply.",
				Evidence: []analysis.Evidence{
					{Frame: 1180, Time: at(b, 2*time.Minute+13*time.Second), Text: "FIN from 203.0.113.20:30011 at byte 1,048,576 of 73,400,320", Input: "captures/client-side/ftp-gateway-2024-03-05.pcapng.gz"},
					{Frame: 1180, Time: at(b, 2*time.Minute+13*time.Second), Text: "no 226 or 4xx reply followed on the control connection", Input: "captures/client-side/ftp-gateway-2024-03-05.pcapng.gz"},
				},
				Filter: "tcp.port == 40118 && tcp.port == 30011",
			},
			{
				ID: "B3", Session: "S2",
				Connection: analysis.ConnRef{Kind: classify.KindData, Client: "[2001:db8:10::42]:51240", Server: "[2001:db8:20::21]:40000"},
				Class:      "network", Cause: "data-channel-blocked", Confidence: 0.8,
				Time:    at(b, 31*time.Second+100*time.Millisecond),
				Summary: "The client's SYNs to the EPSV data port 40000 went unanswered three times and the server then replied 425.",
				Evidence: []analysis.Evidence{
					{Frame: 240, Time: at(b, 31*time.Second), Text: "SYN to [2001:db8:20::21]:40000", Input: "captures/server.pcap"},
					{Frame: 241, Time: at(b, 31*time.Second+50*time.Millisecond), Text: "SYN retransmitted", Input: "captures/server.pcap"},
					{Frame: 243, Time: at(b, 31*time.Second+100*time.Millisecond), Text: "SYN retransmitted", Input: "captures/server.pcap"},
					{Frame: 244, Time: at(b, 31*time.Second+150*time.Millisecond), Text: "425 Can't open data connection.", Input: "captures/server.pcap"},
				},
				Filter: "ipv6.addr == 2001:db8:20::21 && tcp.port == 40000",
			},
			{
				ID: "B4", Session: "S3",
				Connection: analysis.ConnRef{Kind: classify.KindData, Client: "198.51.100.11:40202", Server: "203.0.113.20:30020"},
				Class:      "client", Cause: "client-abort", Confidence: 0.95,
				Time:    day2,
				Summary: "The client sent ABOR 10 bytes into a 20-byte download; the server answered 426.",
				Evidence: []analysis.Evidence{
					{Frame: 9_030, Time: day2, Text: "ABOR", Input: "captures/client-side/ftp-gateway-2024-03-05.pcapng.gz"},
				},
				Filter: "tcp.port == 40202",
			},
			{
				ID:         "B5",
				Connection: analysis.ConnRef{Kind: classify.KindOther, Client: "198.51.100.12:40300", Server: "203.0.113.30:21"},
				Class:      "unknown", Cause: "unexplained", Confidence: 0.2,
				Time:    at(b, 16*time.Hour),
				Summary: "The connection ended without FIN or RST in the capture and no rule's evidence holds.",
				Evidence: []analysis.Evidence{
					{Frame: 10_000, Time: at(b, 16*time.Hour), Text: "last packet of the connection"},
					{Frame: 10_001, Time: at(b, 16*time.Hour+time.Millisecond), Text: "frame 10001"},
					{Frame: 10_002, Time: at(b, 16*time.Hour+2*time.Millisecond), Text: "frame 10002"},
					{Frame: 10_003, Time: at(b, 16*time.Hour+3*time.Millisecond), Text: "frame 10003"},
					{Frame: 10_004, Time: at(b, 16*time.Hour+4*time.Millisecond), Text: "frame 10004"},
					{Frame: 10_005, Time: at(b, 16*time.Hour+5*time.Millisecond), Text: "frame 10005"},
					{Frame: 10_006, Time: at(b, 16*time.Hour+6*time.Millisecond), Text: "frame 10006"},
					{Frame: 10_007, Time: at(b, 16*time.Hour+7*time.Millisecond), Text: "frame 10007"},
					{Frame: 10_008, Time: at(b, 16*time.Hour+8*time.Millisecond), Text: "frame 10008"},
					{Frame: 10_009, Time: at(b, 16*time.Hour+9*time.Millisecond), Text: "frame 10009"},
					{Frame: 0, Text: "no packet of this connection after 16:00:00.009"},
				},
				Filter: "tcp.port == 40300",
			},
		},
		Findings: []analysis.Verdict{
			{
				ID: "F1", Session: "S1",
				Connection: analysis.ConnRef{Kind: classify.KindControl, Client: "198.51.100.10:40112", Server: "203.0.113.20:21"},
				Class:      "protocol", Cause: "no-window-scaling", Confidence: 1,
				Time:     at(b, time.Second),
				Summary:  "The server's SYN-ACK carries no window-scale option, so its receive window is capped at 65,535 bytes.",
				Evidence: []analysis.Evidence{{Frame: 4, Time: at(b, time.Second), Text: "SYN-ACK options: MSS 1460, SACK_PERM", Input: "captures/client-side/ftp-gateway-2024-03-05.pcapng.gz"}},
				Filter:   "tcp.stream eq 0",
				Severity: analysis.SeverityInfo,
			},
			{
				ID: "F2", Session: "S3",
				Connection: analysis.ConnRef{Kind: classify.KindControl, Client: "198.51.100.11:40200", Server: "203.0.113.20:21"},
				Class:      "network", Cause: "fragmentation-needed", Confidence: 0.9,
				Time:     at(b, 14*time.Hour+500*time.Millisecond),
				Summary:  "A router reported a next-hop MTU of 1400; the connection then carried on with smaller segments.",
				Evidence: []analysis.Evidence{{Frame: 9_005, Time: at(b, 14*time.Hour+500*time.Millisecond), Text: "ICMP type 3 code 4 from 192.0.2.1, next-hop MTU 1400", Input: "captures/client-side/ftp-gateway-2024-03-05.pcapng.gz"}},
				Filter:   "icmp.type == 3 && icmp.code == 4",
				Severity: analysis.SeverityInfo,
			},
		},
		Connections: []analysis.Connection{
			{
				Kind: classify.KindControl, Session: "S1", Client: "198.51.100.10:40112", Server: "203.0.113.20:21",
				Start: at(b, time.Second), End: at(b, 2*time.Minute+13*time.Second+400*time.Millisecond),
				ConnState: "RSTR", History: "ShADadR",
				Packets: analysis.PerSide[int64]{Client: 14, Server: 13}, Bytes: analysis.PerSide[int64]{Client: 96, Server: 1_310},
				Hops: analysis.PerSide[int]{Client: 1, Server: 9}, WindowScale: analysis.PerSide[analysis.WScale]{Client: "7", Server: "none"},
				Closed: "server-rst", Frame: 3,
			},
			{
				Kind: classify.KindData, Session: "S2", Client: "[2001:db8:10::42]:51240", Server: "[2001:db8:20::21]:40000",
				Start: at(b, 31*time.Second), End: at(b, 31*time.Second+100*time.Millisecond),
				ConnState: "S0", History: "S",
				Packets: analysis.PerSide[int64]{Client: 3}, Hops: analysis.PerSide[int]{Client: 2},
				WindowScale: analysis.PerSide[analysis.WScale]{Client: "8", Server: "unknown"},
				Midstream:   false, CaptureLoss: 0, Input: 1, Frame: 240,
			},
			{
				Kind: classify.KindOther, Client: "198.51.100.12:40300", Server: "203.0.113.30:21",
				Start: at(b, 15*time.Hour), End: at(b, 16*time.Hour+9*time.Millisecond),
				ConnState: "OTH", History: "DdDdDdDdDdDdDdDdDdDdDdDdDdDdDdDdDdDdDdDdDdDdDd",
				Packets: analysis.PerSide[int64]{Client: 1_204_000, Server: 998_765}, Bytes: analysis.PerSide[int64]{Client: 9_876_543_210, Server: 123_456_789},
				Hops:        analysis.PerSide[int]{Client: 1, Server: 12},
				WindowScale: analysis.PerSide[analysis.WScale]{Client: "unknown", Server: "unknown"},
				Retransmits: analysis.PerSide[int64]{Client: 12, Server: 40_001},
				Midstream:   true, CaptureLoss: 4_096, Frame: 9_500,
			},
		},
		Stats: analysis.Stats{
			Packets: 36_224, Bytes: 24_346_680, TCPPackets: 36_000, ICMPErrors: 2, Undecodable: 4, NonIP: 220,
			Fragments: 6, FragmentsReassembled: 4, Connections: 831, FTPSessions: 3, DataConnections: 5,
			ConnsExpired: 12, ConnsEvicted: 7, ConnsEvictedHalfOpen: 4, MaxHalfOpen: 200, MaxConns: 800, SessionsDropped: 1, MaxReported: 3, BreaksDropped: 2,
			// A cap of the tracker and one of the dissector, with their limits.
			StageCounts: analysis.StageCounts{
				SegLogsCut: 2, SegLogDropped: 340, MaxSegLog: 64,
				PendingDropped: 5, MaxPendingCommands: 20,
			},
		},
		Errors: []analysis.InputError{{Path: "captures/server.pcap", Frame: 17_991, Error: "read packet record: unexpected EOF"}},
	}
	return withCounts(r, analysis.CauseCount{Class: "network", Cause: "syn-unanswered", Breaks: 2})
}

// fixtureEmpty is a run over a capture with no FTP in it: every list
// empty (nil), nothing to report.
func fixtureEmpty() *analysis.Result {
	return &analysis.Result{Tool: "ftpcap", Version: "0.3.0", CapturePoint: "unknown"}
}

// Hostile strings, as a malicious server or client could put them on the
// wire.
const (
	hostileANSI     = "\x1b[2J\x1b[1;31mPWNED\x1b[0m\x1b]0;owned\x07"
	hostileFormula  = "=cmd|' /C calc'!A0"
	hostileScript   = "<script>alert(1)</script>"
	hostileInvalid  = "bad\xff\xfe\xc3(utf8"
	hostileBidi     = "invoice\u202egpj.exe"
	hostileC1       = "csi\u009b31mred"
	hostileMarkdown = "[click](http://evil.example) **bold** `code` | pipe \\ back"
)

// fixtureHostile carries capture text that tries to escape from every
// format: terminal escapes, formula injection, HTML, markdown, bidi
// overrides, C1 controls and invalid UTF-8.
func fixtureHostile() *analysis.Result {
	b := fixtureBase
	r := &analysis.Result{
		Tool: "ftpcap", Version: "0.3.0",
		Inputs: []analysis.Input{{
			Path: "evil\x1b[31m.pcap", Format: "pcap", LinkType: "Ethernet",
			Packets: 40, Bytes: 4_000, First: b, Last: at(b, time.Minute),
		}},
		CapturePoint:   "server-side",
		CaptureQuality: analysis.CaptureQuality{Rating: "degraded\x1b[31m", Notes: []string{"note with \x1b]0;title\x07 escape | and <b>html</b>"}},
		Sessions: []analysis.Session{{
			ID: "S1", Client: "198.51.100.66:40666", Server: "203.0.113.20:21",
			User:  "@SUM(1+1)*cmd|' /C calc'!A0",
			Start: at(b, time.Second), End: at(b, 50*time.Second),
			Outcome: analysis.OutcomeBroken, Banner: "220 " + hostileANSI + " ready\r\n",
			Commands: 5, Replies: 5, LastReply: 550,
			Anomalies: map[string]int{"reply_without_space": 1},
			Transfers: []analysis.Transfer{
				{
					Command: "RETR", Path: hostileANSI + hostileScript + ".txt", Direction: dissect.DirectionDownload, Mode: dissect.ModePassive,
					Bytes: 0, Reply: 550, ReplyText: hostileFormula + " " + hostileInvalid, Status: classify.StatusFailed,
					Start: at(b, 10*time.Second), End: at(b, 10*time.Second), Frame: 20,
				},
				{
					Command: "STOR", Path: hostileBidi + "\r\n226 Transfer complete\tfake", Direction: dissect.DirectionUpload, Mode: dissect.ModeActive,
					Bytes: 3, Reply: 553, ReplyText: hostileMarkdown, Status: classify.StatusFailed,
					Start: at(b, 20*time.Second), End: at(b, 20*time.Second), Frame: 30,
				},
				{
					Command: "RETR", Path: "-2+3", Direction: dissect.DirectionDownload, Mode: dissect.ModePassive,
					Bytes: 0, Reply: 550, ReplyText: hostileC1 + " \x7f del", Status: classify.StatusFailed,
					Start: at(b, 30*time.Second), End: at(b, 30*time.Second), Frame: 40,
				},
			},
		}},
		Breaks: []analysis.Verdict{{
			ID: "B1", Session: "S1",
			Connection: analysis.ConnRef{Kind: classify.KindControl, Client: "198.51.100.66:40666", Server: "203.0.113.20:21"},
			Class:      "server-policy", Cause: "permission-denied", Confidence: 0.85,
			Time:    at(b, 10*time.Second),
			Summary: hostileFormula + " the server refused " + hostileScript + " with 550",
			Evidence: []analysis.Evidence{
				{Frame: 21, Time: at(b, 10*time.Second), Text: "550 " + hostileANSI + hostileInvalid},
				{Frame: 31, Time: at(b, 20*time.Second), Text: "553 " + hostileMarkdown + " " + hostileBidi + " " + hostileC1},
			},
			Filter: "ftp.response.code == 550 || ftp.request.arg contains \"`x`\"",
		}, {
			ID: "B2", Session: "S1",
			Connection: analysis.ConnRef{Kind: classify.KindData, Client: "198.51.100.66:40668", Server: "203.0.113.20:30000"},
			Class:      "client", Cause: "client-abort", Confidence: 0.5,
			Time:    at(b, 30*time.Second),
			Summary: "-2+3 @SUM(A1) the client aborted " + hostileBidi,
			Evidence: []analysis.Evidence{
				{Frame: 41, Time: at(b, 30*time.Second), Text: "ABOR", Input: hostileANSI},
			},
			Filter:       "@filter",
			Contributing: []string{"=HYPERLINK(\"http://evil.example\")"},
		}},
		Findings: []analysis.Verdict{{
			ID: "F1", Session: "S1",
			Connection: analysis.ConnRef{Kind: classify.KindControl, Client: "198.51.100.66:40666", Server: "203.0.113.20:21"},
			Class:      "server-policy", Cause: "slow-server-reply", Confidence: 0.6,
			Time:     at(b, 5*time.Second),
			Summary:  "+cmd the reply to USER @SUM(1) came 2.1 s after the command",
			Evidence: []analysis.Evidence{{Frame: 9, Time: at(b, 5*time.Second), Text: "\ttab-led reply"}},
			Filter:   "tcp.stream eq 0",
			Severity: analysis.SeverityInfo,
		}},
		Stats:  analysis.Stats{Packets: 40, Bytes: 4_000, TCPPackets: 40, Connections: 1, FTPSessions: 1},
		Errors: []analysis.InputError{{Path: "evil\x1b[31m.pcap", Frame: 41, Error: "read packet: \x1b]0;title\x07 truncated"}},
	}
	return withCounts(r)
}

type fixture struct {
	name  string
	build func() *analysis.Result
}

var fixtures = []fixture{
	{"clean", fixtureClean},
	{"broken", fixtureBroken},
	{"empty", fixtureEmpty},
	{"hostile", fixtureHostile},
	{"two-points", fixtureTwoPoints},
}
