package decode

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The decoder is checked against tshark, frame by frame. The golden files
// in testdata/*.tshark hold tshark's view of each capture, turned into one
// line of facts per frame in the format factsLine writes. They are written
// by
//
//	go test ./tcpflow/decode -run TestDecodeMatchesTshark -update
//
// which runs, for each capture (tshark 4.0.17 made the files here):
//
//	tshark -n -r CAPTURE -o tcp.relative_sequence_numbers:FALSE \
//	  -o tcp.analyze_sequence_numbers:FALSE -o ip.defragment:TRUE -o ipv6.defragment:TRUE \
//	  -T fields -E separator=/t -E occurrence=a -E aggregator=, \
//	  -e frame.number -e ip.src … (tsharkFields below)
var tsharkCases = []struct {
	name   string
	corpus string // path in the public corpus, or
	local  string // path under testdata
	what   string
}{
	{name: "ftp-ipv4", corpus: "zeek/Traces/ftp/ipv4.pcap", what: "Ethernet, IPv4 FTP with data connections"},
	{name: "ftp-ipv6", corpus: "zeek/Traces/ftp/ipv6.pcap", what: "Ethernet, IPv6 FTP with EPSV/EPRT"},
	{name: "smtp-frag-needed", corpus: "zeek/Traces/smtp.pcap", what: "ICMP fragmentation-needed quoting TCP, MTU 1492"},
	{name: "bigflows-frag-needed", corpus: "suricata-verify/tests/filestore-5408/input.pcap", what: "ICMP fragmentation-needed, MTU 1500"},
	{name: "icmp6-toobig", corpus: "zeek/Traces/icmp/icmp6-toobig.pcap", what: "ICMPv6 packet too big quoting UDP"},
	{name: "fragmented-syn", corpus: "zeek/Traces/ipv4/fragmented-syn.pcap", what: "a SYN in two IPv4 fragments"},
	{name: "fragmented-3", corpus: "zeek/Traces/ipv4/fragmented-3.pcap", what: "IPv4 fragments that never complete"},
	{name: "window-scale-range", corpus: "zeek/Traces/tcp/window-scale-range.pcap", what: "window scale shift 255"},
	{name: "tcp-scan", corpus: "nDPI/pcap/tcp_scan.pcapng", what: "SYN, FIN, NULL and XMAS probes, RSTs"},
	{name: "netcat-pcapng", corpus: "filesamples/200722_tcp_anon.pcapng", what: "pcapng"},
	{name: "rst-inject", corpus: "zeek/Traces/tcp/rst-inject-rae.pcap", what: "RST with odd reserved flags"},
	{name: "loopback-sll", local: "loopback-sll.pcap", what: "Linux cooked v1 (tcpdump -i any), IPv4 and IPv6"},
	{name: "loopback-sll2", local: "loopback-sll2.pcap", what: "Linux cooked v2 (tcpdump -i any -y LINUX_SLL2)"},
	{name: "mtu-path-sender", local: "mtu-path-sender.pcap", what: "make-mtu-path.sh, sender side: TSO super-packets, ICMPv6 packet-too-big quoting TCP, source fragments"},
	{name: "mtu-path-receiver", local: "mtu-path-receiver.pcap", what: "make-mtu-path.sh, receiver side: TCP segments fragmented by a router, IPv4 and IPv6 fragments"},
}

// tsharkFields are the columns asked of tshark, in order.
var tsharkFields = []string{
	"frame.number",
	"ip.src", "ip.dst", "ip.ttl", "ip.id", "ip.flags.df", "ip.len", "ip.hdr_len", "ip.proto",
	"ip.flags.mf", "ip.frag_offset", "ip.reassembled.length",
	"ipv6.src", "ipv6.dst", "ipv6.hlim", "ipv6.plen", "ipv6.nxt",
	"ipv6.fraghdr.nxt", "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.reassembled.length",
	"vlan.id",
	"tcp.srcport", "tcp.dstport", "tcp.seq", "tcp.ack", "tcp.flags", "tcp.window_size_value",
	"tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.sack_perm",
	"tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr", "tcp.len",
	"udp.srcport", "udp.dstport",
	"icmp.type", "icmp.code", "icmp.mtu",
	"icmpv6.type", "icmpv6.code", "icmpv6.mtu",
}

func TestDecodeMatchesTshark(t *testing.T) {
	for _, c := range tsharkCases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join("testdata", c.local)
			if c.corpus != "" {
				path = corpusPath(t, c.corpus)
			}
			golden := filepath.Join("testdata", c.name+".tshark")
			if *update {
				writeTsharkGolden(t, path, golden, c.what)
			}
			want := readGolden(t, golden)

			pkts := readCapture(t, path)
			kinds, decoded, errs, _ := decodeAll(t, pkts)
			var got []string
			for i := range pkts {
				if errs[i] != nil {
					t.Errorf("frame %d: %v", pkts[i].frame, errs[i])
				}
				got = append(got, factsLine(pkts[i].frame, kinds[i], &decoded[i]))
			}
			compareLines(t, got, want)
		})
	}
}

