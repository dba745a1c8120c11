package analysis_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/source"
)

// truncating cuts its file to a third after a number of packets, as a
// log rotation that truncates in place would, while the file is read.
type truncating struct {
	*source.Files
	path  string
	after int
	to    func(size int64) int64
	n     int
}

func (r *truncating) Next(p *source.Packet) error {
	r.n++
	if r.n == r.after {
		st, err := os.Stat(r.path)
		if err == nil {
			os.Truncate(r.path, r.to(st.Size()))
		}
	}
	return r.Files.Next(p)
}

// TestFileCutWhileRead: a memory-mapped capture truncated while it is
// read ends that input with an error; the packets before it are analysed
// and nothing crashes.
func TestFileCutWhileRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.pcap")
	const packets = 12000
	cuts := []struct {
		name string
		to   func(int64) int64
	}{
		// Well ahead of the reading: the reader finds the new end.
		{"far ahead", func(size int64) int64 { return size / 3 }},
		// Just ahead, among pages already mapped in: touching them
		// faults, and the fault ends the input.
		{"just ahead", func(int64) int64 { return 1000*1518 + 200<<10 }},
	}
	for _, cut := range cuts {
		for _, parallel := range []bool{true, false} {
			writeBulkCapture(t, path, packets)
			files, err := source.OpenFiles([]string{path}, source.Options{})
			if err != nil {
				t.Fatal(err)
			}
			src := &truncating{Files: files, path: path, after: 1000, to: cut.to}
			res, err := analysis.Run(context.Background(), src, files.Inputs, analysis.Options{Parallel: parallel})
			files.Close()
			if err != nil {
				t.Fatalf("%s, parallel %v: %v", cut.name, parallel, err)
			}
			if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error, "cut short") {
				t.Errorf("%s, parallel %v: errors %+v, want one saying the input was cut short", cut.name, parallel, res.Errors)
			}
			if got := res.Stats.Packets; got < 900 || got >= packets {
				t.Errorf("%s, parallel %v: %d packets analysed, want about the 1,000 before the cut or more, fewer than %d", cut.name, parallel, got, packets)
			}
			for _, e := range res.Errors {
				t.Logf("%s, parallel %v: %d packets, error: %s", cut.name, parallel, res.Stats.Packets, e.Error)
			}
		}
	}
}

// writeBulkCapture writes one TCP connection's full-sized segments.
func writeBulkCapture(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{192, 0, 2, 1}, DstIP: net.IP{198, 51, 100, 1}}
	payload := make([]byte, 1448)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	buf := gopacket.NewSerializeBuffer()
	for i := range n {
		tcp := &layers.TCP{SrcPort: 20, DstPort: 40000, Seq: uint32(1 + i*len(payload)), Ack: 1, ACK: true, Window: 512}
		tcp.SetNetworkLayerForChecksum(ip)
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
}
