package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/correlate"
)

// -q leaves stdout to the report and stderr to errors: the bar --progress
// asks for and the notice of points that share no connection are gone.
func TestAnalyzeQuiet(t *testing.T) {
	withCorrelator(t, func(vs []correlate.Vantage) *correlate.Correlation { return &correlate.Correlation{} })
	a, b := "../../samples/clean-pasv.pcap", "../../samples/login-failures.pcap"
	args := []string{"analyze", "-F", "json", "--progress", "--vantage", "client=" + a, "--vantage", "server=" + b}
	if _, _, errs := runCLI(args...); !strings.Contains(errs, "share no connection") {
		t.Fatalf("without -q, stderr %q lacks the notice this test silences", errs)
	}
	for _, q := range []string{"-q", "--quiet"} {
		code, out, errs := runCLI(append([]string{args[0], q}, args[1:]...)...)
		if code != exitOK || errs != "" {
			t.Errorf("%s: exit %d, stderr %q; want 0 and nothing", q, code, errs)
		}
		if r := decodeJSON(t, out); len(r.Sessions) < 2 {
			t.Errorf("%s: report with %d sessions", q, len(r.Sessions))
		}
	}
}

func TestAnalyzeQuietWithOutputPrintsNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.md")
	code, out, errs := runCLI("analyze", "-q", "--progress", "-F", "markdown", "-o", path, "../../samples/middlebox-reset-data.pcap")
	if code != exitOK || out != "" || errs != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and nothing on either", code, out, errs)
	}
	if md, err := os.ReadFile(path); err != nil || !strings.Contains(string(md), "middlebox") {
		t.Errorf("report file: %v\n%s", err, md)
	}
}

// Errors are what -q keeps on stderr.
func TestAnalyzeQuietKeepsErrors(t *testing.T) {
	code, out, errs := runCLI("analyze", "-q", "testdata/does-not-exist.pcap")
	if code != exitError || !strings.Contains(errs, "does-not-exist.pcap") {
		t.Errorf("exit %d, stderr %q: want 1 and the file named", code, errs)
	}
	if out != "" {
		t.Errorf("stdout %q after an error", out)
	}
	if code, _, errs := runCLI("analyze", "-q", "--format", "xml", "../../samples/clean-pasv.pcap"); code != exitError || errs == "" {
		t.Errorf("bad --format with -q: exit %d, stderr %q", code, errs)
	}
}

// live -q on the loopback: a connection refused on a control port is a
// break; with -q stdout holds only the final JSON report (no NDJSON break
// line before it) and stderr nothing (no start line, no stop sentence).
func TestLiveQuiet(t *testing.T) {
	if testing.Short() {
		t.Skip("live capture test skipped in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("live -q test needs root to capture on lo; run go test as root, as CI does")
	}
	port := refusedPort(t)
	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"live", "-q", "-i", "lo", "--ports", strconv.Itoa(port),
			"-f", "tcp port " + strconv.Itoa(port), "--duration", "3s", "-F", "json"}, &out, &errb)
	}()
	time.Sleep(time.Second) // the capture is open well before this
	for range 3 {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second); err == nil {
			c.Close()
			t.Fatalf("port %d accepted a connection: the test needs it closed", port)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var code int
	select {
	case code = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("live --duration 3s still running after 30 s")
	}
	if code == exitError && strings.Contains(errb.String(), "lo") {
		t.Skipf("cannot capture on lo here: %s", errb.String())
	}
	if code != exitOK || errb.Len() != 0 {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, errb.String())
	}
	var r struct {
		Breaks []struct{ Cause string } `json:"breaks"`
	}
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stdout is not one JSON report: %v\n%s", err, out.String())
	}
	if dec.More() {
		t.Errorf("more than the report on stdout")
	}
	if len(r.Breaks) == 0 {
		t.Errorf("the refused connections made no break in the report: %+v", r)
	}
}

// refusedPort returns a loopback TCP port nothing listens on.
func refusedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback TCP here: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}
