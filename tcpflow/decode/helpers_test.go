package decode

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/ftpcap/ftpcap/source"
)

var update = flag.Bool("update", false, "rewrite golden files (runs tshark)")

// corpusRoot is the public capture corpus, ../shared/corpus/public from
// the repository root.
var corpusRoot = filepath.Join("..", "..", "..", "shared", "corpus", "public")

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

// capPacket is one packet read from a capture, copied.
type capPacket struct {
	data  []byte
	lt    layers.LinkType
	ts    int64
	frame int64
}

// readCapture reads every packet of a capture file.
func readCapture(t testing.TB, path string) []capPacket {
	t.Helper()
	f, err := source.OpenFiles([]string{path}, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []capPacket
	var p source.Packet
	for {
		err := f.Next(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, capPacket{
			data:  append([]byte(nil), p.Data...),
			lt:    p.LinkType,
			ts:    p.CI.Timestamp.UnixNano(),
			frame: p.Frame,
		})
	}
	if errs := f.Errors(); len(errs) > 0 {
		t.Fatalf("reading %s: %v", path, errs)
	}
	return out
}

// decodeAll decodes a capture's packets with one fresh decoder.
func decodeAll(t testing.TB, pkts []capPacket) ([]Kind, []Packet, []error, *Decoder) {
	t.Helper()
	d := NewDecoder(Options{})
	kinds := make([]Kind, len(pkts))
	out := make([]Packet, len(pkts))
	errs := make([]error, len(pkts))
	for i, cp := range pkts {
		kinds[i], errs[i] = d.Decode(cp.data, cp.lt, cp.ts, &out[i])
		// Payload aliases the decoder's buffers for reassembled packets:
		// keep a copy.
		out[i].Payload = append([]byte(nil), out[i].Payload...)
	}
	return kinds, out, errs, d
}

// firstTCPWithPayload returns the index of the first TCP segment with a
// complete payload of at least n bytes.
func firstTCPWithPayload(t testing.TB, pkts []capPacket, n int) int {
	t.Helper()
	d := NewDecoder(Options{})
	var p Packet
	for i, cp := range pkts {
		if k, err := d.Decode(cp.data, cp.lt, cp.ts, &p); err == nil && k == KindTCP && p.PayloadLen >= n && !p.Truncated {
			return i
		}
	}
	t.Fatalf("no TCP segment with %d bytes of payload", n)
	return -1
}
