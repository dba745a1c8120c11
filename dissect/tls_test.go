package dissect

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestParseTLSRecordHeader(t *testing.T) {
	tests := []struct {
		in    []byte
		sslv2 bool
		want  TLSRecordHeader
		err   error
	}{
		{[]byte{22, 3, 1, 0, 200}, false, TLSRecordHeader{22, 0x0301, 200, 5}, nil},
		{[]byte{21, 3, 3, 0, 2}, false, TLSRecordHeader{21, 0x0303, 2, 5}, nil},
		{[]byte{23, 3, 3, 0, 0}, false, TLSRecordHeader{23, 0x0303, 0, 5}, nil},
		{[]byte{20, 3, 0, 0, 1}, false, TLSRecordHeader{20, 0x0300, 1, 5}, nil},
		{[]byte{23, 3, 3, 0x48, 0x00}, false, TLSRecordHeader{23, 0x0303, 0x4800, 5}, nil},
		{[]byte{23, 3, 3, 0x48, 0x01}, false, TLSRecordHeader{}, ErrNotTLSRecord}, // over 2^14+2048
		{[]byte{22, 3, 3, 0, 0}, false, TLSRecordHeader{}, ErrNotTLSRecord},       // empty handshake
		{[]byte{25, 3, 3, 0, 5}, false, TLSRecordHeader{}, ErrNotTLSRecord},
		{[]byte{22, 2, 0, 0, 5}, false, TLSRecordHeader{}, ErrNotTLSRecord},
		{[]byte{22, 3, 5, 0, 5}, false, TLSRecordHeader{}, ErrNotTLSRecord},
		{[]byte("PASV\r\n"), false, TLSRecordHeader{}, ErrNotTLSRecord},
		{[]byte{22, 3, 1, 0}, false, TLSRecordHeader{}, ErrTLSNeedMore},
		{[]byte{0x80, 0x2e, 0x01, 0x03, 0x01}, true, TLSRecordHeader{22, 0x0002, 0x2e, 2}, nil},
		{[]byte{0x80, 0x2e, 0x01, 0x03, 0x01}, false, TLSRecordHeader{}, ErrNotTLSRecord},
		{[]byte{0x80, 0x2e, 0x02, 0x03, 0x01}, true, TLSRecordHeader{}, ErrNotTLSRecord},
	}
	for _, tt := range tests {
		got, err := ParseTLSRecordHeader(tt.in, tt.sslv2)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ParseTLSRecordHeader(% x, %v) = %+v, %v; want %+v, %v", tt.in, tt.sslv2, got, err, tt.want, tt.err)
		}
	}
}

// record builds a TLS record.
func record(typ byte, body ...byte) []byte {
	return append([]byte{typ, 3, 3, byte(len(body) >> 8), byte(len(body))}, body...)
}

func TestTLSScannerSplitAnywhere(t *testing.T) {
	sslv2Hello := append([]byte{0x80, 0x0b, 0x01, 0x03, 0x01}, make([]byte, 8)...)
	tests := []struct {
		name  string
		dir   tcpflow.Dir
		in    []byte
		used  int // bytes consumed before stopping
		stop  tlsStop
		facts TLSFacts
	}{
		{
			name: "server hello, alert",
			dir:  tcpflow.FromServer,
			in:   bytes.Join([][]byte{record(22, 2, 0, 0, 1, 9), record(21, 2, 40)}, nil),
			used: 17, stop: tlsMore,
			facts: TLSFacts{
				Versions: []uint16{0x0303}, Records: [2]int64{0, 2}, First: [2]tcpflow.Ref{{}, ref(1)},
				Handshakes: [2]uint32{0, 1 << 2},
				Alerts:     []TLSAlert{{From: tcpflow.FromServer, At: ref(1), Level: 2, Description: 40}},
				Last:       [2]TLSRecord{{}, {At: ref(1), Type: 21, Length: 2}},
			},
		},
		{
			name: "client hello, ccs, encrypted alert, then cleartext",
			dir:  tcpflow.FromClient,
			in:   bytes.Join([][]byte{record(22, 1, 0), record(20, 1), record(21, 1, 2, 3, 4), record(23), []byte("PASV\r\n")}, nil),
			used: 27, stop: tlsCleartext,
			facts: TLSFacts{
				Versions: []uint16{0x0303}, Records: [2]int64{4, 0}, First: [2]tcpflow.Ref{ref(1), {}},
				Handshakes: [2]uint32{1 << 1, 0}, ChangeCipherSpec: [2]tcpflow.Ref{ref(1), {}}, AppData: [2]tcpflow.Ref{ref(1), {}},
				Alerts: []TLSAlert{{From: tcpflow.FromClient, At: ref(1), Encrypted: true}},
				// The TLS client's first application-data record before an
				// encrypted handshake record of its own: TLS 1.3's Finished.
				Finished: [2]tcpflow.Ref{ref(1), ref(1)},
				Last:     [2]TLSRecord{{At: ref(1), Type: 23}, {}},
			},
		},
		{
			name: "sslv2 hello then garbage",
			dir:  tcpflow.FromClient,
			in:   append(append([]byte{}, sslv2Hello...), 0x99, 1, 2),
			used: 13, stop: tlsLost,
			facts: TLSFacts{
				Versions: []uint16{0x0002}, Records: [2]int64{1, 0}, First: [2]tcpflow.Ref{ref(1), {}},
				Handshakes: [2]uint32{1 << 1, 0},
				Last:       [2]TLSRecord{{At: ref(1), Type: 22, Length: 11}, {}},
			},
		},
		{
			name: "invalid header",
			dir:  tcpflow.FromServer,
			in:   []byte{22, 9, 9, 0, 1, 0},
			used: 5, stop: tlsLost,
			facts: TLSFacts{},
		},
	}
	for _, tt := range tests {
		for name, split := range splitters(len(tt.in)) {
			var s tlsScanner
			var f TLSFacts
			used, stop := 0, tlsMore
			for _, piece := range split(tt.in) {
				n, st := s.feed(piece, ref(1), tt.dir, &f)
				used += n
				if st != tlsMore {
					stop = st
					break
				}
			}
			if used != tt.used || stop != tt.stop || !reflect.DeepEqual(f, tt.facts) {
				t.Errorf("%s, split %s: used %d stop %d facts %+v; want %d %d %+v", tt.name, name, used, stop, f, tt.used, tt.stop, tt.facts)
			}
		}
	}
}

func TestTLSFacts(t *testing.T) {
	var f TLSFacts
	if f.HandshakeDone() {
		t.Error("empty facts: handshake done")
	}
	f.ChangeCipherSpec[tcpflow.FromServer] = ref(3)
	if f.HandshakeDone() {
		t.Error("server CCS alone: handshake done")
	}
	f.ChangeCipherSpec[tcpflow.FromClient] = ref(2)
	if !f.HandshakeDone() {
		t.Error("both CCS: handshake not done")
	}
	g := TLSFacts{AppData: [2]tcpflow.Ref{ref(5), {}}}
	if !g.HandshakeDone() {
		t.Error("client application data: handshake not done")
	}
	for a, want := range map[TLSAlert]string{
		{Description: 40}:                  "handshake_failure",
		{Description: 70}:                  "protocol_version",
		{Description: 0}:                   "close_notify",
		{Description: 200}:                 "alert_200",
		{Description: 40, Encrypted: true}: "encrypted",
	} {
		if got := a.Name(); got != want {
			t.Errorf("%+v.Name() = %q, want %q", a, got, want)
		}
	}
}
