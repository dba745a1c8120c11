package dissect

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestPassiveRetrDataBeforeCommand(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	if !ctl.Reassemble {
		t.Fatal("control connection on port 21: Reassemble not set")
	}
	login(h, ctl)
	h.talk(ctl, "C: TYPE I", "S: 200 Type set to I", "C: PASV", "S: 227 Entering Passive Mode (203,0,113,20,117,48).")
	// The client connects as soon as it has the port, before RETR.
	data := h.open(cliAddr+":40001", srvAddr+":30000")
	h.talk(ctl, "C: RETR big.iso", "S: 150 Opening BINARY mode data connection for big.iso")
	h.fin(data, tcpflow.FromServer)
	h.talk(ctl, "S: 226 Transfer complete.", "C: QUIT", "S: 221 Goodbye.")
	if len(h.done) != 0 {
		t.Fatal("session finished before its control connection closed")
	}
	h.fin(ctl, tcpflow.FromServer)

	s := h.session()
	if s.ID != 1 || s.User != "alice" || s.Banner != "ProFTPD Server ready." || s.TLS || s.ByBanner {
		t.Errorf("session = ID %d user %q banner %q tls %v bybanner %v", s.ID, s.User, s.Banner, s.TLS, s.ByBanner)
	}
	want := []string{"-:220", "USER:331", "PASS:230", "TYPE:200", "PASV:227", "RETR:150,226", "QUIT:221"}
	if got := verbs(s); !reflect.DeepEqual(got, want) {
		t.Errorf("log = %q, want %q", got, want)
	}
	if s.Log[2].Cmd.Arg != redacted {
		t.Errorf("PASS argument %q, want %q", s.Log[2].Cmd.Arg, redacted)
	}
	if len(s.Transfers) != 1 || len(s.Data) != 1 {
		t.Fatalf("%d transfers, %d data connections; want 1, 1", len(s.Transfers), len(s.Data))
	}
	tr, dc := s.Transfers[0], s.Data[0]
	if tr.Cmd != "RETR" || tr.Path != "big.iso" || tr.Direction != DirectionDownload || tr.Mode != ModePassive ||
		tr.Endpoint.String() != srvAddr+":30000" || tr.Conn != data || tr.Data != dc || tr.Sender != tcpflow.FromServer {
		t.Errorf("transfer = %+v", tr)
	}
	if tr.Prelim == nil || tr.Prelim.Code != 150 || tr.Final == nil || tr.Final.Code != 226 {
		t.Errorf("transfer replies %v %v", tr.Prelim, tr.Final)
	}
	if dc.Conn != data || dc.Transfer != tr || dc.Match != MatchHosts || dc.Inferred || data.User != dc {
		t.Errorf("data connection = %+v (User %v)", dc, data.User)
	}
	st := h.a.Stats()
	if st.Sessions != 1 || st.DataLinked != 1 || st.Expectations != 1 || st.ExpectationsMet != 1 || st.Transfers != 1 {
		t.Errorf("stats = %+v", st)
	}
	if len(s.Anomalies) != 0 {
		t.Errorf("anomalies = %+v", s.Anomalies)
	}
}

func TestActivePortAnySourcePort(t *testing.T) {
	for _, srcPort := range []string{"20", "41234"} {
		h := newHarness(t, Options{})
		ctl := h.open(ctlCli, ctlSrv)
		login(h, ctl)
		h.talk(ctl, "C: PORT 198,51,100,10,195,80", "S: 200 PORT command successful.", "C: RETR notes.txt",
			"S: 150 Opening BINARY mode data connection for notes.txt (1164 bytes).")
		data := h.open(srvAddr+":"+srcPort, cliAddr+":50000")
		h.fin(data, tcpflow.FromClient)
		h.talk(ctl, "S: 226 Transfer complete.")
		h.fin(ctl, tcpflow.FromClient)
		tr := h.session().Transfers[0]
		if tr.Mode != ModeActive || tr.Conn != data || tr.Data.Match != MatchHosts || tr.Sender != tcpflow.FromClient ||
			tr.ExpectedBytes != 1164 || tr.ExpectedFrom != "150" || tr.Endpoint.String() != cliAddr+":50000" {
			t.Errorf("source port %s: transfer = %+v", srcPort, tr)
		}
		// No bytes were counted (the harness sets no sequence numbers), so
		// the announced 1164 bytes did not all arrive before the sender's
		// FIN: the facts classify judges a truncation on.
		if tr.WantBytes() != 1164 || tr.Bytes() != 0 || tr.Conn.Half[tr.Sender].FIN.IsZero() {
			t.Errorf("source port %s: want %d bytes, carried %d", srcPort, tr.WantBytes(), tr.Bytes())
		}
	}
}

