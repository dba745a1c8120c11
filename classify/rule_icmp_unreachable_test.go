package classify

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// loginThen scripts a control connection up to a pending PASS: the
// handshake, 220, USER, 331, PASS. Client packets arrive with TTL 63 and
// the server's with 64 (captured at the server's side).
func loginThen(n *netScript) {
	c := openControl(n, 63, 64)
	c.cmd("USER ann")
	c.reply("331 password")
	c.cmd("PASS pw")
}

func TestICMPUnreachableScripts(t *testing.T) {
	tests := []struct {
		name     string
		run      func(n *netScript)
		wantConf float64
		summary  []string
	}{
		{"SYN answered by a router's admin-prohibited", func(n *netScript) {
			n.send(pk{from: cli, to: srv, flags: fSYN, seq: 1000})
			n.icmp(icmpErr{sender: "198.51.100.1", from: cli, to: srv, seq: 1000, typ: 3, code: 13, qlen: 60, after: 300 * time.Microsecond})
		}, 0.95, []string{"the SYN was answered by communication administratively prohibited (ICMP type 3 code 13)",
			"router 198.51.100.1 (0 router hops from the capture point), not the destination", "a filter on the path rejects the connection"}},
		{"SYNs resent, then host unreachable once the router's ARP fails", func(n *netScript) {
			n.send(pk{from: cli, to: "203.0.113.99:21", flags: fSYN, seq: 1000},
				pk{from: cli, to: "203.0.113.99:21", flags: fSYN, seq: 1000, after: time.Second})
			n.icmp(icmpErr{sender: "198.51.100.1", from: cli, to: "203.0.113.99:21", seq: 1000, typ: 3, code: 1, after: 2 * time.Second})
		}, 0.95, []string{"host unreachable (ICMP type 3 code 1)", "the path to the destination is broken at that router"}},
		{"the host itself: port unreachable", func(n *netScript) {
			n.send(pk{from: cli, to: srv, flags: fSYN, seq: 1000})
			n.icmp(icmpErr{sender: "203.0.113.20", from: cli, to: srv, seq: 1000, typ: 3, code: 3, ttl: 63, after: time.Millisecond})
		}, 0.95, []string{"port unreachable (ICMP type 3 code 3) from the destination host 203.0.113.20 itself (1 router hop from the capture point)", "the destination host refuses it"}},
		{"IPv6 admin-prohibited", func(n *netScript) {
			n.send(pk{from: "[2001:db8:1::10]:40112", to: "[2001:db8:2::20]:21", flags: fSYN, seq: 1000})
			n.icmp(icmpErr{sender: "2001:db8:1::1", from: "[2001:db8:1::10]:40112", to: "[2001:db8:2::20]:21", seq: 1000, typ: 1, code: 1, after: time.Millisecond})
		}, 0.95, []string{"communication administratively prohibited (ICMPv6 type 1 code 1)"}},
		{"mid-session: the server is never heard again after the ICMP", func(n *netScript) {
			loginThen(n)
			n.icmp(icmpErr{sender: "203.0.113.1", from: cli, to: srv, seq: 1011, typ: 3, code: 13, ttl: 64, after: time.Millisecond})
			n.send(pk{from: cli, to: srv, flags: fACK | fPSH, seq: 1011, ack: 9026, data: "PASS pw\r\n", ttl: 63, after: 200 * time.Millisecond})
			n.icmp(icmpErr{sender: "203.0.113.1", from: cli, to: srv, seq: 1011, typ: 3, code: 13, ttl: 64, after: time.Millisecond})
			n.send(pk{from: cli, to: srv, flags: fRST, seq: 1020, ttl: 63, after: 5 * time.Second})
		}, 0.85, []string{"a packet was answered by communication administratively prohibited", "router 203.0.113.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newNetScript(t)
			tc.run(n)
			v := onlyBreak(t, n.finish())
			if v.Cause != "icmp-unreachable" || v.Confidence != tc.wantConf {
				t.Fatalf("verdict %s %.2f (contributing %v), want icmp-unreachable %.2f: %s", v.Cause, v.Confidence, v.Contributing, tc.wantConf, v.Summary)
			}
			says(t, "summary", v.Summary, tc.summary...)
			if !evidenceHas(v.Evidence, "quoting a", "→") {
				t.Errorf("evidence lacks the ICMP: %+v", v.Evidence)
			}
		})
	}
}

// An unreachable the connection got over (the server answered after it)
// explains nothing.
func TestICMPUnreachableTransient(t *testing.T) {
	n := newNetScript(t)
	loginThen(n)
	n.icmp(icmpErr{sender: "203.0.113.1", from: cli, to: srv, seq: 1011, typ: 3, code: 1, after: time.Millisecond})
	n.send(
		pk{from: srv, to: cli, flags: fACK | fPSH, seq: 9026, ack: 1020, data: "230 in\r\n", after: 300 * time.Millisecond},
		pk{from: cli, to: srv, flags: fRST, seq: 1020, ttl: 63, after: time.Second},
	)
	for _, v := range n.finish().judge() {
		if v.Cause == "icmp-unreachable" || slices.Contains(v.Contributing, "icmp-unreachable") {
			t.Errorf("icmp-unreachable on a connection that went on after the ICMP: %s", v.Summary)
		}
	}
}

// The lab's capture: the router rejects port 21 with admin-prohibited
// (tnftp), then curl tries an address nobody has and the router answers
// host unreachable; captured on the client's veth.
func TestICMPUnreachableLabSample(t *testing.T) {
	c := loadCapture(t, sampleFile(t, "icmp-unreachable"))
	bs := breaksOf(c)
	if len(bs) != 2 {
		t.Fatalf("%d breaks, want 2: %+v", len(bs), bs)
	}
	for i, want := range []string{"administratively prohibited (ICMP type 3 code 13)", "host unreachable (ICMP type 3 code 1)"} {
		v := bs[i]
		if v.Cause != "icmp-unreachable" || v.Confidence != 0.95 || !strings.Contains(v.Summary, want) || !strings.Contains(v.Summary, "router 198.51.100.1") {
			t.Errorf("break %d: %s %.2f %s; want icmp-unreachable 0.95 naming %q from router 198.51.100.1", i+1, v.Cause, v.Confidence, v.Summary, want)
		}
	}
}
