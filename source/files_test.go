package source

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// Every capture of the public corpus reads completely, with the format
// and packet count capinfos gave (the .summary.txt oracles).
func TestCorpusMatchesCapinfos(t *testing.T) {
	if _, err := os.Stat(corpusRoot); err != nil {
		t.Skipf("public corpus not available (%s): %v", corpusRoot, err)
	}
	var summaries []string
	filepath.WalkDir(corpusRoot, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".summary.txt") {
			summaries = append(summaries, p)
		}
		return nil
	})
	if len(summaries) == 0 {
		t.Fatal("no .summary.txt oracle in the corpus")
	}
	re := regexp.MustCompile(`format=(\S+) linktype=(\S+) packets=(\d+)`)
	for _, s := range summaries {
		capture := strings.TrimSuffix(s, ".summary.txt")
		t.Run(strings.TrimPrefix(capture, corpusRoot+"/"), func(t *testing.T) {
			b, err := os.ReadFile(s)
			if err != nil {
				t.Fatal(err)
			}
			m := re.FindStringSubmatch(string(b))
			if m == nil {
				t.Fatalf("no format/linktype/packets in %s", s)
			}
			wantPackets, _ := strconv.ParseInt(m[3], 10, 64)
			f, pkts := openAll(t, []string{capture}, Options{})
			info := f.Inputs()[0]
			if info.Err != nil || len(f.Errors()) > 0 || !info.EOF {
				t.Fatalf("err %v, errors %v, eof %v", info.Err, f.Errors(), info.EOF)
			}
			if int64(len(pkts)) != wantPackets || info.Packets != wantPackets {
				t.Errorf("%d packets read, info says %d; capinfos says %d", len(pkts), info.Packets, wantPackets)
			}
			if info.Format != m[1] {
				t.Errorf("format %q, capinfos says %q", info.Format, m[1])
			}
			if m[2] == "ether" && !slices.Equal(info.LinkTypes, []string{"Ethernet"}) {
				t.Errorf("link types %q, capinfos says Ethernet", info.LinkTypes)
			}
			for i, p := range pkts {
				if p.frame != int64(i+1) || p.input != 0 {
					t.Fatalf("packet %d: frame %d input %d", i, p.frame, p.input)
				}
			}
		})
	}
}

// One capture written in every format and byte order we read, plain and
// gzip-compressed, reads back as the same packets.
func TestFormatsReadTheSame(t *testing.T) {
	orig := corpusPath(t, "zeek/Traces/ftp/ipv4.pcap")
	_, want := openAll(t, []string{orig}, Options{})
	recs := recordsOf(want)
	micro := pcapBytes(t, layers.LinkTypeEthernet, recs, false)
	nano := pcapBytes(t, layers.LinkTypeEthernet, recs, true)
	ng := pcapngBytes(t, layers.LinkTypeEthernet, recs)
	variants := []struct {
		name, format string
		b            []byte
	}{
		{"pcap-micro-le", "pcap", micro},
		{"pcap-nano-le", "pcap", nano},
		{"pcap-micro-be", "pcap", bigEndianPcap(t, micro)},
		{"pcap-nano-be", "pcap", bigEndianPcap(t, nano)},
		{"pcapng", "pcapng", ng},
	}
	dir := t.TempDir()
	for _, v := range variants {
		for _, gz := range []bool{false, true} {
			name, b, comp := v.name, v.b, ""
			if gz {
				name, b, comp = name+"-gzip", gzipBytes(t, b), "gzip"
			}
			t.Run(name, func(t *testing.T) {
				// No extension: the format is found by its magic number.
				path := writeTemp(t, dir, name, b)
				f, pkts := openAll(t, []string{path}, Options{})
				info := f.Inputs()[0]
				if info.Format != v.format || info.Compression != comp || info.Err != nil || !info.EOF {
					t.Errorf("info %+v", info)
				}
				if len(pkts) != len(want) {
					t.Fatalf("%d packets, want %d", len(pkts), len(want))
				}
				for i := range want {
					g, w := pkts[i], want[i]
					if !g.ts.Equal(w.ts) || g.frame != w.frame || g.lt != w.lt || g.wire != w.wire || string(g.data) != string(w.data) {
						t.Fatalf("packet %d: got frame %d %v %v len %d/%d, want frame %d %v %v len %d/%d",
							i, g.frame, g.ts, g.lt, len(g.data), g.wire, w.frame, w.ts, w.lt, len(w.data), w.wire)
					}
				}
			})
		}
	}
}

