package dissect

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// corpusDir is the public capture corpus, relative to this package
// (the repository's ../shared/corpus/public).
const corpusDir = "../../shared/corpus/public"

// corpusCaptures lists the FTP captures of the corpus (those with a tshark
// FTP oracle), or skips the test when the corpus is absent.
func corpusCaptures(tb testing.TB) []string {
	tb.Helper()
	out := findCorpusCaptures()
	if len(out) == 0 {
		tb.Skipf("public capture corpus not found at %s (it sits next to the repository as ../shared/corpus/public)", corpusDir)
	}
	return out
}

// findCorpusCaptures lists the FTP captures of the corpus; none when it is
// absent.
func findCorpusCaptures() []string {
	var out []string
	_ = filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".tshark-ftp.tsv") {
			out = append(out, strings.TrimSuffix(p, ".tshark-ftp.tsv"))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// replayed is what a capture gave: the sessions, the analyzer's counters
// and every control-port stream's bytes (for fuzz seeds).
type replayed struct {
	sessions []*Session
	stats    Stats
	conns    int
	streams  [][2][]byte // per control-port connection: client bytes, server bytes
}

// replayConn is a connection of the minimal tracker below.
type replayConn struct {
	c       *tcpflow.Conn
	next    [2]uint32
	started [2]bool
	sniffed [2]bool
	stream  int // index in replayed.streams, -1 if not a control port
}

// replay feeds a capture through an Analyzer with a minimal stand-in for
// the tracker: connections keyed by 4-tuple, oriented by SYN or port,
// in-order delivery with retransmissions dropped and out-of-order data
// treated as a gap. The real tracker is tested on its own; this keeps the
// dissector's corpus tests independent of it.
func replay(tb testing.TB, path string, opts Options) replayed {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("replay %s: %v", path, err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, _ := br.Peek(4)
	type source interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var src source
	var link layers.LinkType
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			tb.Fatalf("replay %s: %v", path, err)
		}
		src, link = r, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(br)
		if err != nil {
			tb.Fatalf("replay %s: %v", path, err)
		}
		src, link = r, r.LinkType()
	}

	var out replayed
	a := New(opts, func(s *Session) { out.sessions = append(out.sessions, s) })
	type key struct{ a, b netip.AddrPort }
	conns := map[key]*replayConn{}
	var order []*replayConn
	ports := newPortSet(opts.withDefaults().ControlPorts)
	for frame := int64(1); ; frame++ {
		data, ci, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("replay %s: frame %d: %v", path, frame, err)
		}
		at := tcpflow.Ref{Frame: frame, TS: ci.Timestamp.UnixNano()}
		pkt := gopacket.NewPacket(data, link, gopacket.NoCopy)
		var srcIP, dstIP netip.Addr
		switch ip := pkt.NetworkLayer().(type) {
		case *layers.IPv4:
			srcIP, _ = netip.AddrFromSlice(ip.SrcIP.To4())
			dstIP, _ = netip.AddrFromSlice(ip.DstIP.To4())
		case *layers.IPv6:
			srcIP, _ = netip.AddrFromSlice(ip.SrcIP)
			dstIP, _ = netip.AddrFromSlice(ip.DstIP)
		default:
			continue
		}
		tcp, ok := pkt.TransportLayer().(*layers.TCP)
		if !ok {
			continue
		}
		s := netip.AddrPortFrom(srcIP, uint16(tcp.SrcPort))
		d := netip.AddrPortFrom(dstIP, uint16(tcp.DstPort))
		k := key{s, d}
		if d.Compare(s) < 0 {
			k = key{d, s}
		}
		rc := conns[k]
		if rc == nil {
			client, server := s, d
			switch {
			case tcp.SYN && tcp.ACK:
				client, server = d, s
			case tcp.SYN:
			case ports.has(s.Port()) || (!ports.has(d.Port()) && s.Port() < d.Port()):
				client, server = d, s
			}
			rc = &replayConn{stream: -1, c: &tcpflow.Conn{
				ID: uint64(len(order) + 1), Client: client, Server: server,
				First: at, Last: at, Midstream: !tcp.SYN,
			}}
			if ports.has(server.Port()) {
				rc.stream = len(out.streams)
				out.streams = append(out.streams, [2][]byte{})
			}
			conns[k] = rc
			order = append(order, rc)
			a.Opened(rc.c)
		}
		c := rc.c
		c.Last = at
		dir := tcpflow.FromClient
		if s != c.Client {
			dir = tcpflow.FromServer
		}
		h := &c.Half[dir]
		h.Packets++
		h.Bytes += int64(len(tcp.Payload))
		if tcp.SYN && !h.SawSYN {
			h.SawSYN, h.SYN = true, at
			rc.next[dir], rc.started[dir] = tcp.Seq+1, true
		}
		if tcp.FIN && h.FIN.IsZero() {
			h.FIN = at
		}
		if tcp.RST {
			h.RSTCount++
			if h.RST.IsZero() {
				h.RST = at
			}
		}
		payload := tcp.Payload
		if len(payload) == 0 {
			continue
		}
		if !c.Reassemble && !rc.sniffed[dir] {
			rc.sniffed[dir] = true
			c.Reassemble = a.Sniff(c, dir, payload)
		}
		if !c.Reassemble {
			continue
		}
		if !rc.started[dir] {
			rc.next[dir], rc.started[dir] = tcp.Seq, true
		}
		if ahead := int32(tcp.Seq - rc.next[dir]); ahead > 0 {
			a.Gap(c, dir, int64(ahead), at)
			rc.next[dir] = tcp.Seq
		}
		skip := int(int32(rc.next[dir] - tcp.Seq))
		if skip >= len(payload) {
			continue // retransmission
		}
		a.Data(c, dir, payload[skip:], at)
		if rc.stream >= 0 {
			out.streams[rc.stream][dir] = append(out.streams[rc.stream][dir], payload[skip:]...)
		}
		rc.next[dir] = tcp.Seq + uint32(len(payload))
	}
	for _, rc := range order {
		rc.c.Closed = tcpflow.ClosedEOF
		a.Closed(rc.c)
	}
	a.Flush()
	out.stats, out.conns = a.Stats(), len(order)
	return out
}

