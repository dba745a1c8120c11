package classify

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Rule decides one cause. Each lives in its own file, rule_<cause>.go, and
// registers itself in init: adding a cause touches that file, a sample and
// its expected verdicts.
type Rule struct {
	Cause string
	// Needs says what the packets must show, for `ftpcap rules`.
	Needs string
	// Example is an example summary line.
	Example string
	// Check returns a finding when the rule holds for the break, else nil.
	// It sets Confidence from which evidence was present; Cause is filled
	// in by the caller. Nil for rules that only make findings.
	Check func(b *Case) *Finding
	// Notice, when set, looks at any connection of a session (broken or
	// not, Case.Why empty) and returns a finding of severity info, e.g.
	// PMTU discovery at work or window scaling absent.
	Notice func(c *Case) *Finding
}

// rules is filled once by the rule files' init functions and sorted by
// precedence (precedence.go), then cause; it is never changed after.
var rules []Rule

func register(r Rule) {
	if CauseClass(r.Cause) == "" {
		panic("classify: rule for a cause not in the catalog: " + r.Cause)
	}
	rules = append(rules, r)
	slices.SortStableFunc(rules, func(a, b Rule) int {
		if c := cmp.Compare(precedenceOf(a.Cause), precedenceOf(b.Cause)); c != 0 {
			return c
		}
		return cmp.Compare(a.Cause, b.Cause)
	})
}

// RuleInfo describes a rule for people.
type RuleInfo struct {
	Cause, Class, Needs, Example string
}

// Rules lists the implemented rules, most specific first, and unexplained
// last.
func Rules() []RuleInfo {
	out := make([]RuleInfo, 0, len(rules)+1)
	for _, r := range rules {
		out = append(out, RuleInfo{r.Cause, CauseClass(r.Cause), r.Needs, r.Example})
	}
	return append(out, RuleInfo{CauseUnexplained, ClassUnknown,
		"a break (connection or transfer that ended badly) for which no other rule's evidence holds; the facts gathered are listed",
		"control connection reset; no rule's evidence holds"})
}

// ---- helpers shared by the rules: facts worded for evidence ----