func TestEPSVAndEPRTOverIPv6(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open("[2001:db8::10]:40000", "[2001:db8::20]:21")
	login(h, ctl)
	h.talk(ctl, "C: EPSV", "S: 229 Entering Extended Passive Mode (|||50001|)", "C: LIST", "S: 150 Here comes the directory listing.")
	list := h.open("[2001:db8::10]:40002", "[2001:db8::20]:50001")
	h.fin(list, tcpflow.FromServer)
	h.talk(ctl, "S: 226 Directory send OK.",
		"C: EPRT |2|2001:db8::10|50002|", "S: 200 EPRT command successful.", "C: STOR up.bin", "S: 150 Ok to send data.")
	up := h.open("[2001:db8::20]:20", "[2001:db8::10]:50002")
	h.fin(up, tcpflow.FromServer) // the uploading FTP client is this connection's server
	h.talk(ctl, "S: 226 Transfer complete.")
	h.fin(ctl, tcpflow.FromClient)

	s := h.session()
	if len(s.Transfers) != 2 {
		t.Fatalf("%d transfers", len(s.Transfers))
	}
	l, u := s.Transfers[0], s.Transfers[1]
	if l.Cmd != "LIST" || l.Mode != ModePassive || l.Conn != list || l.Sender != tcpflow.FromServer || l.Final.Code != 226 {
		t.Errorf("LIST = %+v", l)
	}
	if u.Cmd != "STOR" || u.Direction != DirectionUpload || u.Mode != ModeActive || u.Conn != up ||
		u.Sender != tcpflow.FromServer || u.Endpoint.String() != "[2001:db8::10]:50002" || u.Final.Code != 226 {
		t.Errorf("STOR = %+v", u)
	}
	if len(s.AddrMismatches) != 0 {
		t.Errorf("mismatches = %+v", s.AddrMismatches)
	}
}

func TestNATPassiveAddress(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dst   string // where the client connects
		match string
	}{
		{"client uses the control host", srvAddr + ":30000", MatchHosts},
		{"client uses the advertised private address", "10.0.0.5:30000", MatchAdvertised},
	} {
		h := newHarness(t, Options{})
		ctl := h.open(ctlCli, ctlSrv)
		login(h, ctl)
		h.talk(ctl, "C: PASV", "S: 227 Entering Passive Mode (10,0,0,5,117,48)")
		data := h.open(cliAddr+":40001", tc.dst)
		h.talk(ctl, "C: NLST", "S: 150 Here comes the listing")
		h.fin(data, tcpflow.FromServer)
		h.talk(ctl, "S: 226 Done")
		h.fin(ctl, tcpflow.FromClient)
		s := h.session()
		if len(s.AddrMismatches) != 1 {
			t.Fatalf("%s: mismatches = %+v", tc.name, s.AddrMismatches)
		}
		m := s.AddrMismatches[0]
		if m.Cmd != "PASV" || m.Advertised.String() != "10.0.0.5:30000" || m.Actual.String() != srvAddr || m.At.IsZero() {
			t.Errorf("%s: mismatch = %+v", tc.name, m)
		}
		if tr := s.Transfers[0]; tr.Conn != data || tr.Data.Match != tc.match || tr.Endpoint.String() != "10.0.0.5:30000" {
			t.Errorf("%s: transfer = %+v", tc.name, tr)
		}
	}
}

func TestDataConnectionAfter150(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "C: PASV", "S: 227 =203,0,113,20,4,1", "C: RETR a", "S: 150 Opening data connection")
	data := h.open(cliAddr+":40001", srvAddr+":1025")
	h.talk(ctl, "S: 226 ok")
	// The control connection closes first; the session waits for its data
	// connection.
	h.fin(ctl, tcpflow.FromClient)
	if len(h.done) != 0 {
		t.Fatal("session finished while its data connection was open")
	}
	h.fin(data, tcpflow.FromServer)
	if tr := h.session().Transfers[0]; tr.Conn != data || tr.Final.Code != 226 {
		t.Errorf("transfer = %+v", tr)
	}
}

func TestAbortAnd426(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "C: PASV", "S: 227 Entering Passive Mode (203,0,113,20,117,48)", "C: RETR big.iso", "S: 150 Opening")
	data := h.open(cliAddr+":40001", srvAddr+":30000")
	// Telnet IP and Synch precede ABOR (RFC 959 §4.1.3).
	h.send(ctl, tcpflow.FromClient, "\xff\xf4\xff\xf2ABOR\r\n")
	h.rst(data, tcpflow.FromClient)
	h.talk(ctl, "S: 426 Connection closed; transfer aborted.", "S: 226 ABOR command successful.")
	h.fin(ctl, tcpflow.FromClient)
	s := h.session()
	want := []string{"-:220", "USER:331", "PASS:230", "PASV:227", "RETR:150,426", "ABOR:226"}
	if got := verbs(s); !reflect.DeepEqual(got, want) {
		t.Errorf("log = %q, want %q", got, want)
	}
	tr := s.Transfers[0]
	if !tr.Aborted || tr.AbortAt.IsZero() || tr.Final.Code != 426 {
		t.Errorf("transfer = %+v", tr)
	}
}

