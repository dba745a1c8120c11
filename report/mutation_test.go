package report

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

// A bounded mutation run over every lab capture, part of `make test`:
// damaged copies made with a fixed seed go through the whole pipeline
// and every report format (pipeline_test.go). FuzzPipeline explores
// further under `make fuzz`; this run finds the damage the lab's own
// captures are most likely to suffer, on every test run, in seconds.

const (
	// mutationSeed seeds every copy's generator with the copy's number.
	mutationSeed = 0x6674_7063_6170 // "ftpcap"
	// copyDeadline is how long one copy may take before it counts as a
	// hang: the largest lab capture takes well under a second.
	copyDeadline = 30 * time.Second
	// realisticPrefix is how many bytes of each volume-lab capture are
	// mutated: its first few hundred packets, not its tens of megabytes.
	realisticPrefix = 256 << 10
)

var (
	copiesPerCapture = flag.Int("mutated.copies", 4, "damaged copies TestMutatedCaptures makes of each lab capture (more for a longer search)")
	saveMutated      = flag.String("mutated.save", "", "write each mutated copy that fails TestMutatedCaptures into this directory")
)

// TestMutatedCaptures: no damaged copy of a lab capture may panic, hang,
// make a report fail to write, or be contained as an internal error.
func TestMutatedCaptures(t *testing.T) {
	for _, path := range mutationSources(t) {
		original := readCapture(t, path)
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			for i := range *copiesPerCapture {
				seed := mutationSeedOf(name, i)
				t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
					mutated, how := mutate(original, seed)
					runMutated(t, name, seed, mutated, how)
				})
			}
		})
	}
}

// mutationSources are the lab captures and the volume lab's committed
// captures.
func mutationSources(t *testing.T) []string {
	paths := labCaptures(t)
	gz, err := filepath.Glob(filepath.Join(samplesDir, "realistic", "*.pcap.gz"))
	if err != nil {
		t.Fatal(err)
	}
	return append(paths, gz...)
}

// readCapture reads a lab capture; a gzipped one is unpacked and cut to
// its first realisticPrefix bytes.
func readCapture(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return data
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	prefix, err := io.ReadAll(io.LimitReader(zr, realisticPrefix))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return prefix
}

// mutationSeedOf numbers the copies of one capture, from its name, so
// that a copy keeps its seed when captures are added or removed.
func mutationSeedOf(name string, copy int) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()%1_000_000*1_000_000 + uint64(copy)
}

// runMutated runs one copy through the pipeline on its own goroutine, so
// that a hang can be told from a slow run and a panic be named. A fatal
// runtime error is not a panic and cannot be recovered (a stack overflow:
// formatDuration once recursed forever on a span of centuries): it kills
// the test binary with every goroutine's stack, and go test -v shows the
// copy in the last "=== RUN" line before it.
func runMutated(t *testing.T, capture string, seed uint64, data []byte, how []string) {
	dir := t.TempDir()
	type outcome struct {
		run      pipelineRun
		err      error
		panicked any
		stack    []byte
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if r := recover(); r != nil {
				o.panicked, o.stack = r, debug.Stack()
			}
			done <- o
		}()
		o.run, o.err = analyzeCapture(dir, data, analysis.Options{MaxReported: maxReportedOf(seed)})
	}()
	what := fmt.Sprintf("%s, mutation seed %d (%s)", capture, seed, strings.Join(how, "; "))
	reproduce := fmt.Sprintf("reproduce: go test ./report -run 'TestMutatedCaptures/^%s$/^seed=%d$' -mutated.save=DIR", capture, seed)
	fail := func(format string, args ...any) {
		t.Helper()
		if *saveMutated != "" {
			base := strings.TrimSuffix(capture, ".gz")
			base = strings.TrimSuffix(base, filepath.Ext(base))
			saved := filepath.Join(*saveMutated, fmt.Sprintf("%s-seed%d%s", base, seed, captureExt(data)))
			if err := os.WriteFile(saved, data, 0o644); err != nil {
				t.Error(err)
			}
		}
		t.Fatalf(format+"\n"+reproduce, args...)
	}
	select {
	case o := <-done:
		switch {
		case o.panicked != nil:
			fail("%s: panic: %v\n%s", what, o.panicked, o.stack)
		case o.err != nil:
			t.Fatal(o.err)
		}
		o.run.check(t, what)
		if t.Failed() {
			fail("%s failed the checks above", what)
		}
	case <-time.After(copyDeadline):
		fail("%s: no result after %v: a hang", what, copyDeadline)
	}
}

