package report

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/report/diagram"
)

const htmlSessionTemplates = `
{{define "sessions-open"}}<section id="sessions">
<h2>Sessions ({{.}})</h2>
{{- if not .}}
<p>No FTP sessions found.</p>
{{- else}}
<table class="sessions sortable">
<thead><tr><th>id</th><th>client → server</th><th>user</th><th>TLS</th><th>start</th><th class="num">duration</th><th class="num">commands</th><th class="num">transfers ok</th><th class="num">failed</th><th>outcome</th><th>breaks</th></tr></thead>
<tbody>
{{- end}}{{end}}

{{define "session-row"}}
<tr id="{{.Anchor}}"{{if .Broken}} class="bad"{{end}}><td data-sort="{{.Order}}">{{.ID}}</td><td><span class="endpoints">{{.Client}} → {{.Server}}</span>{{with .Banner}}<br><span class="muted">{{.}}</span>{{end}}</td><td>{{.User}}</td><td>{{.TLS}}</td><td class="time" data-sort="{{.StartKey}}">{{.Start}}</td><td class="num" data-sort="{{.DurationKey}}">{{.Duration}}</td><td class="num">{{.Commands}}</td><td class="num">{{.OK}}</td><td class="num">{{.Failed}}</td><td>{{.Outcome}}</td><td>{{range $i, $b := .Breaks}}{{if $i}} {{end}}{{if $b.Linked}}<a href="#{{$b.Anchor}}">{{$b.ID}}</a>{{else}}{{$b.ID}}{{end}}{{end}}</td></tr>
{{- end}}

{{define "timeline"}}<figure class="timeline" id="{{.Anchor}}">
{{.SVG}}
<figcaption>{{.Caption}}</figcaption>
</figure>
{{end}}

{{define "transfer-graph"}}<figure class="tsg" id="{{.Anchor}}">
{{.SVG}}
<figcaption>{{.Caption}}</figcaption>
</figure>
{{end}}

{{define "transfers-open"}}<section id="transfers">
<h2>Transfers ({{.}})</h2>
{{- if not .}}
<p>No transfers.</p>
{{- else}}
<table class="transfers sortable">
<thead><tr><th>session</th><th>command</th><th>path</th><th>mode</th><th class="num">bytes / expected</th><th>reply</th><th>status</th><th>start</th><th>data connection</th></tr></thead>
<tbody>
{{- end}}{{end}}

{{define "transfer-row"}}
<tr{{if .Bad}} class="bad"{{end}}><td>{{.Session}}</td><td>{{.Command}}</td><td class="mono">{{.Path}}</td><td>{{.Mode}}</td><td class="num" data-sort="{{.BytesKey}}">{{.Bytes}}</td><td>{{.Reply}}</td><td class="status-{{.StatusKey}}">{{.Status}}</td><td class="time" data-sort="{{.StartKey}}">{{.Start}}</td><td><span class="endpoints">{{.Data}}</span></td></tr>
{{- end}}

{{define "connections-open"}}<section id="connections">
<h2>Connections ({{.Count}})</h2>
{{- if not .Count}}
<p>No TCP connections.</p>
{{- else}}
<details>
<summary>Every TCP connection, Zeek conn.log style (client, then server, in each cell)</summary>
<table class="connections sortable">
<thead><tr><th>session</th><th>kind</th><th>client → server</th><th>state</th><th>history</th><th class="num">packets</th><th class="num">bytes</th><th class="num">retransmits</th><th class="num">hops</th><th>window scale</th>{{if .Multi}}<th>path between the points (sent / delivered / dropped / injected)</th>{{end}}</tr></thead>
<tbody>
{{- end}}{{end}}

{{define "connection-row"}}
<tr><td>{{.Session}}</td><td>{{.Kind}}</td><td><span class="endpoints">{{.Client}} → {{.Server}}</span></td><td>{{.State}}</td><td class="mono">{{.History}}</td><td class="num">{{.Packets}}</td><td class="num">{{.Bytes}}</td><td class="num">{{.Retransmits}}</td><td class="num">{{.Hops}}</td><td>{{.WindowScale}}</td>{{if .Multi}}<td>{{.Path}}</td>{{end}}</tr>
{{- end}}
`