// tsvRow is one row of a tshark FTP oracle.
type tsvRow struct {
	frame     int64
	command   string
	arg       string
	code      int
	hasCode   bool
	direction string
}

func readTSV(tb testing.TB, path string) []tsvRow {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	var rows []tsvRow
	for i, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if i == 0 {
			continue // header
		}
		f := strings.Split(l, "\t")
		if len(f) != 8 {
			tb.Fatalf("%s line %d: %d fields", path, i+1, len(f))
		}
		frame, _ := strconv.ParseInt(f[0], 10, 64)
		r := tsvRow{frame: frame, command: f[5], arg: f[6]}
		if f[7] != "" {
			r.code, _ = strconv.Atoi(f[7])
			r.hasCode = true
		}
		rows = append(rows, r)
	}
	return rows
}

// TestCorpusAgainstTshark replays every FTP capture of the public corpus
// and checks each command and reply code tshark reports against the
// dissector: a command row must be a command parsed from that frame (verb
// and argument), a reply-code row must be a reply line starting in that
// frame with that code; and every command parsed must be in tshark's rows.
func TestCorpusAgainstTshark(t *testing.T) {
	for _, capture := range corpusCaptures(t) {
		name, _ := filepath.Rel(corpusDir, capture)
		t.Run(name, func(t *testing.T) {
			r := replay(t, capture, Options{ShowPasswords: true})
			commands := map[int64][]Command{}
			codes := map[int64][]int{}
			for _, s := range r.sessions {
				for _, ex := range s.Log {
					if ex.Cmd != nil {
						commands[ex.Cmd.At.Frame] = append(commands[ex.Cmd.At.Frame], *ex.Cmd)
					}
					for _, rep := range ex.Replies {
						for _, ls := range rep.LineStarts {
							codes[ls.At.Frame] = append(codes[ls.At.Frame], ls.Code)
						}
					}
				}
			}
			tsvFrames := map[int64]tsvRow{}
			for _, row := range readTSV(t, capture+".tshark-ftp.tsv") {
				tsvFrames[row.frame] = row
				if row.command != "" {
					if !slices.ContainsFunc(commands[row.frame], func(c Command) bool {
						return c.Verb == strings.ToUpper(row.command) && c.Arg == row.arg
					}) {
						t.Errorf("frame %d: tshark has %s %q, dissector has %+v", row.frame, row.command, row.arg, commands[row.frame])
					}
				}
				if row.hasCode && !slices.Contains(codes[row.frame], row.code) {
					t.Errorf("frame %d: tshark has reply %d, dissector has line codes %v", row.frame, row.code, codes[row.frame])
				}
			}
			for frame, cmds := range commands {
				if row, ok := tsvFrames[frame]; !ok || row.command == "" {
					t.Errorf("frame %d: dissector has %+v, tshark has no command", frame, cmds)
				}
			}
		})
	}
}

