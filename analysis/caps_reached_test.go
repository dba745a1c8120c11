package analysis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/report"
	"github.com/ftpcap/ftpcap/tcpflow"
	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// Each cap of the decoder, tracker, dissector and collector, driven past
// its limit by a capture built here (with a small limit where an option
// sets it), must show in the report: its counter in the JSON stats, its
// limit beside it, and a sentence in the "caps reached" line of the table
// and markdown formats.
func TestEveryCapReachesTheReport(t *testing.T) {
	cases := []struct {
		name  string
		opts  analysis.Options
		build func(c *capture)
		// stats the JSON must hold: limits (max_*) exactly, counters at
		// least.
		stats map[string]int64
		// says is the part of the caps line the sentence must hold.
		says string
	}{
		{
			name:  "segment log",
			opts:  analysis.Options{Tracker: trackerLimits(func(o *trackerOpts) { o.MaxSegLog = 2 })},
			build: func(c *capture) { c.login(c.control(0)).close() },
			stats: map[string]int64{"segment_logs_cut": 1, "segment_log_entries_dropped": 1, "max_segment_log": 2},
			says:  "1 connection's packet log cut at 2 entries: ",
		},
		{
			name: "ICMP errors per connection",
			opts: analysis.Options{Tracker: trackerLimits(func(o *trackerOpts) { o.MaxICMP = 1 })},
			build: func(c *capture) {
				k := c.login(c.control(0))
				for range 3 {
					c.unreachable(k)
				}
				k.close()
			},
			stats: map[string]int64{"icmp_lists_cut": 1, "icmp_errors_dropped": 2, "max_icmp_per_connection": 1},
			says:  "1 connection's ICMP errors cut at 1: 2 ICMP errors quoting them not kept as evidence",
		},
		{
			name: "out-of-order bytes held",
			opts: analysis.Options{Tracker: trackerLimits(func(o *trackerOpts) { o.MaxBufferedBytes = 100 })},
			build: func(c *capture) {
				k := c.control(0)
				k.next[server] += 50 // a hole of 50 bytes the capture lost
				k.send(server, strings.Repeat("220-welcome\r\n", 20))
				k.close()
			},
			stats: map[string]int64{"reassembly_overflows": 1, "max_buffered_bytes": 100},
			says:  "1 hole in an FTP stream given up on: more than 100 bytes arrived out of order behind it",
		},
		{
			name:  "host table",
			opts:  analysis.Options{Tracker: trackerLimits(func(o *trackerOpts) { o.MaxHosts = 1 })},
			build: func(c *capture) { c.login(c.control(0)).close() },
			stats: map[string]int64{"host_table_packets_dropped": 1, "max_hosts": 1},
			says:  "host table full at 1 host: ",
		},
		{
			name: "Zeek history",
			build: func(c *capture) {
				k := c.login(c.control(0))
				for range 40 { // resets at ever new sequence numbers: a letter each
					k.segment(server, "", func(h *layers.TCP) { h.RST, h.ACK = true, false })
					k.next[server] += 1000
				}
			},
			stats: map[string]int64{"histories_cut": 1, "history_letters_dropped": 1, "max_history": 32},
			says:  "1 connection's Zeek history cut at 32 letters: ",
		},
		{
			name: "connection table",
			opts: analysis.Options{Tracker: trackerLimits(func(o *trackerOpts) { o.MaxConns = 2 })},
			build: func(c *capture) {
				for i := range 3 {
					c.login(c.control(i))
				}
			},
			stats: map[string]int64{"connections_evicted": 1, "max_connections": 2},
			says:  "1 connection evicted: the connection table was full (max 2)",
		},
		{
			name: "connection attempts",
			opts: analysis.Options{Tracker: trackerLimits(func(o *trackerOpts) { o.MaxHalfOpen = 1 })},
			build: func(c *capture) {
				for i := range 3 {
					c.syn(i)
				}
			},
			stats: map[string]int64{"connections_evicted_half_open": 2, "max_half_open": 1},
			says:  "2 connection attempts evicted: more than 1 were in flight at once",
		},
		{
			name: "fragment memory",
			opts: analysis.Options{Decode: decodeLimits(3000)},
			build: func(c *capture) {
				for id := range 3 {
					c.fragment(uint16(id+1), 0, true, 600)
				}
			},
			stats: map[string]int64{"ip_datagrams_evicted": 1, "max_fragment_bytes": 3000, "ip_datagrams_incomplete": 3},
			says:  "1 IP datagram dropped incomplete: fragments waiting for the rest of their datagram held more than 3,000 bytes",
		},
		{
			name: "fragments per datagram",
			build: func(c *capture) {
				for i := range 257 {
					c.fragment(7, i*8, true, 8)
				}
			},
			stats: map[string]int64{"ip_datagrams_too_many_fragments": 1, "max_fragments_per_datagram": 256},
			says:  "1 IP datagram dropped for coming in more than 256 fragments",
		},
		{
			name: "pending commands",
			opts: analysis.Options{Dissect: dissectLimits(func(o *dissectOpts) { o.MaxPendingCommands = 2 })},
			build: func(c *capture) {
				k := c.login(c.control(0))
				for range 4 {
					k.send(client, "NOOP\r\n")
				}
				k.close()
			},
			stats: map[string]int64{"pending_commands_dropped": 2, "max_pending_commands": 2},
			says:  "2 FTP commands stopped waiting for a reply: more than 2 were waiting at once in one session",
		},
		{
			name: "session log, transfers and data connections",
			opts: analysis.Options{Dissect: dissectLimits(func(o *dissectOpts) { o.MaxLog = 2 })},
			build: func(c *capture) {
				k := c.login(c.control(0))
				for i := range 3 {
					c.passiveRetr(k, i)
				}
				k.close()
			},
			stats: map[string]int64{"command_log_dropped": 6, "transfers_dropped": 1, "data_connections_dropped": 1, "max_session_log": 2},
			says:  "FTP commands past the first 2 of a session not kept in its command log",
		},
		{
			name: "line length",
			opts: analysis.Options{Dissect: dissectLimits(func(o *dissectOpts) { o.MaxLineLen = 64 })},
			build: func(c *capture) {
				k := c.login(c.control(0))
				k.send(client, "CWD "+strings.Repeat("d", 100)+"\r\n")
				k.send(server, "250 ok\r\n")
				k.close()
			},
			stats: map[string]int64{"control_lines_cut": 1, "max_line_length": 64},
			says:  "1 control-connection line longer than 64 bytes cut",
		},
		{
			name: "replies to one command",
			build: func(c *capture) {
				k := c.login(c.control(0))
				k.send(client, "RETR big\r\n")
				for range 20 {
					k.send(server, "110 MARK 0 = 0\r\n")
				}
				k.close()
			},
			stats: map[string]int64{"replies_dropped": 4, "max_replies_per_command": 16},
			says:  "4 replies to a command past the first 16 not kept",
		},
		{
			name: "a long multi-line reply",
			build: func(c *capture) {
				k := c.control(0)
				k.send(server, strings.Repeat("220-welcome to the archive\r\n", 1100)+"220 ready\r\n")
				k.close()
			},
			stats: map[string]int64{"reply_lines_unlocated": 77, "max_reply_lines": 1024, "reply_texts_cut": 1, "max_reply_text": 1024},
			says:  "77 lines of multi-line replies past the first 1,024 of a reply not located by packet",
		},
		{
			name: "anomalies listed",
			build: func(c *capture) {
				k := c.login(c.control(0))
				k.send(server, strings.Repeat("200 unasked\n", 300)) // bare LF, answering nothing
				k.close()
			},
			stats: map[string]int64{"anomalies_dropped": 1, "max_listed_per_session": 256},
			says:  "past the first 256 of a session not kept as evidence (still counted in its anomalies)",
		},
		{
			name: "address mismatches",
			build: func(c *capture) {
				k := c.login(c.control(0))
				for range 257 {
					k.send(client, "PASV\r\n")
					k.send(server, "227 Entering Passive Mode (203,0,113,99,195,80)\r\n")
				}
				k.close()
			},
			stats: map[string]int64{"address_mismatches_dropped": 1, "max_listed_per_session": 256},
			says:  "1 PASV/PORT address mismatch past the first 256 of a session not kept as evidence",
		},
		{
			name: "TLS alerts",
			build: func(c *capture) {
				k := c.login(c.control(0))
				k.send(client, "AUTH TLS\r\n")
				k.send(server, "234 go ahead\r\n")
				k.send(client, string([]byte{22, 3, 1, 0, 4, 1, 0, 0, 0})) // a ClientHello's record header, body cut
				for range 9 {
					k.send(server, string([]byte{21, 3, 3, 0, 2, 1, 0})) // warning: close_notify
				}
				k.close()
			},
			stats: map[string]int64{"tls_alerts_dropped": 1, "max_tls_alerts": 8},
			says:  "1 TLS alert past the first 8 of a connection not kept",
		},
		{
			name: "SIZE answers",
			build: func(c *capture) {
				k := c.login(c.control(0))
				for i := range 257 {
					k.send(client, fmt.Sprintf("SIZE file%d\r\n", i))
					k.send(server, "213 100\r\n")
				}
				k.close()
			},
			stats: map[string]int64{"sizes_forgotten": 256, "max_sizes": 256},
			says:  "256 SIZE answers forgotten: a session remembers 256 files' sizes at once",
		},
		{
			name: "packet traces for the diagrams",
			opts: analysis.Options{Diagrams: true, Tracker: trackerLimits(func(o *trackerOpts) { o.MaxTracePoints = 32 })},
			build: func(c *capture) {
				k := c.login(c.control(0))
				for range 20 {
					k.send(client, "NOOP\r\n")
					k.send(server, "200 ok\r\n")
				}
				k.close()
			},
			stats: map[string]int64{"traces_cut": 1, "trace_points_dropped": 1, "max_trace_points": 32},
			says:  "1 connection's packet trace for the diagrams cut: ",
		},
		{
			name:  "diagrams",
			opts:  analysis.Options{Diagrams: true, MaxDiagramPoints: 1},
			build: func(c *capture) { c.login(c.control(0)).close() },
			stats: map[string]int64{"diagrams_dropped": 1, "max_diagram_points": 1},
			says:  "diagrams not drawn: the report's diagrams already held 1 packet or exchange",
		},
		{
			name: "listed sessions",
			opts: analysis.Options{MaxReported: 1},
			build: func(c *capture) {
				for i := range 2 {
					c.login(c.control(i)).close()
				}
			},
			stats: map[string]int64{"sessions_dropped": 1, "connections_dropped": 1, "max_reported": 1},
			says:  "1 FTP session not listed (listed at most 1; counted in the summary)",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCapture(t)
			tc.build(c)
			res, err := analysis.Files(context.Background(), []string{c.finish()}, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, format := range []string{report.FormatJSON, report.FormatNDJSON} {
				stats := reportedStats(t, res, format)
				for field, want := range tc.stats {
					limit := strings.HasPrefix(field, "max_")
					if got := stats[field]; got < want || limit && got != want {
						t.Errorf("%s stats %s = %d, want %s%d", format, field, got, map[bool]string{false: "at least ", true: ""}[limit], want)
					}
				}
			}
			for _, format := range []string{report.FormatTable, report.FormatMarkdown} {
				caps := capsLine(t, res, format)
				t.Logf("%s: %s", format, caps)
				if !strings.Contains(caps, tc.says) {
					t.Errorf("%s caps reached:\n%s\nwant it to say %q", format, caps, tc.says)
				}
			}
		})
	}
}

