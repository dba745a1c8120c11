package main

import (
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/correlate"
)

func TestVantageFlagErrors(t *testing.T) {
	const f = "../../samples/clean-pasv.pcap"
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--vantage", "client=" + f}, "one capture point given"},
		{[]string{"--vantage", "client=" + f, "--vantage", f}, "want NAME=FILE"},
		{[]string{"--vantage", "client=" + f, "--vantage", "client=" + f}, `the name "client" is given twice`},
		{[]string{"--vantage", "client=" + f, "--vantage", "server=testdata/does-not-exist.pcap"}, "--vantage server: open testdata/does-not-exist.pcap"},
		{[]string{"--vantage", "client=" + f, "--vantage", "server=" + f, f}, "--vantage and capture files given as arguments do not mix"},
		{[]string{"--vantage", "client=" + f, "--vantage", "server=" + f, "-r", f}, "do not mix"},
		{[]string{"--vantage", "client=" + f, "--vantage", "server=-"}, "cannot read stdin"},
		{[]string{"--vantage", "client=" + f, "--vantage", "=" + f}, "has no name"},
		{[]string{"--vantage", "client=" + f, "--vantage", "se\x1b[31m=" + f}, "letters, digits"},
		{[]string{"--vantage", "client=" + f, "--vantage", "server=" + f + ","}, "an empty file name"},
	}
	for _, c := range cases {
		args := append([]string{"analyze"}, c.args...)
		code, out, errs := runCLI(args...)
		if code != exitError || !strings.Contains(errs, c.want) || out != "" {
			t.Errorf("ftpcap %q: exit %d, stderr %q; want exit %d and %q", args, code, errs, exitError, c.want)
		}
	}
}

// withCorrelator sets the correlation engine for one test.
func withCorrelator(t *testing.T, fn func([]correlate.Vantage) *correlate.Correlation) {
	prev := correlateVantages
	correlateVantages = fn
	t.Cleanup(func() { correlateVantages = prev })
}

// sameCapture correlates points that are copies of one capture: each
// connection is paired with the same one at the next point, every packet
// delivered, the clocks equal.
func sameCapture(vs []correlate.Vantage) *correlate.Correlation {
	c := &correlate.Correlation{}
	for _, v := range vs {
		c.Points = append(c.Points, correlate.Point{Name: v.Name, Paths: v.Paths, Matched: int64(len(v.Result.Packets))})
	}
	for k, cp := range vs[0].Result.Packets {
		var path [2]correlate.DirCounts
		for _, pk := range cp.Packets {
			d := 0
			if pk.FromClient == cp.FTPServerIsClient {
				d = 1
			}
			path[d].Sent++
			path[d].Delivered++
		}
		c.Pairs = append(c.Pairs, correlate.Pair{A: 0, B: 1, ConnA: k, ConnB: k, Path: path})
	}
	return c
}

// Two copies of one capture: every session, connection and break once,
// the reset proved to have left the server (it is in both copies), so
// the middlebox-reset verdict is contradicted and said.
func TestVantageMergesTheSameCaptureOnce(t *testing.T) {
	withCorrelator(t, sameCapture)
	const f = "../../samples/server-reset.pcap"
	_, single, _ := runCLI("analyze", "-F", "json", f)
	one := decodeJSON(t, single)
	code, out, errs := runCLI("analyze", "-F", "json", "--vantage", "client="+f, "--vantage", "server="+f)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	r := decodeJSON(t, out)
	if len(r.VantagePoints) != 2 || r.VantagePoints[0].Name != "client" || r.VantagePoints[1].Path != f {
		t.Errorf("vantage points = %+v", r.VantagePoints)
	}
	if len(r.Sessions) != len(one.Sessions) || len(r.Breaks) != len(one.Breaks) || len(r.Connections) != len(one.Connections) {
		t.Errorf("merged %d sessions, %d breaks, %d connections; one copy has %d, %d, %d",
			len(r.Sessions), len(r.Breaks), len(r.Connections), len(one.Sessions), len(one.Breaks), len(one.Connections))
	}
	for _, b := range r.Breaks {
		if b.Proof == "" {
			t.Errorf("%s has no proof", b.ID)
		}
		for _, e := range b.Evidence {
			if e.Vantage == "" || (e.Frame > 0 && e.Input != f) {
				t.Errorf("%s evidence %+v names no point or file", b.ID, e)
			}
		}
	}
	for _, c := range r.Connections {
		if c.Path == nil {
			t.Errorf("connection %s → %s has no path", c.Client, c.Server)
		}
	}
}

func TestVantageWithoutSharedConnectionReportsEachPoint(t *testing.T) {
	withCorrelator(t, func(vs []correlate.Vantage) *correlate.Correlation { return &correlate.Correlation{} })
	a, b := "../../samples/clean-pasv.pcap", "../../samples/login-failures.pcap"
	code, out, errs := runCLI("analyze", "-F", "json", "--vantage", "client="+a, "--vantage", "server="+b)
	if code != exitOK || !strings.Contains(errs, "share no connection") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	r := decodeJSON(t, out)
	if len(r.Sessions) < 2 || len(r.Inputs) != 2 {
		t.Errorf("sessions %d, inputs %d: want each point's", len(r.Sessions), len(r.Inputs))
	}
	for _, br := range r.Breaks {
		if br.Proof != analysis.ProofInferred || br.Evidence[0].Vantage != "server" {
			t.Errorf("%s: proof %q, vantage %q; want inferred, server", br.ID, br.Proof, br.Evidence[0].Vantage)
		}
	}
}

// Two copies of a capture with a middlebox reset: the "server's" copy has
// the RST too, so the points contradict the verdict, and the report says
// so instead of proving it.
func TestVantageSaysAContradiction(t *testing.T) {
	withCorrelator(t, sameCapture)
	const f = "../../samples/middlebox-reset-control.pcap"
	code, out, errs := runCLI("analyze", "-F", "json", "--vantage", "client="+f, "--vantage", "server="+f)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	r := decodeJSON(t, out)
	if len(r.Breaks) != 1 || r.Breaks[0].Cause != "middlebox-reset" || r.Breaks[0].Proof != analysis.ProofInferred {
		t.Fatalf("breaks = %+v, want one middlebox-reset, inferred", r.Breaks)
	}
	said := false
	for _, n := range r.CaptureQuality.Notes {
		said = said || strings.HasPrefix(n, "contradiction: B1 middlebox-reset")
	}
	if !said {
		t.Errorf("notes %q do not say the contradiction", r.CaptureQuality.Notes)
	}
}
