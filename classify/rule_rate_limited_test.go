package classify

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestRateLimited(t *testing.T) {
	sv := tcpflow.FromServer
	for _, tc := range []struct {
		name    string
		script  func(data *sconn)
		finding string // substring of the summary, "" for none
	}{
		{name: "paced in small chunks", script: func(data *sconn) {
			for range 40 { // 8 KB every 250 ms: 32 kB/s
				data.bulk(sv, 8192, 100*time.Microsecond)
				data.send(sv, 250*time.Millisecond, "")
			}
		}, finding: "ran at a steady 32.9 kB/s for 9.80 s (±19 % over 14 intervals of 640.0 ms), the server leaving nothing in flight for 100 % of the time; not window-limited (0 of ~227 segments) and no retransmissions"},
		{name: "64 KiB bursts like vsftpd's rate limit", script: func(data *sconn) {
			for n := 200000; n > 0; n -= 65536 {
				data.bulk(sv, min(n, 65536), 100*time.Microsecond)
				if n > 65536 {
					data.send(sv, 2600*time.Millisecond, "")
				}
			}
		}, finding: "ran at a steady 25.1 kB/s for 7.83 s (in 4 bursts, one every 2.61 s)"},
		{name: "irregular pauses are no cap", script: func(data *sconn) {
			for _, p := range []time.Duration{100, 4000, 300, 6000, 200, 50} {
				data.bulk(sv, 30000, 100*time.Microsecond)
				data.send(sv, p*time.Millisecond, "")
			}
		}},
		{name: "a transfer held by the window is not capped", script: func(data *sconn) {
			data.windowed(sv, 3000000, 65535, 50*time.Millisecond)
		}},
		{name: "short transfers say nothing", script: func(data *sconn) {
			for range 4 {
				data.bulk(sv, 8192, 100*time.Microsecond)
				data.send(sv, 250*time.Millisecond, "")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNetScript(t)
			ctl, data := ftpTransfer(s, "RETR slow.bin", tcpflow.WScaleNone, 2*time.Millisecond)
			tc.script(data)
			finishTransfer(ctl, data, sv)
			vs := s.finish().judge()
			for _, v := range vs {
				if !v.Info {
					t.Errorf("unexpected break %s: %s", v.Cause, v.Summary)
				}
			}
			f := dataVerdict(vs, "rate-limited", true)
			switch {
			case tc.finding == "" && f != nil:
				t.Errorf("unexpected finding: %s", f.Summary)
			case tc.finding != "" && f == nil:
				t.Errorf("no rate-limited finding; verdicts %+v", vs)
			case tc.finding != "" && !strings.Contains(f.Summary, tc.finding):
				t.Errorf("finding %q, want it to say %q", f.Summary, tc.finding)
			}
		})
	}
}

func TestSteadyRateMergesBursts(t *testing.T) {
	var r tcpflow.RateSeries
	r.Width, r.Used = int64(100*time.Millisecond), 16
	// Alternating bursts and silences: unsteady at 100 ms, steady at 200.
	for i := range r.Bins {
		if i%2 == 0 {
			r.Bins[i] = 10000
		}
	}
	l, ok := steadyRate(&r)
	if !ok || l.bins != 6 || l.width != 200*time.Millisecond || l.rate != 50000 {
		t.Errorf("steady %v %+v, want 6 intervals of 200 ms at 50,000 B/s", ok, l)
	}
	r.Bins[7] = 90000 // one burst far above the rest
	if l, ok := steadyRate(&r); ok {
		t.Errorf("steady despite an outlier: %+v", l)
	}
}

// The lab's capture: vsftpd with anon_max_rate=25000 sends slow.bin in
// three bursts (131,072 bytes at once, 65,536 after 2.62 s, the last
// 3,392 after 5.24 s): the cap is 25.0 kB/s, the average 38.1.
func TestRateLimitedSample(t *testing.T) {
	vs := loadCapture(t, sampleFile(t, "rate-limited")).judge()
	f := dataVerdict(vs, "rate-limited", true)
	if len(vs) != 1 || f == nil {
		t.Fatalf("want one rate-limited finding, got %+v", vs)
	}
	want := "The download on the data connection of RETR slow.bin ran at a steady 25.0 kB/s for 5.24 s (in 3 bursts, one every 2.62 s)"
	if !strings.HasPrefix(f.Summary, want) || f.Class != ClassServerPolicy {
		t.Errorf("%s %s", f.Class, f.Summary)
	}
	if fr := framesOf(f); !fr[37] || !fr[268] {
		t.Errorf("evidence lacks the first and last data (37, 268): %+v", f.Evidence)
	}
}
