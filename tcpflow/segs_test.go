package tcpflow

import (
	"slices"
	"testing"
	"time"
)

// A closed connection's last packets and kept packets come in capture
// order, the same as while it was open, and are worked out once.
func TestKnownSegsOnceClosed(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{MaxSegLog: 8}, r), ts: 1e18}
	f.send(seg(cli, srv, FlagSYN, 100, 0, ""), time.Millisecond)
	f.send(seg(srv, cli, FlagSYN|FlagACK, 500, 101, ""), time.Millisecond)
	f.send(seg(cli, srv, FlagACK, 101, 501, ""), time.Millisecond)
	for i := range 37 { // more than the log keeps, a ring that wrapped
		f.send(seg(cli, srv, FlagACK|FlagPSH, uint32(101+10*i), 501, "0123456789"), time.Millisecond)
	}
	c := r.opened[0]
	openTail := c.LastSegs()
	openKnown, openFrom := c.KnownSegs()
	f.send(seg(srv, cli, FlagRST, 501, 0, ""), time.Millisecond)
	f.t.Flush()
	if c.Closed == 0 {
		t.Fatal("connection not closed")
	}
	tail := c.LastSegs()
	if len(tail) != tailSize || !slices.Equal(tail[:tailSize-1], openTail[1:]) || tail[tailSize-1].Flags&FlagRST == 0 {
		t.Fatalf("closed tail %v, want the open tail shifted by the RST", frames(tail))
	}
	known, from := c.KnownSegs()
	if !slices.IsSortedFunc(known, compareSegs) || from.IsZero() || !from.Before(tail[len(tail)-1].Ref) {
		t.Fatalf("known %v from %v", frames(known), from)
	}
	if known[len(known)-1].Flags&FlagRST == 0 || openFrom.IsZero() || !slices.IsSortedFunc(openKnown, compareSegs) {
		t.Errorf("known %v closed, %v open (complete from %v)", frames(known), frames(openKnown), openFrom)
	}
	again, _ := c.KnownSegs()
	if &again[0] != &known[0] {
		t.Error("KnownSegs worked out again on a closed connection")
	}
}

func frames(segs []Seg) []int64 {
	out := make([]int64, len(segs))
	for i, s := range segs {
		out[i] = s.Frame
	}
	return out
}
