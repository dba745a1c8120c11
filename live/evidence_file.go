package live

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpcap/ftpcap/source"
)

// headerBuffer is the buffer pcapgo writes the file's header and
// statistics blocks into (bufio.NewWriter returns a large enough
// *bufio.Writer unchanged); it is flushed into the chunks right after
// each, so packets, written straight into the chunks, stay in order.
const headerBuffer = 4096

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
// file reports them as the live run did. Its bytes go through the disk
// writer's goroutine.
type evidenceFile struct {
	index int // the file's input index
	info  source.InputInfo

	disk    *diskFile // nil when the file could not be created
	stream  *chunkStream
	counter countingWriter
	hdr     *bufio.Writer // pcapgo's, for the header and statistics blocks
	ng      *pcapgo.NgWriter
	epb     [28]byte // a packet block's header
	closed  bool

	firstTS, lastTS int64 // capture times of its packets, Unix ns
	lastFlush       int64
	// The capture's counters when the file was opened.
	droppedAtOpen, receivedAtOpen int64
}

// countingWriter counts the bytes handed on.
type countingWriter struct {
	w *chunkStream
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
func createEvidenceFile(w *diskWriter, path string, index int, h fileHeader, st source.LiveStats, linkTypeName string) *evidenceFile {
	ef := &evidenceFile{index: index, droppedAtOpen: st.Dropped(), receivedAtOpen: st.Received}
	ef.info = source.InputInfo{Path: path, Format: "pcapng", LinkTypes: []string{linkTypeName}, Snaplen: h.snaplen}
	f, err := os.Create(path)
	if err != nil {
		ef.info.Err = &WriteError{Path: path, Frame: 1, Err: err}
		return ef
	}
	ef.disk = &diskFile{f: f, path: path}
	// Header bytes that never reach the disk take every packet with them.
	ef.stream = &chunkStream{w: w, file: ef.disk, frame: 1}
	ef.counter.w = ef.stream
	ef.hdr = bufio.NewWriterSize(&ef.counter, headerBuffer)
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
	// Writing into memory does not fail.
	ef.ng, _ = pcapgo.NewNgWriterInterface(ef.hdr, intf, sec)
	ef.hdr.Flush()
	return ef
}

// size is the file's length so far; for a file that could not be
// created, the length it would have.
func (ef *evidenceFile) size() int64 { return ef.counter.n }

// packetBlockSize is the length of an enhanced packet block without
// options: 28 bytes of header, the data padded to 4 bytes, a 4-byte
// trailer.
func packetBlockSize(captured int) int64 {
	return int64(32 + (captured+3)&^3)
}

// write appends one packet and counts it; it returns the packet's frame
// number in this file and whether the packet is on its way to disk. A
// file that could not be created counts packets without writing them, so
// frame numbers go on meaning the same thing.
func (ef *evidenceFile) write(ci gopacket.CaptureInfo, data []byte, flushEvery time.Duration) (int64, bool) {
	ef.info.Packets++
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
	if ef.disk == nil {
		ef.counter.n += packetBlockSize(len(data))
		return frame, false
	}
	ef.stream.frame = frame
	ef.writePacketBlock(ts, data, ci.Length)
	ef.flushIfDue(ts, flushEvery)
	return frame, true
}

// writePacketBlock writes an enhanced packet block (pcapng §4.3) for the
// file's one interface, little-endian as the section header says, with
// nanosecond timestamps as its interface block says, and no options:
// pcapgo's own layout, written straight into the chunks.
func (ef *evidenceFile) writePacketBlock(ts int64, data []byte, length int) {
	total := uint32(packetBlockSize(len(data)))
	b := ef.epb[:]
	binary.LittleEndian.PutUint32(b[0:], 6) // enhanced packet block
	binary.LittleEndian.PutUint32(b[4:], total)
	binary.LittleEndian.PutUint32(b[8:], 0) // interface 0
	binary.LittleEndian.PutUint32(b[12:], uint32(uint64(ts)>>32))
	binary.LittleEndian.PutUint32(b[16:], uint32(ts))
	binary.LittleEndian.PutUint32(b[20:], uint32(len(data)))
	binary.LittleEndian.PutUint32(b[24:], uint32(max(length, len(data))))
	ef.counter.Write(b)
	ef.counter.Write(data)
	var tail [8]byte // padding to 4 bytes, then the total length again
	pad := (4 - len(data)%4) % 4
	binary.LittleEndian.PutUint32(tail[pad:], total)
	ef.counter.Write(tail[:pad+4])
}

// flushIfDue hands buffered packets to the disk writer once a second of
// capture time, so that the file on disk is never far behind (a reader
// can follow it, a crash loses little).
func (ef *evidenceFile) flushIfDue(ts int64, every time.Duration) {
	if ef.disk == nil || ts-ef.lastFlush < int64(every) {
		return
	}
	ef.lastFlush = ts
	ef.stream.flush()
}

// close writes the statistics block and queues the file's closing. st is
// the capture's counters now: the file's drops are their growth since
// it was opened.
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
	if ef.disk == nil {
		return
	}
	ef.stream.frame = ef.info.Packets + 1
	ef.ng.WriteInterfaceStats(0, pcapgo.NgInterfaceStatistics{
		LastUpdate:      ef.info.Last,
		StartTime:       ef.info.First,
		EndTime:         ef.info.Last,
		PacketsReceived: uint64(max(st.Received-ef.receivedAtOpen, 0)),
		PacketsDropped:  uint64(dropped),
	})
	ef.hdr.Flush()
	ef.stream.close()
}

// settle takes the disk writer's verdict on the file once it has written
// it: a failure becomes the input's error, else the input ends cleanly.
func (ef *evidenceFile) settle() {
	if ef.info.Err != nil {
		return
	}
	if ef.disk != nil {
		if err := ef.disk.failure(); err != nil {
			if err.Frame == 0 { // the close failed: everything may be lost
				err.Frame = 1
			}
			ef.info.Err = err
			return
		}
	}
	ef.info.EOF = ef.closed && ef.disk != nil
}

// WriteError is an evidence file that could not be written to its end:
// packets from Frame on are counted (verdicts may cite them) but are not
// (all) in the file.
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