// A clean session reaches no cap: the caps line says none, and the JSON
// stats hold none of the caps' fields.
func TestCleanCaptureReachesNoCap(t *testing.T) {
	c := newCapture(t)
	c.login(c.control(0)).close()
	res, err := analysis.Files(context.Background(), []string{c.finish()}, analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if caps := capsLine(t, res, report.FormatTable); !strings.Contains(caps, "caps reached  none") {
		t.Errorf("caps line of a clean session: %q", caps)
	}
	for field := range reportedStats(t, res, report.FormatJSON) {
		if strings.HasSuffix(field, "_dropped") || strings.HasSuffix(field, "_cut") || field == "max_segment_log" {
			t.Errorf("a clean session's stats hold %s", field)
		}
	}
}

// reportedStats reads the stats object of a JSON report, or of an NDJSON
// report's summary (its last line).
func reportedStats(t *testing.T, res *analysis.Result, format string) map[string]int64 {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(&buf, res, report.Options{Format: format}); err != nil {
		t.Fatal(err)
	}
	doc := buf.Bytes()
	if format == report.FormatNDJSON {
		lines := bytes.Split(bytes.TrimSpace(doc), []byte("\n"))
		doc = lines[len(lines)-1]
	}
	var parsed struct {
		Stats map[string]any `json:"stats"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for k, v := range parsed.Stats {
		if f, ok := v.(float64); ok {
			out[k] = int64(f)
		}
	}
	return out
}

// capsLine returns the "caps reached" part of a table or markdown report,
// rendered wide enough that no sentence wraps.
func capsLine(t *testing.T, res *analysis.Result, format string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(&buf, res, report.Options{Format: format, Width: 2000}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	start := strings.Index(strings.ToLower(out), "caps reached")
	if start < 0 {
		t.Fatalf("%s report has no caps reached line:\n%s", format, out)
	}
	out = out[start:]
	if end := strings.Index(out, "\n- **Errors"); end >= 0 {
		out = out[:end]
	}
	return out
}

type (
	trackerOpts = tcpflow.Options
	dissectOpts = dissect.Options
)

func decodeLimits(maxFragBytes int) decode.Options { return decode.Options{MaxFragBytes: maxFragBytes} }

func trackerLimits(set func(*trackerOpts)) trackerOpts {
	var o trackerOpts
	set(&o)
	return o
}

func dissectLimits(set func(*dissectOpts)) dissectOpts {
	var o dissectOpts
	set(&o)
	return o
}

// Sides of a connection built by capture.
const (
	client = 0
	server = 1
)

// capture writes a pcap file packet by packet: TCP connections whose
// sequence numbers it keeps, ICMP errors quoting them and IP fragments,
// between documentation addresses, a millisecond apart.
type capture struct {
	t    *testing.T
	path string
	f    *os.File
	w    *pcapgo.Writer
	buf  gopacket.SerializeBuffer
	at   time.Time
}

func newCapture(t *testing.T) *capture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "caps.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	return &capture{t: t, path: path, f: f, w: w, buf: gopacket.NewSerializeBuffer(),
		at: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// finish closes the file and returns its path.
func (c *capture) finish() string {
	if err := c.f.Close(); err != nil {
		c.t.Fatal(err)
	}
	return c.path
}

// write adds one packet in an Ethernet frame.
func (c *capture) write(l ...gopacket.SerializableLayer) {
	c.t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	if err := gopacket.SerializeLayers(c.buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, append([]gopacket.SerializableLayer{eth}, l...)...); err != nil {
		c.t.Fatal(err)
	}
	data := c.buf.Bytes()
	c.at = c.at.Add(time.Millisecond)
	if err := c.w.WritePacket(gopacket.CaptureInfo{Timestamp: c.at, CaptureLength: len(data), Length: len(data)}, data); err != nil {
		c.t.Fatal(err)
	}
}

// conn is a TCP connection being written.
type conn struct {
	c    *capture
	ends [2]netip.AddrPort // client, server
	next [2]uint32         // each side's next sequence number
}

// control opens the i-th client's control connection to the FTP server.
func (c *capture) control(i int) *conn {
	return c.connect(clientAddr(i, 40000), netip.MustParseAddrPort("198.51.100.20:21"))
}

func clientAddr(i int, port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)}), port+uint16(i))
}

// connect writes a three-way handshake.
func (c *capture) connect(from, to netip.AddrPort) *conn {
	k := &conn{c: c, ends: [2]netip.AddrPort{from, to}, next: [2]uint32{1000, 5000}}
	k.segment(client, "", func(h *layers.TCP) { h.SYN, h.ACK = true, false })
	k.next[client]++
	k.segment(server, "", func(h *layers.TCP) { h.SYN = true })
	k.next[server]++
	k.segment(client, "", nil)
	return k
}

// syn writes the SYN of a connection attempt nobody answers.
func (c *capture) syn(i int) {
	k := &conn{c: c, ends: [2]netip.AddrPort{clientAddr(i, 40000), netip.MustParseAddrPort("198.51.100.20:21")}}
	k.segment(client, "", func(h *layers.TCP) { h.SYN, h.ACK = true, false })
}

// login writes a greeting and an anonymous login.
func (c *capture) login(k *conn) *conn {
	k.send(server, "220 ready\r\n")
	k.send(client, "USER anonymous\r\n")
	k.send(server, "331 password please\r\n")
	k.send(client, "PASS guest\r\n")
	k.send(server, "230 logged in\r\n")
	return k
}

// passiveRetr writes a passive-mode download on its own data connection.
func (c *capture) passiveRetr(k *conn, i int) {
	port := uint16(50000 + i)
	k.send(client, "PASV\r\n")
	k.send(server, fmt.Sprintf("227 Entering Passive Mode (198,51,100,20,%d,%d)\r\n", port>>8, port&0xff))
	d := c.connect(clientAddr(0, 41000+uint16(i)), netip.AddrPortFrom(k.ends[server].Addr(), port))
	k.send(client, fmt.Sprintf("RETR file%d\r\n", i))
	k.send(server, "150 opening\r\n")
	d.send(server, "hello\n")
	d.close()
	k.send(server, "226 done\r\n")
}

// send writes a segment of payload from one side.
func (k *conn) send(from int, payload string) {
	k.segment(from, payload, func(h *layers.TCP) { h.PSH = true })
	k.next[from] += uint32(len(payload))
}

// close writes the client's FIN, the server's FIN and the last ACK.
func (k *conn) close() {
	k.segment(client, "", func(h *layers.TCP) { h.FIN = true })
	k.next[client]++
	k.segment(server, "", func(h *layers.TCP) { h.FIN = true })
	k.next[server]++
	k.segment(client, "", nil)
}

// segment writes one TCP segment from a side at its next sequence number,
// acknowledging the other side's; edit sets further flags.
func (k *conn) segment(from int, payload string, edit func(*layers.TCP)) {
	src, dst := k.ends[from], k.ends[1-from]
	ip := ipv4(src.Addr(), dst.Addr(), layers.IPProtocolTCP)
	h := k.header(from)
	if edit != nil {
		edit(h)
	}
	h.SetNetworkLayerForChecksum(ip)
	k.c.write(ip, h, gopacket.Payload(payload))
}

func (k *conn) header(from int) *layers.TCP {
	src, dst := k.ends[from], k.ends[1-from]
	return &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: k.next[from], Ack: k.next[1-from], ACK: true, Window: 64240}
}

// unreachable writes a router's ICMP "host unreachable" quoting the
// client's next segment on k.
func (c *capture) unreachable(k *conn) {
	c.t.Helper()
	quoted := gopacket.NewSerializeBuffer()
	ip := ipv4(k.ends[client].Addr(), k.ends[server].Addr(), layers.IPProtocolTCP)
	h := k.header(client)
	h.SetNetworkLayerForChecksum(ip)
	if err := gopacket.SerializeLayers(quoted, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, h); err != nil {
		c.t.Fatal(err)
	}
	router := netip.MustParseAddr("203.0.113.1")
	c.write(ipv4(router, k.ends[client].Addr(), layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4CodeHost)},
		gopacket.Payload(quoted.Bytes()[:28])) // the IP header and 8 bytes of TCP, as RFC 792 quotes
}

// fragment writes one IPv4 fragment of a UDP datagram: offset in bytes (a
// multiple of 8), more its MF flag, size bytes of it.
func (c *capture) fragment(id uint16, offset int, more bool, size int) {
	ip := ipv4(netip.MustParseAddr("192.0.2.50"), netip.MustParseAddr("198.51.100.20"), layers.IPProtocolUDP)
	ip.Id, ip.FragOffset = id, uint16(offset/8)
	if more {
		ip.Flags = layers.IPv4MoreFragments
	}
	c.write(ip, gopacket.Payload(bytes.Repeat([]byte{0xab}, size)))
}

func ipv4(src, dst netip.Addr, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
}