type sessionView struct {
	ID, Anchor, Order          string
	Client, Server, Banner     string
	User, TLS, Start, Duration string
	StartKey, DurationKey      string
	Commands, OK, Failed       string
	Outcome                    string
	Broken                     bool
	Breaks                     []breakRef
}

// breakRef is a break named in a session's row, a link where the page
// has its section.
type breakRef struct {
	ID, Anchor string
	Linked     bool
}

// sessions lists the sessions the table lists, and the timeline of each
// listed session analysis kept one for.
func (h *htmlReport) sessions() {
	h.part("sessions-open", len(h.r.Sessions))
	if len(h.r.Sessions) == 0 {
		h.raw("\n</section>\n")
		return
	}
	breaks := breakIDsBySession(h.r.Breaks)
	listedBreaks := map[string]bool{}
	shownBreaks, _ := briefVerdicts(h.r.Breaks, h.all)
	for _, v := range shownBreaks {
		listedBreaks[v.ID] = true
	}
	sessions, okLeft, brokenLeft := briefSessions(h.r.Sessions, h.all)
	for i, s := range sessions {
		h.item("session "+s.ID, func(b *bytes.Buffer) {
			ok, failed := transferTally(s)
			v := sessionView{
				ID: clean(s.ID), Anchor: htmlID("", s.ID), Order: strconv.Itoa(i),
				Client: clean(orDash(s.Client)), Server: clean(orDash(s.Server)), Banner: clean(s.Banner),
				User: clean(orDash(s.User)), TLS: yesNo(s.TLS), Start: h.clock.at(s.Start), Duration: span(s.Start, s.End),
				StartKey: timeKey(s.Start), DurationKey: durationKey(s.Start, s.End),
				Commands: groupDigits(int64(s.Commands)), OK: strconv.Itoa(ok), Failed: strconv.Itoa(failed),
				Outcome: clean(orDash(s.Outcome)), Broken: s.Outcome == analysis.OutcomeBroken,
			}
			for _, id := range breaks[s.ID] {
				v.Breaks = append(v.Breaks, breakRef{ID: clean(id), Anchor: htmlID("", id), Linked: listedBreaks[id]})
			}
			execute(b, "session-row", v)
		})
	}
	h.raw("\n</tbody>\n</table>\n")
	if brokenLeft > 0 {
		h.part("left-out", leftOut(int64(brokenLeft), "more broken session", "more broken sessions"))
	}
	if okLeft > 0 {
		h.part("left-out", leftOut(int64(okLeft), "session that ended ok", "sessions that ended ok"))
	}
	h.timelines(sessions)
	h.raw("</section>\n")
}

// timelines draws each listed session's timeline, where analysis kept one
// (the sessions with a verdict) and the page draws a verdict of the
// session (chooseDrawn); the verbose page draws every one.
func (h *htmlReport) timelines(sessions []analysis.Session) {
	heading := false
	for _, s := range sessions {
		if !h.drawsTimeline(s.ID) {
			continue
		}
		if !heading {
			h.raw("<h3>Timelines</h3>\n")
			heading = true
		}
		h.item("the timeline of session "+s.ID, func(b *bytes.Buffer) {
			caption := "Session " + clean(s.ID) + " (" + clean(endpoints(s.Client, s.Server)) + "): its commands and replies over time, its data connections as bars"
			if n := s.Timeline.Omitted; n > 0 {
				caption += "; " + counted(int64(n), "exchange", "exchanges") + " in the middle not drawn"
			}
			d := h.draw("the timeline of session "+s.ID, caption+".", func(w io.Writer) error { return diagram.Timeline(w, s.Timeline) })
			if d == nil {
				return
			}
			execute(b, "timeline", map[string]any{"Anchor": htmlID("timeline-", s.ID), "SVG": d.SVG, "Caption": d.Caption})
		})
	}
}

