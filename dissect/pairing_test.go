package dissect

import (
	"reflect"
	"testing"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// TestReplyPairingByCode: a reply answers the oldest waiting command that
// can receive it (RFC 959 §5.4), not blindly the oldest.
func TestReplyPairingByCode(t *testing.T) {
	for _, tc := range []struct {
		name    string
		talk    []string
		log     []string // after the login
		anomaly string   // expected once, "" for none
		detail  string
	}{
		{
			// curl killed mid-transfer, or a server that never sent 226:
			// the 221 answers QUIT; RETR saw only its 150.
			name: "221 answers QUIT, not the transfer in progress",
			talk: []string{"C: RETR big.iso", "S: 150 Opening BINARY mode data connection", "C: QUIT", "S: 221 Goodbye."},
			log:  []string{"RETR:150", "QUIT:221"},
		},
		{
			name: "226 still answers the transfer before QUIT's 221",
			talk: []string{"C: RETR f", "S: 150 Opening", "C: QUIT", "S: 226 Transfer complete.", "S: 221 Goodbye."},
			log:  []string{"RETR:150,226", "QUIT:221"},
		},
		{
			name:    "a preliminary reply to a command that never gets one",
			talk:    []string{"C: NOOP", "S: 150 Here it comes", "S: 200 NOOP ok."},
			log:     []string{"NOOP:200", "-:150"},
			anomaly: AnomalyReplyFitsNoCommand, detail: "150 while NOOP pending",
		},
		{
			name:    "a 227 with only a transfer and QUIT waiting",
			talk:    []string{"C: LIST", "S: 150 Listing", "C: QUIT", "S: 227 Entering Passive Mode (203,0,113,20,4,1)", "S: 221 Bye"},
			log:     []string{"LIST:150", "QUIT:221", "-:227"},
			anomaly: AnomalyReplyFitsNoCommand, detail: "227 while LIST, QUIT pending",
		},
		{
			name: "errors answer the oldest command",
			talk: []string{"C: TYPE I\r\nSIZE missing.txt\r\nRETR missing.txt", "S: 200 Switching to Binary mode.",
				"S: 550 Could not get file size.", "S: 550 Failed to open file."},
			log: []string{"TYPE:200", "SIZE:550", "RETR:550"},
		},
		{
			// Pure-FTPd's "500 Unknown command" to an ABOR its Telnet
			// IP/Synch garbled: a syntax error is the later command's, not
			// a failure of the transfer in progress.
			name: "a 500 during a transfer answers the command after it",
			talk: []string{"C: RETR slow.txt", "S: 150 Accepted data connection", "C: ABOR", "S: 500 Unknown command"},
			log:  []string{"RETR:150", "ABOR:500"},
		},
		{
			name: "a 550 during a transfer is still the transfer's",
			talk: []string{"C: RETR slow.txt", "S: 150 Accepted data connection", "C: NOOP", "S: 550 Read error", "S: 200 NOOP ok."},
			log:  []string{"RETR:150,550", "NOOP:200"},
		},
		{
			name: "an unknown command accepts any reply",
			talk: []string{"C: XFOO bar", "S: 221 odd"},
			log:  []string{"XFOO:221"},
			// The verb is unknown, not the pairing.
			anomaly: AnomalyUnknownCommand, detail: `"XFOO"`,
		},
		{
			name: "an invalid code answers the oldest command",
			talk: []string{"C: PASV", "S: 99 PASV invalid"},
			log:  []string{"PASV:0"},
			// The reply is malformed; the pairing is not questioned.
			anomaly: AnomalyInvalidReplyCode, detail: `"99 PASV invalid"`,
		},
		{
			// Pure-FTPd and lftp: PRET announces the transfer, refused
			// there when the file is missing.
			name: "PRET is answered before its RETR",
			talk: []string{"C: PRET RETR f\r\nPASV\r\nRETR f", "S: 200 Ready for RETR", "S: 227 Entering Passive Mode (203,0,113,20,4,1)",
				"S: 150 Accepted data connection", "S: 226 File successfully transferred"},
			log: []string{"PRET:200", "PASV:227", "RETR:150,226"},
		},
		{
			name: "PRET of a missing file",
			talk: []string{"C: PRET RETR missing.bin", "S: 550 Can't open missing.bin: No such file or directory", "C: QUIT", "S: 221 Logout."},
			log:  []string{"PRET:550", "QUIT:221"},
		},
	} {
		h := newHarness(t, Options{})
		ctl := h.open(ctlCli, ctlSrv)
		login(h, ctl)
		h.talk(ctl, tc.talk...)
		h.fin(ctl, tcpflow.FromClient)
		s := h.session()
		if got := verbs(s)[3:]; !reflect.DeepEqual(got, tc.log) {
			t.Errorf("%s: log = %q, want %q", tc.name, got, tc.log)
		}
		var want []Anomaly
		if tc.anomaly != "" {
			want = []Anomaly{{Key: tc.anomaly, Detail: tc.detail}}
		}
		var got []Anomaly
		for _, a := range s.Anomalies {
			got = append(got, Anomaly{Key: a.Key, Detail: a.Detail})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: anomalies = %+v, want %+v", tc.name, got, want)
		}
	}
}

// TestTransferAnsweredOnlyBy1xx: the case. A transfer answered
// only by 150, then QUIT and 221: the transfer has no final reply.
func TestTransferAnsweredOnlyBy1xx(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "C: PASV", "S: 227 Entering Passive Mode (203,0,113,20,117,48)", "C: RETR big.iso", "S: 150 Opening")
	data := h.open(cliAddr+":40001", srvAddr+":30000")
	h.talk(ctl, "C: QUIT", "S: 221 Goodbye.")
	h.rst(data, tcpflow.FromServer)
	h.fin(ctl, tcpflow.FromServer)
	tr := h.session().Transfers[0]
	if tr.Prelim == nil || tr.Prelim.Code != 150 || tr.Final != nil {
		t.Errorf("transfer replies %v %v, want 150 and no final reply", tr.Prelim, tr.Final)
	}
}

