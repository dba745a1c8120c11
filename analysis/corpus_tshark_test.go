package analysis_test

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// The differential test against Wireshark's FTP dissector.
//
// The oracle is F.tshark-ftp.tsv (with F.tshark-ftp6.tsv for IPv6, whose
// address columns are the ones filled for IPv6 packets), the output of
//
//	tshark -r F -Y ftp -T fields -E header=y -e frame.number -e ip.src
//	  -e tcp.srcport -e ip.dst -e tcp.dstport -e ftp.request.command
//	  -e ftp.request.arg -e ftp.response.code
//
// tshark 4.0's FTP dissector (epan/dissectors/packet-ftp.c, dissect_ftp)
// reads each TCP segment on port 21 on its own, without reassembly, and
// parses only the first line of the segment's payload:
//   - a segment to port 21 is a request: the first token of that line is
//     ftp.request.command, verbatim (case kept), and the rest after the
//     blanks that follow it is ftp.request.arg;
//   - a segment from port 21 is a response: when the line starts with
//     three ASCII digits they are ftp.response.code, otherwise the line is
//     taken as a continuation line and no code is shown.
//
// Later lines in the same segment are shown as text only, so no field ever
// gets several values here (the commas in the TSVs are PORT arguments).
// With its default preferences (TCP sequence analysis on) tshark does not
// hand a segment it flags as a retransmission to the FTP dissector: the
// repeated PORT of suricata-verify bug-3519 (frames 19–22) and the
// duplicated server segments of nDPI ftp-start-tls have no rows, just as
// ftpcap reads each stream byte once.
//
// ftpcap reads the reassembled byte stream. Its view is brought to the same
// shape by taking, for each frame, the first line that ftpcap saw start in
// that frame: a command (Command.At), a reply line (Reply.LineStarts, whose
// Code is the code that very line starts with, 0 for continuation text), or
// a line that was no reply or command at all, which the dissector records
// only as an anomaly (empty_line, non_numeric_reply_code). The two views
// then agree exactly wherever each segment starts a line; where they cannot
// (a segment starting in the middle of a line, a line tshark sees but
// ftpcap drops after a gap) the frame is listed in tsharkKnownDiffs with the
// reason ftpcap is right.

// ftpRow is what tshark shows for one FTP packet.
type ftpRow struct {
	Src  string // sender as addr:port
	Cmd  string // ftp.request.command
	Arg  string // ftp.request.arg
	Code string // ftp.response.code
}

func (r ftpRow) String() string {
	return fmt.Sprintf("%s command=%q arg=%q code=%q", r.Src, r.Cmd, r.Arg, r.Code)
}

// absent stands for "no row for this frame" in a difference.
const absent = "absent"

// tsharkDiff is one frame where the two views differ.
type tsharkDiff struct {
	capture string // path relative to the corpus root
	frame   int64
	tshark  string // tshark's row (ftpRow.String) or absent
	ftpcap  string // ftpcap's row or absent
	why     string // why ftpcap is right
}

// tsharkKnownDiffs lists every difference the comparison finds, each with
// the reason ftpcap's reading is the right one. The test fails on any
// difference not listed here and on any listed one that no longer occurs.
var tsharkKnownDiffs = []tsharkDiff{
	{
		"zeek/Traces/ftp/ipv4.pcap", 14,
		`199.233.217.249:21 command="" arg="" code=""`, `199.233.217.249:21 command="" arg="" code="230"`,
		"segment starts mid-line: frame 12 (seq 117, 1448 bytes) ends inside the banner line " +
			"\"We log all FTP transfers and comma\", frame 14 (seq 1565) begins with its tail \"nds.\", " +
			"which tshark reads as a line of its own with no code; ftpcap reassembles that line into frame 12 " +
			"and the first line that begins in frame 14 is \"230-\" (then the 230 reply's last line \"230 Guest login ok\")",
	},
}

