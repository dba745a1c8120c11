package source

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// mappedRecord is one read() result, copied.
type mappedRecord struct {
	data           []byte
	ts             int64
	capLen, length int
	err            string
}

func readRecords(rd packetReader) []mappedRecord {
	var out []mappedRecord
	for {
		data, ci, _, err := rd.read()
		r := mappedRecord{data: append([]byte(nil), data...), ts: ci.Timestamp.UnixNano(), capLen: ci.CaptureLength, length: ci.Length}
		if err != nil {
			r.err = err.Error()
			return append(out, r)
		}
		out = append(out, r)
	}
}

// readBoth reads a pcap file's bytes with pcapgo through a buffer and
// through the mapped reader (over a copy: the test needs no mapping).
func readBoth(t *testing.T, content []byte) (buffered, mapped []mappedRecord, bufErr, mapErr error) {
	t.Helper()
	if pr, err := newPcapReader(bufio.NewReader(bytes.NewReader(content))); err != nil {
		bufErr = err
	} else {
		buffered = readRecords(pr)
	}
	var consumed atomic.Int64
	if mr, err := newMappedPcapReader(content, &consumed, func() int64 { return int64(len(content)) }, nil); err != nil {
		mapErr = err
	} else {
		mapped = readRecords(mr)
		if got := consumed.Load(); mapped[len(mapped)-1].err == io.EOF.Error() && got != int64(len(content)) {
			t.Errorf("mapped reader consumed %d of %d bytes at the end", got, len(content))
		}
	}
	return buffered, mapped, bufErr, mapErr
}

func sameRecords(t *testing.T, name string, buffered, mapped []mappedRecord) {
	t.Helper()
	if len(buffered) != len(mapped) {
		t.Fatalf("%s: %d records buffered, %d mapped", name, len(buffered), len(mapped))
	}
	for i := range buffered {
		b, m := buffered[i], mapped[i]
		if b.err != "" {
			// Data read with an error is dropped by the caller (pcapgo
			// hands back its partly filled buffer).
			b.data, m.data = nil, nil
		}
		if !bytes.Equal(b.data, m.data) || b.ts != m.ts || b.capLen != m.capLen || b.length != m.length || b.err != m.err {
			t.Fatalf("%s: mappedRecord %d differs:\n buffered %d bytes ts %d cap %d len %d err %q\n mapped   %d bytes ts %d cap %d len %d err %q",
				name, i, len(b.data), b.ts, b.capLen, b.length, b.err, len(m.data), m.ts, m.capLen, m.length, m.err)
		}
	}
}

// TestMappedReaderMatchesPcapgo reads every plain pcap of the lab and the
// corpus both ways, whole and damaged (cut at many offsets, a mappedRecord
// length made impossible): same packets, same times, same errors.
func TestMappedReaderMatchesPcapgo(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "samples", "*.pcap"))
	if _, err := os.Stat(corpusRoot); err == nil {
		filepath.WalkDir(corpusRoot, func(p string, d os.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(p, ".pcap") {
				paths = append(paths, p)
			}
			return nil
		})
	}
	checked := 0
	for _, p := range paths {
		content, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(content) < 4 || (binary.BigEndian.Uint32(content) != magicPcapMicroLE && binary.BigEndian.Uint32(content) != magicPcapMicroBE &&
			binary.BigEndian.Uint32(content) != magicPcapNanoLE && binary.BigEndian.Uint32(content) != magicPcapNanoBE) {
			continue // gzip or pcapng under a .pcap name
		}
		checked++
		b, m, be, me := readBoth(t, content)
		if (be == nil) != (me == nil) || (be != nil && be.Error() != me.Error()) {
			t.Fatalf("%s: header errors differ: %v / %v", p, be, me)
		}
		sameRecords(t, p, b, m)
		// Cut short at offsets through the first records and the header.
		for _, cut := range []int{3, 10, 24, 30, 40, 41, 100, len(content) - 1, len(content) - 7} {
			if cut <= 0 || cut >= len(content) {
				continue
			}
			b, m, be, me := readBoth(t, content[:cut])
			if (be == nil) != (me == nil) || (be != nil && be.Error() != me.Error()) {
				t.Fatalf("%s cut at %d: header errors differ: %v / %v", p, cut, be, me)
			}
			if cut >= 24+16 && len(b) > 0 && b[len(b)-1].err == io.EOF.Error() && len(m) > 0 && m[len(m)-1].err == io.ErrUnexpectedEOF.Error() {
				// A cut right after a mappedRecord header: pcapgo reads the
				// missing data as a clean end, the mapped reader as damage.
				continue
			}
			sameRecords(t, p+" cut", b, m)
		}
		if len(content) > 24+16 {
			bad := append([]byte(nil), content...)
			binary.LittleEndian.PutUint32(bad[24+8:], 1<<30)
			binary.BigEndian.PutUint32(bad[24+8:], binary.BigEndian.Uint32(bad[24+8:])) // either order: huge
			b, m, _, _ := readBoth(t, bad)
			sameRecords(t, p+" bad length", b, m)
		}
	}
	if checked < 20 {
		t.Fatalf("only %d plain pcap files checked", checked)
	}
}