// TestReplyAfterClientClose: a reply that began after the client's first
// FIN or RST answers nothing, even the command still waiting.
func TestReplyAfterClientClose(t *testing.T) {
	for _, tc := range []struct {
		name   string
		close  func(h *harness, c *tcpflow.Conn) tcpflow.Ref
		talk   []string // before the close
		late   string
		log    []string // after the login
		detail string
	}{
		{
			// wget after a download: no QUIT, FIN; Pure-FTPd then says
			// "226 Logout."
			name:   "goodbye after the client's FIN, nothing waiting",
			close:  func(h *harness, c *tcpflow.Conn) tcpflow.Ref { return h.halfClose(c, tcpflow.FromClient) },
			talk:   []string{"C: RETR f", "S: 150 Accepted data connection", "S: 226 File successfully transferred"},
			late:   "S: 226 Logout.",
			log:    []string{"RETR:150,226", "-:226"},
			detail: "226 after the client's FIN",
		},
		{
			name:   "the waiting command's reply after the client's FIN",
			close:  func(h *harness, c *tcpflow.Conn) tcpflow.Ref { return h.halfClose(c, tcpflow.FromClient) },
			talk:   []string{"C: NOOP"},
			late:   "S: 200 NOOP ok.",
			log:    []string{"NOOP:", "-:200"},
			detail: "200 after the client's FIN",
		},
		{
			name:   "after the client's RST",
			close:  func(h *harness, c *tcpflow.Conn) tcpflow.Ref { return h.resetOnly(c, tcpflow.FromClient) },
			talk:   []string{"C: RETR f", "S: 150 Opening"},
			late:   "S: 426 Failure writing network stream.",
			log:    []string{"RETR:150", "-:426"},
			detail: "426 after the client's RST",
		},
	} {
		h := newHarness(t, Options{})
		ctl := h.open(ctlCli, ctlSrv)
		login(h, ctl)
		h.talk(ctl, tc.talk...)
		closed := tc.close(h, ctl)
		h.talk(ctl, tc.late)
		h.fin(ctl, tcpflow.FromServer)
		s := h.session()
		if got := verbs(s)[3:]; !reflect.DeepEqual(got, tc.log) {
			t.Errorf("%s: log = %q, want %q", tc.name, got, tc.log)
		}
		late := s.Log[len(s.Log)-1].Replies[0]
		if !closed.Before(late.At) || s.AnomalyCounts[AnomalyReplyAfterClientClose] != 1 || s.AnomalyCounts[AnomalyReplyWithoutCommand] != 0 {
			t.Errorf("%s: late reply at %v, client closed at %v, anomalies %v", tc.name, late.At, closed, s.AnomalyCounts)
		}
		if len(s.Anomalies) == 0 {
			continue
		}
		if a := s.Anomalies[len(s.Anomalies)-1]; a.Key != AnomalyReplyAfterClientClose || a.Detail != tc.detail || a.At != late.At {
			t.Errorf("%s: anomaly %+v, want detail %q", tc.name, a, tc.detail)
		}
	}
}

// TestCommandAndReplyTimes: Command.At and Reply.At are the packets that
// carried their first bytes, so they compare with either side's FIN: a
// command sent after the server's FIN is seen as such.
func TestCommandAndReplyTimes(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.send(ctl, tcpflow.FromServer, "421 Timeout")
	h.send(ctl, tcpflow.FromServer, " (300 seconds): closing control connection.\r\n")
	srvFIN := h.halfClose(ctl, tcpflow.FromServer)
	h.send(ctl, tcpflow.FromClient, "NO")
	h.send(ctl, tcpflow.FromClient, "OP\r\n")
	h.rst(ctl, tcpflow.FromServer)
	s := h.session()
	bye, noop := s.Log[3].Replies[0], s.Log[4].Cmd
	if bye.Code != 421 || !bye.At.Before(srvFIN) {
		t.Errorf("421 at %v (end %v), server FIN at %v", bye.At, bye.End, srvFIN)
	}
	if noop == nil || noop.Verb != "NOOP" || !srvFIN.Before(noop.At) || noop.At.Frame != srvFIN.Frame+1 {
		t.Errorf("NOOP %+v, server FIN at %v: the command's time is its first byte's packet", noop, srvFIN)
	}
}

