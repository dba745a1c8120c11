package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// connection-refused: the SYN was answered by a RST/ACK from the server's
// side and no SYN-ACK: nothing listens there, or the host refuses. Who
// really sent that RST (the host or a firewall in between) is judged from
// TTLs (facts_reset.go): with none of the server's packets on this
// connection, its packets on other connections are the reference; a RST
// evidently forged is middlebox-reset's and this rule steps aside; with
// nothing to compare with, the host is the likelier sender.
func init() {
	register(Rule{
		Cause:   "connection-refused",
		Needs:   "a SYN answered by RST/ACK from the server side, and no SYN-ACK",
		Example: "198.51.100.10:40112 → 203.0.113.20:21: the SYN was answered by RST/ACK (TTL 63): nothing accepts connections on that port.",
		Check: func(b *Case) *Finding {
			c := b.Conn
			if c == nil || !c.SynAck.IsZero() || c.Midstream {
				return nil
			}
			if b.ServerDir() != tcpflow.FromServer {
				// An active-mode data connection refused by the FTP
				// client's host is not the server's policy: that is
				// data-connection-failed, with this RST as its evidence.
				return nil
			}
			syn, ok := firstSeg(c, tcpflow.FromClient, tcpflow.FlagSYN)
			if !ok {
				return nil
			}
			if opener := &c.Half[tcpflow.FromClient]; opener.Bytes > 0 || opener.AckedHigh != 0 {
				// The opener acknowledged the server or sent data: the
				// handshake completed and the capture lost the SYN-ACK.
				return nil
			}
			origin, found := endpointReset(b, tcpflow.FromServer)
			rst := origin.rst
			if !found || rst.Ref.Before(syn.Ref) {
				return nil
			}
			conf := 0.85
			if rst.Flags&tcpflow.FlagACK != 0 && rst.Ack == syn.Seq+1 {
				conf = 0.9 // the RST acknowledges exactly this SYN, as RFC 793 has a closed port do
			}
			refusal := segEvidence(c, rst, "refusal")
			refusal.Text += origin.endpointNote(c)
			return &Finding{
				Confidence: conf,
				Summary: fmt.Sprintf("%s → %s: the SYN was answered by %s (TTL %d): nothing accepts connections on that port.",
					c.Client, c.Server, flagNames(rst.Flags), rst.TTL),
				Evidence: []Evidence{
					segEvidence(c, syn, "connection attempt"),
					refusal,
				},
			}
		},
	})
}