func TestCorpusTsharkFTP(t *testing.T) {
	root := corpusRoot(t)
	known := map[string]tsharkDiff{}
	for _, d := range tsharkKnownDiffs {
		known[diffKey(d.capture, d.frame)] = d
	}
	seen := map[string]bool{}
	compared := 0
	for _, capture := range corpusCaptures(t, root) {
		oracles := tsharkOracles(root, capture)
		if len(oracles) == 0 {
			continue
		}
		compared++
		t.Run(capture, func(t *testing.T) {
			want := readTsharkOracles(t, oracles)
			got := ftpcapRows(t, filepath.Join(root, capture))
			agree := 0
			defer func() { t.Logf("%d of %d tshark rows agree", agree, len(want)) }()
			for _, frame := range unionFrames(want, got) {
				w, okW := want[frame]
				g, okG := got[frame]
				if okW && okG && w == g {
					agree++
					continue
				}
				d := tsharkDiff{capture: capture, frame: frame, tshark: absent, ftpcap: absent}
				if okW {
					d.tshark = w.String()
				}
				if okG {
					d.ftpcap = g.String()
				}
				key := diffKey(capture, frame)
				k, listed := known[key]
				switch {
				case !listed:
					t.Errorf("frame %d: tshark %s, ftpcap %s: not a known difference", frame, d.tshark, d.ftpcap)
				case k.tshark != d.tshark || k.ftpcap != d.ftpcap:
					t.Errorf("frame %d: tshark %s, ftpcap %s; the known difference (%s) says tshark %s, ftpcap %s",
						frame, d.tshark, d.ftpcap, k.why, k.tshark, k.ftpcap)
				}
				seen[key] = true
			}
		})
	}
	if compared == 0 {
		t.Fatalf("no capture under %s has a tshark FTP oracle", root)
	}
	for _, d := range tsharkKnownDiffs {
		if !seen[diffKey(d.capture, d.frame)] {
			t.Errorf("%s frame %d: the listed difference (tshark %s, ftpcap %s) no longer occurs: remove it from tsharkKnownDiffs",
				d.capture, d.frame, d.tshark, d.ftpcap)
		}
	}
}

func diffKey(capture string, frame int64) string { return capture + "#" + strconv.FormatInt(frame, 10) }