// maxReportedOf cuts the lists to two items for one copy in three, so
// the reports' counted-but-not-listed paths see damage too.
func maxReportedOf(seed uint64) int {
	if seed%3 == 0 {
		return 2
	}
	return 0
}

func captureExt(data []byte) string {
	if len(data) >= 4 && binary.BigEndian.Uint32(data) == 0x0a0d0d0a {
		return ".pcapng"
	}
	return ".pcap"
}

// record is one packet record of a pcap file or one block of a pcapng
// file.
type record struct {
	start, end int // the record's bytes, header included
	// packet is where its packet bytes start, and packetEnd where they
	// end; packet is -1 for a pcapng block that holds no packet.
	packet, packetEnd int
	// lengths are the offsets of its 32-bit length fields, stamp the
	// offset of its timestamp's seconds (pcap) or high word (pcapng).
	lengths []int
	stamp   int
}

// captureRecords splits a pcap or pcapng file into its records as far as
// their lengths hold together, and tells the byte order of its headers.
func captureRecords(b []byte) ([]record, binary.ByteOrder) {
	if len(b) < 24 {
		return nil, binary.LittleEndian
	}
	switch binary.BigEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		return pcapRecords(b, binary.BigEndian), binary.BigEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		return pcapRecords(b, binary.LittleEndian), binary.LittleEndian
	case 0x0a0d0d0a:
		var order binary.ByteOrder = binary.LittleEndian
		if binary.BigEndian.Uint32(b[8:]) == 0x1a2b3c4d {
			order = binary.BigEndian
		}
		return pcapngBlocks(b, order), order
	}
	return nil, binary.LittleEndian
}

func pcapRecords(b []byte, order binary.ByteOrder) []record {
	var out []record
	for at := 24; at+16 <= len(b); {
		n := int(order.Uint32(b[at+8:]))
		end := at + 16 + n
		if n < 0 || end > len(b) {
			break
		}
		out = append(out, record{start: at, end: end, packet: at + 16, packetEnd: end, lengths: []int{at + 8, at + 12}, stamp: at})
		at = end
	}
	return out
}

func pcapngBlocks(b []byte, order binary.ByteOrder) []record {
	const (
		simplePacket   = 3
		enhancedPacket = 6
	)
	var out []record
	for at := 0; at+12 <= len(b); {
		n := int(order.Uint32(b[at+4:]))
		end := at + n
		if n < 12 || n%4 != 0 || end > len(b) {
			break
		}
		r := record{start: at, end: end, packet: -1, lengths: []int{at + 4, end - 4}}
		switch order.Uint32(b[at:]) {
		case enhancedPacket:
			if n >= 32 {
				r.packet, r.packetEnd = at+28, min(at+28+int(order.Uint32(b[at+20:])), end-4)
				r.lengths = append(r.lengths, at+20, at+24)
				r.stamp = at + 12
			}
		case simplePacket:
			if n >= 16 {
				r.packet, r.packetEnd = at+12, end-4
				r.lengths = append(r.lengths, at+8)
				r.stamp = -1 // a simple packet block has no timestamp
			}
		}
		out = append(out, r)
		at = end
	}
	return out
}

// headerBytes is how far into a packet its headers reach, for the
// mutations aimed at them: Ethernet or Linux cooked, IP and TCP without
// options.
const headerBytes = 60