func TestRefused550AbandonsExpectation(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "C: PASV", "S: 227 Entering Passive Mode (203,0,113,20,117,48)", "C: RETR missing.txt",
		"S: 550 missing.txt: No such file or directory.")
	h.fin(ctl, tcpflow.FromClient)
	tr := h.session().Transfers[0]
	if tr.Conn != nil || tr.Final.Code != 550 {
		t.Errorf("transfer = %+v", tr)
	}
	if st := h.a.Stats(); st.ExpectationsAbandoned != 1 || st.ExpectationsMet != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestSizeThenTruncatedRetr(t *testing.T) {
	for _, reset := range []bool{false, true} {
		h := newHarness(t, Options{})
		ctl := h.open(ctlCli, ctlSrv)
		login(h, ctl)
		h.talk(ctl, "C: SIZE big.iso", "S: 213 5242880", "C: REST 1048576", "S: 350 Restarting at 1048576",
			"C: PASV", "S: 227 Entering Passive Mode (203,0,113,20,117,48)", "C: RETR big.iso", "S: 150 Opening")
		data := h.open(cliAddr+":40001", srvAddr+":30000")
		if reset {
			h.rst(data, tcpflow.FromServer)
		} else {
			h.fin(data, tcpflow.FromServer)
		}
		h.talk(ctl, "S: 226 Transfer complete.")
		h.fin(ctl, tcpflow.FromClient)
		tr := h.session().Transfers[0]
		if tr.ExpectedBytes != 5242880 || tr.ExpectedFrom != "size" || tr.RestOffset != 1048576 || tr.WantBytes() != 4194304 {
			t.Errorf("reset %v: transfer = %+v", reset, tr)
		}
		// The facts of a truncation: a reset, or the sender's FIN short
		// of the 4194304 bytes due after REST.
		if end := tr.Conn.Half[tcpflow.FromServer]; reset == end.RST.IsZero() || tr.Bytes() >= tr.WantBytes() {
			t.Errorf("reset %v: data connection end %+v, %d bytes", reset, end, tr.Bytes())
		}
	}
}

