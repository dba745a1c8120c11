// Package classify is the only place that decides. It reads a case (one FTP
// session with its control and data connections, and the tracker's facts
// about them), finds every break in it (a connection that did not end the
// way a healthy session ends, a transfer the server refused or cut), lets
// every rule look at each break, and keeps the verdict whose evidence is
// strongest, with the other rules that held as contributing findings.
//
// A rule is one file, rule_<cause>.go, registering itself in rules.
//
// The catalog of classes and causes is the contract spec/causes.md; the
// copy in this directory, causes.md, is the one the tests hold the code
// to (catalog_test.go), and the one to read in a clone without the spec.
package classify

// Classes, as in causes.md.
const (
	ClassNetwork      = "network"
	ClassProtocol     = "protocol"
	ClassServerPolicy = "server-policy"
	ClassClient       = "client"
	ClassUnknown      = "unknown"
)

// CauseUnexplained is the cause of a break no rule explains. It has no
// rule file and no rule: decide (judge.go) gives it when every rule's
// Check came back empty, with the facts gathered (unexplained, rules.go).
const CauseUnexplained = "unexplained"

// causeClass is the catalog of causes.md: every cause id with its class.
// Ids are a contract: add, never rename.
var causeClass = map[string]string{
	"syn-unanswered":         ClassNetwork,
	"handshake-incomplete":   ClassNetwork,
	"icmp-unreachable":       ClassNetwork,
	"middlebox-reset":        ClassNetwork,
	"fragmentation-needed":   ClassNetwork,
	"mtu-blackhole":          ClassNetwork,
	"data-channel-blocked":   ClassNetwork,
	"pasv-address-mismatch":  ClassNetwork,
	"path-loss-timeout":      ClassNetwork,
	"idle-state-loss":        ClassNetwork,
	"route-change":           ClassNetwork,
	"no-window-scaling":      ClassProtocol,
	"zero-window-stall":      ClassProtocol,
	"ftp-command-rejected":   ClassProtocol,
	"ftp-sequence-error":     ClassProtocol,
	"data-connection-failed": ClassProtocol,
	"transfer-aborted":       ClassProtocol,
	"tls-handshake-failure":  ClassProtocol,
	"not-ftp":                ClassProtocol,
	"connection-refused":     ClassServerPolicy,
	"service-unavailable":    ClassServerPolicy,
	"login-failures":         ClassServerPolicy,
	"idle-timeout":           ClassServerPolicy,
	"permission-denied":      ClassServerPolicy,
	"file-unavailable":       ClassServerPolicy,
	"server-reset":           ClassServerPolicy,
	"server-close":           ClassServerPolicy,
	"slow-server-reply":      ClassServerPolicy,
	"server-stall":           ClassServerPolicy,
	"rate-limited":           ClassServerPolicy,
	"client-abort":           ClassClient,
	CauseUnexplained:         ClassUnknown,
}

// Classes returns the classes in the order spec/causes.md lists them,
// the order reports list their counts in.
func Classes() []string {
	return []string{ClassNetwork, ClassProtocol, ClassServerPolicy, ClassClient, ClassUnknown}
}

// CauseClass returns the class of a cause id, or "" for an unknown id.
func CauseClass(cause string) string { return causeClass[cause] }

// Causes returns every cause id of the catalog.
func Causes() []string {
	out := make([]string, 0, len(causeClass))
	for c := range causeClass {
		out = append(out, c)
	}
	return out
}
