package report

import (
	"bytes"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/report/diagram"
)

const htmlVerdictTemplates = `
{{define "verdicts-open"}}<section id="{{.Section}}">
<h2>{{.Title}} ({{.Count}})</h2>
{{- if not .Count}}
<p>No {{.Plural}}.</p>
{{- else}}
<table class="overview sortable">
<thead><tr><th>id</th><th>session</th><th>class</th><th>cause</th><th class="num">confidence</th>{{if .Multi}}<th>proof</th>{{end}}<th>time</th><th>connection</th><th>frames</th></tr></thead>
<tbody>
{{- end}}{{end}}

{{define "proof-badge"}}{{if eq . "proven"}}<span class="badge"><strong>proven</strong></span>{{else}}<span class="badge class-unknown">{{.}}</span>{{end}}{{end}}

{{define "verdict-row"}}
<tr><td data-sort="{{.Order}}"><a href="#{{.Anchor}}">{{.ID}}</a></td><td>{{template "session-ref" .}}</td><td><span class="badge class-{{.Key}}">{{.Class}}</span></td><td>{{.Cause}}</td><td class="num">{{.Confidence}}</td>{{if .Multi}}<td>{{template "proof-badge" .Proof}}</td>{{end}}<td class="time" data-sort="{{.TimeKey}}">{{.At}}</td><td>{{.ConnKind}} <span class="endpoints">{{.Client}} → {{.Server}}</span></td><td class="mono">{{.Frames}}</td></tr>
{{- end}}

{{define "session-ref"}}{{if .SessionLinked}}<a href="#{{.SessionAnchor}}">{{.Session}}</a>{{else}}{{.Session}}{{end}}{{end}}

{{define "left-out"}}<p class="left-out">{{.}}.</p>
{{end}}

{{define "verdict"}}<section class="verdict {{.Kind}}" id="{{.Anchor}}">
<h3><a href="#{{.Anchor}}">{{.ID}}</a> <span class="badge class-{{.Key}}">{{.Class}}</span> {{.Cause}}{{if .Multi}} {{template "proof-badge" .Proof}}{{end}}</h3>
<p class="summary">{{.Summary}}</p>
<dl class="facts">
<dt>Confidence</dt><dd>{{.Confidence}}</dd>
{{- if .Multi}}
<dt>Proof</dt><dd>{{.Proof}}{{if eq .Proof "proven"}}: the capture points together show it{{else}}: one point's inference{{end}}</dd>
{{- end}}
{{- with .Severity}}
<dt>Severity</dt><dd>{{.}}</dd>
{{- end}}
<dt>Time</dt><dd>{{.Time}} UTC</dd>
{{- if .Session}}
<dt>Session</dt><dd>{{template "session-ref" .}}{{with .TimelineAnchor}} (<a href="#{{.}}">its timeline</a>){{end}}</dd>
{{- end}}
<dt>Connection</dt><dd>{{.ConnKind}} <span class="endpoints">{{.Client}} → {{.Server}}</span></dd>
{{- with .Transfer}}
<dt>Transfer</dt><dd>{{.}}</dd>
{{- end}}
{{- with .Contributing}}
<dt>Also held</dt><dd>{{range $i, $c := .}}{{if $i}}, {{end}}{{$c}}{{end}}</dd>
{{- end}}
{{- with .Filter}}
<dt>Wireshark filter</dt><dd class="filter-line"><code class="filter">{{.}}</code> <button class="copy" type="button" data-copy="{{.}}" hidden>Copy</button></dd>
{{- end}}
</dl>
{{- if .Evidence}}
<table class="evidence">
<thead><tr>{{if .Multi}}<th>point</th>{{end}}<th class="num">frame</th>{{if .MultiInput}}<th>input</th>{{end}}<th>time</th><th>evidence</th></tr></thead>
<tbody>
{{- range .Evidence}}
<tr>{{if $.Multi}}<td>{{.Vantage}}</td>{{end}}<td class="num">{{.Frame}}</td>{{if $.MultiInput}}<td title="{{.InputPath}}">{{.Input}}</td>{{end}}<td class="time">{{.At}}</td><td>{{.Text}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p>No evidence lines.</p>
{{- end}}
{{- with .Ladder}}
<figure class="ladder">
{{.SVG}}
<figcaption>{{.Caption}}</figcaption>
</figure>
{{- end}}
{{- with .SeqGraph}}
<figure class="tsg">
{{.SVG}}
<figcaption>{{.Caption}}</figcaption>
</figure>
{{- end}}
{{- with .NotDrawn}}
<p class="left-out">{{.}}</p>
{{- end}}
</section>
{{end}}
`

