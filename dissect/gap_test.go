package dissect

import (
	"reflect"
	"testing"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// TestGapResync: after a gap, reading resumes at the first packet that
// starts a proper line, not at the next LF; the line the gap cut is kept
// when it began as a line does.
func TestGapResync(t *testing.T) {
	type pkt struct {
		dir  tcpflow.Dir
		data string
		gap  int64 // bytes lost after this packet
	}
	c, s := tcpflow.FromClient, tcpflow.FromServer
	for _, tc := range []struct {
		name string
		pkts []pkt
		log  []string // after the login
		cut  []string // "VERB" of cut commands, "code" of cut replies, in log order
	}{
		{
			// A snap length of 96 bytes keeps the start of the 150 and
			// all of the 226.
			name: "snap length cuts a reply, the next packet is whole",
			pkts: []pkt{{c, "RETR big.iso\r\n", 0}, {s, "150 Opening BINARY mo", 52}, {s, "226 Transfer complete.\r\n", 0}},
			log:  []string{"RETR:150,226"},
			cut:  []string{"150"},
		},
		{
			name: "snap length cuts a command, the next packet is whole",
			pkts: []pkt{{c, "RETR pub/a-very-long-dir", 40}, {s, "150 ok\r\n", 0}, {s, "226 ok\r\n", 0}, {c, "QUIT\r\n", 0}, {s, "221 bye\r\n", 0}},
			log:  []string{"RETR:150,226", "QUIT:221"},
			cut:  []string{"RETR"},
		},
		{
			name: "a lost packet mid-line: the rest of that line is dropped",
			pkts: []pkt{{c, "NOOP\r\n", 0}, {s, "2", 30}, {s, " lost line's tail\r\n200 NOOP ok.\r\n", 0}},
			log:  []string{"NOOP:200"},
		},
		{
			name: "two replies in the packet after the gap",
			pkts: []pkt{{c, "SIZE f\r\nRETR f\r\n", 0}, {s, "213 1", 2000}, {s, "150 Opening\r\n226 Done\r\n", 0}},
			log:  []string{"SIZE:213", "RETR:150,226"},
			cut:  []string{"213"},
		},
		{
			// The gap took FEAT's last line: the next reply closes it.
			name: "a gap inside a multi-line reply",
			pkts: []pkt{{c, "FEAT\r\n", 0}, {s, "211-Features:\r\n EPRT\r\n", 60}, {c, "TYPE I\r\n", 0}, {s, "200 Type set to I.\r\n", 0}},
			log:  []string{"FEAT:211", "TYPE:200"},
			cut:  []string{"211"},
		},
	} {
		h := newHarness(t, Options{})
		ctl := h.open(ctlCli, ctlSrv)
		login(h, ctl)
		for _, p := range tc.pkts {
			at := h.send(ctl, p.dir, p.data)
			if p.gap > 0 {
				h.a.Gap(ctl, p.dir, p.gap, at)
			}
		}
		h.fin(ctl, tcpflow.FromClient)
		ses := h.session()
		if got := verbs(ses)[3:]; !reflect.DeepEqual(got, tc.log) {
			t.Errorf("%s: log = %q, want %q", tc.name, got, tc.log)
		}
		var cut []string
		for _, ex := range ses.Log {
			if ex.Cmd != nil && ex.Cmd.Cut {
				cut = append(cut, ex.Cmd.Verb)
			}
			for _, r := range ex.Replies {
				if r.Cut {
					cut = append(cut, verbs(&Session{Log: []Exchange{{Replies: []Reply{r}}}})[0][2:])
				}
			}
		}
		if !reflect.DeepEqual(cut, tc.cut) {
			t.Errorf("%s: cut %q, want %q", tc.name, cut, tc.cut)
		}
	}
}

// TestGapFacts: the session says how many gaps each direction of its
// control connection had, how many bytes they lost and where the first
// was.
func TestGapFacts(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "C: NOOP")
	first := h.send(ctl, tcpflow.FromServer, "200 N")
	h.a.Gap(ctl, tcpflow.FromServer, 5, first)
	at := h.send(ctl, tcpflow.FromServer, "200 x\r\n")
	h.a.Gap(ctl, tcpflow.FromServer, 1000, at)
	h.fin(ctl, tcpflow.FromClient)
	s := h.session()
	if s.ControlGaps != [2]int{0, 2} || s.ControlGapBytes != [2]int64{0, 1005} || s.FirstControlGap[tcpflow.FromServer] != first ||
		!s.FirstControlGap[tcpflow.FromClient].IsZero() {
		t.Errorf("gaps %v, bytes %v, first %v", s.ControlGaps, s.ControlGapBytes, s.FirstControlGap)
	}
}

// TestCutEndpointLinksByHosts: when the snap length cuts the port off a
// 227 or a PORT, the next connection between the two hosts in the right
// direction is the data connection (MatchHostsOnly); a second control
// connection between them is not.
func TestCutEndpointLinksByHosts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		setup    func(h *harness, ctl *tcpflow.Conn)
		from, to string
		mode     Mode
	}{
		{"cut 227", func(h *harness, ctl *tcpflow.Conn) {
			h.talk(ctl, "C: PASV")
			at := h.send(ctl, tcpflow.FromServer, "227 Entering Passive Mode (203,0")
			h.a.Gap(ctl, tcpflow.FromServer, 20, at)
		}, cliAddr + ":40001", srvAddr + ":30000", ModePassive},
		{"cut PORT", func(h *harness, ctl *tcpflow.Conn) {
			at := h.send(ctl, tcpflow.FromClient, "PORT 198,51,1")
			h.a.Gap(ctl, tcpflow.FromClient, 12, at)
			h.talk(ctl, "S: 200 PORT command successful.")
		}, srvAddr + ":20", cliAddr + ":50000", ModeActive},
	} {
		h := newHarness(t, Options{})
		ctl := h.open(ctlCli, ctlSrv)
		login(h, ctl)
		tc.setup(h, ctl)
		other := h.open(cliAddr+":40002", ctlSrv) // a second session
		h.talk(ctl, "C: RETR f", "S: 150 Opening")
		data := h.open(tc.from, tc.to)
		h.fin(data, tcpflow.FromServer)
		h.talk(ctl, "S: 226 Transfer complete.")
		h.fin(ctl, tcpflow.FromClient)
		h.fin(other, tcpflow.FromClient)
		if len(h.done) != 2 {
			t.Fatalf("%s: %d sessions", tc.name, len(h.done))
		}
		s := h.done[0]
		tr := s.Transfers[0]
		if tr.Conn != data || tr.Data.Match != MatchHostsOnly || tr.Mode != tc.mode || tr.Endpoint.IsValid() || tr.Final.Code != 226 {
			t.Errorf("%s: transfer %+v", tc.name, tr)
		}
		if len(s.Data) != 1 || other.User == nil || other.User == any(s.Data[0]) {
			t.Errorf("%s: data %+v, second session %T", tc.name, s.Data, other.User)
		}
	}
}