func TestAuthTLSThenInferredData(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	h.talk(ctl, "S: 220 Authorized users only", "C: AUTH TLS", "S: 234 Proceed with negotiation.")
	h.send(ctl, tcpflow.FromClient, string(record(22, 1, 0, 0, 1, 0)))
	h.send(ctl, tcpflow.FromServer, string(append(record(22, 2, 0, 0, 1, 0), record(20, 1)...)))
	h.send(ctl, tcpflow.FromClient, string(append(record(20, 1), record(22, 9, 9, 9)...)))
	h.send(ctl, tcpflow.FromClient, string(record(23, 7, 7, 7, 7)))
	// A data connection between the two hosts, either way round, while the
	// control connection is encrypted.
	data := h.open(cliAddr+":40001", srvAddr+":50000")
	active := h.open(srvAddr+":20", cliAddr+":50001")
	other := h.open("198.51.100.99:40001", srvAddr+":50000")
	h.fin(data, tcpflow.FromServer)
	h.fin(active, tcpflow.FromClient)
	h.fin(other, tcpflow.FromServer)
	h.fin(ctl, tcpflow.FromClient)
	late := h.open(cliAddr+":40009", srvAddr+":50009")

	s := h.session()
	if !s.TLS || s.TLSAt.IsZero() {
		t.Errorf("TLS %v at %v", s.TLS, s.TLSAt)
	}
	f := s.TLSFacts
	if f.Records != [2]int64{4, 2} || !f.HandshakeDone() || f.Handshakes[tcpflow.FromClient] != 1<<1 ||
		f.Handshakes[tcpflow.FromServer] != 1<<2 || len(f.Alerts) != 0 {
		t.Errorf("TLS facts = %+v", f)
	}
	if got := verbs(s); !reflect.DeepEqual(got, []string{"-:220", "AUTH:234"}) {
		t.Errorf("log = %q", got)
	}
	if len(s.Transfers) != 2 || len(s.Data) != 2 {
		t.Fatalf("%d transfers, %d data connections; want 2, 2", len(s.Transfers), len(s.Data))
	}
	for i, want := range []struct {
		conn *tcpflow.Conn
		mode Mode
	}{{data, ModePassive}, {active, ModeActive}} {
		tr := s.Transfers[i]
		if tr.Cmd != CmdUnknown || !tr.Inferred || tr.Conn != want.conn || tr.Mode != want.mode ||
			tr.Direction != DirectionUnknown || !tr.Data.Inferred || tr.Data.Match != MatchInferred || tr.Final != nil {
			t.Errorf("transfer %d = %+v", i, tr)
		}
	}
	if other.User != nil || late.User != nil {
		t.Error("a connection of another host, or after the session, was linked")
	}
	if st := h.a.Stats(); st.TLSSessions != 1 || st.DataInferred != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestTLSBackToCleartextAfterCCC(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	h.talk(ctl, "S: 220 hi", "C: AUTH TLS", "S: 234 go")
	h.send(ctl, tcpflow.FromClient, string(record(22, 1, 0)))
	h.send(ctl, tcpflow.FromServer, string(record(22, 2, 0)))
	// Encrypted CCC and its 200, close_notify both ways, then plain FTP.
	h.send(ctl, tcpflow.FromClient, string(append(record(23, 1, 2, 3), record(21, 9, 9, 9, 9)...)))
	h.send(ctl, tcpflow.FromServer, string(append(record(23, 4, 5, 6), record(21, 9, 9, 9, 9)...)))
	h.talk(ctl, "C: PASV", "S: 227 Entering Passive Mode (203,0,113,20,64,155).", "C: STOR report.mrf", "S: 150 Ok to send data.")
	data := h.open(cliAddr+":40001", srvAddr+":16539")
	h.fin(data, tcpflow.FromClient)
	h.fin(ctl, tcpflow.FromClient)
	s := h.session()
	if got := verbs(s); !reflect.DeepEqual(got, []string{"-:220", "AUTH:234", "PASV:227", "STOR:150"}) {
		t.Errorf("log = %q", got)
	}
	f := s.TLSFacts
	if f.Cleartext[tcpflow.FromClient].IsZero() || f.Cleartext[tcpflow.FromServer].IsZero() || len(f.Alerts) != 2 || !f.Alerts[0].Encrypted {
		t.Errorf("TLS facts = %+v", f)
	}
	tr := s.Transfers[0]
	if tr.Conn != data || tr.Inferred || tr.Mode != ModePassive {
		t.Errorf("transfer = %+v", tr)
	}
	// The server never sent the final reply: the upload is not confirmed.
	if tr.Prelim == nil || tr.Prelim.Code != 150 || tr.Final != nil {
		t.Errorf("replies %v %v, want 150 and no final reply", tr.Prelim, tr.Final)
	}
}

func TestPipelining(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	h.talk(ctl,
		"C: USER a\r\nPASS b\r\nSYST", // sent before the greeting arrives
		"S: 220 hello\r\n331 pass\r\n230-welcome\r\n230 in\r\n215 UNIX Type: L8",
		"C: PASV\r\nRETR f",
		"S: 227 Entering Passive Mode (203,0,113,20,117,48)",
	)
	data := h.open(cliAddr+":40001", srvAddr+":30000")
	h.talk(ctl, "S: 150 ok\r\n226 done")
	h.fin(data, tcpflow.FromServer)
	h.fin(ctl, tcpflow.FromClient)
	s := h.session()
	// The log is in capture order of each exchange's first event: the
	// greeting arrived after the three commands were sent.
	want := []string{"USER:331", "PASS:230", "SYST:215", "-:220", "PASV:227", "RETR:150,226"}
	if got := verbs(s); !reflect.DeepEqual(got, want) {
		t.Errorf("log = %q, want %q", got, want)
	}
	if s.Banner != "hello" {
		t.Errorf("banner %q", s.Banner)
	}
	if tr := s.Transfers[0]; tr.Conn != data || tr.Mode != ModePassive {
		t.Errorf("pipelined RETR = %+v", tr)
	}
	// One packet, several lines: each line keeps the packet's frame.
	if r := s.Log[1].Replies[0]; r.At != s.Log[3].Replies[0].At || r.Lines != 2 || r.Code != 230 {
		t.Errorf("230 reply = %+v", r)
	}
}

func TestBannerSniffedPort(t *testing.T) {
	h := newHarness(t, Options{})
	ftp := h.open(ctlCli, srvAddr+":2121")
	if ftp.Reassemble || ftp.User != nil {
		t.Fatal("connection on port 2121 taken before its banner")
	}
	h.talk(ftp, "S: 220-Welcome\r\n220 ready", "C: user bob", "S: 331 pw", "C: QUIT", "S: 221 bye")
	h.fin(ftp, tcpflow.FromServer)

	smtp := h.open(cliAddr+":40001", srvAddr+":2525")
	h.talk(smtp, "S: 220 mail.example ESMTP", "C: EHLO client.example", "S: 250 hi")
	h.fin(smtp, tcpflow.FromClient)

	chatty := h.open(cliAddr+":40002", srvAddr+":2222")
	h.talk(chatty, "C: hello", "S: 220 hi")
	h.fin(chatty, tcpflow.FromClient)

	s := h.session()
	if !s.ByBanner || s.ID != 1 || s.User != "bob" || s.Control != ftp {
		t.Errorf("session = %+v", s)
	}
	if got := verbs(s); !reflect.DeepEqual(got, []string{"-:220", "USER:331", "QUIT:221"}) {
		t.Errorf("log = %q", got)
	}
	st := h.a.Stats()
	if st.Sessions != 1 || st.SessionsByBanner != 1 || st.ProvisionalDropped != 1 || smtp.User != nil || chatty.User != nil {
		t.Errorf("stats = %+v", st)
	}
}

func TestNotFTPOnPort21(t *testing.T) {
	for _, tc := range []struct {
		first string
		kind  string
	}{
		{"SSH-2.0-OpenSSH_9.6\r\n", "ssh"},
		{"HTTP/1.1 400 Bad Request\r\n\r\n", "http"},
		{string(record(22, 2, 0, 0, 1, 0)), "tls"},
		{"\x00\x01garbage", "unknown"},
	} {
		h := newHarness(t, Options{})
		ctl := h.open(ctlCli, ctlSrv)
		at := h.send(ctl, tcpflow.FromServer, tc.first)
		h.talk(ctl, "C: USER alice", "S: 331 this is ignored")
		h.fin(ctl, tcpflow.FromClient)
		s := h.session()
		if s.NotFTP == nil || s.NotFTP.Kind != tc.kind || s.NotFTP.At != at || s.NotFTP.Prefix == "" {
			t.Errorf("%q: NotFTP = %+v", tc.first, s.NotFTP)
			continue
		}
		if len(s.Log) != 0 || s.Commands != 0 {
			t.Errorf("%q: log = %q", tc.first, verbs(s))
		}
		if tc.kind == "tls" && s.TLSFacts.Handshakes[tcpflow.FromServer] != 1<<2 {
			t.Errorf("%q: TLS facts = %+v", tc.first, s.TLSFacts)
		}
	}
}

func TestImplicitTLSClient(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	h.talk(ctl, "S: 220 ready")
	// A client configured for implicit FTPS sends a ClientHello to an
	// explicit server; the server answers with errors.
	h.send(ctl, tcpflow.FromClient, string(record(22, 1, 0, 0, 1, 0)))
	h.talk(ctl, "S: 500 Syntax error, command unrecognized.")
	h.fin(ctl, tcpflow.FromServer)
	s := h.session()
	if s.AnomalyCounts[AnomalyTLSInCleartext] != 1 || s.TLSFacts.Records[tcpflow.FromClient] != 1 || s.Commands != 0 {
		t.Errorf("anomalies %v, facts %+v, commands %d", s.AnomalyCounts, s.TLSFacts, s.Commands)
	}
	if s.AnomalyCounts[AnomalyReplyWithoutCommand] != 1 {
		t.Errorf("anomalies %v", s.AnomalyCounts)
	}

	// The same client speaking first, before the greeting.
	h = newHarness(t, Options{})
	ctl = h.open(ctlCli, ctlSrv)
	hello := h.send(ctl, tcpflow.FromClient, string(record(22, 1, 0, 0, 1, 0)))
	h.talk(ctl, "S: 220 ready", "S: 500 Syntax error, command unrecognized.")
	h.fin(ctl, tcpflow.FromServer)
	s = h.session()
	if s.AnomalyCounts[AnomalyTLSInCleartext] != 1 || s.Anomalies[0].At != hello || s.NotFTP != nil || s.Banner != "ready" {
		t.Errorf("client first: anomalies %+v, NotFTP %+v, banner %q", s.Anomalies, s.NotFTP, s.Banner)
	}
}

func TestUnsolicitedReplies(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "S: 200 stray", "S: 421 Timeout (300 seconds): closing control connection.")
	h.fin(ctl, tcpflow.FromServer)
	s := h.session()
	if got := verbs(s); !reflect.DeepEqual(got[3:], []string{"-:200", "-:421"}) {
		t.Errorf("log = %q", got)
	}
	if s.AnomalyCounts[AnomalyReplyWithoutCommand] != 1 {
		t.Errorf("anomalies = %v (421 is allowed at any time, 200 is not)", s.AnomalyCounts)
	}
	if s.LastReply == nil || s.LastReply.Code != 421 || s.Replies != 5 || s.Commands != 2 {
		t.Errorf("last reply %v, %d replies, %d commands", s.LastReply, s.Replies, s.Commands)
	}
}

