package report

import (
	"slices"
	"strings"

	"github.com/ftpcap/ftpcap/analysis"
)

// frameListLimit caps the compact frame list in the tables; the verbose
// evidence lines and the other formats list every packet.
const frameListLimit = 8

// verdicts renders breaks or findings: an overview table, then for each
// verdict its connection and summary (and in verbose mode its filter and
// evidence lines) at full width, where a sentence is readable.
func (t *tableReport) verdicts(title, singular, plural string, vs []analysis.Verdict) error {
	t.section(title, len(vs))
	if len(vs) == 0 {
		t.line("no " + plural)
		return nil
	}
	vs, hidden := briefVerdicts(vs, t.verbose)
	g := &grid{cols: []column{
		{title: "ID"},
		{title: "SESS"},
		{title: "CLASS"},
		{title: "CAUSE"},
		{title: "CONF", right: true},
		{title: "TIME", flex: true, min: len(timeOfDay)},
		{title: "FRAMES", flex: true, min: 10},
	}}
	multi := multiPoint(t.r)
	if multi {
		g.cols = slices.Insert(g.cols, 5, column{title: "PROOF"})
	}
	for _, v := range vs {
		t.faults.guard(singular+" "+v.ID, func() {
			cells := []cell{
				painted(verdictIDColor(v), v.ID),
				txt(orDash(v.Session)),
				painted(classColor(v.Class), orDash(v.Class)),
				txt(orDash(v.Cause)),
				txt(confidence(v.Confidence)),
				txt(t.clock.at(v.Time)),
				txt(t.inputs.frameList(v.Evidence, frameListLimit)),
			}
			if multi {
				cells = slices.Insert(cells, 5, painted(proofColor(v.Proof), proofWord(v)))
			}
			g.add(cells...)
		})
	}
	if len(g.rows) > 0 {
		if err := t.grid(g); err != nil {
			return err
		}
	}
	for _, v := range vs {
		t.faults.guard("the detail of "+singular+" "+v.ID, func() { t.verdictDetail(v) })
	}
	if len(hidden) > 0 {
		t.line("")
	}
	for _, h := range hidden {
		t.line(leftOut(h.n, "more "+clean(h.cause)+" "+singular, "more "+clean(h.cause)+" "+plural))
	}
	return nil
}

func verdictIDColor(v analysis.Verdict) string {
	if v.Severity != "" {
		return sgrYellow
	}
	return sgrBoldRed
}

const detailIndent = "    "

func (t *tableReport) verdictDetail(v analysis.Verdict) {
	t.line("")
	where := clean(orDash(v.Connection.Kind)) + " " + clean(endpoints(v.Connection.Client, v.Connection.Server))
	if v.Session != "" {
		where += " (" + clean(v.Session) + ")"
	}
	if v.Severity != "" {
		where += ", severity " + clean(string(v.Severity))
	}
	id := clean(v.ID)
	head := t.p.paint(verdictIDColor(v), id) + strings.Repeat(" ", max(len(detailIndent)-textWidth(id), 1))
	for i, l := range wrapText(where, t.width-len(detailIndent), wrapSpec{breakAfter: ":"}) {
		if i == 0 {
			t.line(head + l)
		} else {
			t.line(detailIndent + l)
		}
	}
	t.para(detailIndent, clean(orDash(v.Summary)))
	if len(v.Contributing) > 0 {
		t.para(detailIndent, "also held: "+clean(strings.Join(v.Contributing, ", ")))
	}
	if !t.verbose {
		return
	}
	if v.Filter != "" {
		t.para(detailIndent, "filter: "+clean(v.Filter))
	}
	t.evidenceLines(v.Evidence)
}

// evidenceLines lists a verdict's evidence under its summary, one fact a
// row in aligned frame, time and text columns, the text wrapped under
// itself. (A boxed table for each verdict would cost a tablewriter table
// apiece, megabytes for a capture with thousands of breaks.)
func (t *tableReport) evidenceLines(evidence []analysis.Evidence) {
	if len(evidence) == 0 {
		t.para(detailIndent, "no evidence lines")
		return
	}
	frames := make([]string, len(evidence))
	times := make([]string, len(evidence))
	frameWidth, timeWidth := 0, 0
	for i, e := range evidence {
		frames[i] = "-"
		if e.Frame > 0 {
			frames[i] = clean(t.inputs.frameRef(e))
		}
		if e.Vantage != "" {
			frames[i] = clean(e.Vantage) + " " + frames[i]
		}
		times[i] = t.clock.at(e.Time)
		frameWidth = max(frameWidth, textWidth(frames[i]))
		timeWidth = max(timeWidth, textWidth(times[i]))
	}
	const minTextWidth = 20
	textIndent := len(detailIndent) + frameWidth + 2 + timeWidth + 2
	for i, e := range evidence {
		head := detailIndent + strings.Repeat(" ", frameWidth-textWidth(frames[i])) + frames[i] + "  " +
			times[i] + strings.Repeat(" ", timeWidth-textWidth(times[i])) + "  "
		text := clean(orDash(e.Text))
		if t.width-textIndent < minTextWidth {
			// Too narrow for three columns: the text goes below.
			t.para(detailIndent, frames[i]+"  "+times[i])
			t.para(detailIndent+"  ", text)
			continue
		}
		for j, l := range wrapText(text, t.width-textIndent, wrapSpec{breakAfter: "/"}) {
			if j == 0 {
				t.line(head + l)
			} else {
				t.line(strings.Repeat(" ", textIndent) + l)
			}
		}
	}
}

func (t *tableReport) causeSummary() error {
	counts := t.r.Stats.Causes
	t.section("SUMMARY", -1)
	if len(counts) == 0 {
		t.line("no breaks or findings")
		return nil
	}
	g := &grid{cols: []column{
		{title: "CLASS"},
		{title: "CAUSE", flex: true, min: 12, wrap: wrapSpec{breakAfter: "-"}},
		{title: "BREAKS", right: true},
		{title: "FINDINGS", right: true},
	}}
	var breaks, findings int64
	for _, c := range counts {
		g.add(
			painted(classColor(c.Class), orDash(c.Class)),
			txt(orDash(c.Cause)),
			txt(groupDigits(c.Breaks)),
			txt(groupDigits(c.Findings)),
		)
		breaks += c.Breaks
		findings += c.Findings
	}
	g.add(painted(sgrBold, "total"), txt(""), painted(sgrBold, groupDigits(breaks)), painted(sgrBold, groupDigits(findings)))
	return t.grid(g)
}

// proofColor paints a proven verdict green: the points together show it.
func proofColor(p analysis.Proof) string {
	if p == analysis.ProofProven {
		return sgrGreen
	}
	return ""
}
