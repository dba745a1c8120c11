package live

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestStatusLine(t *testing.T) {
	var st Status
	s := StatusSnapshot{Interface: "eth0", Elapsed: 3723 * time.Second, Packets: 1234567, Bytes: 10_000_000,
		Dropped: 0, OpenConns: 12, Sessions: 340, Breaks: 1}
	if got, want := st.Line(s, 0), "eth0 1:02:03 · 1,234,567 pkts · 0.0 MB/s · 0 dropped · 12 conns · 340 sessions · 1 break"; got != want {
		t.Errorf("first line\n got %q\nwant %q", got, want)
	}
	s.Elapsed += 2 * time.Second
	s.Bytes += 100_000_000
	s.Breaks, s.Alerts, s.Dropped = 3, 2, 4321
	s.File = "/var/tmp/ev-000003.pcapng"
	if got, want := st.Line(s, 0), "eth0 1:02:05 · 1,234,567 pkts · 50.0 MB/s · 4,321 dropped · 12 conns · 340 sessions · 3 breaks · 2 alerts firing · → ev-000003.pcapng"; got != want {
		t.Errorf("second line\n got %q\nwant %q", got, want)
	}
	if got := st.Line(s, 40); len([]rune(got)) != 40 || !strings.HasSuffix(got, "…") {
		t.Errorf("cut to 40 columns: %q (%d)", got, len([]rune(got)))
	}
}

// The status line is taken off the screen before a line is written and
// drawn again after; without a terminal nothing goes to stderr.
func TestConsole(t *testing.T) {
	var out, status bytes.Buffer
	c := NewConsole(&out, &status)
	c.Write([]byte("first\n"))
	c.Status("eth0 0:00:01")
	c.Write([]byte("break\n"))
	c.Status("eth0 0:00:02")
	c.Clear()
	c.Status("eth0 0:00:03") // after Clear: ignored
	if out.String() != "first\nbreak\n" {
		t.Errorf("stdout %q", out.String())
	}
	want := eraseLine + "eth0 0:00:01" + eraseLine + eraseLine + "eth0 0:00:01" + eraseLine + "eth0 0:00:02" + eraseLine
	if status.String() != want {
		t.Errorf("stderr %q\nwant   %q", status.String(), want)
	}

	out.Reset()
	quiet := NewConsole(&out, nil)
	quiet.Status("x")
	quiet.Write([]byte("line\n"))
	quiet.Clear()
	if out.String() != "line\n" {
		t.Errorf("without a terminal: %q", out.String())
	}
}
