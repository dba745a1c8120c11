package classify

import (
	"strings"
	"testing"
)

func TestRateCapture(t *testing.T) {
	for _, tc := range []struct {
		d      CaptureDefects
		rating string
		notes  []string
	}{
		{CaptureDefects{}, QualityGood, nil},
		{CaptureDefects{Duplicates: 1}, QualityDegraded, []string{"1 packet appears twice"}},
		{CaptureDefects{TruncatedPackets: 12345}, QualityDegraded, []string{"12,345 packets were cut by the snap length"}},
		{CaptureDefects{AckedUnseenBytes: 1}, QualityPoor, []string{"1 byte was acknowledged by its receiver but is not in the capture: the capture missed it"}},
		{CaptureDefects{AckedUnseenBytes: 1448000, KernelDrops: 2}, QualityPoor,
			[]string{"reported 2 packets dropped", "1,448,000 bytes were acknowledged by their receiver but are not"}},
		{CaptureDefects{FragmentsIncomplete: 1}, QualityDegraded, []string{"1 fragmented IP datagram never completed"}},
	} {
		rating, notes := RateCapture(tc.d)
		if rating != tc.rating {
			t.Errorf("%+v: rating %s, want %s", tc.d, rating, tc.rating)
		}
		all := strings.Join(notes, " | ")
		for _, want := range tc.notes {
			if !strings.Contains(all, want) {
				t.Errorf("%+v: notes %q lack %q", tc.d, all, want)
			}
		}
		if len(tc.notes) == 0 && len(notes) > 0 {
			t.Errorf("%+v: unexpected notes %q", tc.d, all)
		}
	}
}

func TestHopTally(t *testing.T) {
	for _, tc := range []struct {
		client, server []int
		want           string
	}{
		{[]int{0, 0}, []int{1, 2}, PointClientSide},
		{[]int{1}, []int{0, 0, 0}, PointServerSide},
		{[]int{1}, []int{1}, PointMiddle},
		{[]int{0}, []int{0}, PointUnknown},
		{[]int{-1}, []int{1}, PointUnknown}, // the client side sent nothing
		{nil, []int{1}, PointUnknown},
	} {
		var h HopTally
		for _, n := range tc.client {
			h.Add(RoleFTPClient, n)
		}
		for _, n := range tc.server {
			h.Add(RoleFTPServer, n)
		}
		if got := h.Point(); got != tc.want {
			t.Errorf("client %v server %v: %s, want %s", tc.client, tc.server, got, tc.want)
		}
	}
}
