package source

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Magic numbers of the formats, as the first four bytes read big-endian.
const (
	magicPcapMicroBE = 0xa1b2c3d4 // big-endian file, microseconds
	magicPcapMicroLE = 0xd4c3b2a1
	magicPcapNanoBE  = 0xa1b23c4d // nanoseconds
	magicPcapNanoLE  = 0x4d3cb2a1
	magicPcapngSHB   = 0x0a0d0d0a // section header block type, the same both ways
	// The "modified" pcap format of old Red Hat tcpdump patches (Kuznetzov),
	// which pcapgo cannot read.
	magicPcapModifiedBE = 0xa1b2cd34
	magicPcapModifiedLE = 0x34cdb2a1

	gzipMagic0, gzipMagic1 = 0x1f, 0x8b
)

// Read buffer sizes: large buffers make reading a big capture a sequential
// stream of few syscalls, but many rotated files open at once would each
// hold one, so the total is bounded.
const (
	maxBufferPerInput = 1 << 20
	minBufferPerInput = 64 << 10
	bufferBudget      = 64 << 20
	// minReadBuffer is bufio's own minimum, below which it picks 4 KiB.
	minReadBuffer = 4096
)

func bufferSize(inputs int) int {
	if inputs < 1 {
		inputs = 1
	}
	return min(maxBufferPerInput, max(minBufferPerInput, bufferBudget/inputs))
}

// errStdinTwice rejects a second "-": stdin can be read only once.
var errStdinTwice = errors.New("stdin given more than once")

// openInput opens path (or stdin for "-"), unwraps gzip and recognizes the
// format by its magic number, not by the file name. The error names the
// input, operation first.
func openInput(path string, bufSize int, stdinUsed *bool) (*input, error) {
	in := &input{name: path}
	in.info.Path = path
	var file *os.File
	if path == "-" {
		in.name = "stdin"
		if *stdinUsed {
			return in, fmt.Errorf("open %s: %w", in.name, errStdinTwice)
		}
		*stdinUsed = true
		file = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return in, err // *PathError reads "open a.pcap: no such file or directory"
		}
		in.file = f
		file = f
	}
	in.pos.size = remainingSize(file)
	if in.file != nil && in.pos.size > 0 {
		if ok, err := in.openMapped(); ok || err != nil {
			return in, err
		}
	}
	fileBuf := bufSize
	if in.pos.size >= 0 && in.pos.size < int64(fileBuf) {
		// A small file needs no buffer larger than itself.
		fileBuf = max(int(in.pos.size), minReadBuffer)
	}

	// The count is taken below every buffer and below gzip, so it is in
	// the file's own bytes.
	br := bufio.NewReaderSize(countingReader{r: file, n: &in.pos.consumed}, fileBuf)
	head, err := br.Peek(4)
	if err != nil {
		return in, in.openError(shortHeaderError(len(head), err))
	}
	if head[0] == gzipMagic0 && head[1] == gzipMagic1 {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return in, in.openError(fmt.Errorf("gzip header: %w", err))
		}
		in.gzip = gz
		in.info.Compression = "gzip"
		// The decompressed size is unknown.
		br = bufio.NewReaderSize(gz, bufSize)
		if head, err = br.Peek(4); err != nil {
			return in, in.openError(shortHeaderError(len(head), err))
		}
	}

	rd, format, err := newPacketReader(binary.BigEndian.Uint32(head), br, in)
	if err != nil {
		return in, in.openError(err)
	}
	in.rd, in.info.Format = rd, format
	return in, nil
}

// openMapped reads a plain pcap file through a memory mapping (see
// mapped.go). ok is false, with no error, for anything else, which is
// then read the usual way.
func (in *input) openMapped() (ok bool, err error) {
	var head [4]byte
	if n, _ := in.file.ReadAt(head[:], 0); n < len(head) {
		return false, nil
	}
	switch binary.BigEndian.Uint32(head[:]) {
	case magicPcapMicroBE, magicPcapMicroLE, magicPcapNanoBE, magicPcapNanoLE:
	default:
		return false, nil
	}
	data, unmap, ok := mapFile(in.file, in.pos.size)
	if !ok {
		return false, nil
	}
	file := in.file
	size := func() int64 {
		st, err := file.Stat()
		if err != nil {
			return -1
		}
		return st.Size()
	}
	rd, err := newMappedPcapReader(data, &in.pos.consumed, size, unmap)
	if err != nil {
		unmap()
		return true, in.openError(err)
	}
	in.rd, in.info.Format, in.stable = rd, "pcap", true
	return true, nil
}

// newPacketReader picks the reader for a file's magic number.
func newPacketReader(magic uint32, br *bufio.Reader, in *input) (packetReader, string, error) {
	switch magic {
	case magicPcapMicroBE, magicPcapMicroLE, magicPcapNanoBE, magicPcapNanoLE:
		rd, err := newPcapReader(br)
		if err != nil {
			return nil, "", err
		}
		return rd, "pcap", nil
	case magicPcapngSHB:
		rd, err := newNgReader(br, in)
		if err != nil {
			return nil, "", err
		}
		return rd, "pcapng", nil
	case magicPcapModifiedBE, magicPcapModifiedLE:
		return nil, "", fmt.Errorf("modified (Kuznetzov) pcap format is not supported (magic 0x%08x)", magic)
	}
	return nil, "", fmt.Errorf("not a pcap or pcapng file (magic 0x%08x)", magic)
}

func shortHeaderError(n int, err error) error {
	if n == 0 && errors.Is(err, io.EOF) {
		return errors.New("empty file")
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("file too short for a capture header (%d bytes)", n)
	}
	return err
}

func (in *input) openError(err error) error {
	return fmt.Errorf("open %s: %w", in.name, err)
}