func TestInvalidReplyCodeConsumesCommand(t *testing.T) {
	// Zeek's ftp-invalid-reply-code trace.
	h := newHarness(t, Options{})
	ctl := h.open("127.0.0.1:51354", "127.0.0.1:21")
	h.talk(ctl, "S: 220 py.fake ready", "C: USER zeek", "S: 230 USER OK", "C: PASS zeek", "S: 230 PASS OK",
		"C: PASV", "S: 99 PASV invalid", "C: QUIT", "S: 221 Bye")
	h.fin(ctl, tcpflow.FromClient)
	s := h.session()
	if got := verbs(s); !reflect.DeepEqual(got, []string{"-:220", "USER:230", "PASS:230", "PASV:0", "QUIT:221"}) {
		t.Errorf("log = %q", got)
	}
	r := s.Log[3].Replies[0]
	if r.Valid || r.Text != "99 PASV invalid" || s.AnomalyCounts[AnomalyInvalidReplyCode] != 1 {
		t.Errorf("reply = %+v, anomalies %v", r, s.AnomalyCounts)
	}
}

// TestGapKeepsCutLine: the line a gap cut short is read with what it has,
// marked Cut; the bytes after the gap that do not start a line are
// dropped up to the next LF.
func TestGapKeepsCutLine(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.send(ctl, tcpflow.FromClient, "CWD /pub/lo")
	h.a.Gap(ctl, tcpflow.FromClient, 10, h.tick())
	h.send(ctl, tcpflow.FromClient, "ng/path\r\nPWD\r\n")
	h.talk(ctl, "S: 250 ok", "S: 257 \"/\"")
	h.fin(ctl, tcpflow.FromClient)
	s := h.session()
	if got := verbs(s); !reflect.DeepEqual(got[3:], []string{"CWD:250", "PWD:257"}) {
		t.Errorf("log = %q", got)
	}
	if cwd := s.Log[3].Cmd; !cwd.Cut || cwd.Arg != "/pub/lo" || s.Log[4].Cmd.Cut {
		t.Errorf("CWD %+v, PWD %+v", cwd, s.Log[4].Cmd)
	}
	if s.AnomalyCounts[AnomalyGap] != 1 || h.a.Stats().GapBytes != 10 {
		t.Errorf("anomalies = %v, stats %+v", s.AnomalyCounts, h.a.Stats())
	}
}