// drawsTimeline reports whether the page draws the session's timeline:
// a listed session that analysis kept one for, of a verdict the page
// draws (or any, on the verbose page).
func (h *htmlReport) drawsTimeline(id string) bool {
	s := h.sessionByID[id]
	return s != nil && s.Timeline != nil && h.listedSessions[id] &&
		(h.all || h.drawnSessions[id] || len(h.listedSessions) <= timelinesForAll)
}

type transferView struct {
	Session, Command, Path, Mode string
	Bytes, Reply, Status, Start  string
	StatusKey, Data              string
	BytesKey, StartKey           string
	Bad                          bool
}

// transfers lists the transfers the table lists.
func (h *htmlReport) transfers() {
	transfers, n, hidden := briefTransfers(h.r.Sessions, h.all)
	h.part("transfers-open", n)
	if n == 0 {
		h.raw("\n</section>\n")
		return
	}
	for _, x := range transfers {
		h.item("a transfer of session "+x.session, func(b *bytes.Buffer) { execute(b, "transfer-row", h.transferView(x)) })
	}
	h.raw("\n</tbody>\n</table>\n")
	if hidden > 0 {
		h.part("left-out", leftOut(int64(hidden), "complete transfer", "complete transfers"))
	}
	h.transferGraphs()
	h.raw("</section>\n")
}

// transferGraphs draws the time-sequence graph of each listed transfer
// that did not complete and that no drawn verdict's section shows: every
// transfer that broke or stalled gets its graph somewhere on the page,
// up to otherSeqGraphs of these (all on the verbose page).
func (h *htmlReport) transferGraphs() {
	graphed := graphedTransfers(h)
	drawn, left := 0, 0
	for _, s := range h.r.Sessions {
		if !h.listedSessions[s.ID] {
			continue
		}
		for i := range s.Transfers {
			x := &s.Transfers[i]
			if x.SeqGraph == nil || graphed[transferKey{s.ID, i + 1}] {
				continue
			}
			if !h.all && drawn == otherSeqGraphs {
				left++
				continue
			}
			if drawn == 0 {
				h.raw("<h3>Transfers that did not complete</h3>\n")
			}
			drawn++
			h.item("the time-sequence graph of transfer "+strconv.Itoa(i+1)+" of session "+s.ID, func(b *bytes.Buffer) {
				what := "Transfer " + strconv.Itoa(i+1) + " of session " + clean(s.ID) + ", " + clean(orDash(x.Command)) + " " +
					clean(x.Path) + " (" + clean(orDash(x.Status)) + "). "
				g := x.SeqGraph
				d := h.draw("the time-sequence graph of transfer "+strconv.Itoa(i+1)+" of session "+s.ID, what+seqGraphCaption(g),
					func(w io.Writer) error { return diagram.SeqGraph(w, g, diagram.Mark{}) })
				if d == nil {
					return
				}
				execute(b, "transfer-graph", map[string]any{"Anchor": htmlID("graph-", s.ID+"-"+strconv.Itoa(i+1)), "SVG": d.SVG, "Caption": d.Caption})
			})
		}
	}
	if left > 0 {
		verb := " are"
		if left == 1 {
			verb = " is"
		}
		h.part("left-out", "The time-sequence graphs of "+counted(int64(left), "more transfer", "more transfers")+
			" that did not complete"+verb+" not drawn (--verbose draws them)")
	}
}

func (h *htmlReport) transferView(x sessionTransfer) transferView {
	mode := orDash(x.Mode)
	if x.Inferred {
		mode += " (inferred)"
	}
	data := "-"
	if x.Data != nil {
		data = endpoints(x.Data.Client, x.Data.Server)
	}
	bad := false
	switch x.Status {
	case classify.StatusFailed, classify.StatusTruncated, classify.StatusAborted:
		bad = true
	}
	return transferView{
		Session: clean(x.session), Command: clean(orDash(x.Command)), Path: clean(orDash(x.Path)), Mode: clean(mode),
		Bytes: clean(transferBytes(x.Transfer)), Reply: clean(replyText(x.Reply, x.ReplyText)),
		Status: clean(orDash(x.Status)), StatusKey: statusKey(x.Status), Start: h.clock.at(x.Start), Data: clean(data), Bad: bad,
		BytesKey: itoa64(x.Bytes), StartKey: timeKey(x.Start),
	}
}