// A pcapng file whose interfaces have different link types delivers each
// packet with its own interface's link type (dumpcap -i lo -i any: lo is
// Ethernet, any is Linux cooked v1), and its interface statistics give
// the drop count.
func TestPcapngMixedLinkTypes(t *testing.T) {
	f, pkts := openAll(t, []string{filepath.Join("testdata", "lo-and-any.pcapng")}, Options{})
	info := f.Inputs()[0]
	if info.Format != "pcapng" || len(pkts) != 26 || info.Err != nil {
		t.Fatalf("format %q, %d packets, err %v", info.Format, len(pkts), info.Err)
	}
	if !slices.Equal(info.LinkTypes, []string{"Linux cooked v1", "Ethernet"}) {
		t.Errorf("link types %q", info.LinkTypes)
	}
	// tshark -T fields -e frame.interface_id -e frame.encap_type: 13 on
	// interface 0 (Ethernet), 13 on interface 1 (SLL).
	byIface := map[int]layers.LinkType{0: layers.LinkTypeEthernet, 1: layers.LinkTypeLinuxSLL}
	count := map[int]int{}
	for _, p := range pkts {
		if p.lt != byIface[p.iface] {
			t.Errorf("frame %d on interface %d: link type %v", p.frame, p.iface, p.lt)
		}
		count[p.iface]++
	}
	if count[0] != 13 || count[1] != 13 {
		t.Errorf("packets per interface %v, want 13 and 13", count)
	}
	if info.Dropped == nil || *info.Dropped != 0 {
		t.Errorf("dropped %v, want 0 from the interface statistics", info.Dropped)
	}
	if info.Snaplen != 262144 {
		t.Errorf("snaplen %d", info.Snaplen)
	}
}

