// Package source reads captured packets: capture files (pcap and pcapng,
// plain or gzip-compressed, or stdin) merged into one capture in time
// order, and live capture later. It only reads packets; decoding and
// analysis happen downstream.
package source

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Packet is one captured packet. Data is only valid until the next call to
// Next: copy what you keep. A live source may deliver a Packet with nil
// Data and only CI.Timestamp set, to move capture time forward while the
// interface is quiet (so idle state expires).
type Packet struct {
	Data     []byte
	CI       gopacket.CaptureInfo // Timestamp, CaptureLength, Length, InterfaceIndex
	LinkType layers.LinkType      // of this packet's interface (pcapng files mix them)
	Input    int                  // index into the inputs, in the order given
	Frame    int64                // 1-based packet number within its own input (what Wireshark shows)
	// Stable: Data stays valid until the Reader is closed, not only until
	// the next call to Next (a memory-mapped file), so it may be kept
	// without a copy.
	Stable bool
}

// Reader is what the pipeline reads packets from: Files now, a live
// capture later.
type Reader interface {
	// Next fills p with the next packet and returns io.EOF after the last.
	Next(p *Packet) error
	Close() error
}

// Options configure a source.
type Options struct {
	// Filter is a BPF expression, as tcpdump and tshark take with -f. It is
	// applied to files too; packets that do not match are skipped and
	// counted in InputInfo.Filtered, and frame numbers still count them.
	Filter string
}

// InputInfo describes one input and what was read from it so far.
type InputInfo struct {
	Path        string // as given; "-" is stdin
	Format      string // "pcap" or "pcapng"; "" when the input could not be opened
	Compression string // "gzip" or ""
	// LinkTypes names the link types of the packets read, in the order
	// first met (pcapng interfaces may differ): "Ethernet", "Linux cooked v2".
	LinkTypes []string
	// Snaplen is the pcap header's snap length, or the largest pcapng
	// interface snap length (0: unlimited or unknown).
	Snaplen int

	// The counters and times below cover the packets delivered by Next;
	// Filtered counts the packets the filter skipped.
	Packets   int64
	Filtered  int64
	Bytes     int64 // original (on the wire) length of the delivered packets
	Truncated int64 // delivered packets captured shorter than their length (snap length)
	First     time.Time
	Last      time.Time

	// Dropped is the number of packets the capturing interfaces reported
	// dropped (pcapng interface statistics, isb_ifdrop), summed over the
	// interfaces' last statistics; nil when the input carries none.
	Dropped *int64

	// Err is the error that stopped this input early (it could not be
	// opened, or it is damaged or cut short), nil when it was read to the
	// end or is still being read.
	Err error
	// EOF reports that the input was read to its end without error.
	EOF bool
}

// ReadError is damage met while reading a capture file: a bad block or
// record, or a file that ends inside a packet (a capture cut short by a
// crash or a full disk, the common case). That file stops there; the
// others go on.
type ReadError struct {
	Path  string // as given; "-" is stdin
	Frame int64  // 1-based number of the packet that could not be read
	Err   error
	name  string // for the message: the path, or "stdin"
}

func (e *ReadError) Error() string {
	if errors.Is(e.Err, io.ErrUnexpectedEOF) {
		return fmt.Sprintf("read %s: frame %d: file ends inside the packet record: %v", e.name, e.Frame, e.Err)
	}
	return fmt.Sprintf("read %s: frame %d: %v", e.name, e.Frame, e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }

// FrameNumber returns the frame that could not be read.
func (e *ReadError) FrameNumber() int64 { return e.Frame }
