package report

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ftpcap/ftpcap/analysis"
)

// sessions lists the FTP control sessions with their outcome and the
// breaks that name them.
func (t *tableReport) sessions() error {
	t.section("SESSIONS", len(t.r.Sessions))
	if len(t.r.Sessions) == 0 {
		t.line("no FTP sessions found")
		return nil
	}
	breaks := breakIDsBySession(t.r.Breaks)
	sessions, okLeft, brokenLeft := briefSessions(t.r.Sessions, t.verbose)
	g := &grid{cols: []column{
		{title: "ID"},
		// 21 columns hold any IPv4 endpoint on one line.
		{title: "CLIENT → SERVER", flex: true, min: 21, wrap: wrapSpec{breakAfter: ":"}},
		{title: "USER", flex: true, min: 6, wrap: wrapSpec{maxLines: 2}},
		{title: "TLS"},
		// The start stacks over the duration; a dated start stacks its
		// date over the time of day.
		{title: "START\nDURATION", flex: true, min: len(timeOfDay)},
		{title: "CMDS", right: true},
		{title: "XFERS\nOK/FAIL", right: true},
		{title: "OUTCOME", flex: true, min: 6},
	}}
	for _, s := range sessions {
		t.faults.guard("session "+s.ID, func() {
			ok, failed := transferTally(s)
			outcome := painted(outcomeColor(s.Outcome), orDash(s.Outcome))
			if ids := breaks[s.ID]; len(ids) > 0 {
				outcome.text += "\n" + clean(strings.Join(ids, " "))
			}
			g.add(
				txt(s.ID),
				txt(endpoints(s.Client, s.Server)),
				txt(orDash(s.User)),
				txt(yesNo(s.TLS)),
				txt(t.clock.at(s.Start), span(s.Start, s.End)),
				txt(groupDigits(int64(s.Commands))),
				txt(strconv.Itoa(ok)+"/"+strconv.Itoa(failed)),
				outcome,
			)
		})
	}
	if len(g.rows) > 0 {
		if err := t.grid(g); err != nil {
			return err
		}
	}
	if brokenLeft > 0 {
		t.line(leftOut(int64(brokenLeft), "more broken session", "more broken sessions"))
	}
	if okLeft > 0 {
		t.line(leftOut(int64(okLeft), "session that ended ok", "sessions that ended ok"))
	}
	if t.verbose {
		t.sessionNotes()
	}
	return nil
}

// sessionNotes lists, in verbose mode, what the sessions table has no
// room for: banners, reply counts and the dissector's anomaly counters.
func (t *tableReport) sessionNotes() {
	labelWidth := 0
	for _, s := range t.r.Sessions {
		labelWidth = max(labelWidth, textWidth(clean(s.ID))+2)
	}
	labelWidth = min(labelWidth, t.width/3)
	for _, s := range t.r.Sessions {
		var notes []string
		if s.Banner != "" {
			notes = append(notes, "banner: "+clean(s.Banner))
		}
		replies := groupDigits(int64(s.Replies)) + " replies"
		if s.LastReply != 0 {
			replies += ", last " + strconv.Itoa(s.LastReply)
		}
		notes = append(notes, replies+"; control connection from frame "+strconv.FormatInt(s.Frame, 10))
		if len(s.Anomalies) > 0 {
			notes = append(notes, "anomalies: "+anomalyList(s.Anomalies))
		}
		t.field(labelWidth, clean(s.ID), "", notes...)
	}
}

// anomalyList shows dissector counters as "key=count, …" sorted by key.
func anomalyList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = clean(k) + "=" + strconv.Itoa(m[k])
	}
	return strings.Join(parts, ", ")
}

// transfers lists every data-transfer command of every session.
func (t *tableReport) transfers() error {
	transfers, n, hidden := briefTransfers(t.r.Sessions, t.verbose)
	t.section("TRANSFERS", n)
	if n == 0 {
		t.line("no transfers")
		return nil
	}
	cols := []column{
		{title: "SESS"},
		{title: "CMD"},
		{title: "PATH", flex: true, min: 10, wrap: wrapSpec{breakAfter: "/-_.", maxLines: 3, keepTail: true}},
		{title: "MODE"},
		{title: "BYTES / EXPECTED", flex: true, min: 9, keepWords: true},
		{title: "REPLY", flex: true, min: 10, wrap: wrapSpec{breakAfter: "/", maxLines: 3}},
		{title: "STATUS"},
	}
	if t.verbose {
		// The data connections' endpoints are in the connections table.
		cols = append(cols, column{title: "START", flex: true, min: len(timeOfDay)})
	}
	g := &grid{cols: cols}
	for _, x := range transfers {
		t.faults.guard("a transfer of session "+x.session, func() { t.transferRow(g, x) })
	}
	if len(g.rows) > 0 {
		if err := t.grid(g); err != nil {
			return err
		}
	}
	if hidden > 0 {
		t.line(leftOut(int64(hidden), "complete transfer", "complete transfers"))
	}
	return nil
}

// transferRow adds one transfer's row.
func (t *tableReport) transferRow(g *grid, x sessionTransfer) {
	row := []cell{
		txt(x.session),
		txt(orDash(x.Command)),
		txt(orDash(x.Path)),
		transferMode(x.Transfer),
		txt(transferBytes(x.Transfer)),
		txt(replyText(x.Reply, x.ReplyText)),
		painted(statusColor(x.Status), orDash(x.Status)),
	}
	if t.verbose {
		row = append(row, txt(t.clock.at(x.Start)))
	}
	g.add(row...)
}

func transferMode(x analysis.Transfer) cell {
	if x.Inferred {
		return txt(orDash(x.Mode), "inferred")
	}
	return txt(orDash(x.Mode))
}

// transferBytes is "bytes / expected" when the size was announced.
func transferBytes(x analysis.Transfer) string {
	if x.ExpectedBytes == nil {
		return groupDigits(x.Bytes)
	}
	return groupDigits(x.Bytes) + " / " + groupDigits(*x.ExpectedBytes)
}

// replyText is the final reply, "-" when none was seen.
func replyText(code int, text string) string {
	if code == 0 {
		return "-"
	}
	if text == "" {
		return strconv.Itoa(code)
	}
	return strconv.Itoa(code) + " " + text
}