// TestQuitAnsweredAfterClientFIN: a client that sends QUIT and its FIN at
// once still gets QUIT's 221 (samples/data-channel-blocked.pcap, frames
// 38-40).
func TestQuitAnsweredAfterClientFIN(t *testing.T) {
	for _, closeWith := range []func(*harness, *tcpflow.Conn, tcpflow.Dir) tcpflow.Ref{(*harness).halfClose, (*harness).resetOnly} {
		h := newHarness(t, Options{})
		ctl := h.open(ctlCli, ctlSrv)
		login(h, ctl)
		h.talk(ctl, "C: RETR f", "S: 150 Opening", "C: QUIT")
		closeWith(h, ctl, tcpflow.FromClient)
		h.talk(ctl, "S: 226 Transfer complete.", "S: 221 Goodbye.")
		h.fin(ctl, tcpflow.FromServer)
		s := h.session()
		if got := verbs(s)[3:]; !reflect.DeepEqual(got, []string{"RETR:150", "QUIT:221", "-:226"}) {
			t.Errorf("log = %q", got)
		}
		if s.AnomalyCounts[AnomalyReplyAfterClientClose] != 1 {
			t.Errorf("anomalies %v", s.AnomalyCounts)
		}
	}
}

// TestPRETFacts: PRET is a known command whose argument names the command
// it prepares; a password in it is redacted like PASS's.
func TestPRETFacts(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "C: PRET RETR pub/missing.bin", "S: 550 Can't open pub/missing.bin: No such file or directory",
		"C: PRET PASS hunter2", "S: 500 ?", "C: MLSD", "S: 425 No data connection")
	h.fin(ctl, tcpflow.FromClient)
	s := h.session()
	pret := s.Log[3].Cmd
	if verb, path, ok := pret.Prepared(); !pret.Known || verb != "RETR" || path != "pub/missing.bin" || !ok {
		t.Errorf("PRET %+v prepares %q %q %v", pret, verb, path, ok)
	}
	if arg := s.Log[4].Cmd.Arg; arg != "PASS "+redacted {
		t.Errorf("PRET PASS argument %q", arg)
	}
	if len(s.Transfers) != 1 || s.Transfers[0].Cmd != "MLSD" || s.Transfers[0].Direction != DirectionDownload {
		t.Errorf("transfers %+v", s.Transfers)
	}
	if len(s.Anomalies) != 0 {
		t.Errorf("anomalies %+v", s.Anomalies)
	}
}

// TestLostReplyRetiresCommand: replies come in command order, so when a
// later command is answered, an older one that never started lost its
// reply (a gap) and stops waiting; left waiting, it took the next error
// meant for a later command.
func TestLostReplyRetiresCommand(t *testing.T) {
	for _, tc := range []struct {
		name   string
		talk   []string
		log    []string
		detail string
	}{
		{
			// file-unavailable.pcapng with frame 10, the 331, dropped.
			name: "the 331 lost",
			talk: []string{"S: 220 pyftpdlib 1.5.7 ready.", "C: USER ftplab", "C: PASS x", "S: 230 Login successful.",
				"C: TYPE I", "S: 200 Type set to: Binary.", "C: RETR missing.bin", "S: 550 No such file or directory."},
			log:    []string{"-:220", "USER:230", "PASS:", "TYPE:200", "RETR:550"},
			detail: "PASS, before TYPE's 200",
		},
		{
			name: "a transfer's 226 lost, the next transfer starts",
			talk: []string{"S: 220 hi", "C: RETR a", "S: 150 Opening a", "C: RETR b", "S: 150 Opening b", "S: 226 Done b"},
			log:  []string{"-:220", "RETR:150", "RETR:150,226"}, detail: "RETR, before RETR's 150",
		},
		{
			name: "STAT during a transfer leaves it waiting",
			talk: []string{"S: 220 hi", "C: RETR a", "S: 150 Opening a", "C: STAT", "S: 213 Status: 1000 of 5000 bytes", "S: 226 Done"},
			log:  []string{"-:220", "RETR:150,226", "STAT:213"},
		},
	} {
		h := newHarness(t, Options{})
		ctl := h.open(ctlCli, ctlSrv)
		h.talk(ctl, tc.talk...)
		h.fin(ctl, tcpflow.FromClient)
		s := h.session()
		if got := verbs(s); !reflect.DeepEqual(got, tc.log) {
			t.Errorf("%s: log = %q, want %q", tc.name, got, tc.log)
		}
		var details []string
		for _, a := range s.Anomalies {
			if a.Key == AnomalyCommandWithoutReply {
				details = append(details, a.Detail)
			}
		}
		if want := []string{tc.detail}; tc.detail == "" && len(details) != 0 || tc.detail != "" && !reflect.DeepEqual(details, want) {
			t.Errorf("%s: command_without_reply %q, want %q", tc.name, details, tc.detail)
		}
	}
}