func TestCaps(t *testing.T) {
	h := newHarness(t, Options{MaxLog: 4, MaxPendingCommands: 3, MaxLineLen: 32})
	ctl := h.open(ctlCli, ctlSrv)
	h.talk(ctl, "S: 220 hi")
	for range 6 {
		h.talk(ctl, "C: NOOP")
	}
	h.talk(ctl, "C: PASS "+strings.Repeat("x", 100))
	h.fin(ctl, tcpflow.FromClient)
	s := h.session()
	if len(s.Log) != 4 || s.LogDropped != 4 || s.Commands != 7 || s.PendingDropped != 4 {
		t.Errorf("log %d dropped %d commands %d pending dropped %d", len(s.Log), s.LogDropped, s.Commands, s.PendingDropped)
	}
	if s.AnomalyCounts[AnomalyTooManyPending] != 4 || s.AnomalyCounts[AnomalyLineTooLong] != 1 {
		t.Errorf("anomalies %v", s.AnomalyCounts)
	}
	st := h.a.Stats()
	if st.LogDropped != 4 || st.PendingDropped != 4 || st.LinesTooLong != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestPasswordsRedactedEverywhere(t *testing.T) {
	for _, show := range []bool{false, true} {
		h := newHarness(t, Options{ShowPasswords: show, MaxLineLen: 64})
		ctl := h.open(ctlCli, ctlSrv)
		h.talk(ctl, "S: 220 hi", "C: USER alice", "S: 331 pw")
		h.send(ctl, tcpflow.FromClient, "pass hunter2\n") // lowercase, bare LF
		h.talk(ctl, "S: 530 no", "C: PASS hunter2"+strings.Repeat("!", 80), "S: 530 no")
		h.send(ctl, tcpflow.FromClient, "PASS hunter2") // cut off by the close
		h.fin(ctl, tcpflow.FromClient)
		s := h.session()
		var seen []string
		for _, ex := range s.Log {
			if ex.Cmd != nil {
				seen = append(seen, ex.Cmd.Arg)
			}
		}
		for _, a := range s.Anomalies {
			seen = append(seen, a.Detail)
		}
		all := strings.Join(seen, "|")
		if leaked := strings.Contains(all, "hunter2"); leaked != show {
			t.Errorf("ShowPasswords %v: password visible = %v in %q", show, leaked, all)
		}
		if !show && strings.Count(all, redacted) != 3 {
			t.Errorf("redacted args: %q", all)
		}
	}
}

func TestExpectationExpires(t *testing.T) {
	h := newHarness(t, Options{DataExpectTimeout: 30e9})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "C: PASV", "S: 227 Entering Passive Mode (203,0,113,20,117,48)")
	h.wait(31e9)
	late := h.open(cliAddr+":40001", srvAddr+":30000")
	h.talk(ctl, "C: RETR f", "S: 425 Can't open data connection.")
	h.fin(late, tcpflow.FromClient)
	h.fin(ctl, tcpflow.FromClient)
	tr := h.session().Transfers[0]
	if late.User != nil || tr.Conn != nil || tr.Final.Code != 425 || tr.Mode != ModePassive {
		t.Errorf("transfer = %+v, late.User = %v", tr, late.User)
	}
	if st := h.a.Stats(); st.ExpectationsExpired != 1 || st.DataLinked != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestSupersededAndUnclaimed(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "C: PASV", "S: 227 Entering Passive Mode (203,0,113,20,117,48)")
	stray := h.open(cliAddr+":40001", srvAddr+":30000") // connects, then the client asks again
	h.talk(ctl, "C: PASV", "S: 227 Entering Passive Mode (203,0,113,20,117,49)",
		"C: PASV", "S: 227 Entering Passive Mode (203,0,113,20,117,50)", "C: LIST")
	data := h.open(cliAddr+":40002", srvAddr+":30002")
	h.talk(ctl, "S: 150 ok", "S: 226 ok")
	h.fin(stray, tcpflow.FromClient)
	h.fin(data, tcpflow.FromServer)
	h.fin(ctl, tcpflow.FromClient)
	s := h.session()
	if len(s.Data) != 2 || s.Data[0].Transfer != nil || s.Data[1].Transfer != s.Transfers[0] || s.Transfers[0].Conn != data {
		t.Errorf("data = %+v %+v", s.Data[0], s.Data[1])
	}
	if st := h.a.Stats(); st.DataUnclaimed != 1 || st.ExpectationsAbandoned != 1 || st.ExpectationsMet != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestDefaultDataPort(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "C: RETR f", "S: 150 opening")
	data := h.open(srvAddr+":20", ctlCli)
	h.talk(ctl, "S: 226 ok")
	h.fin(data, tcpflow.FromClient)
	h.fin(ctl, tcpflow.FromClient)
	tr := h.session().Transfers[0]
	if tr.Conn != data || tr.Mode != ModeActive || tr.Data.Match != MatchDefaultPort || tr.Sender != tcpflow.FromClient {
		t.Errorf("transfer = %+v", tr)
	}
}

