package tcpflow

import "testing"

// TestLastSegs: the last packets come back oldest first whether the
// connection had none, only one (kept without the ring), a few or more than
// the ring holds.
func TestLastSegs(t *testing.T) {
	for _, tc := range []struct {
		packets   int
		wantFirst int64 // frame of the oldest returned
		wantN     int
	}{{0, 0, 0}, {1, 1, 1}, {2, 1, 2}, {tailSize, 1, tailSize}, {tailSize + 3, 4, tailSize}} {
		c := &Conn{}
		for i := 1; i <= tc.packets; i++ {
			c.addTail(Seg{Ref: Ref{Frame: int64(i)}})
		}
		got := c.LastSegs()
		if len(got) != tc.wantN {
			t.Fatalf("%d packets: %d segments, want %d", tc.packets, len(got), tc.wantN)
		}
		for i, s := range got {
			if want := tc.wantFirst + int64(i); s.Frame != want {
				t.Errorf("%d packets: segment %d is frame %d, want %d", tc.packets, i, s.Frame, want)
			}
		}
		if tc.packets <= 1 && c.tail != nil {
			t.Errorf("%d packets: ring made", tc.packets)
		}
	}
}
