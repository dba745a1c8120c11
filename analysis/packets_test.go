package analysis_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// With KeepPackets every packet of every FTP connection is kept, in
// capture order, with its connection's record, its payload hashed; without
// it nothing is.
func TestKeepPackets(t *testing.T) {
	paths := []string{"../samples/clean-active-port.pcap", "../samples/clean-pasv.pcap"}
	for i, path := range paths {
		t.Run(path, func(t *testing.T) {
			// The second in parallel: the packets are taken on the judging
			// goroutine.
			res, err := analysis.Files(context.Background(), []string{path}, analysis.Options{KeepPackets: true, Parallel: i == 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Packets) != len(res.Connections) || len(res.Packets) < 2 {
				t.Fatalf("%d connections kept, %d listed", len(res.Packets), len(res.Connections))
			}
			seen := map[int]bool{}
			for _, cp := range res.Packets {
				if cp.Connection < 0 || seen[cp.Connection] {
					t.Fatalf("connection index %d (twice: %v)", cp.Connection, seen[cp.Connection])
				}
				seen[cp.Connection] = true
				rec := res.Connections[cp.Connection]
				if rec.Client != cp.Client.String() || rec.Server != cp.Server.String() || rec.Kind != cp.Kind {
					t.Errorf("kept %s %s→%s, its record %s %s→%s", cp.Kind, cp.Client, cp.Server, rec.Kind, rec.Client, rec.Server)
				}
				if want := rec.Packets.Client + rec.Packets.Server; int64(len(cp.Packets)) != want || cp.Dropped != 0 {
					t.Errorf("%s: %d packets kept (%d dropped), the record counts %d", rec.Client, len(cp.Packets), cp.Dropped, want)
				}
				if !cp.SawSYN[0] || !cp.SawSYN[1] || cp.Packets[0].Seq != cp.ISN[0] {
					t.Errorf("%s: ISNs %v %v, first seq %d", rec.Client, cp.ISN, cp.SawSYN, cp.Packets[0].Seq)
				}
				var bytes [2]int64
				for i, p := range cp.Packets {
					if i > 0 && p.TS < cp.Packets[i-1].TS {
						t.Fatalf("packet %d out of capture order", i)
					}
					if (p.Len > 0) != (p.Hash != 0) {
						t.Errorf("frame %d: %d bytes, hash %x", p.Frame, p.Len, p.Hash)
					}
					if p.FromClient {
						bytes[0] += int64(p.Len)
					} else {
						bytes[1] += int64(p.Len)
					}
				}
				if bytes[0] < rec.Bytes.Client || bytes[1] < rec.Bytes.Server {
					t.Errorf("%s: kept %v payload bytes, the record counts %d/%d", rec.Client, bytes, rec.Bytes.Client, rec.Bytes.Server)
				}
				if cp.Kind == classify.KindData && (cp.Transfer == 0 || cp.FTPServerIsClient != (path == paths[0])) {
					t.Errorf("data connection: transfer %d, FTP server is client %v", cp.Transfer, cp.FTPServerIsClient)
				}
			}
			off, err := analysis.Files(context.Background(), []string{path}, analysis.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if off.Packets != nil || off.Stats.MaxKeptPackets != 0 {
				t.Errorf("without KeepPackets: %d connections kept", len(off.Packets))
			}
		})
	}
}

// Past MaxKeptPackets packets are counted, per connection and in the
// stats, with a caps-reached sentence.
func TestKeepPacketsCap(t *testing.T) {
	res, err := analysis.Files(context.Background(), []string{"../samples/clean-pasv.pcap"},
		analysis.Options{KeepPackets: true, MaxKeptPackets: 10})
	if err != nil {
		t.Fatal(err)
	}
	var kept, dropped int64
	for _, cp := range res.Packets {
		kept += int64(len(cp.Packets))
		dropped += cp.Dropped
	}
	if kept != 10 || dropped == 0 || res.Stats.KeptDropped != dropped || res.Stats.MaxKeptPackets != 10 {
		t.Errorf("kept %d, dropped %d, stats %d dropped of max %d", kept, dropped, res.Stats.KeptDropped, res.Stats.MaxKeptPackets)
	}
	if caps := res.Stats.CapsReached(); len(caps) != 1 {
		t.Errorf("caps reached: %q", caps)
	} else {
		t.Log(caps[0])
	}
}

// Kept packets and drawn traces share the connection's trace: with both,
// the diagrams are what they are without kept packets.
func TestKeepPacketsWithDiagrams(t *testing.T) {
	path := "../samples/data-channel-blocked.pcap"
	drawn, err := analysis.Files(context.Background(), []string{path}, analysis.Options{Diagrams: true})
	if err != nil {
		t.Fatal(err)
	}
	both, err := analysis.Files(context.Background(), []string{path}, analysis.Options{Diagrams: true, KeepPackets: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(both.Packets) == 0 || len(drawn.Breaks) == 0 || len(both.Breaks) != len(drawn.Breaks) {
		t.Fatalf("%d connections kept; %d and %d breaks", len(both.Packets), len(drawn.Breaks), len(both.Breaks))
	}
	for i := range drawn.Breaks {
		a, b := drawn.Breaks[i].Ladders, both.Breaks[i].Ladders
		if len(a) == 0 || !reflect.DeepEqual(a, b) {
			t.Errorf("break %d: ladders differ with kept packets (%d, %d)", i, len(a), len(b))
		}
	}
}