// statusKey names a transfer status in the style sheet.
func statusKey(s classify.TransferStatus) string {
	if s == classify.StatusComplete {
		return "complete"
	}
	return "other"
}

type connectionView struct {
	Session, Kind, Client, Server, State, History string
	Packets, Bytes, Retransmits, Hops             string
	WindowScale                                   string
	// Multi: a multi-point report; Path is the connection's counts
	// between the points, each way.
	Multi bool
	Path  string
}

// htmlPath words a connection's path counts for the page.
func htmlPath(p *analysis.ConnPath) string {
	if p == nil {
		return "seen at one point only"
	}
	s := "client → server " + pathCell(p.ClientToServer) + "; server → client " + pathCell(p.ServerToClient)
	if p.Translation != "" {
		s += "; NAT " + clean(p.Translation)
	}
	return s
}

// connections lists the TCP connections, folded: the page's reader opens
// them when the verdicts send them there. Past briefRows, only the
// connections of broken sessions and of verdicts are listed.
func (h *htmlReport) connections() {
	multi := multiPoint(h.r)
	h.part("connections-open", struct {
		Count int
		Multi bool
	}{len(h.r.Connections), multi})
	if len(h.r.Connections) == 0 {
		h.raw("\n</section>\n")
		return
	}
	conns, left := h.briefConnections()
	for _, i := range conns {
		c := h.r.Connections[i]
		h.item("connection "+strconv.Itoa(i+1)+" ("+c.Client+" → "+c.Server+")", func(b *bytes.Buffer) {
			execute(b, "connection-row", connectionView{
				Session: clean(orDash(c.Session)), Kind: clean(orDash(c.Kind)), Client: clean(orDash(c.Client)), Server: clean(orDash(c.Server)),
				State: clean(connectionState(c)), History: clean(orDash(c.History)),
				Packets:     groupDigits(c.Packets.Client) + " / " + groupDigits(c.Packets.Server),
				Bytes:       groupDigits(c.Bytes.Client) + " / " + groupDigits(c.Bytes.Server),
				Retransmits: groupDigits(c.Retransmits.Client) + " / " + groupDigits(c.Retransmits.Server),
				Hops:        strconv.Itoa(c.Hops.Client) + " / " + strconv.Itoa(c.Hops.Server),
				WindowScale: clean(orDash(string(c.WindowScale.Client)) + " / " + orDash(string(c.WindowScale.Server))),
				Multi:       multi, Path: htmlPath(c.Path),
			})
		})
	}
	h.raw("\n</tbody>\n</table>\n</details>\n")
	if left > 0 {
		h.part("left-out", leftOut(int64(left), "more connection", "more connections"))
	}
	h.raw("</section>\n")
}

// briefConnections returns the indexes of the connections to list and how
// many were left out: all of them, unless a large capture's page is
// brief; then those of the broken sessions and of the verdicts, at most
// briefRows.
func (h *htmlReport) briefConnections() (shown []int, left int) {
	conns := h.r.Connections
	if h.all || len(conns) <= briefRows {
		shown = make([]int, len(conns))
		for i := range conns {
			shown[i] = i
		}
		return shown, 0
	}
	named := map[[2]string]bool{}
	for _, vs := range [][]analysis.Verdict{h.r.Breaks, h.r.Findings} {
		for _, v := range vs {
			named[[2]string{v.Connection.Client, v.Connection.Server}] = true
		}
	}
	for i, c := range conns {
		s := h.sessionByID[c.Session]
		broken := s != nil && s.Outcome == analysis.OutcomeBroken
		if len(shown) < briefRows && (broken || named[[2]string{c.Client, c.Server}]) {
			shown = append(shown, i)
			continue
		}
		left++
	}
	return shown, left
}

// connectionState is a connection's state, how it closed and what the
// capture lost of it.
func connectionState(c analysis.Connection) string {
	return strings.Join(connectionStateParts(c), ", ")
}
