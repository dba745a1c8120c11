package correlate

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// correlateFiles analyses each point's files with their packets kept and
// correlates them.
func correlateFiles(t *testing.T, points ...[2]string) (*Correlation, []Vantage) {
	t.Helper()
	var vs []Vantage
	for _, p := range points {
		res, err := analysis.Files(context.Background(), []string{p[1]}, analysis.Options{KeepPackets: true})
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, Vantage{Name: p[0], Paths: []string{p[1]}, Result: res})
	}
	return Correlate(vs, Options{}), vs
}

// packetOf is the packet a reference names.
func packetOf(vs []Vantage, r PacketRef) analysis.PathPacket {
	return vs[r.Point].Result.Packets[r.Conn].Packets[r.Packet]
}

// logCorrelation writes what a correlation found, for a person reading
// the test's output.
func logCorrelation(t *testing.T, co *Correlation) {
	t.Helper()
	for _, p := range co.Points {
		t.Logf("point %s: offset %v, drift %.2f ppm, %d matched", p.Name, p.ClockOffset, p.DriftPPM, p.Matched)
	}
	for _, p := range co.Pairs {
		t.Logf("pair A=%d/%d B=%d/%d %q c→s %+v s→c %+v delay %v", p.A, p.ConnA, p.B, p.ConnB, p.Translation, p.Path[0], p.Path[1], p.Delay)
	}
	for _, n := range co.Notes {
		t.Logf("note: %s", n)
	}
}

// TestLabDir correlates a client.pcap and a server.pcap of a directory
// named by FTPCAP_PAIR_DIR (a pair made by hand while developing).
func TestLabDir(t *testing.T) {
	dir := os.Getenv("FTPCAP_PAIR_DIR")
	if dir == "" {
		t.Skip("FTPCAP_PAIR_DIR not set")
	}
	client, server := filepath.Join(dir, "client.pcap"), filepath.Join(dir, "server.pcap")
	if f := os.Getenv("FTPCAP_PAIR_SERVER"); f != "" {
		server = filepath.Join(dir, f)
	}
	if f := os.Getenv("FTPCAP_PAIR_CLIENT"); f != "" {
		client = filepath.Join(dir, f)
	}
	start := time.Now()
	co, _ := correlateFiles(t, [2]string{"client", client}, [2]string{"server", server})
	t.Logf("%v", time.Since(start))
	logCorrelation(t, co)
}

// Real pairs made by testdata/pair.sh: one FTP download (passive, or
// active) through a router, captured in the client's namespace and the
// server's. pair-clean's server file was shifted by editcap -t 3723.25,
// pair-nat's client file by -t -45.125 (the router masquerades the
// client); pair-drop's router dropped every 10th packet of the server's
// data connection, pair-reset's rejected the server's data packets past
// the 20th with a reset sent to the server in the client's name;
// pair-blocked's dropped the client's SYNs to the passive data ports,
// pair-stall's the server's SYN-ACKs from them.
// router-counters.txt holds the packets the rule took.

// pairDir correlates testdata/pair-NAME.
func pairDir(t *testing.T, name string) (*Correlation, []Vantage) {
	t.Helper()
	dir := filepath.Join("testdata", "pair-"+name)
	co, vs := correlateFiles(t, [2]string{"client", filepath.Join(dir, "client.pcap")}, [2]string{"server", filepath.Join(dir, "server.pcap")})
	logCorrelation(t, co)
	if len(co.Pairs) != 2 || len(co.Notes) != 0 {
		t.Fatalf("%d pairs (want the control and the data connection), notes %q", len(co.Pairs), co.Notes)
	}
	for _, p := range co.Pairs {
		if p.A != 0 || p.B != 1 || p.ConnA < 0 || (p.ConnB < 0 && name != "blocked") {
			t.Errorf("pair %+v: want the client's point as A, both connections", p)
		}
	}
	return co, vs
}

// routerCount is what the lab's router rule took.
func routerCount(t *testing.T, name string) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pair-"+name, "router-counters.txt"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`counter packets (\d+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no counter in %q", b)
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// total sums a direction's counts over every pair.
func total(co *Correlation, dir int) DirCounts {
	var sum DirCounts
	for _, p := range co.Pairs {
		sum.Sent += p.Path[dir].Sent
		sum.Delivered += p.Path[dir].Delivered
		sum.Dropped += p.Path[dir].Dropped
		sum.Injected += p.Path[dir].Injected
	}
	return sum
}

func wantClean(t *testing.T, co *Correlation) {
	t.Helper()
	for dir := range 2 {
		if c := total(co, dir); c.Dropped != 0 || c.Injected != 0 || c.Sent != c.Delivered || c.Sent == 0 {
			t.Errorf("direction %d: %+v, want every packet delivered", dir, c)
		}
	}
}