// Concatenated pcapng files are one file of several sections; interfaces
// restart with each section.
func TestPcapngSections(t *testing.T) {
	a, err := os.ReadFile(corpusPath(t, "filesamples/200722_tcp_anon.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "lo-and-any.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	path := writeTemp(t, t.TempDir(), "two-sections", append(a, b...))
	f, pkts := openAll(t, []string{path}, Options{})
	info := f.Inputs()[0]
	if len(pkts) != 35+26 || info.Err != nil {
		t.Fatalf("%d packets, err %v", len(pkts), info.Err)
	}
	if !slices.Equal(info.LinkTypes, []string{"Ethernet", "Linux cooked v1"}) {
		t.Errorf("link types %q", info.LinkTypes)
	}
	for i, p := range pkts {
		if p.frame != int64(i+1) {
			t.Fatalf("packet %d has frame %d", i, p.frame)
		}
	}
	if last := pkts[len(pkts)-1]; last.iface != 0 || last.lt != layers.LinkTypeEthernet {
		t.Errorf("last packet: interface %d link type %v, want 0 Ethernet", last.iface, last.lt)
	}
	if info.Dropped == nil || *info.Dropped != 0 {
		t.Errorf("dropped %v", info.Dropped)
	}
}

// Several files merge into one capture in time order, with frame numbers
// counted per file.
func TestMergeByTime(t *testing.T) {
	_, all := openAll(t, []string{corpusPath(t, "zeek/Traces/ftp/ipv4.pcap")}, Options{})
	for i := 1; i < len(all); i++ {
		if all[i].ts.Before(all[i-1].ts) {
			t.Fatal("the capture is not in time order; pick another")
		}
	}
	recs := recordsOf(all)
	dir := t.TempDir()

	t.Run("interleaved", func(t *testing.T) {
		var odd, even []record
		for i, r := range recs {
			if i%2 == 0 {
				odd = append(odd, r)
			} else {
				even = append(even, r)
			}
		}
		a := writeTemp(t, dir, "odd.pcap", pcapBytes(t, layers.LinkTypeEthernet, odd, false))
		b := writeTemp(t, dir, "even.pcapng", pcapngBytes(t, layers.LinkTypeEthernet, even))
		_, pkts := openAll(t, []string{a, b}, Options{})
		if len(pkts) != len(all) {
			t.Fatalf("%d packets, want %d", len(pkts), len(all))
		}
		for i, p := range pkts {
			wantInput, wantFrame := i%2, int64(i/2+1)
			if p.input != wantInput || p.frame != wantFrame || string(p.data) != string(all[i].data) {
				t.Fatalf("packet %d: input %d frame %d, want input %d frame %d (same bytes as frame %d)",
					i, p.input, p.frame, wantInput, wantFrame, i+1)
			}
		}
	})

	t.Run("rotated files given out of order", func(t *testing.T) {
		half := len(recs) / 2
		first := writeTemp(t, dir, "part1", pcapBytes(t, layers.LinkTypeEthernet, recs[:half], false))
		second := writeTemp(t, dir, "part2", pcapBytes(t, layers.LinkTypeEthernet, recs[half:], false))
		_, pkts := openAll(t, []string{second, first}, Options{})
		for i, p := range pkts {
			wantInput, wantFrame := 1, int64(i+1)
			if i >= half {
				wantInput, wantFrame = 0, int64(i-half+1)
			}
			if p.input != wantInput || p.frame != wantFrame || !p.ts.Equal(all[i].ts) {
				t.Fatalf("packet %d: input %d frame %d, want input %d frame %d", i, p.input, p.frame, wantInput, wantFrame)
			}
		}
	})

	t.Run("equal timestamps go to the file given first", func(t *testing.T) {
		same := writeTemp(t, dir, "same", pcapBytes(t, layers.LinkTypeEthernet, recs[:10], false))
		_, pkts := openAll(t, []string{same, same, same}, Options{})
		for i, p := range pkts {
			if p.input != i%3 || p.frame != int64(i/3+1) {
				t.Fatalf("packet %d: input %d frame %d, want input %d frame %d", i, p.input, p.frame, i%3, i/3+1)
			}
		}
	})
}

// The filter is libpcap's, applied to files; frame numbers still count
// the packets it skips.
func TestFilter(t *testing.T) {
	t.Run("tcp port 21", func(t *testing.T) {
		f, pkts := openAll(t, []string{corpusPath(t, "zeek/Traces/ftp/ipv4.pcap")}, Options{Filter: "tcp port 21"})
		// tshark -r ipv4.pcap -Y tcp.port==21 -T fields -e frame.number
		want := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 25, 26, 27, 32, 33, 35,
			36, 37, 38, 39, 41, 44, 45, 49, 52, 53, 54, 55, 56, 57, 58, 59, 66, 68, 70, 71, 72, 73, 74, 75, 76, 77, 80, 86,
			88, 89, 90, 91, 92, 93, 94, 95}
		var frames []int64
		for _, p := range pkts {
			frames = append(frames, p.frame)
		}
		if !slices.Equal(frames, want) {
			t.Errorf("frames %v\nwant %v", frames, want)
		}
		info := f.Inputs()[0]
		if info.Packets != int64(len(want)) || info.Filtered != 95-int64(len(want)) {
			t.Errorf("packets %d filtered %d", info.Packets, info.Filtered)
		}
	})
	t.Run("mixed link types", func(t *testing.T) {
		// One program per link type: the same expression must match on
		// the Ethernet and the Linux cooked interface.
		_, pkts := openAll(t, []string{filepath.Join("testdata", "lo-and-any.pcapng")}, Options{Filter: "tcp src port 18021"})
		// tshark -r lo-and-any.pcapng -Y tcp.srcport==18021
		want := []int64{2, 5, 6, 8, 11, 13, 15, 18, 19, 21, 24, 26}
		var frames []int64
		for _, p := range pkts {
			frames = append(frames, p.frame)
		}
		if !slices.Equal(frames, want) {
			t.Errorf("frames %v, want %v", frames, want)
		}
	})
	t.Run("not for this link type", func(t *testing.T) {
		// "ether" means nothing on raw IP: that file stops at its first
		// packet, the Ethernet one is filtered.
		_, eth := openAll(t, []string{corpusPath(t, "zeek/Traces/ftp/ipv4.pcap")}, Options{})
		var raw []record
		for _, r := range recordsOf(eth) {
			r.data = r.data[14:]
			r.ci.CaptureLength -= 14
			r.ci.Length -= 14
			raw = append(raw, r)
		}
		dir := t.TempDir()
		rawPath := writeTemp(t, dir, "raw.pcap", pcapBytes(t, layers.LinkTypeRaw, raw, false))
		ethPath := writeTemp(t, dir, "eth.pcap", pcapBytes(t, layers.LinkTypeEthernet, recordsOf(eth), false))
		f, pkts := openAll(t, []string{rawPath, ethPath}, Options{Filter: "ether src 00:00:00:00:00:00"})
		infos := f.Inputs()
		var re *ReadError
		if !errors.As(infos[0].Err, &re) || re.Frame != 1 || !strings.Contains(re.Error(), `compile filter "ether src 00:00:00:00:00:00" for link type Raw IP: `) {
			t.Errorf("raw IP input: %v", infos[0].Err)
		}
		if infos[1].Err != nil || infos[1].Filtered != 95 || len(pkts) != 0 {
			t.Errorf("Ethernet input: %+v, %d packets", infos[1], len(pkts))
		}
	})
	t.Run("invalid", func(t *testing.T) {
		f, err := OpenFiles([]string{"does-not-matter.pcap"}, Options{Filter: "tcp port"})
		if f != nil || err == nil || !strings.HasPrefix(err.Error(), `compile filter "tcp port" for link type Ethernet: `) {
			t.Errorf("got %v, %v", f, err)
		}
	})
}

// stdin is read like a file, gzip included.
func TestStdin(t *testing.T) {
	orig := corpusPath(t, "zeek/Traces/ftp/ipv4.pcap")
	b, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	stdin := writeTemp(t, t.TempDir(), "stdin", gzipBytes(t, b))
	fd, err := os.Open(stdin)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	saved := os.Stdin
	os.Stdin = fd
	defer func() { os.Stdin = saved }()

	f, pkts := openAll(t, []string{"-", "-"}, Options{})
	if len(pkts) != 95 {
		t.Errorf("%d packets from stdin", len(pkts))
	}
	infos := f.Inputs()
	if infos[0].Path != "-" || infos[0].Compression != "gzip" || infos[0].Packets != 95 {
		t.Errorf("stdin info %+v", infos[0])
	}
	if err := infos[1].Err; err == nil || err.Error() != "open stdin: stdin given more than once" {
		t.Errorf("second stdin: %v", err)
	}
}

func TestNextAfterClose(t *testing.T) {
	f, err := OpenFiles([]string{filepath.Join("testdata", "lo-and-any.pcapng")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var p Packet
	if err := f.Next(&p); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Next(&p); err == nil {
		t.Error("Next after Close returned no error")
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if f.Inputs()[0].Packets != 1 {
		t.Errorf("Inputs after Close: %+v", f.Inputs()[0])
	}
}

// Reading allocates nothing per packet.
func TestNextDoesNotAllocate(t *testing.T) {
	for _, path := range []string{
		corpusPath(t, "zeek/Traces/http/206_example_b.pcap"),
		filepath.Join("testdata", "lo-and-any.pcapng"),
	} {
		f, err := OpenFiles([]string{path}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var p Packet
		f.Next(&p) // buffers grow on the first packets
		f.Next(&p)
		if n := testing.AllocsPerRun(20, func() {
			if err := f.Next(&p); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per packet", filepath.Base(path), n)
		}
		f.Close()
	}
}
