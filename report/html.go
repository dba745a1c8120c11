package report

import (
	"bytes"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

// htmlReport renders the HTML format: one self-contained page for a
// postmortem, to attach to a ticket and open offline. It shows what the
// table shows (the same brief rules for a large capture), and for each
// break and finding its evidence, its Wireshark filter and the diagrams
// analysis kept for it (Options.Diagrams), drawn by report/diagram.
//
// Markup comes from html/template, so every value is escaped for the
// context it lands in (text, attribute, URL fragment); capture text is
// also cleaned of control characters first, as in every format. The page
// loads nothing: style and script are inline and a Content-Security-
// Policy forbids any fetch (html_assets.go).
type htmlReport struct {
	w      *errWriter
	r      *analysis.Result
	clock  clock
	inputs inputIndex
	// all lists everything, where a large capture's page would leave out
	// what went well and repeats (brief.go).
	all    bool
	faults *renderFaults
	// listed are the anchors the page has, so that a link is written
	// only where its target is: the sessions listed ("S3").
	listedSessions map[string]bool
	sessionByID    map[string]*analysis.Session
	// drawn are the verdicts whose diagrams the page draws, and
	// drawnSessions their sessions, whose timelines it draws
	// (html_drawn.go says which).
	drawn, drawnSessions map[string]bool
}

func writeHTML(w *errWriter, r *analysis.Result, all bool, faults *renderFaults) error {
	h := &htmlReport{
		w: w, r: r, clock: newClock(r), inputs: newInputIndex(r.Inputs), all: all, faults: faults,
		listedSessions: map[string]bool{}, sessionByID: map[string]*analysis.Session{},
	}
	h.drawn, h.drawnSessions = chooseDrawn(r, all)
	sessions, _, _ := briefSessions(r.Sessions, all)
	for _, s := range sessions {
		h.listedSessions[s.ID] = true
	}
	for i := range r.Sessions {
		h.sessionByID[r.Sessions[i].ID] = &r.Sessions[i]
	}
	h.head()
	h.header()
	h.toc()
	h.summary()
	h.verdicts(breakKind, r.Breaks)
	h.verdicts(findingKind, r.Findings)
	h.sessions()
	h.transfers()
	h.connections()
	h.errors()
	h.footer()
	return w.err
}

// htmlTemplates are the page's parts, parsed once; each file of the HTML
// format adds its own (htmlSources).
var htmlTemplates = parseHTMLTemplates()

func parseHTMLTemplates() *template.Template {
	t := template.New("page")
	for _, src := range []string{htmlPageTemplates, htmlSummaryTemplates, htmlVerdictTemplates, htmlSessionTemplates} {
		template.Must(t.Parse(src))
	}
	return t
}

// item renders one item of the page (a row, a break's section) into its
// own buffer under the faults guard: an item that fails leaves no
// half-written markup behind, only whole items reach the page.
func (h *htmlReport) item(name string, render func(b *bytes.Buffer)) bool {
	var b bytes.Buffer
	if !h.faults.guard(name, func() { render(&b) }) {
		return false
	}
	h.w.Write(b.Bytes())
	return true
}

// execute runs a template with data into w. The data are plain values, so
// an error is a bug of the template; it is raised as a panic, which the
// item's guard contains and names like any other bug.
func execute(w io.Writer, name string, data any) {
	if err := htmlTemplates.ExecuteTemplate(w, name, data); err != nil {
		panic(err)
	}
}

// part writes a part of the page outside any item (a heading, a table's
// opening). It is rendered into a buffer first, so that a failing
// writer is the write error it is, kept by errWriter, and not taken for
// a template's.
func (h *htmlReport) part(name string, data any) {
	var b bytes.Buffer
	execute(&b, name, data)
	h.w.Write(b.Bytes())
}

// raw writes markup of the page's own, outside any item.
func (h *htmlReport) raw(s string) {
	io.WriteString(h.w, s)
}

const htmlPageTemplates = `
{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{{.Title}}">
<link rel="icon" href="data:,">
<title>{{.Title}} report{{with .Subject}}: {{.}}{{end}}</title>
<style>{{.CSS}}</style>
</head>
<body>
{{end}}

{{define "toc"}}<nav class="toc" aria-label="Contents"><ul>
<li><a href="#summary">Summary</a></li>
<li><a href="#breaks">Breaks ({{.Breaks}})</a></li>
<li><a href="#findings">Findings ({{.Findings}})</a></li>
<li><a href="#sessions">Sessions ({{.Sessions}})</a></li>
<li><a href="#transfers">Transfers ({{.Transfers}})</a></li>
<li><a href="#connections">Connections ({{.Connections}})</a></li>
<li><a href="#errors">Errors</a></li>
</ul></nav>
{{end}}

{{define "errors"}}<section id="errors">
<h2>Errors ({{len .}})</h2>
{{- if .}}
<p>Each input was analysed up to its damage; what could not be judged or rendered is named here and left out, everything else is reported.</p>
<ul class="errors">
{{- range .}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- else}}
<p>None: every input was read to its end, every session judged and every item of this page rendered.</p>
{{- end}}
</section>
{{end}}

{{define "footer"}}<footer>
<p>{{.Title}} report. Times are UTC{{with .Date}}; times of day are on {{.}} unless dated{{end}}. This page is one self-contained file: it loads nothing from any network and works without JavaScript. Text from the capture is shown escaped, never as markup.</p>
</footer>
<script>{{.Script}}</script>
</body>
</html>
{{end}}
`

// pageView is what the head and the footer show.
type pageView struct {
	Title, Subject string
	CSP            string
	CSS            template.CSS
	Script         template.JS
	Date           string
}

func (h *htmlReport) pageView() pageView {
	title := strings.TrimSpace(clean(h.r.Tool) + " " + clean(h.r.Version))
	if title == "" {
		title = "ftpcap"
	}
	var subject string
	if len(h.r.Inputs) > 0 {
		subject = clean(h.r.Inputs[0].Path)
		if n := len(h.r.Inputs); n > 1 {
			subject += " and " + counted(int64(n-1), "other input", "other inputs")
		}
	}
	return pageView{Title: title, Subject: subject, CSP: htmlCSP, CSS: template.CSS(htmlCSS), Script: template.JS(htmlScript), Date: h.clock.date()}
}

// head writes the document's head. A failure here (as in the other
// parts outside any item) is the page's failure, which Write reports.
func (h *htmlReport) head() {
	h.part("head", h.pageView())
}

// toc writes the table of contents and opens the page's main part.
func (h *htmlReport) toc() {
	transfers := 0
	for _, s := range h.r.Sessions {
		transfers += len(s.Transfers)
	}
	h.part("toc", map[string]int{
		"Breaks": len(h.r.Breaks), "Findings": len(h.r.Findings), "Sessions": len(h.r.Sessions),
		"Transfers": transfers, "Connections": len(h.r.Connections),
	})
	h.raw("<main>\n")
}

// errors lists the inputs' damage, the sessions ftpcap failed to judge
// and the items this page could not render, which by now are all known.
func (h *htmlReport) errors() {
	var errs []string
	for _, e := range h.r.Errors {
		errs = append(errs, inputErrorText(e))
	}
	for _, item := range h.faults.list() {
		errs = append(errs, clean(renderFaultText(item)))
	}
	h.part("errors", errs)
}

func (h *htmlReport) footer() {
	h.raw("</main>\n")
	h.part("footer", h.pageView())
}

// htmlID makes an item's id usable as an element id and a link target:
// the ids analysis gives (B3, F1, S12) pass as they are; anything else
// is cleaned and its spaces replaced, html/template escaping the rest.
func htmlID(prefix, id string) string {
	return prefix + strings.ReplaceAll(clean(id), " ", "_")
}

// pct is part of whole in whole percent, for bar widths.
func pct(part, whole int64) int {
	if whole <= 0 || part <= 0 {
		return 0
	}
	return int(max(1, min(100, part*100/whole)))
}

// timeKey sorts times in the page's script: nanoseconds since 1970 (0
// for a time not seen).
func timeKey(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return itoa64(t.UnixNano())
}

// durationKey sorts spans in the page's script, in nanoseconds.
func durationKey(start, end time.Time) string {
	if start.IsZero() || end.IsZero() {
		return "0"
	}
	return itoa64(int64(end.Sub(start)))
}

// itoa64 is strconv.FormatInt in base 10.
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
