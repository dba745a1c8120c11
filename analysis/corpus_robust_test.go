package analysis_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
)

// Robustness on the public corpus: every capture, FTP or not, goes through
// the whole pipeline, and what can be checked without trusting ftpcap's
// own output is checked against the oracles made with capinfos and tshark
// (F.summary.txt) or against what the packets themselves show.

// connCountDiffs lists the captures whose TCP connection count differs from
// tshark's tcp.stream count (the summary's tcp_conns), with ftpcap's count
// and why ftpcap's is right. The test fails when a listed capture's count
// changes or comes to agree with tshark's.
var connCountDiffs = map[string]struct {
	ftpcap int64
	why    string
}{
	"suricata-verify/tests/filestore-5408/input.pcap": {7,
		"tshark's 9 counts the distinct raw tcp.stream field values, and two sFlow datagrams (frames 87 and 116, UDP) " +
			"carry sampled packet headers that tshark dissects as TCP, giving the values \"5,6,3,7,8\" and \"11,12,13,13,10,13\"; " +
			"those are headers a switch sampled elsewhere, not connections on this link. " +
			"tshark -z conv,tcp lists the same 7 conversations ftpcap tracks (port 80 from 172.16.133.54:64540, 64541, 64670, 64694, 64695, 64736, 64737)"},
}

func TestCorpusRobust(t *testing.T) {
	root := corpusRoot(t)
	for _, capture := range corpusCaptures(t, root) {
		t.Run(capture, func(t *testing.T) {
			sum := readSummary(t, root, capture)
			byBanner := 0
			res := analyseFile(t, filepath.Join(root, capture), analysis.Options{
				OnSession: func(s *dissect.Session) {
					if s.ByBanner {
						byBanner++
					}
				},
			})
			checkInput(t, res, sum)
			checkFramesInRange(t, res, map[string]int64{filepath.Join(root, capture): res.Inputs[0].Packets})

			want := sum.int(t, "tcp_conns")
			if d, listed := connCountDiffs[capture]; listed {
				switch {
				case res.Stats.Connections == want:
					t.Errorf("TCP connections: %d, as tshark counts; the listed difference (%d) no longer occurs: remove it from connCountDiffs", want, d.ftpcap)
				case res.Stats.Connections != d.ftpcap:
					t.Errorf("TCP connections: %d; the listed difference says %d (tshark %d)", res.Stats.Connections, d.ftpcap, want)
				}
			} else if res.Stats.Connections != want {
				t.Errorf("TCP connections: %d, tshark's tcp.stream count %d", res.Stats.Connections, want)
			}
			if got, want := res.Stats.Fragments, sum.int(t, "ip_fragments"); got != want {
				t.Errorf("IP fragments: %d, tshark %d", got, want)
			}
			if int64(len(res.Connections)) > res.Stats.Connections {
				t.Errorf("%d FTP connections out of %d TCP connections", len(res.Connections), res.Stats.Connections)
			}
			if got := res.Stats.FTPSessions; got != int64(len(res.Sessions)) {
				t.Errorf("stats count %d FTP sessions, the result lists %d", got, len(res.Sessions))
			}

			// tshark saw no FTP command on port 21: any session ftpcap
			// finds must be FTP on another port, recognised by its 220.
			if sum["ftp_commands"] == "[]" && len(res.Sessions) > byBanner {
				t.Errorf("tshark saw no FTP command, ftpcap found %d sessions (%d of them on other ports by their banner)", len(res.Sessions), byBanner)
			}
			// tshark saw FTP commands on port 21: ftpcap must have a
			// session there with commands in it.
			if sum["ftp_commands"] != "[]" {
				n := 0
				for _, s := range res.Sessions {
					n += s.Commands
				}
				if n == 0 {
					t.Errorf("tshark saw FTP commands %s, ftpcap found %d sessions and no command", sum["ftp_commands"], len(res.Sessions))
				}
			}
		})
	}
}

// checkInput compares what ftpcap says about the file with capinfos.
func checkInput(t *testing.T, res *analysis.Result, sum corpusSummary) {
	t.Helper()
	if len(res.Inputs) != 1 {
		t.Fatalf("%d inputs for one file", len(res.Inputs))
	}
	in := res.Inputs[0]
	if want := sum.int(t, "packets"); in.Packets != want || res.Stats.Packets != want {
		t.Errorf("packets: input %d, stats %d, capinfos %d", in.Packets, res.Stats.Packets, want)
	}
	if in.Format != sum["format"] {
		t.Errorf("format %q, capinfos %q", in.Format, sum["format"])
	}
	if sum["linktype"] == "ether" && in.LinkType != "Ethernet" {
		t.Errorf("link type %q, capinfos %q", in.LinkType, sum["linktype"])
	}
}

