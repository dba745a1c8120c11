package source

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// A classic pcap file that is a regular file on disk is read through a
// read-only memory mapping rather than read(2): a packet is then a slice
// of the mapping, not a copy, so reading a gigabyte costs the page faults
// and the record headers, not a second pass of every byte through the
// kernel's copy. A pager (pager.go) maps pages in ahead of the reading
// and hands them back behind it. Its data stays valid until the Files are closed
// (Packet.Stable), which lets the pipeline keep it without copying.
// pcapng files and gzip streams keep the buffered readers.

// mappedPcapReader reads a pcap file's records from its mapping.
type mappedPcapReader struct {
	data       []byte // the whole file
	off        int    // the next record's header
	bigEndian  bool
	nanoFactor uint32
	snap       uint32
	maxCapture int
	lt         layers.LinkType
	consumed   *atomic.Int64 // how far reading has got, for Position
	sinceStore int
	unmap      func() error
	pager      *pager       // nil when not mapped (tests)
	size       func() int64 // the file's size now
	shrunk     bool         // the file was cut short while being read
	sizeLooked bool         // shrink has looked at the file's size
}

// errShrunk ends a file that someone else cut short while it was read.
var errShrunk = errors.New("the file was cut short while it was being read")

// shrink ends the mapping at the file's current size. It is looked at
// once; should the file not be shorter after all, any fault is left to
// the pipeline's guard.
func (m *mappedPcapReader) shrink() {
	m.sizeLooked = true
	if n := m.size(); n >= 0 && n < int64(len(m.data)) {
		m.data = m.data[:max(int(n), m.off)]
		m.shrunk = true
	}
}

// newMappedPcapReader checks the global header with pcapgo's own reader,
// so both paths accept and reject the same files with the same errors.
func newMappedPcapReader(data []byte, consumed *atomic.Int64, size func() int64, unmap func() error) (*mappedPcapReader, error) {
	const headerLen = 24
	pr, err := pcapgo.NewReader(bytes.NewReader(data[:min(len(data), headerLen)]))
	if err != nil {
		return nil, fmt.Errorf("pcap header: %w", err)
	}
	m := &mappedPcapReader{
		data: data, off: headerLen, snap: pr.Snaplen(), lt: pr.LinkType(),
		bigEndian:  binary.BigEndian.Uint32(data) == magicPcapMicroBE || binary.BigEndian.Uint32(data) == magicPcapNanoBE,
		nanoFactor: 1000, consumed: consumed, size: size, unmap: unmap,
	}
	if pr.Resolution() == gopacket.TimestampResolutionNanosecond {
		m.nanoFactor = 1
	}
	// pcapgo's bound: a record longer than the snap length (or 256 KiB,
	// whichever is larger) is damage, not a packet.
	m.maxCapture = max(int(m.snap), 262144)
	consumed.Store(headerLen)
	if unmap != nil {
		m.pager = startPager(data, size)
	}
	return m, nil
}

func (m *mappedPcapReader) u32(b []byte) uint32 {
	if m.bigEndian {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// read returns the next record, with pcapgo's checks and errors: io.EOF at
// a record boundary, io.ErrUnexpectedEOF inside a record.
func (m *mappedPcapReader) read() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	var ci gopacket.CaptureInfo
	if !m.sizeLooked && m.pager.failed() >= 0 {
		// The file was cut short while being read (truncated in place):
		// reading past its new end would fault, so the mapping ends
		// there and the checks below stop the reading at it.
		m.shrink()
	}
	left := len(m.data) - m.off
	if left == 0 {
		m.consumed.Store(int64(m.off))
		if m.shrunk {
			return nil, ci, m.lt, errShrunk
		}
		return nil, ci, m.lt, io.EOF
	}
	if left < 16 {
		return nil, ci, m.lt, m.cut()
	}
	h := m.data[m.off : m.off+16]
	// The fraction is scaled in 32 bits, as pcapgo does, so that both
	// readers give a damaged timestamp the same value.
	ci.Timestamp = time.Unix(int64(m.u32(h[0:4])), int64(m.u32(h[4:8])*m.nanoFactor)).UTC()
	ci.CaptureLength = int(m.u32(h[8:12]))
	ci.Length = int(m.u32(h[12:16]))
	if ci.CaptureLength > m.maxCapture {
		return nil, ci, m.lt, fmt.Errorf("capture length exceeds snap length: %d > %d", ci.CaptureLength, m.snap)
	}
	if ci.CaptureLength > ci.Length {
		return nil, ci, m.lt, fmt.Errorf("capture length exceeds original packet length: %d > %d", ci.CaptureLength, ci.Length)
	}
	start := m.off + 16
	end := start + ci.CaptureLength
	if end > len(m.data) {
		return nil, ci, m.lt, m.cut()
	}
	m.off = end
	if m.sinceStore++; m.sinceStore == 256 {
		m.sinceStore = 0
		m.consumed.Store(int64(m.off))
		m.pager.advance(m.off)
	}
	// Capped: an append by a consumer must copy, never write into the
	// read-only mapping.
	return m.data[start:end:end], ci, m.lt, nil
}

// cut reports a file that ends inside a record.
func (m *mappedPcapReader) cut() error {
	m.off = len(m.data)
	m.consumed.Store(int64(m.off))
	if m.shrunk {
		return errShrunk
	}
	return io.ErrUnexpectedEOF
}

func (m *mappedPcapReader) snaplen() int { return int(m.snap) }

func (m *mappedPcapReader) close() error {
	m.pager.close()
	m.pager = nil
	if m.unmap == nil {
		return nil
	}
	err := m.unmap()
	m.unmap = nil
	return err
}