// mutate makes a damaged copy of a capture: one to three of the kinds of
// damage below, at offsets drawn from seed. It returns the copy and what
// was done, offsets included.
func mutate(original []byte, seed uint64) ([]byte, []string) {
	rng := rand.New(rand.NewPCG(mutationSeed, seed))
	b := bytes.Clone(original)
	var how []string
	for range 1 + rng.IntN(3) {
		var did string
		b, did = mutateOnce(rng, b)
		how = append(how, did)
	}
	return b, how
}

// mutateOnce applies one kind of damage.
func mutateOnce(rng *rand.Rand, b []byte) ([]byte, string) {
	if len(b) == 0 {
		return b, "nothing left to damage"
	}
	recs, order := captureRecords(b)
	var packets []record
	for _, r := range recs {
		if r.packet >= 0 && r.packetEnd > r.packet {
			packets = append(packets, r)
		}
	}
	kind := rng.IntN(10)
	if len(packets) == 0 && kind < 8 {
		kind = 8 + rng.IntN(2) // no record to aim at: damage the bytes
	}
	switch kind {
	case 0: // flip bits in a packet's headers
		r := packets[rng.IntN(len(packets))]
		end := min(r.packet+headerBytes, r.packetEnd)
		var at []string
		for range 1 + rng.IntN(4) {
			i := r.packet + rng.IntN(end-r.packet)
			b[i] ^= 1 << rng.IntN(8)
			at = append(at, fmt.Sprint(i))
		}
		return b, "bits flipped in packet headers at " + strings.Join(at, ",")
	case 1: // flip bytes in a packet's payload
		r := packets[rng.IntN(len(packets))]
		start := min(r.packet+headerBytes, r.packetEnd-1)
		var at []string
		for range 1 + rng.IntN(8) {
			i := start + rng.IntN(r.packetEnd-start)
			b[i] ^= byte(1 + rng.IntN(255))
			at = append(at, fmt.Sprint(i))
		}
		return b, "bytes flipped in a payload at " + strings.Join(at, ",")
	case 2: // duplicate a run of records, right after itself
		i := rng.IntN(len(packets))
		j := min(len(packets), i+1+rng.IntN(4))
		run := bytes.Clone(b[packets[i].start:packets[j-1].end])
		b = append(b[:packets[j-1].end], append(run, b[packets[j-1].end:]...)...)
		return b, fmt.Sprintf("records at %d-%d duplicated", packets[i].start, packets[j-1].end)
	case 3: // cut a run of records
		i := rng.IntN(len(packets))
		j := min(len(packets), i+1+rng.IntN(8))
		from, to := packets[i].start, packets[j-1].end
		return append(b[:from], b[to:]...), fmt.Sprintf("records at %d-%d cut", from, to)
	case 4: // a record length set huge, or to one off
		r := packets[rng.IntN(len(packets))]
		at := r.lengths[rng.IntN(len(r.lengths))]
		v := []uint32{0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0, order.Uint32(b[at:]) + 1}[rng.IntN(6)]
		order.PutUint32(b[at:], v)
		return b, fmt.Sprintf("record length at %d set to %#x", at, v)
	case 5: // an IP or TCP length field in a packet set huge
		r := packets[rng.IntN(len(packets))]
		return packetLengthHuge(rng, b, r)
	case 6: // a timestamp set far off, or back
		r := packets[rng.IntN(len(packets))]
		if r.stamp < 0 {
			return b, "a packet without a timestamp"
		}
		v := []uint32{0xffffffff, 0x80000000, 0, order.Uint32(b[r.stamp:]) - 3600}[rng.IntN(4)]
		order.PutUint32(b[r.stamp:], v)
		return b, fmt.Sprintf("timestamp at %d set to %#x", r.stamp, v)
	case 7: // swap two records
		i, j := rng.IntN(len(packets)), rng.IntN(len(packets))
		if i > j {
			i, j = j, i
		}
		if i == j {
			return b, "a record swapped with itself"
		}
		a, c := packets[i], packets[j]
		swapped := slices.Concat(b[:a.start], b[c.start:c.end], b[a.end:c.start], b[a.start:a.end], b[c.end:])
		return swapped, fmt.Sprintf("records at %d and %d swapped", a.start, c.start)
	case 8: // truncate
		at := rng.IntN(len(b))
		return b[:at], fmt.Sprintf("truncated at %d", at)
	default: // zero a run of bytes
		at := rng.IntN(len(b))
		n := min(len(b)-at, 1+rng.IntN(64))
		clear(b[at : at+n])
		return b, fmt.Sprintf("%d bytes zeroed at %d", n, at)
	}
}

