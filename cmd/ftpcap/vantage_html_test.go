package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/internal/labpairs"
)

// ladderPacket is a packet group of a ladder on the HTML page: its
// classes and its hover text.
var ladderPacket = regexp.MustCompile(`<g class="(pkt[^"]*)" data-frame="\d+"><title>([^<]*)</title>`)

// vantageHTML runs --vantage -F html on a lab pair and returns the page.
func vantageHTML(t *testing.T, name string) string {
	t.Helper()
	p, err := labpairs.Load("../../samples/pairs/" + name + ".expect.json")
	if err != nil {
		t.Skipf("no lab pair %s: %v", name, err)
	}
	if correlateVantages == nil {
		t.Skip("this build has no correlation engine")
	}
	args := []string{"analyze", "-F", "html"}
	for _, v := range p.VantageArgs() {
		args = append(args, "--vantage", v)
	}
	code, out, errs := runCLI(args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, point := range []string{"client", "server"} {
		if !strings.Contains(out, ">capture at "+point+"<") {
			t.Errorf("no ladder draws the column of the capture at %s", point)
		}
	}
	return out
}

// The reset the middlebox forged reached the client's point without
// leaving the server's: the page's ladder draws it injected.
func TestVantageHTMLDrawsTheInjectedReset(t *testing.T) {
	page := vantageHTML(t, "pair-middlebox-reset")
	toClient := 0
	for _, m := range ladderPacket.FindAllStringSubmatch(page, -1) {
		classes := " " + m[1] + " "
		if strings.Contains(classes, " rst ") && strings.Contains(classes, " injected ") &&
			strings.HasPrefix(m[2], "client frame ") && strings.Contains(m[2], "captured at client,") {
			toClient++
		}
	}
	if toClient == 0 {
		t.Error("no reset drawn injected on its way to the client (g.pkt.rst.injected, captured at the client only)")
	}
}

// The full-size segments left the server's point and never reached the
// client's: the page's ladder draws them dropped, and only them.
func TestVantageHTMLDrawsTheDroppedSegments(t *testing.T) {
	page := vantageHTML(t, "pair-mtu-blackhole")
	length := regexp.MustCompile(` len (\d+) `)
	dropped := 0
	for _, m := range ladderPacket.FindAllStringSubmatch(page, -1) {
		if !strings.Contains(" "+m[1]+" ", " dropped ") {
			continue
		}
		dropped++
		if l := length.FindStringSubmatch(m[2]); l == nil {
			t.Errorf("a dropped packet without a length: %s", m[2])
		} else if n, _ := strconv.Atoi(l[1]); n < 1000 {
			t.Errorf("a packet of %d bytes drawn dropped: %s", n, m[2])
		}
		if !strings.Contains(m[2], "captured at server, dropped") {
			t.Errorf("a dropped packet not captured at the server only: %s", m[2])
		}
	}
	if dropped == 0 {
		t.Error("no full-size segment drawn dropped (g.pkt.dropped)")
	}
}