func TestMidstreamDataConnectionSwapped(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "C: PORT 198,51,100,10,195,80", "S: 200 ok", "C: RETR f", "S: 150 ok")
	// No SYN captured: the tracker oriented the connection by port, so the
	// FTP client's side (port 50000) became its client.
	data := h.open(cliAddr+":50000", srvAddr+":20")
	h.fin(data, tcpflow.FromServer)
	h.talk(ctl, "S: 226 ok")
	h.fin(ctl, tcpflow.FromClient)
	tr := h.session().Transfers[0]
	if tr.Conn != data || tr.Sender != tcpflow.FromServer || tr.Data.FromFTPServer != tcpflow.FromServer {
		t.Errorf("transfer = %+v", tr)
	}
}

func TestFlushFinishesOpenSessions(t *testing.T) {
	h := newHarness(t, Options{})
	c1 := h.open(ctlCli, ctlSrv)
	c2 := h.open(cliAddr+":40001", ctlSrv)
	h.talk(c2, "S: 220 two")
	h.talk(c1, "S: 220 one", "C: NOOP")
	h.send(c1, tcpflow.FromServer, "200 unterminated")
	prov := h.open(cliAddr+":40002", srvAddr+":2121")
	h.talk(prov, "S: 220 maybe")
	h.a.Flush()
	if len(h.done) != 2 || h.done[0].ID != 1 || h.done[1].ID != 2 || h.done[0].Banner != "one" {
		t.Fatalf("done = %+v", h.done)
	}
	if got := verbs(h.done[0]); !reflect.DeepEqual(got, []string{"-:220", "NOOP:200"}) {
		t.Errorf("log = %q", got)
	}
	if h.done[0].AnomalyCounts[AnomalyUnterminatedLine] != 1 || h.a.Stats().ProvisionalDropped != 1 {
		t.Errorf("anomalies %v, stats %+v", h.done[0].AnomalyCounts, h.a.Stats())
	}
	if len(h.a.live) != 0 || len(h.a.exp.byDst) != 0 {
		t.Error("state left after Flush")
	}
}