func wantOffset(t *testing.T, co *Correlation, want time.Duration) {
	t.Helper()
	if got := co.Points[1].ClockOffset; got < want-50*time.Millisecond || got > want+50*time.Millisecond {
		t.Errorf("server clock offset %v, want %v within 50 ms", got, want)
	}
}

func TestPairClean(t *testing.T) {
	co, _ := pairDir(t, "clean")
	wantClean(t, co)
	wantOffset(t, co, 3723250*time.Millisecond)
	for _, p := range co.Pairs {
		if p.Translation != "" {
			t.Errorf("translation %q without NAT", p.Translation)
		}
	}
}

func TestPairActive(t *testing.T) {
	co, _ := pairDir(t, "active")
	wantClean(t, co)
	wantOffset(t, co, 0)
}

func TestPairNAT(t *testing.T) {
	co, _ := pairDir(t, "nat")
	wantClean(t, co)
	wantOffset(t, co, 45125*time.Millisecond)
	nat := regexp.MustCompile(`^198\.51\.100\.10:\d+ ↔ 203\.0\.113\.1:\d+$`)
	for _, p := range co.Pairs {
		if !nat.MatchString(p.Translation) {
			t.Errorf("translation %q, want the client's address rewritten to the router's", p.Translation)
		}
	}
}

func TestPairDrop(t *testing.T) {
	co, _ := pairDir(t, "drop")
	c2s, s2c := total(co, 0), total(co, 1)
	if c2s.Dropped != 0 || c2s.Injected != 0 || s2c.Injected != 0 {
		t.Errorf("client→server %+v, server→client %+v: only the server's packets were dropped", c2s, s2c)
	}
	if want := routerCount(t, "drop"); s2c.Dropped != want {
		t.Errorf("%d server→client packets dropped, the router dropped %d", s2c.Dropped, want)
	}
	var refs int
	for _, p := range co.Pairs {
		for _, r := range p.Dropped {
			refs++
			if r.Point != 1 {
				t.Errorf("dropped packet %+v cited at the client's point", r)
			}
		}
	}
	if int64(refs) != s2c.Dropped {
		t.Errorf("%d dropped packets cited, %d counted", refs, s2c.Dropped)
	}
}

func TestPairReset(t *testing.T) {
	co, vs := pairDir(t, "reset")
	c2s, s2c := total(co, 0), total(co, 1)
	if want := routerCount(t, "reset"); s2c.Dropped != want || s2c.Injected != 0 {
		t.Errorf("server→client %+v, want the %d packets the router rejected dropped", s2c, want)
	}
	// The router answered the one data segment it rejected with a reset
	// (the others it rejected were the server's own resets, which are not
	// answered): seen at the server's point only.
	if c2s.Injected != 1 || c2s.Dropped != 0 {
		t.Errorf("client→server %+v, want the router's reset injected", c2s)
	}
	for _, p := range co.Pairs {
		for _, r := range p.Injected {
			pk := packetOf(vs, r)
			if r.Point != 1 || pk.Flags&tcpflow.FlagRST == 0 || pk.TTL != 64 {
				t.Errorf("injected %+v: %+v, want the router's reset at the server's point", r, pk)
			}
			// As a proof rule finds it from a verdict's evidence frame.
			at, ok := Locate(vs[1].Result, []Frame{{r.Input, r.Frame}})[Frame{r.Input, r.Frame}]
			if !ok || co.FateOf(1, at.Conn, at.Packet, 0) != FateInjected {
				t.Errorf("frame %d: located %v %+v, fate %v", r.Frame, ok, at, co.FateOf(1, at.Conn, at.Packet, 0))
			}
		}
		for n, f := range p.FateA {
			if f == FateUnknown {
				t.Errorf("client's packet %d (frame %d) not judged", n, vs[0].Result.Packets[p.ConnA].Packets[n].Frame)
			}
		}
	}
}

// The data connection's SYNs never reached the server's point: a
// connection seen at the client's point only, every SYN dropped.
func TestPairBlocked(t *testing.T) {
	co, vs := pairDir(t, "blocked")
	p := co.Pairs[1]
	if p.ConnB != -1 || vs[0].Result.Packets[p.ConnA].Kind != classify.KindData {
		t.Fatalf("pair %+v: want the data connection, at the client's point only", p)
	}
	if want := routerCount(t, "blocked"); p.Path[0] != (DirCounts{Sent: want, Dropped: want}) || p.Path[1] != (DirCounts{}) {
		t.Errorf("path %+v, want the %d SYNs the router dropped", p.Path, want)
	}
	for _, r := range p.Dropped {
		if pk := packetOf(vs, r); r.Point != 0 || pk.Flags != tcpflow.FlagSYN {
			t.Errorf("dropped %+v: %+v, want a SYN at the client's point", r, pk)
		}
	}
	if c := co.Pairs[0].Path; c[0].Dropped+c[1].Dropped+c[0].Injected+c[1].Injected != 0 {
		t.Errorf("control connection %+v", c)
	}
}