// TestCorpusDataLinks checks, capture by capture, that every data
// connection is linked to a transfer and how; these captures hold nothing
// but FTP control and data connections (output-eve-ftp-data also has
// unrelated traffic).
func TestCorpusDataLinks(t *testing.T) {
	want := map[string]struct {
		sessions, linked, transfers int
	}{
		"zeek/Traces/ftp/ipv4.pcap":                                                         {1, 4, 4},
		"zeek/Traces/ftp/ipv6.pcap":                                                         {1, 5, 5},
		"zeek/Traces/ftp/bigtransfer.pcap":                                                  {1, 2, 2},
		"zeek/Traces/ftp/bruteforce.pcap":                                                   {30, 0, 0},
		"nDPI/pcap/ftp.pcap":                                                                {1, 2, 2},
		"suricata-verify/tests/ftp/ftp-download-active/input.pcap":                          {1, 3, 3},
		"suricata-verify/tests/ftp/ftp-upload-passive/input.pcap":                           {1, 3, 3},
		"suricata-verify/tests/output-eve-ftp-data/input.pcap":                              {1, 2, 2},
		"suricata-verify/tests/firewall/ruletype-firewall-116-ftp-all-data-ipv4/input.pcap": {2, 14, 14},
		"suricata-verify/tests/firewall/ruletype-firewall-117-ftp-all-data-ipv6/input.pcap": {2, 14, 14},
	}
	seen := 0
	for _, capture := range corpusCaptures(t) {
		name, _ := filepath.Rel(corpusDir, capture)
		w, ok := want[name]
		if !ok {
			continue
		}
		seen++
		r := replay(t, capture, Options{})
		transfers, linked := 0, 0
		for i, s := range r.sessions {
			if s.ID != i+1 {
				t.Errorf("%s: session %d has ID %d", name, i, s.ID)
			}
			for _, tr := range s.Transfers {
				transfers++
				if tr.Conn == nil {
					t.Errorf("%s: S%d %s %q has no data connection", name, s.ID, tr.Cmd, tr.Path)
					continue
				}
				linked++
				if tr.Data.Match != MatchHosts || tr.Inferred || tr.Conn.User != tr.Data {
					t.Errorf("%s: S%d %s linked as %+v", name, s.ID, tr.Cmd, tr.Data)
				}
			}
		}
		st := r.stats
		if len(r.sessions) != w.sessions || transfers != w.transfers || linked != w.linked ||
			st.DataLinked != int64(w.linked) || st.DataUnclaimed != 0 || st.ExpectationsExpired != 0 {
			t.Errorf("%s: %d sessions, %d transfers, %d linked, stats %+v; want %+v", name, len(r.sessions), transfers, linked, st, w)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d captures", seen, len(want))
	}
}

// TestCorpusAgainstZeekDataChannels checks the negotiated data endpoints
// against Zeek's ftp.log: each data_channel Zeek logs is a transfer's
// endpoint here, in the same mode.
func TestCorpusAgainstZeekDataChannels(t *testing.T) {
	corpusCaptures(t)
	for capture, log := range map[string]string{
		"zeek/Traces/ftp/ipv4.pcap":                 "zeek/Baseline/scripts.base.protocols.ftp.ftp-ipv4/ftp.log",
		"zeek/Traces/ftp/ipv6.pcap":                 "zeek/Baseline/scripts.base.protocols.ftp.ftp-ipv6/ftp.log",
		"zeek/Traces/ftp/ipv6-multiline-reply.pcap": "zeek/Baseline/scripts.base.protocols.ftp.ftp-multiline-reply/ftp.log",
		"zeek/Traces/ftp/ipv6-retr-samba.pcap":      "zeek/Baseline/scripts.base.protocols.ftp.ftp-samba-retr/ftp.log",
	} {
		r := replay(t, filepath.Join(corpusDir, capture), Options{})
		endpoints := map[string]Mode{}
		for _, s := range r.sessions {
			for _, tr := range s.Transfers {
				endpoints[tr.Endpoint.String()] = tr.Mode
			}
		}
		b, err := os.ReadFile(filepath.Join(corpusDir, log))
		if err != nil {
			t.Fatalf("read %s: %v", log, err)
		}
		var cols map[string]int
		checked := 0
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Split(l, "\t")
			if f[0] == "#fields" {
				cols = map[string]int{}
				for i, name := range f[1:] {
					cols[name] = i
				}
				continue
			}
			if strings.HasPrefix(l, "#") || cols == nil || len(f) < len(cols) || f[cols["data_channel.resp_h"]] == "-" {
				continue
			}
			ep := netip.AddrPortFrom(netip.MustParseAddr(f[cols["data_channel.resp_h"]]),
				uint16(must(strconv.Atoi(f[cols["data_channel.resp_p"]]))))
			mode := ModeActive
			if f[cols["data_channel.passive"]] == "T" {
				mode = ModePassive
			}
			if got, ok := endpoints[ep.String()]; !ok || got != mode {
				t.Errorf("%s: Zeek has %s data channel %s (%s); transfers have %v", capture, mode, ep, f[cols["command"]], endpoints)
			}
			checked++
		}
		if checked == 0 {
			t.Errorf("%s: no data channel in %s", capture, log)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