// factsLine writes the facts the golden files compare, tab-separated:
// frame, kind, the IP facts, then the TCP facts or the ICMP error facts.
func factsLine(frame int64, k Kind, p *Packet) string {
	f := []string{strconv.FormatInt(frame, 10), k.String()}
	if k == KindNonIP {
		return strings.Join(f, "\t")
	}
	f = append(f, p.Src.String(), p.Dst.String(), itoa(p.TTL), itoa(p.IPID), fmt.Sprint(p.DF), itoa(p.IPLen), "vlan="+itoa(p.VLAN))
	switch k {
	case KindTCP:
		ws, ts := "-", "-"
		if p.WScale != WScaleNone {
			ws = itoa(p.WScaleRaw)
		}
		if p.HasTS {
			ts = fmt.Sprintf("%d/%d", p.TSVal, p.TSEcr)
		}
		f = append(f, "tcp", itoa(p.SrcPort), itoa(p.DstPort), itoa(p.Seq), itoa(p.Ack), fmt.Sprintf("%#02x", p.Flags), itoa(p.Win),
			"mss="+itoa(p.MSS), "ws="+ws, "sack="+fmt.Sprint(p.SACKPerm), "ts="+ts, "len="+itoa(p.PayloadLen))
	case KindICMPError:
		e := &p.ICMP
		ports, seq := "-", "-"
		if e.HasPorts {
			ports = fmt.Sprintf("%d>%d", e.QSrcPort, e.QDstPort)
		}
		if e.HasSeq {
			seq = itoa(e.QSeq)
		}
		f = append(f, "icmp", itoa(e.Type), itoa(e.Code), "mtu="+itoa(e.MTU), e.QSrc.String(), e.QDst.String(), "proto="+itoa(e.QProto), ports, "seq="+seq)
	}
	return strings.Join(f, "\t")
}

func itoa[T ~int | ~uint8 | ~uint16 | ~uint32](v T) string { return strconv.FormatInt(int64(v), 10) }

