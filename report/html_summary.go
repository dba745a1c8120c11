package report

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// readFirstMax caps the "read these first" list: one break per cause, the
// causes that need the reader first.
const readFirstMax = 6

const htmlSummaryTemplates = `
{{define "header"}}<header>
<h1>{{.Title}} report</h1>
<dl class="facts">
{{- range .Inputs}}
<dt>{{.Label}}</dt><dd>{{range $i, $l := .Lines}}{{if $i}}<br>{{end}}{{if eq $i 0}}<span class="mono">{{$l}}</span>{{else}}{{$l}}{{end}}{{end}}</dd>
{{- else}}
<dt>Input</dt><dd>none</dd>
{{- end}}
<dt>Capture point</dt><dd>{{.CapturePoint}}</dd>
{{- with .Vantage}}
<dt>Vantage points</dt><dd><ul>{{range .}}<li>{{.}}</li>{{end}}</ul></dd>
{{- end}}
{{- with .Quality}}
<dt>Capture quality</dt><dd><strong>{{.Rating}}</strong>{{if .Notes}}<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}</dd>
{{- end}}
{{- with .Span}}
<dt>Time span</dt><dd>{{.}}</dd>
{{- end}}
<dt>Times</dt><dd>UTC{{with .Date}}; times of day below are on {{.}} unless dated{{end}}</dd>
</dl>
</header>
{{end}}

{{define "summary"}}<section id="summary">
<h2>Summary</h2>
<ul class="figures">
{{- range .Figures}}
<li><span class="n">{{.N}}</span>{{.What}}{{with .Note}}<br><span class="muted">{{.}}</span>{{end}}</li>
{{- end}}
</ul>
{{- if .Chart}}
<h3>Breaks and findings by class and cause</h3>
<table class="chart sortable">
<thead><tr><th>class</th><th>cause</th><th>share of breaks</th><th class="num">breaks</th><th class="num">findings</th></tr></thead>
<tbody>
{{- range .Chart}}
<tr><td><span class="badge class-{{.Key}}">{{.Class}}</span></td><td>{{.Cause}}</td><td class="bar" data-sort="{{.Breaks}}">{{if .Width}}<span class="class-{{.Key}}" style="width: {{.Width}}%"></span>{{end}}</td><td class="num">{{.BreaksText}}</td><td class="num">{{.FindingsText}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p>No breaks or findings.</p>
{{- end}}
{{- if .First}}
<h3 id="read-first">Read these first</h3>
<p class="muted">The first break of each cause, the network's first, then the endpoints' (protocol, server policy, client), the most frequent first within a class.</p>
<ol class="first">
{{- range .First}}
<li><a href="#{{.Anchor}}">{{.ID}}</a> <span class="badge class-{{.Key}}">{{.Class}}</span> <strong>{{.Cause}}</strong>{{with .Count}} <span class="muted">({{.}})</span>{{end}}: {{.Summary}}</li>
{{- end}}
</ol>
{{- end}}
<h3>Counters, caps and losses</h3>
<dl class="facts">
{{- range .Counters}}
<dt>{{.Label}}</dt><dd>{{if eq (len .Values) 1}}{{index .Values 0}}{{else}}<ul>{{range .Values}}<li>{{.}}</li>{{end}}</ul>{{end}}</dd>
{{- end}}
</dl>
</section>
{{end}}
`

type headerView struct {
	Title        string
	Inputs       []inputView
	CapturePoint string
	// Vantage: the capture points of a multi-point report, in words.
	Vantage    []string
	Quality    *qualityView
	Span, Date string
}

type inputView struct {
	Label string
	Lines []string // the path first
}

type qualityView struct {
	Rating string
	Notes  []string
}

