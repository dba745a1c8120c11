package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// pasv-address-mismatch: a 227 reply (or PORT/EPRT) advertised an address
// other than the one the capture shows for that host, typically a private
// address behind NAT without an FTP-aware helper to rewrite it (RFC 959
// §4.1.2 has the server name its own address; RFC 2428 EPSV avoids the
// problem by naming only a port). When the data connection then goes to
// that address and fails, or never appears, that is the break's cause.
// When the client connected to the host's real address anyway (some
// clients substitute the control connection's address) and it worked,
// it is a finding.
func init() {
	register(Rule{
		Cause:   "pasv-address-mismatch",
		Needs:   "a 227 (or PORT/EPRT) advertising an address other than the host's address in the capture, and the data connection to it failing or never appearing; a finding when the data connection still reached the host's real address",
		Example: "PASV advertised 192.0.2.99:30001 (227 at frame 16), but the server is 203.0.113.20: the data connection to 192.0.2.99:30001 got 3 SYNs (at 0 s, +1 s, +3 s) and no answer. The server is behind NAT that does not rewrite its 227 replies.",
		Check: func(b *Case) *Finding {
			s := b.Session
			if s == nil || len(s.AddrMismatches) == 0 {
				return nil
			}
			if data, end, ok := abandonedData(b); ok {
				if m := mismatchFor(s, data.Conn.Server); m != nil {
					return abandonedOver(b, end, data, mismatchFailed(s, data.Conn, m))
				}
				return nil
			}
			if c, _ := dataChannelOf(b); c != nil {
				m := mismatchFor(s, c.Server)
				if m == nil || !neverConnected(c) {
					return nil
				}
				return mismatchFailed(s, c, m)
			}
			t := b.Transfer
			if t == nil || t.Conn != nil || TransferStatusOf(b.Session, t) != StatusFailed || !t.Endpoint.IsValid() {
				return nil
			}
			m := mismatchFor(s, t.Endpoint)
			if m == nil {
				return nil
			}
			f := &Finding{
				Confidence: 0.85,
				Summary: fmt.Sprintf("%s advertised %s (frame %d), but the %s is %s; no data connection to either address appears in the capture, and %s %s failed.",
					m.Cmd, m.Advertised, m.At.Frame, mismatchRole(m), m.Actual, t.Cmd, t.Path),
				Evidence: []Evidence{mismatchEvidence(m), cmdEvidence(transferCommand(t))},
			}
			if t.Final != nil && t.Final.Valid {
				f.Evidence = append(f.Evidence, replyEvidence(transferCommand(t), t.Final))
			}
			f.Summary += " " + mismatchWhy(m)
			return f
		},
		Notice: func(cs *Case) *Finding {
			s := cs.Session
			if s == nil || cs.Kind != KindControl || len(s.AddrMismatches) == 0 {
				return nil
			}
			return mismatchNotice(s)
		},
	})
}

func mismatchFailed(s *dissect.Session, c *tcpflow.Conn, m *dissect.AddrMismatch) *Finding {
	syns := synsFrom(c, tcpflow.FromClient)
	how := "never got through its handshake"
	switch {
	case synsUnanswered(c) && len(syns) > 0:
		how = fmt.Sprintf("got %s (%s) and no answer", plural(len(syns), "SYN"), scheduleText(syns, 8))
	case decisiveUnreachable(c) != nil:
		e := decisiveUnreachable(c)
		how = fmt.Sprintf("was answered by %s from %s", icmpName(e), icmpSender(c, e))
	case !c.Half[tcpflow.FromServer].RST.IsZero():
		how = "was refused with a reset"
	}
	f := &Finding{
		Confidence: 0.95,
		Summary: fmt.Sprintf("%s advertised %s (frame %d), but the %s is %s: the data connection %s → %s %s. %s",
			m.Cmd, m.Advertised, m.At.Frame, mismatchRole(m), m.Actual, c.Client, c.Server, how, mismatchWhy(m)),
		Evidence: []Evidence{mismatchEvidence(m)},
	}
	if len(syns) > 0 {
		f.Evidence = append(f.Evidence, synEvidence(c, syns)...)
	}
	return f
}

// mismatchNotice reports advertised addresses that did not break a
// transfer: the data connection reached the host's real address (linked by
// hosts and port), or none appeared and no transfer failed for it.
func mismatchNotice(s *dissect.Session) *Finding {
	for i := range s.AddrMismatches {
		m := &s.AddrMismatches[i]
		var worked *dissect.DataConn
		failed := false
		for _, dc := range s.Data {
			dst := dc.Conn.Server
			switch {
			case dst == m.Advertised:
				failed = failed || neverConnected(dc.Conn)
			case dst.Port() == m.Advertised.Port() && dst.Addr().Unmap() == m.Actual.Unmap() && !neverConnected(dc.Conn):
				worked = dc
			}
		}
		for _, t := range s.Transfers {
			if t.Conn == nil && t.Endpoint == m.Advertised && TransferStatusOf(s, t) == StatusFailed {
				failed = true
			}
		}
		if failed {
			continue // a break, with this rule as its cause
		}
		f := &Finding{Confidence: 0.9, Evidence: []Evidence{mismatchEvidence(m)}}
		if worked != nil {
			c := worked.Conn
			f.Summary = fmt.Sprintf("%s advertised %s (frame %d), but the %s is %s; the data connection went to %s anyway and worked: %s",
				m.Cmd, m.Advertised, m.At.Frame, mismatchRole(m), m.Actual, c.Server, mismatchWhy(m))
			f.Evidence = append(f.Evidence, Evidence{At: c.First, Text: fmt.Sprintf("data connection %s → %s (to the real address, the advertised port)", c.Client, c.Server)})
		} else {
			f.Confidence = 0.7
			f.Summary = fmt.Sprintf("%s advertised %s (frame %d), but the %s is %s; no data connection to it appears in the capture. %s",
				m.Cmd, m.Advertised, m.At.Frame, mismatchRole(m), m.Actual, mismatchWhy(m))
		}
		if n := len(s.AddrMismatches) + s.AddrMismatchesDropped; n > 1 {
			f.Summary += fmt.Sprintf(" (%s in this session)", plural(n, "mismatched address"))
		}
		return f
	}
	return nil
}

// mismatchRole says whose address the advertisement should have carried.
func mismatchRole(m *dissect.AddrMismatch) string {
	if m.Cmd == "PASV" {
		return "server's address in the capture"
	}
	return "client's address in the capture"
}

// mismatchWhy is the usual reason, worded as what the capture suggests.
func mismatchWhy(m *dissect.AddrMismatch) string {
	if m.Cmd == "PASV" {
		return "The server is likely behind NAT that does not rewrite its 227 replies (no FTP-aware helper)."
	}
	return "The client is likely behind NAT that does not rewrite its " + m.Cmd + " commands (no FTP-aware helper)."
}

func mismatchEvidence(m *dissect.AddrMismatch) Evidence {
	if m.Cmd == "PASV" {
		return Evidence{At: m.At, Text: fmt.Sprintf("227 reply advertises %s; the server's address here is %s", m.Advertised, m.Actual)}
	}
	return Evidence{At: m.At, Text: fmt.Sprintf("%s advertises %s; the client's address here is %s", m.Cmd, m.Advertised, m.Actual)}
}