// checkFramesInRange checks that every frame the result names exists in
// its input: sessions, connections, transfers and evidence. packets maps
// each input path to its packet count.
func checkFramesInRange(t *testing.T, res *analysis.Result, packets map[string]int64) {
	t.Helper()
	inputPackets := func(i int) int64 {
		if i < 0 || i >= len(res.Inputs) {
			t.Errorf("input index %d out of %d inputs", i, len(res.Inputs))
			return 0
		}
		return packets[res.Inputs[i].Path]
	}
	check := func(what string, frame, n int64) {
		if frame < 1 || frame > n {
			t.Errorf("%s names frame %d; its input has %d packets", what, frame, n)
		}
	}
	for _, s := range res.Sessions {
		check("session "+s.ID, s.Frame, inputPackets(s.Input))
		for _, tr := range s.Transfers {
			check("session "+s.ID+" transfer "+tr.Command, tr.Frame, inputPackets(tr.Input))
		}
	}
	for _, c := range res.Connections {
		check("connection "+c.Client+" "+c.Server, c.Frame, inputPackets(c.Input))
	}
	for _, list := range [][]analysis.Verdict{res.Breaks, res.Findings} {
		for _, v := range list {
			for _, e := range v.Evidence {
				n := inputPackets(0)
				if len(res.Inputs) > 1 {
					n = packets[e.Input]
				}
				check(v.ID+" "+v.Cause+" evidence", e.Frame, n)
			}
		}
	}
}

// corpusCleanCaptures are FTP captures whose packets show sessions that
// ended the way a healthy session ends (causes.md: QUIT → 221 → FIN both
// ways, every transfer complete) or that the capture merely stopped
// watching; ftpcap must report no break for them.
var corpusCleanCaptures = []struct{ capture, why string }{
	{"zeek/Traces/ftp/ipv4.pcap",
		"anonymous login (230, frame 14), LIST and RETR over PASV and over PORT each answered 150 then 226, " +
			"QUIT (frame 90) answered 221 (frames 91–93, the server's FIN with the last line), client FIN frame 94; " +
			"all four data connections end FIN both ways (Zeek conn.log: SF for all five)"},
	{"zeek/Traces/ftp/ipv6.pcap",
		"the same NetBSD server over IPv6: LIST, NLST, 2×RETR over EPSV and EPRT each answered 150 then 226, " +
			"QUIT (frame 130) answered 221 (frames 131–132, server FIN), client FIN frame 135; Zeek conn.log: SF for all six"},
	{"arkime/pcap/ftp.pcap",
		"ten frames: handshake, 220, USER → 331, PASS → 230 (frame 10), and the capture ends. No command waits for " +
			"a reply, nobody sent FIN or RST and no reply is an error: the capture stopped watching a live session, " +
			"which is not a break"},
	{"zeek/Traces/ftp/bigtransfer.pcap",
		"LIST and RETR rand.txt each answered 150 then 226 (frames 34 and 73), QUIT → 221 (frames 78–79), " +
			"FIN both ways on all three connections (Zeek conn.log: SF). The RETR data connection's sequence numbers " +
			"wrap twice and end exactly at the 5416666670 bytes SIZE announced (frame 40); the capture holds only 25 of " +
			"its packets (Zeek missed_bytes 5416642848), which is capture loss, not a break"},
}

func TestCorpusCleanSessions(t *testing.T) {
	root := corpusRoot(t)
	for _, c := range corpusCleanCaptures {
		t.Run(c.capture, func(t *testing.T) {
			res := analyseFile(t, filepath.Join(root, c.capture), analysis.Options{})
			if len(res.Sessions) == 0 {
				t.Fatalf("no FTP session found")
			}
			for _, b := range res.Breaks {
				t.Errorf("break %s on the %s connection %s → %s: %s (%s); expected none: %s",
					b.ID, b.Connection.Kind, b.Connection.Client, b.Connection.Server, b.Cause, b.Summary, c.why)
			}
			for _, s := range res.Sessions {
				if s.Outcome != analysis.OutcomeOK {
					t.Errorf("session %s outcome %q, expected ok", s.ID, s.Outcome)
				}
			}
		})
	}
}

