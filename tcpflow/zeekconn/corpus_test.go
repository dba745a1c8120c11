package zeekconn

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// corpusDir is the public capture corpus (see its SOURCES.md), relative to
// this package's directory.
const corpusDir = "../../../shared/corpus/public"

func corpus(t testing.TB) string {
	t.Helper()
	if !corpusAvailable() {
		t.Skipf("public capture corpus not found at %s (it lives outside the repo)", corpusDir)
	}
	return corpusDir
}

func corpusAvailable() bool {
	_, err := os.Stat(filepath.Join(corpusDir, "SOURCES.md"))
	return err == nil
}

// zeekConnLogPcaps maps each Zeek baseline that holds a conn.log to the
// trace its test reads (from the test's @TEST-EXEC line; SOURCES.md).
var zeekConnLogPcaps = map[string]string{
	"zeek/Baseline/scripts.base.protocols.ftp.ftp-ipv4/conn.log":                  "zeek/Traces/ftp/ipv4.pcap",
	"zeek/Baseline/scripts.base.protocols.ftp.ftp-ipv6/conn.log":                  "zeek/Traces/ftp/ipv6.pcap",
	"zeek/Baseline/scripts.base.protocols.ftp.ftp-auth-tls/conn.log":              "zeek/Traces/ftp/ftp-auth-tls.pcap",
	"zeek/Baseline/scripts.base.protocols.ftp.ftp-invalid-reply-code/conn.log":    "zeek/Traces/ftp/ftp-invalid-reply-code.pcap",
	"zeek/Baseline/scripts.base.protocols.ftp.ftp-password-pass-command/conn.log": "zeek/Traces/ftp/ftp-password-pass-command.pcap",
	"zeek/Baseline/core.tcp.large-file-reassembly/conn.log":                       "zeek/Traces/ftp/bigtransfer.pcap",
	"zeek/Baseline/core.tcp.rxmit-history/conn-1.log":                             "zeek/Traces/tcp/retransmit-fast009.pcap",
}

// knownDeviations lists the conn.log cells where ftpcap knowingly differs
// from Zeek, keyed "baseline|orig_h:orig_p>resp_h:resp_p|column", each with
// the reason ftpcap is right. A deviation that stops occurring fails the
// test too, so the list cannot go stale.
var knownDeviations = map[string]string{}

// TestZeekConnLogs replays every trace behind a Zeek conn.log baseline and
// compares, row by row, the orientation, history, conn_state, sizes,
// missed bytes and packet counts.
func TestZeekConnLogs(t *testing.T) {
	dir := corpus(t)
	logs, err := filepath.Glob(filepath.Join(dir, "zeek/Baseline/*/conn*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no conn.log baselines under %s/zeek/Baseline (err %v)", dir, err)
	}
	seen := map[string]bool{}
	for _, logPath := range logs {
		rel, _ := filepath.Rel(dir, logPath)
		rel = filepath.ToSlash(rel)
		pcap, ok := zeekConnLogPcaps[rel]
		if !ok {
			t.Errorf("%s: no trace mapped to this conn.log; add it to zeekConnLogPcaps", rel)
			continue
		}
		t.Run(filepath.Base(filepath.Dir(rel)), func(t *testing.T) {
			want := readConnLog(t, logPath)
			got := map[string]connRow{}
			for _, c := range replay(t, filepath.Join(dir, pcap)) {
				r := c.row()
				got[r.id()] = r
			}
			for _, w := range want {
				g, ok := got[w.id()]
				if !ok {
					t.Errorf("%s: Zeek logs %s, ftpcap has no connection oriented that way (have %v)", pcap, w.id(), keys(got))
					continue
				}
				delete(got, w.id())
				for _, col := range w.differences(g) {
					key := rel + "|" + w.id() + "|" + col.name
					seen[key] = true
					if reason, ok := knownDeviations[key]; ok {
						t.Logf("%s %s %s: Zeek %q, ftpcap %q (known: %s)", pcap, w.id(), col.name, col.want, col.got, reason)
						continue
					}
					t.Errorf("%s %s %s: Zeek %q, ftpcap %q", pcap, w.id(), col.name, col.want, col.got)
				}
			}
			for id := range got {
				t.Errorf("%s: ftpcap has connection %s that Zeek does not log", pcap, id)
			}
		})
	}
	for key := range knownDeviations {
		if !seen[key] {
			t.Errorf("known deviation %q no longer occurs: remove it", key)
		}
	}
}

