package source

import (
	"compress/gzip"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// input is one capture file being read, with one packet of lookahead for
// the merge. The lookahead's data belongs to the file's reader, which is
// not read again until that packet was handed out and consumed.
type input struct {
	idx  int
	name string // for messages: the path, or "stdin"
	info InputInfo

	file  *os.File // nil for stdin
	gzip  *gzip.Reader
	rd    packetReader
	drops *ngDrops // pcapng interface statistics
	match *matcher // nil without a filter
	// stable: packet data stays valid until the input is closed (a
	// mapped file), not only until the next read.
	stable bool
	pos    position // bytes read from file, for Files.Position

	frame  int64           // packets read so far, filtered ones included
	lastLT layers.LinkType // link type of the previous packet, to note new ones cheaply
	anyLT  bool

	// The lookahead packet, valid when ok.
	ok    bool
	data  []byte
	ci    gopacket.CaptureInfo
	lt    layers.LinkType
	ts    int64 // capture time in Unix nanoseconds
	first int64
	last  int64
	atFr  int64 // its frame number
}

// advance reads the next packet that passes the filter into the
// lookahead. At the end of the file, or on an error, ok becomes false and
// the error is recorded in info.Err and returned.
func (in *input) advance() error {
	in.ok = false
	if in.rd == nil || in.info.EOF || in.info.Err != nil {
		return nil
	}
	for {
		data, ci, lt, err := in.rd.read()
		if err != nil {
			if err == io.EOF {
				in.info.EOF = true
				in.pos.end()
				return nil
			}
			return in.fail(in.readError(in.frame+1, err))
		}
		in.frame++
		if !in.anyLT || lt != in.lastLT {
			in.noteLinkType(lt)
		}
		if in.match != nil {
			ok, err := in.match.matches(lt, ci, data)
			if err != nil {
				return in.fail(in.readError(in.frame, err))
			}
			if !ok {
				in.info.Filtered++
				continue
			}
		}
		in.ok, in.data, in.ci, in.lt, in.atFr = true, data, ci, lt, in.frame
		in.ts = ci.Timestamp.UnixNano()
		in.count()
		return nil
	}
}

// count adds the lookahead packet to the input's statistics.
func (in *input) count() {
	in.info.Packets++
	in.info.Bytes += int64(in.ci.Length)
	if in.ci.CaptureLength < in.ci.Length {
		in.info.Truncated++
	}
	if in.info.Packets == 1 || in.ts < in.first {
		in.first = in.ts
	}
	if in.info.Packets == 1 || in.ts > in.last {
		in.last = in.ts
	}
}

func (in *input) noteLinkType(lt layers.LinkType) {
	in.anyLT, in.lastLT = true, lt
	name := linkTypeName(lt)
	for _, n := range in.info.LinkTypes {
		if n == name {
			return
		}
	}
	in.info.LinkTypes = append(in.info.LinkTypes, name)
}

func (in *input) fail(err error) error {
	in.info.Err = err
	in.pos.end()
	return err
}

// readError names the file and the frame that could not be read.
func (in *input) readError(frame int64, err error) error {
	return &ReadError{Path: in.info.Path, name: in.name, Frame: frame, Err: err}
}

// snapshot returns the input's description with the values that are only
// known while reading (interfaces and statistics).
func (in *input) snapshot() InputInfo {
	info := in.info
	info.LinkTypes = append([]string(nil), in.info.LinkTypes...)
	if in.info.Packets > 0 {
		info.First = time.Unix(0, in.first).UTC()
		info.Last = time.Unix(0, in.last).UTC()
	}
	if in.rd != nil {
		info.Snaplen = in.rd.snaplen()
	}
	info.Dropped = in.drops.total()
	return info
}

func (in *input) close() error {
	// A gzip stream's own errors were met while reading; its Close adds
	// nothing, and it does not close the file.
	in.gzip = nil
	var unmapErr error
	if m, ok := in.rd.(*mappedPcapReader); ok {
		unmapErr = m.close()
	}
	if in.file == nil {
		return nil
	}
	err := in.file.Close()
	in.file = nil
	if err == nil {
		err = unmapErr
	}
	return err
}
