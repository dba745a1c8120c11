package classify

import "slices"

// precedence is the order in which causes win when two rules hold for the
// same break with the same confidence: the more specific explanation
// first. It lives here, in one list, so the order can be read and argued
// about in one place; a new rule's cause goes into it where it belongs
// (TestPrecedenceCoversRules fails until it does).
//
// The reasoning, top to bottom: what the network did to the connection
// (an address rewritten, a channel blocked, an ICMP error, an MTU limit)
// explains the endpoints' behaviour that follows; then the server refusing
// or being unable to serve (nothing listening, not FTP, a handshake that
// never finished, an idle or login policy, TLS); then path and stack
// conditions seen over a connection's life; then the server's explicit
// refusals of one request; then the protocol errors and TCP endings that
// only say how it ended, not why; the client giving up last, because a
// client gives up for a reason the others name.
var precedence = []string{
	"pasv-address-mismatch",
	"data-channel-blocked",
	"icmp-unreachable",
	"fragmentation-needed",
	"connection-refused",
	"not-ftp",
	"syn-unanswered",
	"handshake-incomplete",
	"mtu-blackhole",
	"idle-timeout",
	"login-failures",
	"service-unavailable",
	"tls-handshake-failure",
	"idle-state-loss",
	"zero-window-stall",
	"route-change",
	"middlebox-reset",
	"permission-denied",
	"file-unavailable",
	"server-stall",
	"slow-server-reply",
	"data-connection-failed",
	"path-loss-timeout",
	"transfer-aborted",
	"ftp-command-rejected",
	"ftp-sequence-error",
	"no-window-scaling",
	"server-reset",
	"server-close",
	"client-abort",
	"rate-limited",
}

// precedenceOf is a cause's rank in precedence (lower wins); a cause not
// in the list ranks last.
func precedenceOf(cause string) int {
	if i := slices.Index(precedence, cause); i >= 0 {
		return i
	}
	return len(precedence)
}