// TestZeekRSTBehavior checks Zeek's conn_state-RST-behavior baseline: one
// "history, conn_state" line per trace, in the order of the test script.
func TestZeekRSTBehavior(t *testing.T) {
	dir := corpus(t)
	lines := baselineLines(t, filepath.Join(dir, "zeek/Baseline/scripts.base.protocols.conn.conn_state-RST-behavior/out"))
	traces := []string{"single-rst", "syn-then-rst", "syn-then-ack-then-rst", "syn-then-stuff-then-rst"}
	if len(lines) != len(traces) {
		t.Fatalf("baseline has %d lines, want one per trace (%d)", len(lines), len(traces))
	}
	for i, name := range traces {
		conns := replay(t, filepath.Join(dir, "zeek/Traces/tcp", name+".pcap"))
		if len(conns) != 1 {
			t.Fatalf("%s: %d connections, want 1", name, len(conns))
		}
		got := conns[0].st.History() + ", " + conns[0].st.ConnState()
		if got != lines[i] {
			t.Errorf("%s: Zeek %q, ftpcap %q", name, lines[i], got)
		}
	}
}

// TestZeekRSTAfterSYN checks core.tcp.rst-after-syn: a RST injected before
// the SYN-ACK must not set the responder's sequence numbers. The baseline
// prints the conn id and both endpoint records.
func TestZeekRSTAfterSYN(t *testing.T) {
	dir := corpus(t)
	out := strings.Join(baselineLines(t, filepath.Join(dir, "zeek/Baseline/core.tcp.rst-after-syn/.stdout")), "\n")
	idRe := regexp.MustCompile(`orig_h=([^,]+), orig_p=(\d+)/tcp, resp_h=([^,]+), resp_p=(\d+)/tcp`)
	epRe := regexp.MustCompile(`(?m)^(orig|resp):, \[size=(\d+), state=(\d+), num_pkts=(\d+), num_bytes_ip=(\d+)`)
	id := idRe.FindStringSubmatch(out)
	eps := epRe.FindAllStringSubmatch(out, -1)
	if id == nil || len(eps) != 2 {
		t.Fatalf("cannot parse the baseline:\n%s", out)
	}
	conns := replay(t, filepath.Join(dir, "zeek/Traces/tcp/rst-inject-rae.pcap"))
	if len(conns) != 1 {
		t.Fatalf("%d connections, want 1", len(conns))
	}
	c := conns[0]
	r := c.row()
	if want := id[1] + ":" + id[2] + ">" + id[3] + ":" + id[4]; r.id() != want {
		t.Errorf("orientation: Zeek %s, ftpcap %s", want, r.id())
	}
	for _, m := range eps {
		ep := c.st.Orig()
		if m[1] == "resp" {
			ep = c.st.Resp()
		}
		got := fmt.Sprintf("size=%d, state=%d, num_pkts=%d, num_bytes_ip=%d", ep.Size, ep.State, ep.Packets, ep.IPBytes)
		want := fmt.Sprintf("size=%s, state=%s, num_pkts=%s, num_bytes_ip=%s", m[2], m[3], m[4], m[5])
		if got != want {
			t.Errorf("%s: Zeek [%s], ftpcap [%s]", m[1], want, got)
		}
	}
}

