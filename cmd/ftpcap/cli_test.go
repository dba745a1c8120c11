package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

func decodeJSON(t *testing.T, out string) *analysis.Result {
	t.Helper()
	var r analysis.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	return &r
}

func TestExitCodesAndFailOn(t *testing.T) {
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"analyze", "../../samples/clean-pasv.pcap"}, exitOK},
		{[]string{"analyze", "--fail-on", "any", "../../samples/clean-pasv.pcap"}, exitOK},
		{[]string{"analyze", "--fail-on", "server-policy", "../../samples/login-failures.pcap"}, exitFound},
		{[]string{"analyze", "--fail-on", "network,client", "../../samples/login-failures.pcap"}, exitOK},
		{[]string{"analyze", "--fail-on", "bogus", "../../samples/clean-pasv.pcap"}, exitError},
		{[]string{"analyze", "--format", "xml", "../../samples/clean-pasv.pcap"}, exitError},
		{[]string{"analyze", "--ports", "70000", "../../samples/clean-pasv.pcap"}, exitError},
		{[]string{"analyze"}, exitError},
		{[]string{"analyze", "testdata/does-not-exist.pcap"}, exitError},
		{[]string{"-r", "../../samples/clean-pasv.pcap"}, exitOK},
		{[]string{"frobnicate"}, exitError},
		{[]string{"rules"}, exitOK},
		{[]string{"version"}, exitOK},
	}
	for _, c := range cases {
		code, _, errs := runCLI(c.args...)
		if code != c.want {
			t.Errorf("ftpcap %s: exit %d, want %d (stderr %q)", strings.Join(c.args, " "), code, c.want, errs)
		}
	}
}

// A file cut mid-packet: one error line naming file and frame, exit 1,
// and the report still covers what came before.
func TestTruncatedFileReportsWhatWasRead(t *testing.T) {
	raw, err := os.ReadFile("../../samples/login-failures.pcap")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(cut, raw[:len(raw)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("analyze", "--format", "json", cut)
	if code != exitError {
		t.Fatalf("exit %d, want %d", code, exitError)
	}
	if !strings.Contains(errs, "cut.pcap") || !strings.Contains(errs, "frame ") {
		t.Errorf("error line should name the file and frame: %q", errs)
	}
	r := decodeJSON(t, out)
	if len(r.Sessions) != 1 || len(r.Errors) != 1 {
		t.Errorf("sessions %d errors %d, want 1 and 1", len(r.Sessions), len(r.Errors))
	}
	if len(r.Breaks) != 1 || r.Breaks[0].Cause != "login-failures" {
		t.Errorf("breaks %+v, want the login failure read before the cut", r.Breaks)
	}
}

func TestNotACapture(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(bad, []byte("this is not a capture file at all\n"), 0o644)
	code, _, errs := runCLI("analyze", bad)
	if code != exitError || !strings.Contains(errs, "notes.txt") {
		t.Errorf("exit %d stderr %q: want exit 1 naming the file", code, errs)
	}
}

// Gzip, several files and the same capture twice as rotated files.
func TestGzipAndMultipleFiles(t *testing.T) {
	raw, err := os.ReadFile("../../samples/file-unavailable.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	gz := filepath.Join(t.TempDir(), "capture.pcapng.gz")
	os.WriteFile(gz, buf.Bytes(), 0o644)

	_, plain, _ := runCLI("analyze", "-F", "json", "../../samples/file-unavailable.pcapng")
	code, zipped, errs := runCLI("analyze", "-F", "json", gz)
	if code != exitOK {
		t.Fatalf("gzip: exit %d %q", code, errs)
	}
	p, z := decodeJSON(t, plain), decodeJSON(t, zipped)
	if len(p.Breaks) != len(z.Breaks) || z.Inputs[0].Compression != "gzip" || z.Inputs[0].Packets != p.Inputs[0].Packets {
		t.Errorf("gzip input differs: %d vs %d breaks, compression %q", len(p.Breaks), len(z.Breaks), z.Inputs[0].Compression)
	}

	code, out, errs := runCLI("analyze", "-F", "json", "../../samples/login-failures.pcap", "../../samples/max-clients.pcap")
	if code != exitOK {
		t.Fatalf("two files: exit %d %q", code, errs)
	}
	r := decodeJSON(t, out)
	if len(r.Inputs) != 2 || len(r.Sessions) != 4 || len(r.Breaks) != 2 {
		t.Errorf("two files: %d inputs %d sessions %d breaks, want 2 4 2", len(r.Inputs), len(r.Sessions), len(r.Breaks))
	}
	for _, b := range r.Breaks {
		for _, e := range b.Evidence {
			if e.Input == "" {
				t.Errorf("break %s: evidence without its input file", b.ID)
			}
		}
	}
}

func TestPasswordsRedacted(t *testing.T) {
	const sample = "../../samples/sequence-error.pcap"
	_, out, _ := runCLI("analyze", "-F", "json", "--show-passwords", sample)
	r := decodeJSON(t, out)
	var password string
	for _, b := range r.Breaks {
		for _, e := range b.Evidence {
			if rest, ok := strings.CutPrefix(e.Text, "client sends PASS "); ok {
				password = rest
			}
		}
	}
	if password == "" || password == "****" {
		t.Fatalf("--show-passwords: the PASS argument is not in the evidence (%q)", password)
	}
	for _, format := range []string{"table", "json", "ndjson", "csv", "markdown"} {
		_, out, _ := runCLI("analyze", "-v", "-F", format, sample)
		if strings.Contains(out, password) {
			t.Errorf("%s: the password %q appears without --show-passwords", format, password)
		}
	}
}

func TestNoFTPGivesEmptyReport(t *testing.T) {
	path := "../../../shared/corpus/public/filesamples/200722_tcp_anon.pcapng"
	if _, err := os.Stat(path); err != nil {
		t.Skip("public corpus not found beside the repo (../shared/corpus/public): skipping")
	}
	code, out, _ := runCLI("analyze", "-F", "json", path)
	r := decodeJSON(t, out)
	if code != exitOK || len(r.Sessions) != 0 || len(r.Breaks) != 0 || r.Sessions == nil {
		t.Errorf("exit %d sessions %v breaks %d: want 0, an empty list, none", code, r.Sessions, len(r.Breaks))
	}
}

// A bad flag is one line naming the subcommand and the flag, exit 1.
func TestBadFlagSaysWhich(t *testing.T) {
	for _, sub := range []string{"analyze", "live"} {
		code, _, errs := runCLI(sub, "--no-such-flag")
		if code != exitError || !strings.Contains(errs, "ftpcap: "+sub+": unknown flag: --no-such-flag") {
			t.Errorf("%s: exit %d, stderr %q", sub, code, errs)
		}
	}
}