// tsharkOracles returns the TSVs made for a capture: F.tshark-ftp.tsv
// (ip.src filled for IPv4 packets) and, for captures with IPv6 FTP,
// F.tshark-ftp6.tsv (ipv6.src filled for IPv6 packets). Both list the same
// frames.
func tsharkOracles(root, capture string) []string {
	var out []string
	for _, suffix := range []string{".tshark-ftp.tsv", ".tshark-ftp6.tsv"} {
		p := filepath.Join(root, capture+suffix)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// readTsharkOracles reads a capture's TSVs into one row per frame, taking
// each frame's sender address from the TSV whose address column is filled
// for it.
func readTsharkOracles(t *testing.T, paths []string) map[int64]ftpRow {
	t.Helper()
	var rows map[int64]ftpRow
	for _, p := range paths {
		next := readTsharkTSV(t, p)
		if rows == nil {
			rows = next
			continue
		}
		if len(next) != len(rows) {
			t.Fatalf("read oracles: %s has %d rows, %s %d", paths[0], len(rows), p, len(next))
		}
		for frame, r := range next {
			prev, ok := rows[frame]
			if !ok {
				t.Fatalf("read oracles: frame %d is in %s only", frame, p)
			}
			if r.Src != "" {
				rows[frame] = r
			} else if prev.Src == "" {
				t.Fatalf("read oracles: frame %d has no source address in any TSV", frame)
			}
		}
	}
	for frame, r := range rows {
		if r.Src == "" {
			t.Fatalf("read oracles %v: frame %d has no source address", paths, frame)
		}
	}
	return rows
}

// readTsharkTSV reads an oracle into one row per frame.
func readTsharkTSV(t *testing.T, path string) map[int64]ftpRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("read oracle: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	rows := map[int64]ftpRow{}
	var col map[string]int
	for n := 1; sc.Scan(); n++ {
		fields := strings.Split(sc.Text(), "\t")
		if col == nil {
			col = map[string]int{}
			for i, name := range fields {
				col[strings.Replace(name, "ipv6.", "ip.", 1)] = i
			}
			for _, name := range []string{"frame.number", "ip.src", "tcp.srcport", "ftp.request.command", "ftp.request.arg", "ftp.response.code"} {
				if _, ok := col[name]; !ok {
					t.Fatalf("read oracle %s: header lacks column %s", path, name)
				}
			}
			continue
		}
		if len(fields) != len(col) {
			t.Fatalf("read oracle %s: line %d has %d fields, the header %d", path, n, len(fields), len(col))
		}
		frame, err := strconv.ParseInt(fields[col["frame.number"]], 10, 64)
		if err != nil {
			t.Fatalf("read oracle %s: line %d: frame number: %v", path, n, err)
		}
		src, err := tsvEndpoint(fields[col["ip.src"]], fields[col["tcp.srcport"]])
		if err != nil {
			t.Fatalf("read oracle %s: line %d: %v", path, n, err)
		}
		if _, dup := rows[frame]; dup {
			t.Fatalf("read oracle %s: line %d: frame %d appears twice", path, n, frame)
		}
		rows[frame] = ftpRow{
			Src:  src,
			Cmd:  fields[col["ftp.request.command"]],
			Arg:  fields[col["ftp.request.arg"]],
			Code: fields[col["ftp.response.code"]],
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read oracle %s: %v", path, err)
	}
	return rows
}

// tsvEndpoint renders a sender as addr:port, "" when the address column is
// empty (an IPv6 packet in the IPv4 TSV, or the other way round).
func tsvEndpoint(addr, port string) (string, error) {
	if addr == "" {
		return "", nil
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "", fmt.Errorf("source address %q: %w", addr, err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return "", fmt.Errorf("source port %q: %w", port, err)
	}
	return netip.AddrPortFrom(a, uint16(p)).String(), nil
}

// lineEvent is one line ftpcap saw start in a frame.
type lineEvent struct {
	at  tcpflow.Ref
	row ftpRow
	// fromAnomaly: a line known only from its anomaly. Anomalies and the
	// log are each in stream order, but not ordered against each other.
	fromAnomaly bool
}

// ftpcapRows runs the pipeline and returns, for each frame on a control
// connection, the row tshark would show for it if it read ftpcap's lines:
// the first line that starts in that frame.
func ftpcapRows(t *testing.T, path string) map[int64]ftpRow {
	t.Helper()
	var events []lineEvent
	collect := func(s *dissect.Session) {
		client, server := s.Control.Client.String(), s.Control.Server.String()
		for _, ex := range s.Log {
			if ex.Cmd != nil {
				events = append(events, lineEvent{ex.Cmd.At, ftpRow{Src: client, Cmd: ex.Cmd.Verb, Arg: ex.Cmd.Arg}, false})
			}
			for _, r := range ex.Replies {
				if len(r.LineStarts) < r.Lines {
					t.Errorf("session %d: reply at frame %d has %d lines but only %d line starts kept", s.ID, r.At.Frame, r.Lines, len(r.LineStarts))
				}
				for _, ls := range r.LineStarts {
					events = append(events, lineEvent{ls.At, ftpRow{Src: server, Code: codeString(ls.Code)}, false})
				}
			}
		}
		// Lines the dissector read but did not take as a command or a
		// reply line: tshark still shows them (no code, no command).
		for _, a := range s.Anomalies {
			switch a.Key {
			case dissect.AnomalyEmptyLine, dissect.AnomalyNonNumericReplyCode:
				src := client
				if a.From == tcpflow.FromServer {
					src = server
				}
				events = append(events, lineEvent{a.At, ftpRow{Src: src}, true})
			}
		}
		if s.AnomaliesDropped > 0 || s.LogDropped > 0 {
			t.Errorf("session %d: caps hit (anomalies dropped %d, log dropped %d): the comparison would be incomplete", s.ID, s.AnomaliesDropped, s.LogDropped)
		}
	}
	analyseFile(t, path, analysis.Options{ShowPasswords: true, OnSession: collect})
	rows := map[int64]ftpRow{}
	first := map[int64]lineEvent{}
	for _, e := range events {
		if e.at.Input != 0 {
			t.Fatalf("line at input %d frame %d from a single-file run", e.at.Input, e.at.Frame)
		}
		f, ok := first[e.at.Frame]
		if !ok {
			first[e.at.Frame] = e
			rows[e.at.Frame] = e.row
			continue
		}
		if f.fromAnomaly != e.fromAnomaly {
			// Which of the two lines came first is not recorded: the
			// comparison for this frame would be a guess.
			t.Errorf("frame %d: a command or reply line and a line known only as an anomaly both start here; cannot tell which tshark shows", e.at.Frame)
		}
	}
	return rows
}

func codeString(code int) string {
	if code == 0 {
		return ""
	}
	return strconv.Itoa(code)
}

func unionFrames(a, b map[int64]ftpRow) []int64 {
	var out []int64
	for f := range a {
		out = append(out, f)
	}
	for f := range b {
		if _, ok := a[f]; !ok {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}
