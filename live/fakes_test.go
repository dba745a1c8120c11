package live

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpcap/ftpcap/source"
)

// fakeCapture plays packets as a live capture would deliver them, with
// drop counters the test sets, numbering frames as the interface does.
type fakeCapture struct {
	pkts  [][]byte
	cis   []gopacket.CaptureInfo
	lt    layers.LinkType
	frame int64
	// ticks: deliver a tick at this capture time before packet i.
	ticks map[int]time.Time
	stats source.LiveStats
	// dropsAt adds drops when packet i is delivered.
	dropsAt map[int]int64
	err     error // the capture's failure, reported by Inputs at the end
	closed  bool
	ticked  map[int]bool
}

func (c *fakeCapture) Next(p *source.Packet) error {
	i := int(c.frame)
	if i >= len(c.pkts) {
		return io.EOF
	}
	if ts, ok := c.ticks[i]; ok && !c.ticked[i] {
		if c.ticked == nil {
			c.ticked = map[int]bool{}
		}
		c.ticked[i] = true
		*p = source.Packet{CI: gopacket.CaptureInfo{Timestamp: ts}, LinkType: c.lt}
		return nil
	}
	c.frame++
	c.stats.Packets++
	c.stats.KernelDropped += c.dropsAt[i]
	*p = source.Packet{Data: c.pkts[i], CI: c.cis[i], LinkType: c.lt, Frame: c.frame}
	return nil
}

func (c *fakeCapture) Close() error                { c.closed = true; return nil }
func (c *fakeCapture) PollStats() source.LiveStats { return c.stats }
func (c *fakeCapture) Inputs() []source.InputInfo {
	d := c.stats.Dropped()
	return []source.InputInfo{{Path: "eth0", Format: "live", Packets: c.stats.Packets, Dropped: &d, Err: c.err, EOF: c.err == nil}}
}

// readSample loads a capture file of samples/.
func readSample(t testing.TB, name string) *fakeCapture {
	t.Helper()
	f, err := os.Open("../samples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeCapture{lt: r.LinkType()}
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return c
		}
		if err != nil {
			t.Fatal(err)
		}
		ci.InterfaceIndex = 2 // as a live handle sets it: the interface's index, not the file's
		c.pkts = append(c.pkts, data)
		c.cis = append(c.cis, ci)
	}
}

// synthetic makes n packets of size bytes, one every gap from start.
func synthetic(n, size int, start time.Time, gap time.Duration) *fakeCapture {
	c := &fakeCapture{lt: layers.LinkTypeEthernet}
	for i := range n {
		data := make([]byte, size)
		data[0] = byte(i)
		c.pkts = append(c.pkts, data)
		c.cis = append(c.cis, gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(i) * gap), CaptureLength: size, Length: size})
	}
	return c
}

func evidenceOptions(path string, rot Rotation) EvidenceOptions {
	return EvidenceOptions{Path: path, Rotation: rot, LinkType: layers.LinkTypeEthernet, LinkTypeName: "Ethernet",
		Interface: "eth0", Filter: "tcp", Snaplen: 262144, Application: "ftpcap test"}
}
