package source

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// corpusRoot is the public capture corpus, ../shared/corpus/public from
// the repository root.
var corpusRoot = filepath.Join("..", "..", "shared", "corpus", "public")

// corpusPath returns the path of a corpus capture, skipping the test when
// the corpus is not on this machine.
func corpusPath(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(corpusRoot, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Skipf("public corpus capture not available (%s): %v", p, err)
	}
	return p
}

// got is one packet as Next returned it, copied.
type got struct {
	input int
	frame int64
	ts    time.Time
	lt    layers.LinkType
	iface int
	wire  int
	data  []byte
}

// readAll reads every packet of f.
func readAll(t testing.TB, f *Files) []got {
	t.Helper()
	var out []got
	var p Packet
	for {
		err := f.Next(&p)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		out = append(out, got{
			input: p.Input, frame: p.Frame, ts: p.CI.Timestamp, lt: p.LinkType,
			iface: p.CI.InterfaceIndex, wire: p.CI.Length,
			data: append([]byte(nil), p.Data...),
		})
	}
}

// openAll opens paths and reads them to the end.
func openAll(t testing.TB, paths []string, opts Options) (*Files, []got) {
	t.Helper()
	f, err := OpenFiles(paths, opts)
	if err != nil {
		t.Fatalf("OpenFiles: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f, readAll(t, f)
}

// record is a packet to write into a test capture.
type record struct {
	ci   gopacket.CaptureInfo
	data []byte
}

func recordsOf(pkts []got) []record {
	out := make([]record, len(pkts))
	for i, p := range pkts {
		out[i] = record{
			ci:   gopacket.CaptureInfo{Timestamp: p.ts, CaptureLength: len(p.data), Length: p.wire},
			data: p.data,
		}
	}
	return out
}

// pcapBytes writes records as a little-endian pcap file, with nanosecond
// timestamps when nanos.
func pcapBytes(t testing.TB, lt layers.LinkType, recs []record, nanos bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if nanos {
		w = pcapgo.NewWriterNanos(&buf)
	}
	if err := w.WriteFileHeader(65535, lt); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.WritePacket(r.ci, r.data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// bigEndianPcap rewrites a little-endian pcap file in big-endian byte
// order, as a big-endian machine writes it.
func bigEndianPcap(t testing.TB, le []byte) []byte {
	t.Helper()
	b := append([]byte(nil), le...)
	swap32 := func(off int) { binary.BigEndian.PutUint32(b[off:], binary.LittleEndian.Uint32(b[off:])) }
	swap16 := func(off int) { binary.BigEndian.PutUint16(b[off:], binary.LittleEndian.Uint16(b[off:])) }
	swap32(0) // magic
	swap16(4)
	swap16(6)
	for _, off := range []int{8, 12, 16, 20} {
		swap32(off)
	}
	for off := 24; off+16 <= len(b); {
		caplen := int(binary.LittleEndian.Uint32(b[off+8:]))
		for i := 0; i < 16; i += 4 {
			swap32(off + i)
		}
		off += 16 + caplen
	}
	return b
}

// pcapngBytes writes records as a pcapng file with one interface.
func pcapngBytes(t testing.TB, lt layers.LinkType, recs []record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, lt)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.WritePacket(r.ci, r.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeTemp writes b to a file named name in the test's temp dir.
func writeTemp(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