func (h *htmlReport) header() {
	r := h.r
	v := headerView{Title: h.pageView().Title, CapturePoint: clean(orDash(r.CapturePoint)), Date: h.clock.date()}
	for i, in := range r.Inputs {
		label := "Input"
		if len(r.Inputs) > 1 {
			label += " " + strconv.Itoa(i+1)
		}
		v.Inputs = append(v.Inputs, inputView{Label: label, Lines: inputLines(in)})
	}
	for i, vp := range r.VantagePoints {
		v.Vantage = append(v.Vantage, vantageLine(i, vp))
	}
	if q := r.CaptureQuality; q.Rating != "" {
		v.Quality = &qualityView{Rating: clean(q.Rating), Notes: cleanAll(q.Notes)}
	}
	if first, last := inputsSpan(r.Inputs); len(r.Inputs) > 1 && !first.IsZero() {
		v.Span = full(first) + " to " + full(last) + " (" + span(first, last) + ")"
	}
	h.item("the header", func(b *bytes.Buffer) { execute(b, "header", v) })
}

// inputsSpan is the first and last packet over every input (zero when
// none has a packet).
func inputsSpan(inputs []analysis.Input) (first, last time.Time) {
	for _, in := range inputs {
		if !in.First.IsZero() && (first.IsZero() || in.First.Before(first)) {
			first = in.First
		}
		if in.Last.After(last) {
			last = in.Last
		}
	}
	return first, last
}

type summaryView struct {
	Figures  []figure
	Chart    []chartRow
	First    []readFirst
	Counters []counterView
}

// figure is one of the summary's headline numbers.
type figure struct {
	N, What, Note string
}

// chartRow is one class and cause of the chart, its bar as wide as its
// share of the most frequent cause's breaks.
type chartRow struct {
	Key, Class, Cause        string
	Breaks                   int64
	Width                    int
	BreaksText, FindingsText string
}

// readFirst is a break the summary points the reader to.
type readFirst struct {
	ID, Anchor, Key, Class, Cause, Count, Summary string
}

type counterView struct {
	Label  string
	Values []string
}

func (h *htmlReport) summary() {
	v := summaryView{Figures: h.figures(), Chart: h.chart(), First: h.readFirst(), Counters: h.counters()}
	h.item("the summary", func(b *bytes.Buffer) { execute(b, "summary", v) })
}