// The RETR of bigtransfer.pcap moves 5416666670 bytes: more than 2^32, so
// the data connection's sequence numbers wrap twice (between frames 53 and
// 56, and 66 and 68). Each captured server segment (frames 51–69) is less
// than 2^31 ahead of the one before, so the sequence numbers can be
// unwrapped and the size counted exactly, as Zeek does (conn.log
// resp_bytes 5416666670, from ISN 3914442133 to the FIN at 741174212 after
// two wraps).
func TestCorpusBigTransferSize(t *testing.T) {
	root := corpusRoot(t)
	res := analyseFile(t, filepath.Join(root, "zeek/Traces/ftp/bigtransfer.pcap"), analysis.Options{})
	const size = 5416666670
	found := false
	for _, s := range res.Sessions {
		for _, tr := range s.Transfers {
			if tr.Command != "RETR" || tr.Path != "rand.txt" {
				continue
			}
			found = true
			if tr.ExpectedBytes == nil || *tr.ExpectedBytes != size {
				t.Errorf("RETR rand.txt expected bytes %v, SIZE announced %d (frame 40)", tr.ExpectedBytes, size)
			}
			if tr.Bytes != size {
				t.Errorf("RETR rand.txt carried %d bytes, want %d (%d mod 2^32: the sequence-number wraps are not counted)",
					tr.Bytes, int64(size), int64(size)%(1<<32))
			}
			if tr.Status != classify.StatusComplete || tr.Reply != 226 {
				t.Errorf("RETR rand.txt status %q reply %d, want complete 226 (frame 73)", tr.Status, tr.Reply)
			}
		}
	}
	if !found {
		t.Fatalf("no RETR rand.txt transfer found")
	}
}

// bruteforce.pcap: 30 control connections from 192.168.56.1, each USER,
// PASS answered 530 "Login incorrect." then QUIT → 221. Every session's
// login was refused by the server, which is what login-failures names
// (Zeek's notice.log baseline raises FTP::Bruteforcing on it); the client's
// polite QUIT afterwards does not make the session healthy.
func TestCorpusBruteforce(t *testing.T) {
	root := corpusRoot(t)
	res := analyseFile(t, filepath.Join(root, "zeek/Traces/ftp/bruteforce.pcap"), analysis.Options{})
	if len(res.Sessions) != 30 {
		t.Fatalf("%d sessions, want 30", len(res.Sessions))
	}
	causes := map[string][]string{}
	for _, b := range res.Breaks {
		causes[b.Session] = append(causes[b.Session], b.Cause)
	}
	var wrong []string
	for _, s := range res.Sessions {
		got := causes[s.ID]
		if len(got) != 1 || got[0] != "login-failures" {
			wrong = append(wrong, fmt.Sprintf("%s (%s, frame %d): %v", s.ID, s.Client, s.Frame, got))
		}
	}
	if len(wrong) > 0 {
		t.Errorf("%d of 30 sessions lack exactly one login-failures break:\n\t%s", len(wrong), strings.Join(wrong, "\n\t"))
	}
}

// All corpus captures at once: one multi-file input, merged by capture
// time. The files overlap (bug-3519 is the control connection of
// output-eve-ftp-data), so counts do not add up; what must hold is that
// every file is read to its end and every frame named exists.
func TestCorpusAllFilesTogether(t *testing.T) {
	root := corpusRoot(t)
	captures := corpusCaptures(t, root)
	paths := make([]string, len(captures))
	packets := map[string]int64{}
	var total int64
	for i, c := range captures {
		paths[i] = filepath.Join(root, c)
		packets[paths[i]] = readSummary(t, root, c).int(t, "packets")
		total += packets[paths[i]]
	}
	var res *analysis.Result
	var err error
	func() {
		defer recoverAsFailure(t, "all corpus files")
		res, err = analysis.Files(context.Background(), paths, analysis.Options{})
	}()
	if err != nil {
		t.Fatalf("analyse %d files: %v", len(paths), err)
	}
	for _, e := range res.Errors {
		t.Errorf("input error %s frame %d: %s", e.Path, e.Frame, e.Error)
	}
	if len(res.Inputs) != len(paths) {
		t.Fatalf("%d inputs, want %d", len(res.Inputs), len(paths))
	}
	for i, in := range res.Inputs {
		if in.Path != paths[i] {
			t.Errorf("input %d is %s, want %s", i, in.Path, paths[i])
		}
		if in.Packets != packets[paths[i]] {
			t.Errorf("%s: %d packets read, capinfos %d", in.Path, in.Packets, packets[paths[i]])
		}
	}
	if res.Stats.Packets != total {
		t.Errorf("%d packets read in all, capinfos %d", res.Stats.Packets, total)
	}
	if len(res.Sessions) == 0 {
		t.Errorf("no FTP session in the whole corpus")
	}
	checkFramesInRange(t, res, packets)
	for _, list := range [][]analysis.Verdict{res.Breaks, res.Findings} {
		for _, v := range list {
			for _, e := range v.Evidence {
				if !strings.HasPrefix(e.Input, root) {
					t.Errorf("%s evidence frame %d names input %q, want one of the corpus files", v.ID, e.Frame, e.Input)
				}
			}
		}
	}
}
