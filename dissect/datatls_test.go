package dissect

import (
	"testing"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// sized is a record of type typ whose body is n bytes starting with first.
func sized(typ byte, n int, first ...byte) []byte {
	body := make([]byte, n)
	copy(body, first)
	return record(typ, body...)
}

// Application data is counted from each side's Finished on, in TLS 1.2
// (Finished is the encrypted handshake record after ChangeCipherSpec) and
// TLS 1.3 (every encrypted record is application data outside; the
// server's encrypted flight before the client's Finished is handshake).
func TestTLSAppDataAfterHandshake(t *testing.T) {
	cl, sv := tcpflow.FromClient, tcpflow.FromServer
	type rec struct {
		dir tcpflow.Dir
		b   []byte
	}
	for _, tc := range []struct {
		name     string
		recs     []rec
		app      [2]int64
		finished [2]int64 // frame of each side's Finished
	}{
		{"TLS 1.2, server sends the file", []rec{
			{cl, sized(22, 200, 1)},
			{sv, sized(22, 80, 2)}, {sv, sized(22, 1500, 11)}, {sv, sized(22, 4, 14)},
			{cl, sized(22, 70, 16)}, {cl, sized(20, 1, 1)}, {cl, sized(22, 40)},
			{sv, sized(20, 1, 1)}, {sv, sized(22, 40)},
			{sv, sized(23, 4000)}, {sv, sized(23, 2000)},
			{sv, sized(21, 26)},
		}, [2]int64{0, 6000}, [2]int64{7, 9}},
		{"TLS 1.3, client sends the file", []rec{
			{cl, sized(22, 200, 1)},
			{sv, sized(22, 90, 2)}, {sv, sized(20, 1, 1)}, {sv, sized(23, 30)}, {sv, sized(23, 1500)}, {sv, sized(23, 280)}, {sv, sized(23, 53)},
			{cl, sized(20, 1, 1)}, {cl, sized(23, 53)},
			{sv, sized(23, 250)}, // a session ticket
			{cl, sized(23, 5000)}, {cl, sized(23, 19)},
		}, [2]int64{5019, 250}, [2]int64{9, 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sc [2]tlsScanner
			var f TLSFacts
			for i, r := range tc.recs {
				if n, stop := sc[r.dir].feed(r.b, ref(int64(i+1)), r.dir, &f); stop != tlsMore || n != len(r.b) {
					t.Fatalf("record %d: used %d of %d, stop %d", i+1, n, len(r.b), stop)
				}
			}
			if f.AppBytes != tc.app || f.Finished[cl].Frame != tc.finished[cl] || f.Finished[sv].Frame != tc.finished[sv] {
				t.Errorf("app bytes %v, Finished at %d/%d; want %v, %v", f.AppBytes, f.Finished[cl].Frame, f.Finished[sv].Frame, tc.app, tc.finished)
			}
		})
	}
}
