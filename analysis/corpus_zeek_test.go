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
)

// Zeek conn.log agreement at pipeline level: for the Zeek FTP traces that
// come with a conn.log baseline, every FTP connection ftpcap reports
// (control and data) must carry the baseline's conn_state, history and
// packet counts for the same 4-tuple, and every connection Zeek gave an FTP
// service (ftp, ftp-data, ftp,ssl) must be among ftpcap's connections.
//
// Zeek's orig is the host that sent the first SYN, as is ftpcap's client,
// and Zeek writes history letters relative to its originator (upper case:
// orig, lower case: resp). A connection whose sides the two tools name the
// other way round is a difference of its own, reported with the history
// converted to ftpcap's orientation.

// zeekConnBaselines are the conn.log baselines of the brief: the FTP
// protocol tests and core.tcp.large-file-reassembly. Each is matched to its
// trace through the capture table of SOURCES.md.
const zeekConnBaselineGlob = "zeek/Baseline/scripts.base.protocols.ftp.*/conn.log"
const zeekLargeFileBaseline = "zeek/Baseline/core.tcp.large-file-reassembly/conn.log"

// zeekConn is one conn.log row.
type zeekConn struct {
	orig, resp         netip.AddrPort
	service            string
	connState, history string
	origPkts, respPkts int64
	line               int
}

func TestCorpusZeekConnLog(t *testing.T) {
	root := corpusRoot(t)
	baselines, err := filepath.Glob(filepath.Join(root, zeekConnBaselineGlob))
	if err != nil {
		t.Fatalf("list baselines: %v", err)
	}
	for i, b := range baselines {
		baselines[i], _ = filepath.Rel(root, b)
		baselines[i] = filepath.ToSlash(baselines[i])
	}
	baselines = append(baselines, zeekLargeFileBaseline)
	if len(baselines) < 2 {
		t.Fatalf("no conn.log baseline matches %s", zeekConnBaselineGlob)
	}
	traces := baselineTraces(t, root)
	for _, baseline := range baselines {
		if len(traces[baseline]) != 1 {
			t.Errorf("%s: SOURCES.md names it for %d captures %v, want exactly one", baseline, len(traces[baseline]), traces[baseline])
			continue
		}
		capture := traces[baseline][0]
		t.Run(capture, func(t *testing.T) {
			want := readConnLog(t, filepath.Join(root, baseline))
			res := analyseFile(t, filepath.Join(root, capture), analysis.Options{})
			if len(res.Connections) == 0 {
				t.Fatalf("no FTP connection found")
			}
			matched := map[int]bool{}
			for _, c := range res.Connections {
				z, ok := findZeekConn(want, c)
				if !ok {
					t.Errorf("%s connection %s → %s (frame %d): not in %s", c.Kind, c.Client, c.Server, c.Frame, baseline)
					continue
				}
				matched[z.line] = true
				compareZeekConn(t, c, z)
			}
			t.Logf("%d FTP connections compared with %d conn.log rows", len(res.Connections), len(want))
			for _, z := range want {
				if strings.Contains(z.service, "ftp") && !matched[z.line] {
					t.Errorf("Zeek's %s connection %s → %s (conn.log line %d, %s %s) is not among ftpcap's connections",
						z.service, z.orig, z.resp, z.line, z.connState, z.history)
				}
			}
		})
	}
}

// compareZeekConn compares one connection with its conn.log row.
func compareZeekConn(t *testing.T, c analysis.Connection, z zeekConn) {
	t.Helper()
	name := fmt.Sprintf("%s connection %s → %s (frame %d)", c.Kind, c.Client, c.Server, c.Frame)
	if c.Client != z.orig.String() {
		t.Errorf("%s: Zeek's originator is %s; in ftpcap's orientation Zeek's history reads %s (conn_state %s from the other side)",
			name, z.orig, swapHistoryCase(z.history), z.connState)
		return
	}
	if c.ConnState != z.connState {
		t.Errorf("%s: conn_state %s, Zeek %s", name, c.ConnState, z.connState)
	}
	if c.History != z.history {
		t.Errorf("%s: history %s, Zeek %s", name, c.History, z.history)
	}
	if c.Packets.Client != z.origPkts || c.Packets.Server != z.respPkts {
		t.Errorf("%s: packets %d/%d, Zeek orig_pkts/resp_pkts %d/%d", name, c.Packets.Client, c.Packets.Server, z.origPkts, z.respPkts)
	}
}

func findZeekConn(rows []zeekConn, c analysis.Connection) (zeekConn, bool) {
	for _, z := range rows {
		o, r := z.orig.String(), z.resp.String()
		if (o == c.Client && r == c.Server) || (o == c.Server && r == c.Client) {
			return z, true
		}
	}
	return zeekConn{}, false
}

// swapHistoryCase turns a Zeek history into the other side's view.
func swapHistoryCase(h string) string {
	b := []byte(h)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

// baselineTraces maps each Zeek baseline file named in SOURCES.md's
// capture table to the captures of the rows that name it (some baselines
// cover several traces).
func baselineTraces(t *testing.T, root string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "SOURCES.md"))
	if err != nil {
		t.Fatalf("read SOURCES.md: %v", err)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		first := strings.TrimSpace(cells[1])
		capture, _, ok := strings.Cut(strings.TrimPrefix(first, "`"), "`")
		if !ok || !strings.HasPrefix(first, "`zeek/Traces/") {
			continue
		}
		for _, ref := range strings.Split(line, "`")[1:] {
			if strings.HasPrefix(ref, "zeek/Baseline/") && !slices.Contains(out[ref], capture) {
				out[ref] = append(out[ref], capture)
			}
		}
	}
	return out
}

// readConnLog reads the TCP rows of a Zeek conn.log (ASCII format with a
// #fields header).
func readConnLog(t *testing.T, path string) []zeekConn {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("read conn.log: %v", err)
	}
	defer f.Close()
	var col map[string]int
	var rows []zeekConn
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "#fields\t"); ok {
			col = map[string]int{}
			for i, name := range strings.Split(rest, "\t") {
				col[name] = i
			}
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if col == nil {
			t.Fatalf("read conn.log %s: line %d before the #fields header", path, n)
		}
		fields := strings.Split(line, "\t")
		get := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(fields) {
				t.Fatalf("read conn.log %s: line %d lacks %s", path, n, name)
			}
			return fields[i]
		}
		if get("proto") != "tcp" {
			continue
		}
		z := zeekConn{
			orig:      zeekEndpoint(t, get("id.orig_h"), get("id.orig_p")),
			resp:      zeekEndpoint(t, get("id.resp_h"), get("id.resp_p")),
			service:   get("service"),
			connState: get("conn_state"),
			history:   get("history"),
			origPkts:  zeekCount(t, get("orig_pkts")),
			respPkts:  zeekCount(t, get("resp_pkts")),
			line:      n,
		}
		rows = append(rows, z)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read conn.log %s: %v", path, err)
	}
	if len(rows) == 0 {
		t.Fatalf("read conn.log %s: no TCP connection", path)
	}
	return rows
}

func zeekEndpoint(t *testing.T, host, port string) netip.AddrPort {
	t.Helper()
	a, err := netip.ParseAddr(host)
	if err != nil {
		t.Fatalf("conn.log address %q: %v", host, err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		t.Fatalf("conn.log port %q: %v", port, err)
	}
	return netip.AddrPortFrom(a, uint16(p))
}

func zeekCount(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("conn.log count %q: %v", s, err)
	}
	return n
}
