package zeekconn

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// Fuzz input: one byte of options (bit 0 Flip, bit 1 LikelyServerPort),
// then 12-byte packet records:
//
//	[0]     bit 0 from the client, bit 1 payload not captured, bit 2 zero
//	        window, bit 3 seq/ack relative (int16 steps from the last
//	        sequence number each side sent) instead of absolute
//	[1]     TCP flags
//	[2:6]   seq, [6:10] ack (big-endian)
//	[10:12] payload length
const fuzzRecord = 12

const (
	recFromClient = 1 << iota
	recNotCaptured
	recZeroWindow
	recRelative
)

func encodeRecord(fromClient bool, flags uint8, seq, ack uint32, n int) []byte {
	var r [fuzzRecord]byte
	if fromClient {
		r[0] |= recFromClient
	}
	r[1] = flags
	binary.BigEndian.PutUint32(r[2:], seq)
	binary.BigEndian.PutUint32(r[6:], ack)
	binary.BigEndian.PutUint16(r[10:], uint16(min(n, 0xffff)))
	return r[:]
}

// runFuzzInput feeds data to a fresh State and returns it.
func runFuzzInput(data []byte) *State {
	st := new(State)
	if len(data) == 0 {
		return st
	}
	if data[0]&1 != 0 {
		st.Flip()
	}
	if data[0]&2 != 0 {
		st.LikelyServerPort()
	}
	var last [2]uint32 // next sequence number per side, for relative records
	for rec := data[1:]; len(rec) >= fuzzRecord; rec = rec[fuzzRecord:] {
		ctl, flags := rec[0], rec[1]
		side := serverSide
		if ctl&recFromClient != 0 {
			side = clientSide
		}
		seq := binary.BigEndian.Uint32(rec[2:])
		ack := binary.BigEndian.Uint32(rec[6:])
		if ctl&recRelative != 0 {
			seq = last[side] + uint32(int32(int16(seq>>16)))
			ack = last[1-side] + uint32(int32(int16(ack>>16)))
		}
		n := int(binary.BigEndian.Uint16(rec[10:]))
		captured := n
		if ctl&recNotCaptured != 0 {
			captured = 0
		}
		win := uint16(1024)
		if ctl&recZeroWindow != 0 {
			win = 0
		}
		st.ObserveCaptured(side == clientSide, flags, seq, ack, n, captured, win, 40+n)
		last[side] = seq + uint32(n)
	}
	return st
}

func FuzzObserve(f *testing.F) {
	// Hand-built conversations.
	cv := func(opts byte, recs ...[]byte) []byte {
		out := []byte{opts}
		for _, r := range recs {
			out = append(out, r...)
		}
		return out
	}
	f.Add(cv(0,
		encodeRecord(true, flagSYN, 1000, 0, 0),
		encodeRecord(false, flagSYN|flagACK, 5000, 1001, 0),
		encodeRecord(true, flagACK, 1001, 5001, 0),
		encodeRecord(true, flagACK|flagPSH, 1001, 5001, 10),
		encodeRecord(false, flagACK, 5001, 1111, 0),
		encodeRecord(true, flagFIN|flagACK, 1111, 5001, 0),
		encodeRecord(false, flagRST, 5001, 0, 0)))
	f.Add(cv(3, encodeRecord(false, flagSYN|flagACK, 5000, 1001, 0), encodeRecord(true, flagRST, 1001, 0, 0)))
	f.Add(cv(1, encodeRecord(false, flagACK|flagPSH, 4294967200, 7, 200), encodeRecord(true, flagACK, 7, 4294967295, 0)))

	// Real conversations from the public corpus, when it is present.
	if corpusAvailable() {
		for _, name := range []string{
			"zeek/Traces/tcp/retransmit-fast009.pcap", "zeek/Traces/tcp/rst-inject-rae.pcap",
			"zeek/Traces/ftp/bigtransfer.pcap", "zeek/Traces/ftp/ftp-auth-tls.pcap",
			"suricata-verify/tests/ftp-quit/input.pcap", "nDPI/pcap/tcp_scan.pcapng",
			"arkime/pcap/no-syn-ack.pcap",
		} {
			path := filepath.Join(corpusDir, name)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			for _, c := range replay(f, path) {
				var opts byte
				if !c.st.OrigIsClient() || (len(c.pkts) > 0 && c.pkts[0].src != c.client) {
					opts |= 1
				}
				seed := []byte{opts}
				for _, p := range c.pkts[:min(len(c.pkts), 200)] {
					seed = append(seed, encodeRecord(p.src == c.client, p.flags, p.seq, p.ack, p.payloadLen)...)
				}
				f.Add(seed)
			}
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		st := runFuzzInput(data)
		if msg := invalid(st); msg != "" {
			t.Fatal(msg)
		}
		again := runFuzzInput(data)
		if again.History() != st.History() || again.ConnState() != st.ConnState() || again.MissedBytes() != st.MissedBytes() {
			t.Fatalf("replaying the same packets gave %q %s, then %q %s",
				st.History(), st.ConnState(), again.History(), again.ConnState())
		}
	})
}