// TestFilesMapPlainPcap opens a lab sample through OpenFiles: the packets
// are marked stable (mapped) and stay valid after further reads.
func TestFilesMapPlainPcap(t *testing.T) {
	path := filepath.Join("..", "samples", "clean-active-port.pcap")
	f, err := OpenFiles([]string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var p Packet
	var kept [][]byte
	var copies [][]byte
	for {
		err := f.Next(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !p.Stable {
			t.Fatalf("frame %d of a plain pcap file not marked stable", p.Frame)
		}
		kept = append(kept, p.Data)
		copies = append(copies, append([]byte(nil), p.Data...))
	}
	if len(kept) < 10 {
		t.Fatalf("%d packets", len(kept))
	}
	for i := range kept {
		if !bytes.Equal(kept[i], copies[i]) {
			t.Fatalf("packet %d changed after later reads", i+1)
		}
	}
	if r, total := f.Position(); r != total || total <= 0 {
		t.Errorf("position %d of %d at the end", r, total)
	}
}

// FuzzMappedMatchesPcapgo reads arbitrary bytes with both pcap readers:
// the same records, times and errors, and no panic (a record reaching
// past the end of the mapping would be one).
func FuzzMappedMatchesPcapgo(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "samples", "*.pcap"))
	for _, rel := range []string{"zeek/Traces/tcp/rst-inject-rae.pcap", "filesamples/teardrop.pcap"} {
		paths = append(paths, filepath.Join(corpusRoot, filepath.FromSlash(rel)))
	}
	for _, p := range paths[:min(len(paths), 8)] {
		if b, err := os.ReadFile(p); err == nil && len(b) > 24 {
			f.Add(b[:min(len(b), 4096)])
		}
	}
	f.Add([]byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, content []byte) {
		if len(content) < 4 {
			return
		}
		switch binary.BigEndian.Uint32(content) {
		case magicPcapMicroBE, magicPcapMicroLE, magicPcapNanoBE, magicPcapNanoLE:
		default:
			return // not for this reader
		}
		b, m, be, me := readBoth(t, content)
		if (be == nil) != (me == nil) || (be != nil && be.Error() != me.Error()) {
			t.Fatalf("header errors differ: %v / %v", be, me)
		}
		if n := len(m); n > 0 && m[n-1].err == io.ErrUnexpectedEOF.Error() && len(b) == n && b[n-1].err == io.EOF.Error() {
			// A cut right after a record header: pcapgo reads the
			// missing data as a clean end, the mapped reader as damage.
			b[n-1].err = m[n-1].err
		}
		sameRecords(t, "fuzz", b, m)
	})
}