// flagNames spells TCP flags as tcpdump users read them.
func flagNames(f uint8) string {
	var parts []string
	for _, x := range []struct {
		bit  uint8
		name string
	}{{tcpflow.FlagSYN, "SYN"}, {tcpflow.FlagRST, "RST"}, {tcpflow.FlagFIN, "FIN"}, {tcpflow.FlagPSH, "PSH"}, {tcpflow.FlagACK, "ACK"}, {tcpflow.FlagURG, "URG"}} {
		if f&x.bit != 0 {
			parts = append(parts, x.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "/")
}

// endpoint returns the address of a connection's side.
func endpoint(c *tcpflow.Conn, d tcpflow.Dir) string {
	if d == tcpflow.FromClient {
		return c.Client.String()
	}
	return c.Server.String()
}

// hostAddr is the IP address of a connection's side.
func hostAddr(c *tcpflow.Conn, d tcpflow.Dir) netip.Addr {
	if d == tcpflow.FromClient {
		return c.Client.Addr()
	}
	return c.Server.Addr()
}

// sideOf returns the side of c whose host is from when c joins hosts from
// and to (either way round): on the same two hosts, connections share a
// path.
func sideOf(c *tcpflow.Conn, from, to netip.Addr) (tcpflow.Dir, bool) {
	switch {
	case hostAddr(c, tcpflow.FromClient) == from && hostAddr(c, tcpflow.FromServer) == to:
		return tcpflow.FromClient, true
	case hostAddr(c, tcpflow.FromServer) == from && hostAddr(c, tcpflow.FromClient) == to:
		return tcpflow.FromServer, true
	}
	return 0, false
}

// sameHosts reports whether two connections join the same two hosts.
func sameHosts(a, b *tcpflow.Conn) bool {
	_, ok := sideOf(b, hostAddr(a, tcpflow.FromClient), hostAddr(a, tcpflow.FromServer))
	return ok
}

// segEvidence describes one logged packet.
func segEvidence(c *tcpflow.Conn, s tcpflow.Seg, what string) Evidence {
	ipid := ""
	if c.Client.Addr().Is4() || c.Client.Addr().Is4In6() {
		ipid = fmt.Sprintf(", IP ID 0x%04x", s.IPID)
	}
	return Evidence{At: s.Ref, Text: fmt.Sprintf("%s: %s from %s (TTL %d%s, win %d)", what, flagNames(s.Flags), endpoint(c, s.Dir), s.TTL, ipid, s.Win)}
}

// endSegEvidence describes a FIN or RST, with the packet's own facts when
// the log kept them.
func endSegEvidence(c *tcpflow.Conn, s tcpflow.Seg, what string) Evidence {
	if s.TTL == 0 && s.Win == 0 && s.IPID == 0 {
		if _, ok := loggedSeg(c, s.Ref); !ok {
			return Evidence{At: s.Ref, Text: fmt.Sprintf("%s: %s from %s", what, flagNames(s.Flags), endpoint(c, s.Dir))}
		}
	}
	return segEvidence(c, s, what)
}

// sortEvidence puts evidence in capture order; items without a packet
// (a fact about the whole connection) keep their order after the rest.
func sortEvidence(ev []Evidence) {
	slices.SortStableFunc(ev, func(x, y Evidence) int {
		switch {
		case x.At.IsZero() || y.At.IsZero():
			return cmp.Compare(boolInt(x.At.IsZero()), boolInt(y.At.IsZero()))
		}
		return x.At.Compare(y.At)
	})
}

// tidyEvidence puts evidence in capture order and drops repeats: a rule
// that adds the control connection's facts to a data connection's finding
// may name the same packet for the same reason twice.
func tidyEvidence(ev []Evidence) []Evidence {
	sortEvidence(ev)
	out := ev[:0]
	for _, e := range ev {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// quote cuts reply text to one short line for evidence.
func quote(text string) string {
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i] + " …"
	}
	text = strings.TrimSpace(text)
	if len(text) > 100 {
		text = text[:100] + "…"
	}
	return fmt.Sprintf("%q", text)
}

// replyEvidence describes a reply, with the command it answered.
func replyEvidence(cmd *dissect.Command, r *dissect.Reply) Evidence {
	if cmd == nil {
		return Evidence{At: r.At, Text: fmt.Sprintf("server replies %d %s unprompted", r.Code, quote(r.Text))}
	}
	return Evidence{At: r.At, Text: fmt.Sprintf("server replies %d %s to %s", r.Code, quote(r.Text), cmdText(cmd))}
}

func cmdText(c *dissect.Command) string {
	if c.Verb == dissect.CmdUnknown {
		return "an encrypted command" // a transfer inferred on an encrypted session
	}
	if c.Arg == "" {
		return c.Verb
	}
	a := c.Arg
	if len(a) > 60 {
		a = a[:60] + "…"
	}
	return c.Verb + " " + a
}

// cmdEvidence describes a command. A transfer inferred on an encrypted
// session has none to show: its data connection's first packet stands in.
func cmdEvidence(c *dissect.Command) Evidence {
	if c.Verb == dissect.CmdUnknown {
		return Evidence{At: c.At, Text: "the data connection opens; the command that asked for it travelled encrypted on the control connection"}
	}
	return Evidence{At: c.At, Text: "client sends " + cmdText(c)}
}

// replies walks the session's replies in order with their commands.
func replies(s *dissect.Session, f func(cmd *dissect.Command, r *dissect.Reply) bool) {
	for i := range s.Log {
		e := &s.Log[i]
		for j := range e.Replies {
			if !f(e.Cmd, &e.Replies[j]) {
				return
			}
		}
	}
}

// lastReplyWith returns the last valid reply with one of the codes.
func lastReplyWith(s *dissect.Session, codes ...int) (*dissect.Command, *dissect.Reply) {
	var cmd *dissect.Command
	var rep *dissect.Reply
	replies(s, func(c *dissect.Command, r *dissect.Reply) bool {
		if r.Valid && slices.Contains(codes, r.Code) {
			cmd, rep = c, r
		}
		return true
	})
	return cmd, rep
}

// lastFinalReply returns the session's last valid reply of 2xx–5xx.
func lastFinalReply(s *dissect.Session) (*dissect.Command, *dissect.Reply) {
	return lastFinalReplyBy(s, tcpflow.Ref{})
}

// endEvidence describes how a connection ended: its first RST, or its
// FINs.
func endEvidence(c *tcpflow.Conn) []Evidence {
	var ev []Evidence
	for _, s := range c.Log {
		if s.Flags&tcpflow.FlagRST != 0 {
			return append(ev, segEvidence(c, s, "reset"))
		}
	}
	for _, s := range c.Log {
		if s.Flags&tcpflow.FlagFIN != 0 {
			ev = append(ev, segEvidence(c, s, "close"))
		}
	}
	return ev
}

// unexplained is the verdict when no rule holds: the facts gathered.
func unexplained(b *Case) *Finding {
	f := &Finding{Cause: CauseUnexplained, Confidence: 0,
		Summary: fmt.Sprintf("The %s connection broke (%s) and no rule's evidence holds.", b.Kind, b.Why)}
	if b.Conn != nil {
		f.Evidence = append(f.Evidence, endEvidence(b.Conn)...)
		if len(f.Evidence) == 0 {
			f.Evidence = append(f.Evidence, Evidence{At: b.Conn.Last, Text: fmt.Sprintf("last packet of the connection (%s); it ended by %s", b.Conn.ConnState(), b.Conn.Closed)})
		}
	}
	if cmd, r := lastFinalReply(b.Session); r != nil {
		f.Evidence = append(f.Evidence, replyEvidence(cmd, r))
	}
	return f
}