// verdictKind says whether a list holds breaks or findings.
type verdictKind struct {
	section, title, singular, plural string
}

var (
	breakKind   = verdictKind{section: "breaks", title: "Breaks", singular: "break", plural: "breaks"}
	findingKind = verdictKind{section: "findings", title: "Findings", singular: "finding", plural: "findings"}
)

// verdicts renders breaks or findings: an overview table linking to one
// section per verdict, with its evidence, its filter and its diagrams.
func (h *htmlReport) verdicts(kind verdictKind, vs []analysis.Verdict) {
	h.part("verdicts-open", map[string]any{"Section": kind.section, "Title": kind.title, "Count": len(vs), "Plural": kind.plural, "Multi": multiPoint(h.r)})
	if len(vs) == 0 {
		h.raw("\n</section>\n")
		return
	}
	vs, hidden := briefVerdicts(vs, h.all)
	for i, v := range vs {
		h.item(kind.singular+" "+v.ID, func(b *bytes.Buffer) { execute(b, "verdict-row", h.verdictView(kind, v, i)) })
	}
	h.raw("\n</tbody>\n</table>\n")
	for _, left := range hidden {
		h.part("left-out", leftOut(left.n, "more "+clean(left.cause)+" "+kind.singular, "more "+clean(left.cause)+" "+kind.plural))
	}
	for i, v := range vs {
		h.item("the detail of "+kind.singular+" "+v.ID, func(b *bytes.Buffer) {
			view := h.verdictView(kind, v, i)
			view.withDiagrams(h, v)
			execute(b, "verdict", view)
		})
	}
	h.raw("</section>\n")
}

// verdictView is what a verdict's row and section show, every text
// cleaned.
type verdictView struct {
	Kind, ID, Anchor, Order  string
	Key, Class, Cause        string
	Confidence, Severity     string
	At, Time, TimeKey        string
	Session, SessionAnchor   string
	SessionLinked            bool
	TimelineAnchor           string
	ConnKind, Client, Server string
	Transfer                 string
	Summary                  string
	Contributing             []string
	Filter                   string
	Frames                   string
	MultiInput               bool
	// Multi: a multi-point report, with a proof and each evidence
	// line's point.
	Multi            bool
	Proof            string
	Evidence         []evidenceView
	Ladder, SeqGraph *drawing
	// NotDrawn says why a verdict analysis kept diagrams for shows none.
	NotDrawn string
}

type evidenceView struct {
	Frame, Input, InputPath, At, Text string
	Vantage                           string
}

// drawing is a diagram's SVG, as report/diagram wrote it (it escapes
// every text it draws), and its caption.
type drawing struct {
	SVG     template.HTML
	Caption string
}

func (h *htmlReport) verdictView(kind verdictKind, v analysis.Verdict, order int) verdictView {
	view := verdictView{
		Kind: kind.singular, ID: clean(v.ID), Anchor: htmlID("", v.ID), Order: strconv.Itoa(order),
		Key: classKey(v.Class), Class: clean(orDash(v.Class)), Cause: clean(orDash(v.Cause)),
		Confidence: confidence(v.Confidence), Severity: clean(string(v.Severity)),
		At: h.clock.at(v.Time), Time: full(v.Time), TimeKey: timeKey(v.Time),
		Session: clean(v.Session), SessionAnchor: htmlID("", v.Session), SessionLinked: h.listedSessions[v.Session],
		ConnKind: clean(orDash(v.Connection.Kind)), Client: clean(orDash(v.Connection.Client)), Server: clean(orDash(v.Connection.Server)),
		Summary: clean(orDash(v.Summary)), Contributing: cleanAll(v.Contributing), Filter: clean(v.Filter),
		Frames:     clean(orDash(h.inputs.frameList(v.Evidence, frameListLimit))),
		MultiInput: len(h.r.Inputs) > 1,
		Multi:      multiPoint(h.r), Proof: clean(proofWord(v)),
	}
	if view.Session == "" {
		view.Session = "-"
	}
	if h.drawsTimeline(v.Session) {
		view.TimelineAnchor = htmlID("timeline-", v.Session)
	}
	if x := h.transferOf(v); x != nil {
		view.Transfer = clean(strings.TrimSpace(x.Command+" "+x.Path)) + " (" + clean(orDash(x.Status)) + ", " + clean(transferBytes(*x)) + " bytes)"
	}
	for _, e := range v.Evidence {
		view.Evidence = append(view.Evidence, h.evidenceView(e, view.MultiInput))
	}
	return view
}