// TestCorpusOutputsValid replays every capture in the corpus and checks
// that every connection gets a well-formed history and conn_state.
func TestCorpusOutputsValid(t *testing.T) {
	dir := corpus(t)
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".pcap" || ext == ".pcapng") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("walk %s: %d captures, err %v", dir, len(files), err)
	}
	for _, f := range files {
		for _, c := range replay(t, f) {
			if msg := invalid(&c.st); msg != "" {
				t.Errorf("%s %s: %s", f, c.row().id(), msg)
			}
		}
	}
}

func (c *replayed) row() connRow {
	orig, resp := c.client, c.server
	if !c.st.OrigIsClient() {
		orig, resp = resp, orig
	}
	o, r := c.st.Orig(), c.st.Resp()
	return connRow{
		origH: orig.Addr().String(), origP: strconv.Itoa(int(orig.Port())),
		respH: resp.Addr().String(), respP: strconv.Itoa(int(resp.Port())),
		cols: map[string]string{
			"history":       c.st.History(),
			"conn_state":    c.st.ConnState(),
			"orig_bytes":    strconv.FormatUint(o.Size, 10),
			"resp_bytes":    strconv.FormatUint(r.Size, 10),
			"missed_bytes":  strconv.FormatUint(c.st.MissedBytes(), 10),
			"orig_pkts":     strconv.FormatUint(o.Packets, 10),
			"orig_ip_bytes": strconv.FormatUint(o.IPBytes, 10),
			"resp_pkts":     strconv.FormatUint(r.Packets, 10),
			"resp_ip_bytes": strconv.FormatUint(r.IPBytes, 10),
		},
	}
}

// connRow is one conn.log row: its id and the compared columns.
type connRow struct {
	origH, origP, respH, respP string
	cols                       map[string]string
}

func (r connRow) id() string {
	return netip.AddrPortFrom(netip.MustParseAddr(r.origH), mustPort(r.origP)).String() + ">" +
		netip.AddrPortFrom(netip.MustParseAddr(r.respH), mustPort(r.respP)).String()
}

func mustPort(s string) uint16 {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		panic(err)
	}
	return uint16(n)
}

type cellDiff struct{ name, want, got string }

// differences lists the columns where got differs from Zeek's row r.
// Zeek leaves sizes unset ("-") for a connection of zero duration.
func (r connRow) differences(got connRow) []cellDiff {
	var d []cellDiff
	names := make([]string, 0, len(r.cols))
	for n := range r.cols {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w := r.cols[n]
		if w == "-" {
			continue
		}
		if g := got.cols[n]; g != w {
			d = append(d, cellDiff{n, w, g})
		}
	}
	return d
}

var comparedColumns = []string{"history", "conn_state", "orig_bytes", "resp_bytes", "missed_bytes",
	"orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes"}

// readConnLog parses a Zeek TSV conn.log by its #fields header.
func readConnLog(t *testing.T, path string) []connRow {
	t.Helper()
	var fields []string
	var rows []connRow
	for _, line := range baselineLines(t, path) {
		if strings.HasPrefix(line, "#fields\t") {
			fields = strings.Split(line, "\t")[1:]
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		vals := strings.Split(line, "\t")
		if len(vals) != len(fields) {
			t.Fatalf("%s: row has %d columns, header %d", path, len(vals), len(fields))
		}
		rec := map[string]string{}
		for i, f := range fields {
			rec[f] = vals[i]
		}
		if rec["proto"] != "tcp" {
			continue
		}
		r := connRow{origH: rec["id.orig_h"], origP: rec["id.orig_p"], respH: rec["id.resp_h"], respP: rec["id.resp_p"], cols: map[string]string{}}
		for _, c := range comparedColumns {
			v, ok := rec[c]
			if !ok {
				t.Fatalf("%s: no column %s", path, c)
			}
			r.cols[c] = v
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no TCP rows", path)
	}
	return rows
}

// baselineLines returns a btest baseline's lines without its "###" header.
func baselineLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "###") {
			continue
		}
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return lines
}

func keys(m map[string]connRow) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