// figures are the summary's headline numbers. Breaks and findings are
// counted as the analysis counted them, past the listing cap too.
func (h *htmlReport) figures() []figure {
	r := h.r
	broken, transfers, failed := 0, 0, 0
	for _, s := range r.Sessions {
		if s.Outcome == analysis.OutcomeBroken {
			broken++
		}
		_, bad := transferTally(s)
		transfers += len(s.Transfers)
		failed += bad
	}
	var breaks, findings int64
	for _, c := range r.Stats.Causes {
		breaks += c.Breaks
		findings += c.Findings
	}
	listed := func(total int64, n int) string {
		if total == int64(n) {
			return ""
		}
		return groupDigits(int64(n)) + " listed one by one"
	}
	var span string
	if first, last := inputsSpan(r.Inputs); !first.IsZero() {
		span = "over " + formatDuration(last.Sub(first))
	}
	return []figure{
		{N: groupDigits(int64(len(r.Sessions))), What: plural(int64(len(r.Sessions)), " FTP session", " FTP sessions"), Note: counted(int64(broken), "broken", "broken")},
		{N: groupDigits(int64(transfers)), What: plural(int64(transfers), " transfer", " transfers"), Note: counted(int64(failed), "did not complete", "did not complete")},
		{N: groupDigits(breaks), What: plural(breaks, " break", " breaks"), Note: listed(breaks, len(r.Breaks))},
		{N: groupDigits(findings), What: plural(findings, " finding", " findings"), Note: listed(findings, len(r.Findings))},
		{N: groupDigits(r.Stats.Packets), What: plural(r.Stats.Packets, " packet", " packets"), Note: span},
	}
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// chart is the count by class and cause, as the table's summary has it.
func (h *htmlReport) chart() []chartRow {
	counts := h.r.Stats.Causes
	var most int64
	for _, c := range counts {
		most = max(most, c.Breaks)
	}
	rows := make([]chartRow, len(counts))
	for i, c := range counts {
		rows[i] = chartRow{
			Key: classKey(c.Class), Class: clean(orDash(c.Class)), Cause: clean(orDash(c.Cause)),
			Breaks: c.Breaks, Width: pct(c.Breaks, most),
			BreaksText: groupDigits(c.Breaks), FindingsText: groupDigits(c.Findings),
		}
	}
	return rows
}

// classKey names a class in the page's style sheet: one of the catalog's
// classes, or "other" for a class it does not know.
func classKey(class string) string {
	if slices.Contains(classify.Classes(), class) {
		return class
	}
	return "other"
}

// classRank orders classes as spec/causes.md lists them: the path's
// failures first (network), then the endpoints' (protocol, server
// policy, client), then what the capture cannot tell.
func classRank(class string) int {
	order := classify.Classes()
	if i := slices.Index(order, class); i >= 0 {
		return i
	}
	return len(order)
}

// readFirst picks the breaks that need the reader first: the first
// listed break of each cause, by class rank, then by how many breaks the
// cause has, then in the order they happened.
func (h *htmlReport) readFirst() []readFirst {
	type pick struct {
		v     analysis.Verdict
		n     int64
		order int
	}
	var picks []pick
	seen := map[string]bool{}
	for _, v := range h.r.Breaks {
		if seen[v.Cause] {
			continue
		}
		seen[v.Cause] = true
		picks = append(picks, pick{v: v, n: h.r.Stats.BreaksByCause[v.Cause], order: len(picks)})
	}
	slices.SortStableFunc(picks, func(a, b pick) int {
		return cmp.Or(cmp.Compare(classRank(a.v.Class), classRank(b.v.Class)), cmp.Compare(b.n, a.n), cmp.Compare(a.order, b.order))
	})
	out := make([]readFirst, 0, min(len(picks), readFirstMax))
	for _, p := range picks[:min(len(picks), readFirstMax)] {
		var count string
		if p.n > 1 {
			count = counted(p.n, "break", "breaks") + " of this cause"
		}
		out = append(out, readFirst{
			ID: clean(p.v.ID), Anchor: htmlID("", p.v.ID), Key: classKey(p.v.Class), Class: clean(orDash(p.v.Class)),
			Cause: clean(orDash(p.v.Cause)), Count: count, Summary: clean(orDash(p.v.Summary)),
		})
	}
	return out
}

// counters are the table footer's counters, caps and losses, worded the
// same, so that the page never looks complete when part of the capture
// was not analysed.
func (h *htmlReport) counters() []counterView {
	s := h.r.Stats
	out := []counterView{
		{"Packets", []string{groupDigits(s.Packets) + " (" + groupDigits(s.Bytes) + " bytes); TCP " + groupDigits(s.TCPPackets) +
			"; ICMP errors " + groupDigits(s.ICMPErrors) + "; non-IP " + groupDigits(s.NonIP) + "; undecodable " + groupDigits(s.Undecodable)}},
	}
	if s.Fragments > 0 {
		out = append(out, counterView{"Fragments", []string{groupDigits(s.Fragments) + " IP fragments, " + groupDigits(s.FragmentsReassembled) + " reassembled"}})
	}
	out = append(out, counterView{"Connections", []string{groupDigits(s.Connections) + " TCP, " + groupDigits(s.DataConnections) + " FTP data, " +
		counted(s.FTPSessions, "FTP session", "FTP sessions") + "; " + groupDigits(s.ConnsExpired) + " expired after idling" + openAtEnd(s)}})
	caps := capsReached(h.r)
	if len(caps) == 0 {
		caps = []string{"none"}
	}
	return append(out, counterView{"Caps reached and losses", caps})
}
