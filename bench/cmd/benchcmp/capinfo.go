package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// capInfo is what the table says about a capture.
type capInfo struct {
	path    string
	size    int64
	packets int64 // -1: not a pcap file (pcapng, gzip): not counted
}

// inspect sizes a capture and counts its packets by walking the pcap
// record headers. Reading the whole file also warms the page cache, so
// the first command measured does not pay for the disk.
func inspect(path string) (capInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return capInfo{}, fmt.Errorf("inspect %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return capInfo{}, fmt.Errorf("inspect %s: %w", path, err)
	}
	info := capInfo{path: path, size: st.Size(), packets: -1}
	n, err := countPCAP(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		if errors.Is(err, errNotPCAP) {
			_, err = io.Copy(io.Discard, f) // still warm the cache
			if err != nil {
				return info, fmt.Errorf("inspect %s: %w", path, err)
			}
			return info, nil
		}
		return info, fmt.Errorf("inspect %s: %w", path, err)
	}
	info.packets = n
	return info, nil
}

var errNotPCAP = errors.New("not a pcap file")

// countPCAP counts the records of a classic pcap file (either byte order,
// micro- or nanosecond timestamps).
func countPCAP(r *bufio.Reader) (int64, error) {
	var hdr [24]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, errNotPCAP
	}
	var order binary.ByteOrder
	switch binary.LittleEndian.Uint32(hdr[:4]) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		order = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		order = binary.BigEndian
	default:
		return 0, errNotPCAP
	}
	var rec [16]byte
	var n int64
	for {
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, fmt.Errorf("record %d: %w", n+1, err)
		}
		caplen := order.Uint32(rec[8:12])
		if caplen > 1<<28 {
			return n, fmt.Errorf("record %d: capture length %d", n+1, caplen)
		}
		if _, err := r.Discard(int(caplen)); err != nil {
			return n, fmt.Errorf("record %d: %w", n+1, err)
		}
		n++
	}
}