// The server answered the data connection's SYNs; its SYN-ACKs vanished
// on the way.
func TestPairStall(t *testing.T) {
	co, vs := pairDir(t, "stall")
	p := co.Pairs[1]
	want := routerCount(t, "stall")
	if p.Path[1] != (DirCounts{Sent: want, Dropped: want}) || p.Path[0].Dropped != 0 || p.Path[0].Injected != 0 {
		t.Errorf("path %+v, want the %d SYN-ACKs the router dropped", p.Path, want)
	}
	for _, r := range p.Dropped {
		if pk := packetOf(vs, r); r.Point != 1 || pk.Flags != tcpflow.FlagSYN|tcpflow.FlagACK {
			t.Errorf("dropped %+v: %+v, want a SYN-ACK at the server's point", r, pk)
		}
	}
}

// Capture loss at either point of a real pair: the client's capture
// misses five of the server's data segments (the client acknowledged
// them), the server's capture five others (they reached the client).
// Neither reads as loss or injection on the path.
func TestPairCaptureLoss(t *testing.T) {
	co, vs := pairDir(t, "clean")
	data := co.Pairs[1]
	before := data.Path[1]
	missRecv := dataSegments(vs[0].Result.Packets[data.ConnA].Packets)[10:15]
	missSend := dataSegments(vs[1].Result.Packets[data.ConnB].Packets)[20:25]
	deleteFrames(&vs[0].Result.Packets[data.ConnA], missRecv)
	deleteFrames(&vs[1].Result.Packets[data.ConnB], missSend)
	co = Correlate(vs, Options{})
	logCorrelation(t, co)
	got := co.Pairs[1].Path[1]
	want := DirCounts{Sent: before.Sent - 5, Delivered: before.Sent - 5}
	if got != want {
		t.Errorf("server→client %+v, want %+v", got, want)
	}
	if len(co.Notes) != 2 {
		t.Errorf("notes %q, want one per capture that missed packets", co.Notes)
	}
}

// dataSegments lists the frames of the server's segments with payload.
func dataSegments(pkts []analysis.PathPacket) []int64 {
	var out []int64
	for _, p := range pkts {
		if !p.FromClient && p.Len > 0 {
			out = append(out, p.Frame)
		}
	}
	return out
}

func deleteFrames(c *analysis.ConnPackets, frames []int64) {
	c.Packets = slices.DeleteFunc(c.Packets, func(p analysis.PathPacket) bool { return slices.Contains(frames, p.Frame) })
}

// Three points of one NAT run (testdata/three-nat, ROUTER_CAPTURE=1
// pair.sh): the client's, the router's server-facing side (its file
// shifted by editcap -t 7.5) and the server's. Every pair of points
// shares both connections; the translation lies between the client's
// point and the others, and the router's clock is placed 7.5 s ahead.
func TestThreePoints(t *testing.T) {
	dir := filepath.Join("testdata", "three-nat")
	co, _ := correlateFiles(t, [2]string{"client", filepath.Join(dir, "client.pcap")},
		[2]string{"router", filepath.Join(dir, "router.pcap")}, [2]string{"server", filepath.Join(dir, "server.pcap")})
	logCorrelation(t, co)
	if len(co.Pairs) != 6 || len(co.Notes) != 0 {
		t.Fatalf("%d pairs, want 2 connections × 3 pairs of points; notes %q", len(co.Pairs), co.Notes)
	}
	wantClean(t, co)
	for _, p := range co.Pairs {
		if p.A >= p.B {
			t.Errorf("pair %d–%d: want the point nearer the client as A", p.A, p.B)
		}
		if (p.Translation != "") != (p.A == 0) {
			t.Errorf("pair %d–%d: translation %q", p.A, p.B, p.Translation)
		}
	}
	if off := co.Points[1].ClockOffset; off < 7450*time.Millisecond || off > 7550*time.Millisecond {
		t.Errorf("router offset %v, want 7.5 s", off)
	}
	if off := co.Points[2].ClockOffset; off < -50*time.Millisecond || off > 50*time.Millisecond {
		t.Errorf("server offset %v, want 0", off)
	}
}