// packetLengthHuge sets a length in a packet's IP or TCP header to its
// largest value: IPv4 total length or header length, IPv6 payload length,
// TCP data offset. The link header is Ethernet or Linux cooked (v1 or
// v2); a packet with neither gets a 16-bit field at a random header
// offset set to 0xffff.
func packetLengthHuge(rng *rand.Rand, b []byte, r record) ([]byte, string) {
	p := b[r.packet:r.packetEnd]
	ip := -1
	for _, link := range []struct{ etherType, ip int }{{12, 14}, {14, 16}, {0, 20}} { // Ethernet, SLL, SLL2
		if len(p) < link.ip+40 {
			continue
		}
		if t := binary.BigEndian.Uint16(p[link.etherType:]); t == 0x0800 && p[link.ip]>>4 == 4 || t == 0x86dd && p[link.ip]>>4 == 6 {
			ip = link.ip
			break
		}
	}
	if ip < 0 {
		i := rng.IntN(max(1, min(len(p), headerBytes)-1))
		if i+2 > len(p) {
			return b, "packet too short for a length"
		}
		binary.BigEndian.PutUint16(p[i:], 0xffff)
		return b, fmt.Sprintf("16 bits at %d set to 0xffff", r.packet+i)
	}
	v6 := p[ip]>>4 == 6
	tcp := ip + 40
	if !v6 {
		tcp = ip + int(p[ip]&0x0f)*4
	}
	switch field := rng.IntN(3); {
	case field == 0 && v6:
		binary.BigEndian.PutUint16(p[ip+4:], 0xffff)
		return b, fmt.Sprintf("IPv6 payload length at %d set to 65535", r.packet+ip+4)
	case field == 0:
		binary.BigEndian.PutUint16(p[ip+2:], 0xffff)
		return b, fmt.Sprintf("IPv4 total length at %d set to 65535", r.packet+ip+2)
	case field == 1 && !v6:
		p[ip] |= 0x0f
		return b, fmt.Sprintf("IPv4 header length at %d set to 60", r.packet+ip)
	case tcp+12 < len(p):
		p[tcp+12] |= 0xf0
		return b, fmt.Sprintf("TCP data offset at %d set to 60", r.packet+tcp+12)
	}
	return b, "packet too short for a TCP header"
}

// TestMutationsAimAtRecords: the mutations can aim at packets only if
// captureRecords walks every lab capture to its end, and a failure can
// be rerun only if a seed always makes the same copy.
func TestMutationsAimAtRecords(t *testing.T) {
	for _, path := range mutationSources(t) {
		original := readCapture(t, path)
		recs, _ := captureRecords(original)
		if len(recs) == 0 {
			t.Errorf("%s: no record found", path)
			continue
		}
		packets := 0
		for i, r := range recs {
			if i > 0 && r.start != recs[i-1].end {
				t.Fatalf("%s: record %d starts at %d, the one before ends at %d", path, i, r.start, recs[i-1].end)
			}
			if r.packet >= 0 {
				packets++
			}
		}
		// A gzipped capture is cut at realisticPrefix, inside a record.
		if last := recs[len(recs)-1].end; last != len(original) && !strings.HasSuffix(path, ".gz") {
			t.Errorf("%s: records end at %d of %d bytes", path, last, len(original))
		}
		if packets == 0 {
			t.Errorf("%s: no packet record found", path)
		}
		seed := mutationSeedOf(filepath.Base(path), 0)
		a, howA := mutate(original, seed)
		b, howB := mutate(original, seed)
		if !bytes.Equal(a, b) || !slices.Equal(howA, howB) {
			t.Errorf("%s: seed %d made two different copies (%v, %v)", path, seed, howA, howB)
		}
	}
}