// sessionDigest is what a session says, without pointers, for comparing
// runs.
func sessionDigest(s *Session) []any {
	var d []any
	for _, ex := range s.Log {
		if ex.Cmd != nil {
			d = append(d, *ex.Cmd)
		}
		for _, r := range ex.Replies {
			d = append(d, r)
		}
	}
	for _, t := range s.Transfers {
		d = append(d, t.Cmd, t.Path, t.Mode, t.Endpoint, t.Conn != nil, t.ExpectedBytes, t.Bytes(), t.Aborted)
		if t.Final != nil {
			d = append(d, *t.Final)
		}
	}
	for _, a := range s.Anomalies {
		d = append(d, a)
	}
	return append(d, s.User, s.Banner, s.TLS, s.TLSFacts.Records, s.AddrMismatches)
}

// richSession plays a session touching most of the parser.
func richSession(h *harness) {
	ctl := h.open(ctlCli, ctlSrv)
	h.talk(ctl,
		"S: 220-Welcome to FTP.EXAMPLE\r\n220-  Located nowhere.\r\n220 FTP server ready.",
		"C: user anonymous\r\npass guest@\r\nsyst",
		"S: 331 Guest login ok\r\n230 Guest login ok.\r\n215 UNIX Type: L8",
		"C: FEAT",
		"S: 211-Features:\r\n EPRT\r\n EPSV\r\n 211 MDTM\r\n211 End",
		"C: TYPE\tI",
		"S: 200Type set to I",
		"C: SIZE pub/file.tar.gz",
		"S: 213 39424",
		"C: PASV",
		"S: 227 Entering Passive Mode (10,0,0,5,117,48)",
		"C: RETR pub/file.tar.gz",
		"S: 150 Opening BINARY mode data connection for pub/file.tar.gz (39424 bytes)",
		"S: 226 Transfer complete.",
		"C: EPRT |1|198.51.100.10|50000|",
		"S: 200 EPRT ok",
		"C: LIST",
		"S: 425 Can't open data connection.",
		"C: SITE \x01\x02 garbage",
		"S: 500 unknown",
		"C: QUIT",
		"S: 221 Goodbye.",
	)
	h.fin(ctl, tcpflow.FromServer)
}

func TestSessionSplitAnywhere(t *testing.T) {
	base := newHarness(t, Options{})
	richSession(base)
	want := sessionDigest(base.session())
	if got := verbs(base.session()); len(got) != 13 {
		t.Fatalf("log = %q", got)
	}
	for name, split := range splitters(100) {
		h := newHarness(t, Options{})
		h.split = split
		richSession(h)
		if got := sessionDigest(h.session()); !reflect.DeepEqual(got, want) {
			t.Errorf("split %s:\n got  %+v\n want %+v", name, got, want)
		}
	}
}

func TestOpenedDoesNotAllocate(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, ctlSrv)
	login(h, ctl)
	h.talk(ctl, "C: PASV", "S: 227 Entering Passive Mode (10,0,0,5,117,48)", "C: AUTH TLS", "S: 234 go")
	c := &tcpflow.Conn{Client: mustAP("192.0.2.1:40000"), Server: mustAP("192.0.2.2:443")}
	c.First = h.tick()
	if n := testing.AllocsPerRun(1000, func() { h.a.Opened(c) }); n != 0 {
		t.Errorf("Opened of an unrelated connection: %v allocations", n)
	}
	if n := testing.AllocsPerRun(1000, func() { h.a.Sniff(c, tcpflow.FromServer, []byte("HTTP/1.1 200 OK\r\n")) }); n != 0 {
		t.Errorf("Sniff of an unrelated connection: %v allocations", n)
	}
}

func TestGapInsideTLSRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		gap  int64
		lost bool
	}{
		{"gap inside the record body", 90, false},
		{"gap past the record's end", 95, true},
	} {
		h := newHarness(t, Options{})
		ctl := h.open(ctlCli, ctlSrv)
		h.talk(ctl, "S: 220 hi", "C: AUTH TLS", "S: 234 go")
		body := make([]byte, 100)
		h.send(ctl, tcpflow.FromServer, string(record(23, body...)[:15])) // header and 10 body bytes
		h.a.Gap(ctl, tcpflow.FromServer, tc.gap, h.tick())
		h.send(ctl, tcpflow.FromServer, string(record(23, 1, 2, 3)))
		h.fin(ctl, tcpflow.FromClient)
		s := h.session()
		f := s.TLSFacts
		if lost := !f.Lost[tcpflow.FromServer].IsZero(); lost != tc.lost || s.AnomalyCounts[AnomalyGap] != 1 {
			t.Errorf("%s: lost %v, anomalies %v", tc.name, lost, s.AnomalyCounts)
		}
		if wantRecords := map[bool]int64{false: 2, true: 1}[tc.lost]; f.Records[tcpflow.FromServer] != wantRecords {
			t.Errorf("%s: %d server records, want %d", tc.name, f.Records[tcpflow.FromServer], wantRecords)
		}
	}
}
