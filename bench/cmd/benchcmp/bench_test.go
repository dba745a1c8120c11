package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 1, 1}, 1},
	} {
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
}

func runs(walls ...float64) *cell {
	c := &cell{}
	for i, w := range walls {
		c.runs = append(c.runs, sample{wall: time.Duration(w * float64(time.Second))})
		c.rounds = append(c.rounds, i+1)
	}
	return c
}

func TestPairRatio(t *testing.T) {
	once := runs(20)
	once.once = true
	for _, c := range []struct {
		name     string
		num, den *cell
		want     float64
		ok       bool
	}{
		// round by round: 2/1, 4/4, 9/3 → median 2; the ratio of the
		// medians would be 4/3
		{"pairs rounds", runs(2, 4, 9), runs(1, 4, 3), 2, true},
		{"a command measured once meets every run", once, runs(1, 2, 4), 10, true},
		{"no runs", runs(), runs(1), 0, false},
		{"missing column", runs(1), nil, 0, false},
		{"failed command", runs(1), &cell{runs: runs(1).runs, rounds: []int{1}, err: errors.New("exit status 1")}, 0, false},
	} {
		got, ok := pairRatio(c.num, c.den)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: pairRatio = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func writePCAP(t *testing.T, path string, n int, nanos bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if nanos {
		w = pcapgo.NewWriterNanos(f)
	}
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		data := bytes.Repeat([]byte{byte(i)}, 60+i%1400)
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, int64(i)), CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInspectCountsPackets(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name  string
		n     int
		nanos bool
	}{{"empty", 0, false}, {"micro", 1234, false}, {"nano", 777, true}} {
		path := filepath.Join(dir, c.name+".pcap")
		writePCAP(t, path, c.n, c.nanos)
		info, err := inspect(path)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		st, _ := os.Stat(path)
		if info.packets != int64(c.n) || info.size != st.Size() {
			t.Errorf("%s: %d packets, %d bytes; want %d, %d", c.name, info.packets, info.size, c.n, st.Size())
		}
	}

	other := filepath.Join(dir, "capture.pcapng")
	os.WriteFile(other, []byte("\x0a\x0d\x0d\x0a not counted"), 0o644)
	if info, err := inspect(other); err != nil || info.packets != -1 {
		t.Errorf("pcapng: packets %d, err %v; want -1, nil", info.packets, err)
	}

	cut := filepath.Join(dir, "micro.pcap")
	data, _ := os.ReadFile(cut)
	os.WriteFile(cut, data[:len(data)-10], 0o644)
	if _, err := inspect(cut); err == nil {
		t.Error("truncated pcap: no error")
	}
	if _, err := countPCAP(bufio.NewReader(strings.NewReader("short"))); !errors.Is(err, errNotPCAP) {
		t.Errorf("5 bytes: err = %v, want errNotPCAP", err)
	}
}

func TestParseFlags(t *testing.T) {
	lim, err := parseLimits("large.pcap=150, synflood.pcap=300")
	if err != nil || lim["large.pcap"] != 150e6 || lim["synflood.pcap"] != 300e6 {
		t.Errorf("parseLimits = %v, %v", lim, err)
	}
	for _, bad := range []string{"large.pcap", "x=abc", "x=-1"} {
		if _, err := parseLimits(bad); err == nil {
			t.Errorf("parseLimits(%q): no error", bad)
		}
	}
	pairs, err := parsePairs("a.pcap:b.pcap")
	if err != nil || len(pairs) != 1 || pairs[0] != [2]string{"a.pcap", "b.pcap"} {
		t.Errorf("parsePairs = %v, %v", pairs, err)
	}
	if _, err := parsePairs("a.pcap"); err == nil {
		t.Error("parsePairs(a.pcap): no error")
	}
}

// TestRenderGolden renders made-up measurements; the golden file shows
// the table a person reads.
func TestRenderGolden(t *testing.T) {
	mk := func(path string, size, packets int64, walls map[string][]float64, rss map[string]int64) *result {
		r := &result{info: capInfo{path: path, size: size, packets: packets}}
		for _, id := range []string{"ftpcap", "tcpdump", "tshark-conv", "tshark-expert", "tcptrace"} {
			tl, _ := toolByID(id)
			c := runs(walls[id]...)
			c.tool = tl
			for i := range c.runs {
				c.runs[i].cpu = c.runs[i].wall * 9 / 10
				c.runs[i].maxRSS = rss[id]
			}
			if id == "tshark-expert" && len(walls[id]) == 1 {
				c.once = true
			}
			r.cells = append(r.cells, c)
		}
		return r
	}
	large := mk("bench-data/large.pcap", 993_897_078, 951_871,
		map[string][]float64{"ftpcap": {0.9, 1.0, 1.2}, "tcpdump": {0.5, 0.55, 0.6}, "tshark-conv": {8, 8.2, 7.9},
			"tshark-expert": {13.5}, "tcptrace": {1.7, 1.8, 1.75}},
		map[string]int64{"ftpcap": 120e6, "tcpdump": 6e6, "tshark-conv": 650e6, "tshark-expert": 651e6, "tcptrace": 5e6})
	small := mk("bench-data/large-100m.pcap", 99_238_551, 95_210,
		map[string][]float64{"ftpcap": {0.1, 0.1, 0.11}, "tcpdump": {0.05, 0.06, 0.05}, "tshark-conv": {0.8, 0.8, 0.8},
			"tshark-expert": {0.7, 0.7, 0.75}, "tcptrace": {0.2, 0.2, 0.2}},
		map[string]int64{"ftpcap": 90e6, "tcpdump": 6e6, "tshark-conv": 200e6, "tshark-expert": 200e6, "tcptrace": 4e6})
	small.cells[4].err = errors.New("run tcptrace: exit status 1")
	var out bytes.Buffer
	err := render(&out, []*result{large, small}, report{
		cpus: 2, runs: 3, slow: 12 * time.Second,
		rssLimits: map[string]int64{"large.pcap": 150e6},
		flat:      [][2]string{{"large-100m.pcap", "large.pcap"}},
		skipped:   []string{"example: a skipped tool is named here."},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "table.golden")
	if *update {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bench/cmd/benchcmp -update)", err)
	}
	if out.String() != string(want) {
		t.Errorf("table changed:\n%s\nwant:\n%s", out.String(), want)
	}
}
