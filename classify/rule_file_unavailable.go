package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/dissect"
)

// file-unavailable: the server answered a request for a file or directory
// with 550 (not found, failed to open) or 450 (busy), not worded as a
// refusal of permission; whichever command learned it: a transfer (RETR,
// STOR into a missing directory), or SIZE, MDTM, MLST, CWD or PRET RETR
// that the client then abandoned (curl and wget ask SIZE first and give up
// on a 550 without sending RETR). RFC 959 §4.2; vsftpd answers a missing
// file with "550 Failed to open file.", ProFTPD and Pure-FTPd name the
// missing path.
func init() {
	register(Rule{
		Cause:   "file-unavailable",
		Needs:   "a transfer, or a request for a file or directory the client then abandoned (SIZE, MDTM, CWD, PRET…), answered 550, 553 or 450 with text about absence (missing, busy, failed to open) rather than permission",
		Example: "SIZE missing.bin was refused: 550 \"Could not get file size.\", and the client left with QUIT.",
		Check: func(b *Case) *Finding {
			cmd, verb, path, r, ev := refusalOf(b, 550, 551, 553, 450)
			if r == nil || refusalKind(verb, r.Code, r.Text) != refusedAbsent {
				return nil
			}
			return refusalFinding(b, cmd, path, r, ev, 0.85)
		},
	})
}

// refusalFinding words a refusal: a transfer's ("RETR x failed: 550 …")
// or an abandoned request's ("SIZE x was refused: 550 …, and the client
// left with QUIT").
func refusalFinding(b *Case, cmd *dissect.Command, path string, r *dissect.Reply, ev []Evidence, conf float64) *Finding {
	f := &Finding{Confidence: conf, Evidence: ev}
	if b.Refusal == nil {
		f.Summary = fmt.Sprintf("%s %s failed: %d %s.", cmd.Verb, path, r.Code, quote(r.Text))
		return f
	}
	f.Summary = fmt.Sprintf("%s was refused: %d %s, %s.", cmdText(cmd), r.Code, quote(r.Text), abandonedText(b.Session))
	if channelVerbs[cmd.Verb] {
		f.Summary = "The data channel never worked: " + f.Summary
	}
	return f
}
