package tcpflow

import (
	"testing"
	"unsafe"
)

// Every connection is a Conn, so its size is the tracker's memory per
// connection: a SYN flood or a port scan is mostly Conns. The allocator
// rounds a Conn (plus the 8-byte header it puts before objects with
// pointers) up to a size class; past 2,304 bytes the next class is 2,688,
// and every connection would take 384 bytes more. A field that must be
// added goes into padding (see Half.seqValid) or into Traffic, which only
// sides that sent more than a handshake have.
func TestConnSizeClass(t *testing.T) {
	const header, class = 8, 2304
	if n := unsafe.Sizeof(Conn{}) + header; n > class {
		t.Errorf("a Conn takes %d bytes with its allocation header, past the %d-byte size class", n, class)
	}
}

// Packets are ordered by capture time first: frames of different inputs
// are only comparable through it; input and frame break ties.
func TestRefOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b Ref
		want int
	}{
		{"earlier time, later frame", Ref{Frame: 9, TS: 100}, Ref{Frame: 2, TS: 200}, -1},
		{"later time, earlier input", Ref{Input: 0, Frame: 1, TS: 300}, Ref{Input: 1, Frame: 1, TS: 200}, 1},
		{"same time: input decides", Ref{Input: 0, Frame: 7, TS: 100}, Ref{Input: 1, Frame: 3, TS: 100}, -1},
		{"same time and input: frame decides", Ref{Frame: 4, TS: 100}, Ref{Frame: 3, TS: 100}, 1},
		{"the same packet", Ref{Input: 2, Frame: 5, TS: 100}, Ref{Input: 2, Frame: 5, TS: 100}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Compare(tc.b); got != tc.want {
				t.Errorf("Compare = %d, want %d", got, tc.want)
			}
			if got := tc.b.Compare(tc.a); got != -tc.want {
				t.Errorf("reversed Compare = %d, want %d", got, -tc.want)
			}
			if got := tc.a.Before(tc.b); got != (tc.want < 0) {
				t.Errorf("Before = %v, want %v", got, tc.want < 0)
			}
		})
	}
}