// evidenceView is one evidence line. With several inputs the input has
// its own column (its number, the path as a tooltip); with one, an
// evidence packet from a file the report does not list still names it.
func (h *htmlReport) evidenceView(e analysis.Evidence, multiInput bool) evidenceView {
	ev := evidenceView{Frame: "-", At: h.clock.at(e.Time), Text: clean(orDash(e.Text)), Vantage: clean(orDash(e.Vantage))}
	if e.Frame > 0 {
		ev.Frame = clean(h.inputs.frameRef(e))
		if multiInput {
			ev.Frame = "#" + itoa64(e.Frame)
		}
	}
	if multiInput {
		ev.Input, ev.InputPath = "-", clean(e.Input)
		if n, ok := h.inputs.position[e.Input]; ok {
			ev.Input = strconv.Itoa(n)
		} else if e.Input != "" {
			ev.Input = clean(e.Input)
		}
	}
	return ev
}

// transferOf is the transfer a verdict is about, nil for a connection or
// a session the report does not hold.
func (h *htmlReport) transferOf(v analysis.Verdict) *analysis.Transfer {
	s := h.sessionByID[v.Session]
	if s == nil || v.Transfer < 1 || v.Transfer > len(s.Transfers) {
		return nil
	}
	return &s.Transfers[v.Transfer-1]
}

// withDiagrams adds the verdict's ladder diagram and its transfer's
// time-sequence graph, where analysis kept them.
func (view *verdictView) withDiagrams(h *htmlReport, v analysis.Verdict) {
	what := view.Kind + " " + v.ID
	if !h.drawn[v.ID] {
		if hasDiagrams(h, v) {
			view.NotDrawn = "Diagrams are drawn for the first " + strconv.Itoa(diagramsPerCause) + " " + view.Kind +
				"s of each cause; --verbose draws them for every one."
		}
		return
	}
	if len(v.Ladders) > 0 {
		view.Ladder = h.draw("the ladder diagram of "+what, ladderCaption(v.Ladders), func(w io.Writer) error {
			return diagram.Ladder(w, v.Ladders, h.r.CapturePoint)
		})
	}
	if x := h.transferOf(v); x != nil && x.SeqGraph != nil {
		g := x.SeqGraph
		mark := diagram.Mark{At: v.Time, Label: clean(v.ID + " " + v.Cause)}
		view.SeqGraph = h.draw("the time-sequence graph of "+what, seqGraphCaption(g), func(w io.Writer) error {
			return diagram.SeqGraph(w, g, mark)
		})
	}
}

// draw renders one diagram under its own guard: a diagram that cannot be
// drawn is left out and named, and its verdict is still shown.
func (h *htmlReport) draw(name, caption string, render func(io.Writer) error) *drawing {
	var b bytes.Buffer
	ok := h.faults.guard(name, func() {
		if err := render(&b); err != nil {
			panic(err) // contained by the guard, and named like a panic
		}
	})
	if !ok {
		return nil
	}
	return &drawing{SVG: template.HTML(b.String()), Caption: caption}
}

// ladderCaption says what a ladder diagram draws.
func ladderCaption(ladders []analysis.Ladder) string {
	parts := make([]string, len(ladders))
	for i, l := range ladders {
		parts[i] = clean(orDash(l.Kind)) + " connection " + clean(endpoints(l.Client, l.Server)) + ": " +
			groupDigits(int64(len(l.Packets))) + " of " + counted(l.Total, "packet", "packets") + " drawn"
		if l.Closed != "" {
			parts[i] += ", ended by " + clean(l.Closed)
		}
	}
	return "Ladder diagram, the evidence packets highlighted. " + strings.Join(parts, "; ") + "."
}

// seqGraphCaption says what a time-sequence graph draws.
func seqGraphCaption(g *analysis.SeqGraph) string {
	sender, receiver := g.Server, g.Client
	if g.SenderIsClient {
		sender, receiver = g.Client, g.Server
	}
	s := "Time-sequence graph of the data sent by " + clean(orDash(sender)) + " to " + clean(orDash(receiver)) +
		": sequence numbers over time with the acknowledgements and the receive window, retransmissions and the break marked; " +
		counted(int64(len(g.Segments)), "segment", "segments") + " drawn"
	if g.Reduced > 0 {
		s += ", " + counted(g.Reduced, "ordinary packet", "ordinary packets") + " thinned out"
	}
	if g.Closed != "" {
		s += "; ended by " + clean(g.Closed)
	}
	return s + "."
}
