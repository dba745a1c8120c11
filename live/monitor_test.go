package live

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/source"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// liveRun runs a sample through the recorder and the monitor as `ftpcap
// live` wires them, with the drops given.
type liveRun struct {
	out      bytes.Buffer
	metrics  *Metrics
	monitor  *Monitor
	recorder *Recorder
	capture  *fakeCapture
	progress analysis.Progress
	res      *analysis.Result
}

func runSample(t *testing.T, name string, ndjson bool, dropsAt map[int]int64) *liveRun {
	t.Helper()
	r := &liveRun{capture: readSample(t, name)}
	r.capture.dropsAt = dropsAt
	opts := evidenceOptions(filepath.Join(t.TempDir(), "ev.pcapng"), Rotation{})
	opts.LinkType = r.capture.lt
	rec, err := NewRecorder(r.capture, opts)
	if err != nil {
		t.Fatal(err)
	}
	r.recorder = rec
	stats := func() source.LiveStats { return r.capture.stats }
	r.metrics = NewMetrics(MetricsSources{Capture: stats, Progress: &r.progress, Evidence: rec.Stats})
	alerts, _ := NewAlerts(AlertOptions{Window: time.Hour, MaxBreaks: 0, DominantShare: 0.5, MinSample: 1})
	r.monitor = NewMonitor(MonitorOptions{
		Printer: NewPrinter(&r.out, PrinterOptions{NDJSON: ndjson, FileOf: rec.FileOf}),
		Metrics: r.metrics, Alerts: alerts, Capture: stats,
		OnError: func(err error) { t.Errorf("live line: %v", err) },
	})
	res, err := analysis.Run(context.Background(), r.monitor.Watch(rec), rec.Inputs, analysis.Options{
		OnBreak: r.monitor.Break, OnSession: r.monitor.Session, Progress: &r.progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	rec.Close()
	r.res = res
	return r
}

// A break is printed as a line naming its evidence file, after a notice
// of the drops so far; the metrics count it and the session's transfer;
// the alert fires and is printed and counted.
func TestMonitorLinesAndMetrics(t *testing.T) {
	r := runSample(t, "transfer-aborted.pcap", false, map[int]int64{3: 2})
	if len(r.res.Breaks) != 1 {
		t.Fatalf("%d breaks, want the sample's one", len(r.res.Breaks))
	}
	b := r.res.Breaks[0]
	lines := strings.Split(strings.TrimSuffix(r.out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("live lines:\n%s\nwant a drop notice, the break and an alert", r.out.String())
	}
	if !strings.Contains(lines[0], "CAPTURE DROPPED 2 packets so far (kernel 2, interface 0)") {
		t.Errorf("drop notice %q", lines[0])
	}
	if !strings.Contains(lines[1], b.Class+"/"+b.Cause) || !strings.Contains(lines[1], "ev.pcapng:#"+itoa(b.Evidence[0].Frame)) {
		t.Errorf("break line %q should show %s/%s and frames named by file", lines[1], b.Class, b.Cause)
	}
	if !strings.Contains(lines[2], "ALERT "+AlertDominantCause+": "+b.Cause+" caused 1 of the 1 breaks") {
		t.Errorf("alert line %q", lines[2])
	}
	if r.monitor.Sessions() != 1 || r.monitor.Breaks() != 1 {
		t.Errorf("monitor counted %d sessions and %d breaks, want 1 and 1", r.monitor.Sessions(), r.monitor.Breaks())
	}
	// The result's own verdicts are untouched by the line's file names.
	if b.Evidence[0].Input != "" {
		t.Errorf("the report's evidence names input %q: the printer changed the verdict", b.Evidence[0].Input)
	}

	m := r.metrics
	checks := []struct {
		name string
		got  float64
		want float64
	}{
		{"breaks", testutil.ToFloat64(m.breaks.WithLabelValues(b.Class, b.Cause)), 1},
		{"breaks of another cause", testutil.ToFloat64(m.breaks.WithLabelValues("server-policy", "server-reset")), 0},
		{"sessions", testutil.ToFloat64(m.sessions), 1},
		{"broken sessions", testutil.ToFloat64(m.sessionsBroken), 1},
		{"aborted downloads", testutil.ToFloat64(m.transfers.WithLabelValues("download", "aborted")), 1},
		{"their bytes", testutil.ToFloat64(m.transferBytes.WithLabelValues("download", "aborted")), float64(r.res.Sessions[0].Transfers[0].Bytes)},
		{"alerts", testutil.ToFloat64(m.alerts.WithLabelValues(AlertDominantCause)), 1},
		{"alert active", testutil.ToFloat64(m.alertActive.WithLabelValues(AlertDominantCause)), 1},
		{"control connections closed", testutil.ToFloat64(m.connClosed.WithLabelValues("control", "fin")), 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if n := testutil.CollectAndCount(m.connDuration); n != 2 {
		t.Errorf("%d duration series, want control and data", n)
	}

	// The scrape: run-wide counters read at scrape time.
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`ftpcap_breaks_total{cause="` + b.Cause + `",class="` + b.Class + `"} 1`,
		`ftpcap_packets_total ` + itoa(int64(len(r.capture.pkts))),
		`ftpcap_capture_dropped_packets_total{where="kernel"} 2`,
		`ftpcap_capture_dropped_packets_total{where="interface"} 0`,
		`ftpcap_connections_total 2`,
		`ftpcap_evidence_files_total 1`,
		`ftpcap_evidence_packets_total ` + itoa(int64(len(r.capture.pkts))),
		`ftpcap_evidence_writer_stalls_total 0`,
		`ftpcap_connection_duration_seconds_count{kind="control"} 1`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// NDJSON lines are JSON objects with a type: the break record as the
// report's NDJSON has it, then the alert.
func TestMonitorNDJSON(t *testing.T) {
	r := runSample(t, "login-failures.pcap", true, nil)
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(r.out.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		types = append(types, rec["type"].(string))
		if rec["type"] == "break" && rec["cause"] != r.res.Breaks[0].Cause {
			t.Errorf("break record %v", rec)
		}
	}
	if strings.Join(types, ",") != "break,alert" {
		t.Errorf("records %v, want break then alert (no drops, no drop notice)", types)
	}
}

// The stop line says why and how many connections were judged with what
// was seen.
func TestPrinterStopped(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	info := StopInfo{Reason: "interrupted", Elapsed: 62 * time.Second, JudgedAtStop: 3,
		Capture: source.LiveStats{Packets: 12345, KernelDropped: 2}}
	var b bytes.Buffer
	NewPrinter(&b, PrinterOptions{}).Stopped(at, info)
	want := "2024-05-06 07:08:09.000000  CAPTURE STOPPED  capture stopped (interrupted) after 1m2s: 12,345 packets, 2 dropped; " +
		"3 FTP connections still open were judged with what was seen (they might have ended otherwise)\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
	b.Reset()
	NewPrinter(&b, PrinterOptions{NDJSON: true}).Stopped(at, info)
	var rec stopRecord
	if err := json.Unmarshal(b.Bytes(), &rec); err != nil || rec.Type != "capture_end" || rec.JudgedAtStop != 3 || rec.Dropped != 2 {
		t.Errorf("NDJSON stop %q (%v)", b.String(), err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Only control connections whose whole life the capture saw count for
// the lifetime alert.
func TestLived(t *testing.T) {
	syn := tcpflow.Ref{Frame: 1}
	conn := func(clientSYN, serverSYN bool, closed tcpflow.CloseReason) *tcpflow.Conn {
		c := &tcpflow.Conn{Closed: closed}
		if clientSYN {
			c.Half[tcpflow.FromClient].SYN = syn
		}
		if serverSYN {
			c.Half[tcpflow.FromServer].SYN = syn
		}
		return c
	}
	cases := []struct {
		name string
		c    *tcpflow.Conn
		want bool
	}{
		{"closed with FINs", conn(true, true, tcpflow.ClosedFIN), true},
		{"reset", conn(true, true, tcpflow.ClosedRST), true},
		{"idle", conn(true, true, tcpflow.ClosedIdle), true},
		{"refused", conn(true, false, tcpflow.ClosedRST), false},
		{"picked up mid-stream", conn(false, false, tcpflow.ClosedFIN), false},
		{"cut by the capture's end", conn(true, true, tcpflow.ClosedEOF), false},
		{"evicted", conn(true, true, tcpflow.ClosedEvicted), false},
	}
	for _, c := range cases {
		if got := lived(c.c); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
