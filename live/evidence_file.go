package live

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpcap/ftpcap/source"
)

// fileBuffer is the write buffer of an evidence file: at 50 MB/s a write
// system call every 20 ms. pcapgo's writer uses it as its own buffer
// (bufio.NewWriter returns a large enough *bufio.Writer unchanged), so
// packets are copied once.
const fileBuffer = 1 << 20

// fileHeader describes the capture in each file's interface block.
type fileHeader struct {
	linkType    layers.LinkType
	ifName      string
	filter      string
	snaplen     int
	application string
}

// evidenceFile is one pcapng file being written: a section header, one
// interface, the packets, and at the end an interface statistics block
// with the drops of the file's own time, so that `ftpcap analyze` on the
// file reports them as the live run did.
type evidenceFile struct {
	index int // the file's input index
	info  source.InputInfo

	f       *os.File
	counter countingWriter
	buf     *bufio.Writer
	ng      *pcapgo.NgWriter
	closed  bool

	firstTS, lastTS int64 // capture times of its packets, Unix ns
	// blockBytes is the size of the packet blocks given to the file,
	// written or not: a file that failed still rotates on size.
	blockBytes int64
	lastFlush  int64
	// The capture's counters when the file was opened.
	droppedAtOpen, receivedAtOpen int64
}

// countingWriter counts the bytes that reach the file.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// createEvidenceFile creates path and writes the headers. On failure the
// returned file carries the error in info.Err and counts packets without
// writing them.
func createEvidenceFile(path string, index int, h fileHeader, st source.LiveStats, linkTypeName string) *evidenceFile {
	ef := &evidenceFile{index: index, droppedAtOpen: st.Dropped(), receivedAtOpen: st.Received}
	ef.info = source.InputInfo{Path: path, Format: "pcapng", LinkTypes: []string{linkTypeName}, Snaplen: h.snaplen}
	f, err := os.Create(path)
	if err != nil {
		ef.fail(1, err)
		return ef
	}
	ef.f = f
	ef.counter.w = f
	ef.buf = bufio.NewWriterSize(&ef.counter, fileBuffer)
	intf := pcapgo.NgInterface{
		Name:                h.ifName,
		Filter:              h.filter,
		OS:                  pcapgo.DefaultNgInterface.OS,
		LinkType:            h.linkType,
		SnapLength:          uint32(h.snaplen),
		TimestampResolution: 9,
	}
	sec := pcapgo.DefaultNgWriterOptions
	sec.SectionInfo.Application = h.application
	ng, err := pcapgo.NewNgWriterInterface(ef.buf, intf, sec)
	if err != nil {
		ef.fail(1, err)
		return ef
	}
	ef.ng = ng
	return ef
}

// size is the file's length so far, buffered bytes included; for a file
// that failed, the length it would have.
func (ef *evidenceFile) size() int64 {
	if ef.buf == nil || ef.info.Err != nil {
		return ef.blockBytes
	}
	return ef.counter.n + int64(ef.buf.Buffered())
}

// packetBlockSize is the length of an enhanced packet block without
// options: 28 bytes of header, the data padded to 4 bytes, a 4-byte
// trailer.
func packetBlockSize(captured int) int64 {
	return int64(32 + (captured+3)&^3)
}

// write appends one packet and counts it; it returns the packet's frame
// number in this file and whether the packet is on its way to disk. A
// file that failed counts packets without writing them, so frame numbers
// go on meaning the same thing.
func (ef *evidenceFile) write(ci gopacket.CaptureInfo, data []byte, flushEvery time.Duration) (int64, bool) {
	ef.info.Packets++
	ef.blockBytes += packetBlockSize(len(data))
	frame := ef.info.Packets
	ts := ci.Timestamp.UnixNano()
	ef.info.Bytes += int64(ci.Length)
	if ci.CaptureLength < ci.Length {
		ef.info.Truncated++
	}
	if frame == 1 {
		ef.firstTS, ef.lastTS, ef.lastFlush = ts, ts, ts
	}
	ef.firstTS = min(ef.firstTS, ts)
	ef.lastTS = max(ef.lastTS, ts)
	if ef.info.Err != nil || ef.ng == nil {
		return frame, false
	}
	ci.InterfaceIndex = 0 // the file's one interface
	ci.AncillaryData = nil
	if err := ef.ng.WritePacket(ci, data); err != nil {
		ef.fail(frame, err)
		return frame, false
	}
	ef.flushIfDue(ts, flushEvery)
	return frame, ef.info.Err == nil
}

// flushIfDue hands buffered packets to the system once a second of
// capture time, so that the file on disk is never far behind (a reader
// can follow it, a crash loses little).
func (ef *evidenceFile) flushIfDue(ts int64, every time.Duration) {
	if ef.buf == nil || ef.info.Err != nil || ts-ef.lastFlush < int64(every) {
		return
	}
	ef.lastFlush = ts
	if err := ef.buf.Flush(); err != nil {
		ef.fail(ef.info.Packets, err)
	}
}

// close writes the statistics block and closes the file. st is the
// capture's counters now: the file's drops are their growth since it
// was opened.
func (ef *evidenceFile) close(st source.LiveStats) {
	if ef.closed {
		return
	}
	ef.closed = true
	dropped := st.Dropped() - ef.droppedAtOpen
	ef.info.Dropped = &dropped
	if ef.info.Packets > 0 {
		ef.info.First = time.Unix(0, ef.firstTS).UTC()
		ef.info.Last = time.Unix(0, ef.lastTS).UTC()
	}
	if ef.f == nil {
		return
	}
	if ef.info.Err == nil && ef.ng != nil {
		stats := pcapgo.NgInterfaceStatistics{
			LastUpdate:      ef.info.Last,
			StartTime:       ef.info.First,
			EndTime:         ef.info.Last,
			PacketsReceived: uint64(max(st.Received-ef.receivedAtOpen, 0)),
			PacketsDropped:  uint64(dropped),
		}
		err := ef.ng.WriteInterfaceStats(0, stats)
		if err == nil {
			err = ef.buf.Flush()
		}
		if err != nil {
			ef.fail(ef.info.Packets+1, err)
		}
	}
	if err := ef.f.Close(); err != nil && ef.info.Err == nil {
		ef.fail(ef.info.Packets+1, err)
	}
	if ef.info.Err == nil {
		ef.info.EOF = true
	}
}

// fail records the first write error; frame is the first packet that is
// not in the file.
func (ef *evidenceFile) fail(frame int64, err error) {
	if ef.info.Err == nil {
		ef.info.Err = &WriteError{Path: ef.info.Path, Frame: frame, Err: err}
	}
}

// WriteError is an evidence file that could not be written to its end:
// packets from Frame on are counted (verdicts may cite them) but are not
// in the file.
type WriteError struct {
	Path  string
	Frame int64
	Err   error
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("write %s: frame %d: %v (this frame and the later ones of this file are not on disk)", e.Path, e.Frame, e.Err)
}

func (e *WriteError) Unwrap() error { return e.Err }

// FrameNumber is the first frame missing from the file.
func (e *WriteError) FrameNumber() int64 { return e.Frame }
