package dissect

import (
	"strconv"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Anomaly keys. They are a contract (classify and the reports match on
// them): new keys may be added, these are never renamed.
const (
	// Line framing (either direction).
	AnomalyBareLF           = "bare_lf"           // line ended with LF, not CRLF
	AnomalyLineTooLong      = "line_too_long"     // line longer than Options.MaxLineLen, cut
	AnomalyGap              = "gap_in_stream"     // bytes missing from the capture; the partial line was dropped
	AnomalyEmptyLine        = "empty_line"        // a line with nothing before its CRLF
	AnomalyUnterminatedLine = "unterminated_line" // the connection ended in the middle of a line
	AnomalyBinaryLine       = "binary_line"       // control bytes ended at a packet boundary where a proper line began

	// Replies.
	AnomalyReplyWithoutSpace   = "reply_without_space"          // "220Welcome": no SP or '-' after the code
	AnomalyReplyWithoutText    = "reply_without_text"           // "220" alone
	AnomalyNonNumericReplyCode = "non_numeric_reply_code"       // a server line that is no reply ("SSH-2.0-…")
	AnomalyInvalidReplyCode    = "invalid_reply_code"           // a number that is no valid code ("99 PASV invalid")
	AnomalyReplyWithoutCommand = "reply_without_command"        // a reply when no command was waiting
	AnomalyUnterminatedReply   = "unterminated_multiline_reply" // the connection ended inside a multi-line reply
	// A reply none of the waiting commands can receive (RFC 959 §5.4):
	// detail "221 while RETR, QUIT pending".
	AnomalyReplyFitsNoCommand = "reply_fits_no_command"
	// A reply that began after the client's first FIN or RST on the
	// control connection: it answers no command (detail "226 after the
	// client's FIN").
	AnomalyReplyAfterClientClose = "reply_after_client_close"
	// A command that got no reply: a later command was answered first
	// (replies come in command order), so its reply was lost to a gap or
	// never sent (detail "PASS, before TYPE's 200").
	AnomalyCommandWithoutReply = "command_without_reply"

	// Commands.
	AnomalyUnknownCommand  = "unknown_command"           // a verb no RFC or common extension defines
	AnomalyTooManyPending  = "too_many_pending_commands" // over Options.MaxPendingCommands waiting for replies
	AnomalyTLSInCleartext  = "tls_record_in_cleartext"   // a TLS record where a command belongs, without AUTH
	AnomalyBadPORTArgument = "bad_port_argument"         // PORT without h1,h2,h3,h4,p1,p2
	AnomalyBadEPRTArgument = "bad_eprt_argument"         // EPRT not |proto|addr|port|
	AnomalyBadPASVReply    = "bad_pasv_reply"            // 227 without h1,h2,h3,h4,p1,p2
	AnomalyBadEPSVReply    = "bad_epsv_reply"            // 229 without (|||port|)

	// TLS on the control connection.
	AnomalyTLSRecordInvalid = "tls_record_invalid" // an invalid record header after AUTH TLS: record tracking stopped
)

// maxListed caps Session.Anomalies and Session.AddrMismatches.
const maxListed = 256

// maxDetail caps the bytes of a line quoted in an anomaly's Detail.
const maxDetail = 64

// quote renders up to maxDetail bytes of b as a Go-quoted ASCII string,
// marking a cut with "…" after the closing quote.
func quote(b []byte) string {
	if len(b) <= maxDetail {
		return strconv.QuoteToASCII(string(b))
	}
	return strconv.QuoteToASCII(string(b[:maxDetail])) + "…"
}

// noteAnomaly records an anomaly in the session, counted by key and listed
// up to maxListed.
func (s *Session) noteAnomaly(key string, from tcpflow.Dir, at tcpflow.Ref, detail string) {
	if s.AnomalyCounts == nil {
		s.AnomalyCounts = make(map[string]int)
	}
	s.AnomalyCounts[key]++
	if len(s.Anomalies) < maxListed {
		s.Anomalies = append(s.Anomalies, Anomaly{Key: key, From: from, At: at, Detail: detail})
	} else {
		s.AnomaliesDropped++
	}
}
