package classify

import (
	"fmt"
	"net/netip"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Facts about FTP data channels: which connection a break is about, how
// its endpoint was negotiated (RFC 959 PASV/PORT, RFC 2428 EPSV/EPRT), and
// whether the control connection kept working while it failed.

// dataChannelOf returns the data connection a break is about: the break's
// own connection when it is a data connection, else its transfer's.
func dataChannelOf(b *Case) (*tcpflow.Conn, *dissect.DataConn) {
	if b.Kind == KindData && b.Conn != nil {
		d := b.Data
		if d == nil && b.Transfer != nil {
			d = b.Transfer.Data
		}
		return b.Conn, d
	}
	if t := b.Transfer; t != nil && t.Conn != nil {
		return t.Conn, t.Data
	}
	return nil, nil
}

// negotiated returns the command that set up the data endpoint a
// connection went to (the last PASV/EPSV/PORT/EPRT before it), and its
// reply: for PASV/EPSV the 227/229 carrying the endpoint.
func negotiated(s *dissect.Session, at tcpflow.Ref) (*dissect.Command, *dissect.Reply) {
	var cmd *dissect.Command
	var rep *dissect.Reply
	for i := range s.Log {
		e := &s.Log[i]
		if e.Cmd == nil || at.Before(e.Cmd.At) {
			continue
		}
		switch e.Cmd.Verb {
		case "PASV", "EPSV", "PORT", "EPRT", "LPSV", "LPRT":
			cmd, rep = e.Cmd, nil
			for j := range e.Replies {
				if r := &e.Replies[j]; r.Valid && r.Code >= 200 {
					rep = r
					break
				}
			}
		}
	}
	return cmd, rep
}

// negotiationText words how an endpoint was negotiated: "EPSV (229 at
// frame 18)" or "PORT at frame 17".
func negotiationText(cmd *dissect.Command, rep *dissect.Reply) string {
	switch {
	case cmd == nil:
		return "no PASV/EPSV/PORT/EPRT seen: the default data port"
	case rep != nil && (cmd.Verb == "PASV" || cmd.Verb == "EPSV" || cmd.Verb == "LPSV"):
		return fmt.Sprintf("%s, %d at frame %d", cmd.Verb, rep.Code, rep.At.Frame)
	}
	return fmt.Sprintf("%s at frame %d", cmd.Verb, cmd.At.Frame)
}

// controlAliveAfter says whether the control connection, between the same
// two hosts, still carried packets both ways after at, and words how
// much that shows for a summary's "while …" clause. Only data both ways
// (a command and a reply, or TLS records) is "the control connection
// still worked"; a reply with nothing from the client after it, or
// packets both ways with no data (a close answered by a close), show the
// path between the hosts delivering, and are worded as that.
func controlAliveAfter(s *dissect.Session, at tcpflow.Ref) (clause string, ev Evidence, ok bool) {
	ctl := s.Control
	var cmd *dissect.Command
	var rep *dissect.Reply
	replies(s, func(c *dissect.Command, r *dissect.Reply) bool {
		if r.Valid && at.Before(r.At) {
			cmd, rep = c, r
			return false
		}
		return true
	})
	clientData := at.Before(ctl.Half[tcpflow.FromClient].LastData)
	switch {
	case rep != nil && clientData:
		return fmt.Sprintf("the control connection still worked (the server's %d at frame %d)", rep.Code, rep.At.Frame), replyEvidence(cmd, rep), true
	case rep != nil:
		return fmt.Sprintf("the server's %d still arrived on the control connection (frame %d)", rep.Code, rep.At.Frame), replyEvidence(cmd, rep), true
	case dataBothWaysAfter(ctl, at):
		last := ctl.Half[tcpflow.FromClient].LastData
		if l := ctl.Half[tcpflow.FromServer].LastData; last.Before(l) {
			last = l
		}
		return fmt.Sprintf("the control connection still worked (data both ways until frame %d)", last.Frame),
			Evidence{At: last, Text: fmt.Sprintf("the control connection %s ↔ %s still carries data both ways", ctl.Client, ctl.Server)}, true
	}
	last, ok := bothWaysAfter(ctl, at)
	if !ok {
		return "", Evidence{}, false
	}
	return fmt.Sprintf("packets still crossed the control connection both ways (until frame %d, no data)", last.Frame),
		Evidence{At: last, Text: fmt.Sprintf("the control connection %s ↔ %s still carries packets both ways (no data: its close)", ctl.Client, ctl.Server)}, true
}

// lastDataBefore returns the session's last data connection opened before
// at.
func lastDataBefore(s *dissect.Session, at tcpflow.Ref) *dissect.DataConn {
	var last *dissect.DataConn
	for _, d := range s.Data {
		if d.Conn.First.Before(at) && (last == nil || last.Conn.First.Before(d.Conn.First)) {
			last = d
		}
	}
	return last
}

// dataConnFailedBefore: the session's last data connection before at
// never got through its handshake. A client that leaves without QUIT then
// gave up on the session because of it.
func dataConnFailedBefore(s *dissect.Session, at tcpflow.Ref) bool {
	d := lastDataBefore(s, at)
	return d != nil && neverConnected(d.Conn)
}

// mismatchFor returns the address mismatch (227/PORT advertising an
// address other than the host's) whose advertised endpoint a connection
// went to, or nil.
func mismatchFor(s *dissect.Session, dst netip.AddrPort) *dissect.AddrMismatch {
	for i := range s.AddrMismatches {
		m := &s.AddrMismatches[i]
		if m.Advertised.Addr().Unmap() == dst.Addr().Unmap() && m.Advertised.Port() == dst.Port() {
			return m
		}
	}
	return nil
}

// dataMode says who opened the data connection: the FTP client
// (passive, also when the link record is missing) or the FTP server
// (active).
func dataMode(dc *dissect.DataConn) dissect.Mode {
	if dc == nil || dc.FromFTPServer == tcpflow.FromServer {
		return dissect.ModePassive
	}
	return dissect.ModeActive
}