// writeTsharkGolden runs tshark on a capture and writes its facts in
// factsLine's format.
func writeTsharkGolden(t *testing.T, capture, golden, what string) {
	t.Helper()
	args := []string{"-n", "-r", capture,
		"-o", "tcp.relative_sequence_numbers:FALSE", "-o", "tcp.analyze_sequence_numbers:FALSE",
		"-o", "ip.defragment:TRUE", "-o", "ipv6.defragment:TRUE",
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command("tshark", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.String())
	}
	version, _ := exec.Command("tshark", "--version").Output()
	firstLine, _, _ := strings.Cut(string(version), "\n")

	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# %s: %s\n", filepath.Base(capture), what)
	fmt.Fprintf(&buf, "# made by: go test ./tcpflow/decode -run TestDecodeMatchesTshark -update (%s)\n", strings.TrimSpace(firstLine))
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		buf.WriteString(tsharkFactsLine(t, sc.Text()))
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tsharkFactsLine turns one line of tshark fields into factsLine's format.
// Fields repeat for the packet an ICMP error quotes: the first occurrence
// is the outer packet's, the second the quoted one's.
func tsharkFactsLine(t *testing.T, line string) string {
	cols := strings.Split(line, "\t")
	get := func(name string, occ int) string {
		for i, f := range tsharkFields {
			if f == name && i < len(cols) {
				vals := strings.Split(cols[i], ",")
				if occ < len(vals) {
					return vals[occ]
				}
			}
		}
		return ""
	}
	num := func(name string, occ int) int64 {
		s := get(name, occ)
		if s == "" {
			return 0
		}
		v, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			t.Fatalf("tshark %s=%q: %v", name, s, err)
		}
		return v
	}
	frame := get("frame.number", 0)
	v6 := get("ipv6.src", 0) != ""
	if get("ip.src", 0) == "" && !v6 {
		return frame + "\tnon-ip"
	}

	icmpError := false
	if get("icmp.type", 0) != "" && get("ip.src", 1) != "" {
		switch num("icmp.type", 0) {
		case 3, 4, 5, 11, 12:
			icmpError = true
		}
	}
	if get("icmpv6.type", 0) != "" && get("ipv6.src", 1) != "" {
		switch num("icmpv6.type", 0) {
		case 1, 2, 3, 4:
			icmpError = true
		}
	}
	// tshark also dissects TCP headers carried as data (sFlow samples):
	// only a TCP header right after the IP header (or its fragment
	// header) is the packet's own.
	ownTCP := get("tcp.srcport", 0) != "" &&
		(v6 && (num("ipv6.nxt", 0) == 6 || num("ipv6.fraghdr.nxt", 0) == 6) || !v6 && num("ip.proto", 0) == 6)
	// A fragment that did not complete its datagram in this frame.
	reassembled := get("ip.reassembled.length", 0)
	fragment := !v6 && (get("ip.flags.mf", 0) == "1" || num("ip.frag_offset", 0) != 0)
	if v6 {
		reassembled = get("ipv6.reassembled.length", 0)
		fragment = get("ipv6.fraghdr.more", 0) == "1" || num("ipv6.fraghdr.offset", 0) != 0
	}
	kind := "other"
	switch {
	case icmpError:
		kind = "icmp-error"
	case ownTCP:
		kind = "tcp"
	case fragment && reassembled == "":
		kind = "fragment"
	}

	var f []string
	if v6 {
		ipLen := 40 + num("ipv6.plen", 0)
		if reassembled != "" {
			ipLen = 40 + num("ipv6.reassembled.length", 0)
		}
		f = []string{frame, kind, get("ipv6.src", 0), get("ipv6.dst", 0), get("ipv6.hlim", 0), "0", "false",
			strconv.FormatInt(ipLen, 10)}
	} else {
		ipLen := num("ip.len", 0)
		if reassembled != "" {
			ipLen = num("ip.hdr_len", 0) + num("ip.reassembled.length", 0)
		}
		f = []string{frame, kind, get("ip.src", 0), get("ip.dst", 0), get("ip.ttl", 0),
			strconv.FormatInt(num("ip.id", 0), 10), strconv.FormatBool(get("ip.flags.df", 0) == "1"), strconv.FormatInt(ipLen, 10)}
	}
	vlans := strings.Split(get("vlan.id", 0)+","+get("vlan.id", 1), ",")
	vlan := "0"
	for _, v := range vlans {
		if v != "" {
			vlan = v // the innermost tag comes last
		}
	}
	f = append(f, "vlan="+vlan)

	switch kind {
	case "tcp":
		ws, ts := "-", "-"
		if s := get("tcp.options.wscale.shift", 0); s != "" {
			ws = s
		}
		if s := get("tcp.options.timestamp.tsval", 0); s != "" {
			ts = s + "/" + get("tcp.options.timestamp.tsecr", 0)
		}
		f = append(f, "tcp", get("tcp.srcport", 0), get("tcp.dstport", 0), get("tcp.seq", 0), get("tcp.ack", 0),
			fmt.Sprintf("%#02x", num("tcp.flags", 0)&0xff), get("tcp.window_size_value", 0),
			"mss="+strconv.FormatInt(num("tcp.options.mss_val", 0), 10), "ws="+ws,
			"sack="+strconv.FormatBool(get("tcp.options.sack_perm", 0) != ""), "ts="+ts,
			"len="+strconv.FormatInt(num("tcp.len", 0), 10))
	case "icmp-error":
		var typ, code, mtu, proto int64
		var qsrc, qdst string
		if v6 {
			typ, code, mtu = num("icmpv6.type", 0), num("icmpv6.code", 0), num("icmpv6.mtu", 0)
			qsrc, qdst, proto = get("ipv6.src", 1), get("ipv6.dst", 1), num("ipv6.nxt", 1)
		} else {
			typ, code, mtu = num("icmp.type", 0), num("icmp.code", 0), num("icmp.mtu", 0)
			qsrc, qdst, proto = get("ip.src", 1), get("ip.dst", 1), num("ip.proto", 1)
		}
		ports, seq := "-", "-"
		switch {
		case get("tcp.srcport", 0) != "":
			ports = get("tcp.srcport", 0) + ">" + get("tcp.dstport", 0)
			if s := get("tcp.seq", 0); s != "" {
				seq = s
			}
		case get("udp.srcport", 0) != "":
			ports = get("udp.srcport", 0) + ">" + get("udp.dstport", 0)
		}
		f = append(f, "icmp", strconv.FormatInt(typ, 10), strconv.FormatInt(code, 10), "mtu="+strconv.FormatInt(mtu, 10),
			qsrc, qdst, "proto="+strconv.FormatInt(proto, 10), ports, "seq="+seq)
	}
	return strings.Join(f, "\t")
}

func readGolden(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// compareLines reports the differing lines, at most ten, as got/want
// pairs.
func compareLines(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d frames decoded, golden has %d", len(got), len(want))
	}
	shown := 0
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("line %d:\n got  %s\n want %s", i+1, got[i], want[i])
			if shown++; shown == 10 {
				t.Fatal("too many differences")
			}
		}
	}
}
