package report

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// renderHTML renders r as the HTML page and fails t on any error.
func renderHTML(t *testing.T, r *analysis.Result, opts Options) []byte {
	t.Helper()
	opts.Format = FormatHTML
	var buf bytes.Buffer
	if err := Write(&buf, r, opts); err != nil {
		t.Fatalf("Write html: %v", err)
	}
	return buf.Bytes()
}

// checkPage fails t for each problem htmlPageProblems finds, and returns
// the parsed page.
func checkPage(t *testing.T, what string, out []byte) *html.Node {
	t.Helper()
	return checkPageWith(t, what, out, htmlPageProblems)
}

func checkPageWith(t *testing.T, what string, out []byte, problems func([]byte) []string) *html.Node {
	t.Helper()
	for _, p := range problems(out) {
		t.Errorf("%s: %s", what, p)
	}
	doc, err := parseHTML(out)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return doc
}

func TestHTMLPagesAreSafeAndSelfContained(t *testing.T) {
	for _, f := range fixtures {
		for _, verbose := range []bool{false, true} {
			checkPage(t, f.name, renderHTML(t, f.build(), Options{Verbose: verbose}))
		}
	}
	checkPage(t, "diagrams", renderHTML(t, fixtureDiagrams(), Options{}))
}

// TestHTMLStructure: a section per break and per finding, each with its
// evidence rows and its filter's copy button; a row per session with its
// anchor; the summary's "read these first" links.
func TestHTMLStructure(t *testing.T) {
	r := fixtureBroken()
	doc := checkPage(t, "broken", renderHTML(t, r, Options{}))
	for _, kind := range []struct {
		class string
		vs    []analysis.Verdict
	}{{"break", r.Breaks}, {"finding", r.Findings}} {
		sections := find(doc, byTagClass("section", kind.class))
		if len(sections) != len(kind.vs) {
			t.Fatalf("%d section.%s, want %d", len(sections), kind.class, len(kind.vs))
		}
		for i, s := range sections {
			v := kind.vs[i]
			if id := attr(s, "id"); id != v.ID {
				t.Errorf("section %d has id %q, want %q", i, id, v.ID)
			}
			rows := find(s, func(n *html.Node) bool { return n.Data == "tr" && n.Parent.Data == "tbody" })
			if len(rows) != len(v.Evidence) {
				t.Errorf("%s: %d evidence rows, want %d", v.ID, len(rows), len(v.Evidence))
			}
			if got := text(s); !strings.Contains(got, v.Summary) || !strings.Contains(got, v.Cause) {
				t.Errorf("%s: the section lacks the summary or the cause", v.ID)
			}
			buttons := find(s, byTagClass("button", "copy"))
			if len(buttons) != 1 || attr(buttons[0], "data-copy") != v.Filter {
				t.Errorf("%s: copy buttons %d, want one copying %q", v.ID, len(buttons), v.Filter)
			}
			if len(buttons) == 1 && !hasAttr(buttons[0], "hidden") {
				t.Errorf("%s: the copy button shows without JavaScript", v.ID)
			}
			codes := find(s, byTagClass("code", "filter"))
			if len(codes) != 1 || text(codes[0]) != v.Filter {
				t.Errorf("%s: the filter is not shown in a code element", v.ID)
			}
		}
	}
	// With two inputs, the evidence table has an input column.
	b1 := find(doc, func(n *html.Node) bool { return attr(n, "id") == "B1" })[0]
	if head := text(find(b1, byTagClass("thead", ""))[0]); !strings.Contains(head, "input") {
		t.Errorf("B1's evidence table has no input column: %q", head)
	}
	for _, s := range r.Sessions {
		if rows := find(doc, func(n *html.Node) bool { return n.Data == "tr" && attr(n, "id") == s.ID }); len(rows) != 1 {
			t.Errorf("session %s: %d rows with its id", s.ID, len(rows))
		}
	}
	first := find(doc, byTagClass("ol", "first"))
	if len(first) != 1 {
		t.Fatal("no read-these-first list")
	}
	var order []string
	for _, a := range find(first[0], byTagClass("a", "")) {
		order = append(order, text(a))
	}
	// One per cause: the network's two causes first (B1, B3), then
	// server policy (B2), client (B4), unknown (B5).
	if got := strings.Join(order, " "); got != "B1 B3 B2 B4 B5" {
		t.Errorf("read these first: %s, want B1 B3 B2 B4 B5", got)
	}
	if got := text(find(doc, func(n *html.Node) bool { return attr(n, "id") == "summary" })[0]); !strings.Contains(got, "7 breaks") ||
		!strings.Contains(got, "5 listed one by one") {
		t.Errorf("the summary does not count the breaks past the listing cap:\n%s", got)
	}
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// hostilePayloads try to break out of text, attributes, style and URLs.
var hostilePayloads = []string{
	`"><img src=x onerror=alert(1)>`,
	`</style><script>alert(2)</script>`,
	`' onmouseover='alert(3)' x='`,
	`javascript:alert(4)`,
	`x{} body{background:url(https://evil.example/p.png)}`,
	`</code></td></tr></table><a href="//evil.example/">click</a>`,
	`<!-- comment --><![CDATA[ x ]]>`,
	`</textarea><svg onload=alert(5)>`,
}

// TestHTMLHostileContentIsInert puts markup, script, CSS and URLs in every
// field that comes off the wire: none of it may become an element, an
// attribute or a fetch, and every bit of it must be shown as text.
func TestHTMLHostileContentIsInert(t *testing.T) {
	for i, payload := range hostilePayloads {
		r := fixtureHostile()
		s := &r.Sessions[0]
		s.User, s.Banner = payload, payload
		s.Transfers[0].Path, s.Transfers[0].ReplyText = payload, payload
		v := &r.Breaks[0]
		v.Summary, v.Filter, v.Cause, v.Class = payload, payload, payload, payload
		v.Contributing = []string{payload}
		v.Evidence[0].Text = payload
		r.Breaks[1].Evidence[0].Input = payload
		r.CaptureQuality.Notes = []string{payload}
		r.Inputs[0].Path = payload
		r.Errors[0].Error = payload
		r.Tool = payload
		withCounts(r)
		out := renderHTML(t, r, Options{Verbose: true})
		what := "payload " + strconv.Itoa(i)
		doc := checkPage(t, what, out)
		body := text(doc)
		if n := strings.Count(body, payload); n < 10 {
			t.Errorf("%s: shown %d times as text, want it in every field (at least 10)", what, n)
		}
		buttons := find(doc, byTagClass("button", "copy"))
		if attr(buttons[0], "data-copy") != payload {
			t.Errorf("%s: the copy button would copy %q", what, attr(buttons[0], "data-copy"))
		}
	}
}

// TestHTMLControlCharactersAreCleaned: as in every format, control
// characters, bidi overrides and invalid UTF-8 are shown escaped.
func TestHTMLControlCharactersAreCleaned(t *testing.T) {
	out := string(renderHTML(t, fixtureHostile(), Options{}))
	assertInert(t, "hostile html", out)
	for _, want := range []string{`\x1b[2J`, `invoice\u202egpj.exe`, `csi\u009b31mred`, "&lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(out, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
}

// fixtureDiagrams is the broken fixture with the records analysis keeps
// for the HTML page: a ladder on B1, a time-sequence graph on the
// transfer B2 is about, and S1's timeline.
func fixtureDiagrams() *analysis.Result {
	r := fixtureBroken()
	b1 := &r.Breaks[0]
	b1.Ladders = []analysis.Ladder{{
		Kind: classify.KindControl, Client: b1.Connection.Client, Server: b1.Connection.Server, Total: 3, Closed: "rst",
		Packets: []analysis.LadderPacket{
			{Frame: 1190, Time: b1.Time.Add(-time.Second), FromClient: true, Flags: 0x18, Len: 10, Label: "RETR big.iso"},
			{Frame: 1201, Time: b1.Time.Add(-time.Millisecond), Flags: 0x18, Len: 30, Label: "150 Opening <b>data</b>"},
			{Frame: 1234, Time: b1.Time, Flags: 0x04, Deciding: true, TTL: 64},
		},
	}}
	b2 := &r.Breaks[1]
	b2.Transfer = 1
	x := &r.Sessions[0].Transfers[0]
	x.SeqGraph = &analysis.SeqGraph{
		Client: b2.Connection.Client, Server: b2.Connection.Server, Start: b2.Time.Add(-2 * time.Second), End: b2.Time, MSS: 1460, Closed: "fin",
		Segments: []analysis.SeqSegment{{At: 0, Frame: 1100, Seq: 1, Len: 1460}, {At: time.Second, Frame: 1150, Seq: 1, Len: 1460, Retrans: true}},
		Acks:     []analysis.SeqAck{{At: 10 * time.Millisecond, Frame: 1101, Ack: 1461, Win: 65535}},
		Reduced:  12,
	}
	s1 := &r.Sessions[0]
	s1.Timeline = &analysis.Timeline{
		Start: s1.Start, End: s1.End,
		Exchanges: []analysis.TimelineExchange{{At: s1.Start, Frame: 1, Reply: 220, ReplyText: "ready", ReplyAt: s1.Start}},
		Data:      []analysis.TimelineData{{Client: b2.Connection.Client, Server: b2.Connection.Server, Start: b2.Time.Add(-2 * time.Second), End: b2.Time, Broken: true}},
	}
	return r
}

// TestHTMLDrawsTheDiagrams: each diagram lands in its place, with its
// caption, and only where analysis kept its record.
func TestHTMLDrawsTheDiagrams(t *testing.T) {
	doc := checkPage(t, "diagrams", renderHTML(t, fixtureDiagrams(), Options{}))
	byID := func(id string) *html.Node {
		n := find(doc, func(n *html.Node) bool { return attr(n, "id") == id })
		if len(n) != 1 {
			t.Fatalf("%d elements with id %s", len(n), id)
		}
		return n[0]
	}
	svgs := func(n *html.Node, class string) int { return len(find(n, byTagClass("svg", class))) }
	if b1 := byID("B1"); svgs(b1, "ladder") != 1 || svgs(b1, "tsg") != 0 {
		t.Errorf("B1: %d ladders and %d time-sequence graphs, want a ladder alone", svgs(b1, "ladder"), svgs(b1, "tsg"))
	} else if caption := text(find(b1, byTagClass("figcaption", ""))[0]); !strings.Contains(caption, "3 of 3 packets drawn, ended by rst") {
		t.Errorf("B1's ladder caption: %q", caption)
	}
	if b2 := byID("B2"); svgs(b2, "tsg") != 1 || svgs(b2, "ladder") != 0 {
		t.Errorf("B2: %d time-sequence graphs and %d ladders, want the graph alone", svgs(b2, "tsg"), svgs(b2, "ladder"))
	} else if got := text(b2); !strings.Contains(got, "12 ordinary packets thinned out") || !strings.Contains(got, "RETR pub/releases/2024/") {
		t.Errorf("B2 does not caption its graph or name its transfer:\n%s", got)
	}
	if svgs(byID("B3"), "") != 0 {
		t.Error("B3 has a diagram though analysis kept none")
	}
	if tl := byID("timeline-S1"); svgs(tl, "timeline") != 1 {
		t.Error("S1 has no timeline")
	}
	if !strings.Contains(text(byID("B1")), "S1 (its timeline)") || strings.Contains(text(byID("B3")), "its timeline") {
		t.Error("B1 does not link to its session's timeline, or B3 links to one S2 does not have")
	}
	if n := svgs(doc, "timeline"); n != 1 {
		t.Errorf("%d timelines, want S1's alone", n)
	}
}

// A diagram that cannot be drawn costs that diagram alone: its verdict
// is shown, the page names what it left out, Write says so.
func TestHTMLDiagramFailureCostsTheDiagramAlone(t *testing.T) {
	var out bytes.Buffer
	err := Write(&out, fixtureDiagrams(), Options{Format: FormatHTML, renderFault: func(item string) {
		if item == "the ladder diagram of break B1" {
			panic("ladder: index out of range")
		}
	}})
	var re *RenderError
	if !errors.As(err, &re) || len(re.Items) != 1 {
		t.Fatalf("Write = %v, want a *RenderError naming the ladder", err)
	}
	doc := checkPage(t, "ladder failed", out.Bytes())
	b1 := find(doc, func(n *html.Node) bool { return attr(n, "id") == "B1" })
	if len(b1) != 1 || len(find(b1[0], byTagClass("svg", ""))) != 0 || len(find(b1[0], byTagClass("table", "evidence"))) != 1 {
		t.Fatal("B1 is missing, or shows a ladder, or lost its evidence")
	}
	errs := text(find(doc, func(n *html.Node) bool { return attr(n, "id") == "errors" })[0])
	if !strings.Contains(errs, "internal error rendering the ladder diagram of break B1: ladder: index out of range") {
		t.Errorf("the errors do not name the ladder left out:\n%s", errs)
	}
}

// An item that fails leaves no half-written markup: the page still parses
// to the same structure, the item alone missing.
func TestHTMLFailedItemLeavesNoHalfMarkup(t *testing.T) {
	var out bytes.Buffer
	err := Write(&out, fixtureBroken(), Options{Format: FormatHTML, renderFault: func(item string) {
		if item == "the detail of break B2" || item == "session S2" {
			panic("boom")
		}
	}})
	var re *RenderError
	if !errors.As(err, &re) || len(re.Items) != 2 {
		t.Fatalf("Write = %v, want 2 items left out", err)
	}
	// The links to what was left out have no target; the page is safe.
	doc := checkPageWith(t, "items failed", out.Bytes(), htmlSafetyProblems)
	if n := len(find(doc, byTagClass("section", "break"))); n != 4 {
		t.Errorf("%d break sections, want 4 (B2 left out)", n)
	}
	if n := len(find(doc, func(n *html.Node) bool { return n.Data == "tr" && attr(n, "id") == "S2" })); n != 0 {
		t.Error("S2's row is there")
	}
	if !bytes.Contains(out.Bytes(), []byte("</html>\n")) {
		t.Error("the page does not end")
	}
}

// The page of a large capture lists what the table lists.
func TestLongHTMLIsBriefToo(t *testing.T) {
	var brief, full bytes.Buffer
	if err := Write(&brief, fixtureMany(), Options{Format: FormatHTML}); err != nil {
		t.Fatal(err)
	}
	if err := Write(&full, fixtureMany(), Options{Format: FormatHTML, Verbose: true}); err != nil {
		t.Fatal(err)
	}
	b, f := brief.String(), full.String()
	for _, want := range []string{"1,485 sessions that ended ok are not listed", "2,985 complete transfers are not listed", "Transfers (3000)", "/pub/f7-1.bin"} {
		if !strings.Contains(b, want) {
			t.Errorf("brief page lacks %q", want)
		}
	}
	if strings.Contains(b, "/pub/f8-1.bin") || !strings.Contains(f, "/pub/f8-1.bin") || strings.Contains(f, "not listed") {
		t.Error("brief page lists a complete transfer, or the verbose page leaves one out")
	}
	checkPage(t, "brief", brief.Bytes())
}

// labPages are the lab captures whose pages are golden files: a reset
// forged by a middlebox, an MTU black hole, a zero-window stall (a
// time-sequence graph's case) and several healthy sessions.
var labPages = []string{"middlebox-reset-control.pcap", "mtu-blackhole.pcap", "zero-window-stall.pcapng", "multi-session.pcap"}

// TestGoldenLabHTML renders the lab captures' pages with the diagrams
// analysis keeps for the html format, and checks each against its golden
// file and the page's rules.
func TestGoldenLabHTML(t *testing.T) {
	for _, file := range labPages {
		name := strings.TrimSuffix(strings.TrimSuffix(file, ".pcapng"), ".pcap")
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(samplesDir, file)
			r, err := analysis.Files(context.Background(), []string{path}, analysis.Options{Diagrams: true})
			if err != nil {
				t.Fatal(err)
			}
			out := renderHTML(t, r, Options{})
			doc := checkPage(t, name, out)
			if n := len(find(doc, byTagClass("section", "break"))); n != len(r.Breaks) {
				t.Errorf("%d break sections for %d breaks", n, len(r.Breaks))
			}
			checkGolden(t, "lab-"+name+".html", out)
		})
	}
}

// A page draws the timelines of the sessions of the verdicts it draws,
// not of every broken session: a capture with thousands of them stays a
// few MB. The verbose page draws every one analysis kept.
func TestHTMLDrawsTheTimelinesOfDrawnVerdicts(t *testing.T) {
	r := fixtureMany()
	for i := range r.Sessions {
		s := &r.Sessions[i]
		s.Outcome = analysis.OutcomeBroken
		s.Timeline = &analysis.Timeline{Start: s.Start, End: s.End}
	}
	for i := range 1001 {
		s := r.Sessions[i]
		r.Breaks = append(r.Breaks, analysis.Verdict{
			ID: "B" + strconv.Itoa(i+1), Session: s.ID, Class: classify.ClassNetwork, Cause: "syn-unanswered",
			Connection: analysis.ConnRef{Kind: classify.KindData, Client: s.Client, Server: s.Server}, Time: s.Start,
		})
	}
	withCounts(r)
	for _, c := range []struct {
		verbose bool
		want    int
	}{{false, diagramsPerCause}, {true, len(r.Sessions)}} {
		doc, err := parseHTML(renderHTML(t, r, Options{Verbose: c.verbose}))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(find(doc, byTagClass("svg", "timeline"))); n != c.want {
			t.Errorf("verbose %v: %d timelines, want %d", c.verbose, n, c.want)
		}
	}
}

// A page draws the diagrams of the first few breaks of each cause; the
// others say why they have none. The verbose page draws every one.
func TestHTMLDrawsTheFirstBreaksOfEachCause(t *testing.T) {
	r := fixtureDiagrams()
	ladder := r.Breaks[0]
	for i := range diagramsPerCause + 2 {
		v := ladder
		v.ID = "B" + strconv.Itoa(len(r.Breaks)+1)
		v.Time = v.Time.Add(time.Duration(i) * time.Second)
		r.Breaks = append(r.Breaks, v)
	}
	withCounts(r)
	for _, c := range []struct {
		verbose         bool
		ladders, undone int
	}{{false, diagramsPerCause, 3}, {true, diagramsPerCause + 3, 0}} {
		doc := checkPage(t, "many resets", renderHTML(t, r, Options{Verbose: c.verbose}))
		if n := len(find(doc, byTagClass("svg", "ladder"))); n != c.ladders {
			t.Errorf("verbose %v: %d ladders, want %d", c.verbose, n, c.ladders)
		}
		undone := 0
		for _, s := range find(doc, byTagClass("section", "break")) {
			if strings.Contains(text(s), "Diagrams are drawn for the first 5 breaks of each cause") {
				undone++
			}
		}
		if undone != c.undone {
			t.Errorf("verbose %v: %d breaks say their diagrams are not drawn, want %d", c.verbose, undone, c.undone)
		}
	}
}

// Every transfer that broke or stalled has its time-sequence graph on the
// page: in the section of a verdict about it, or else in the transfers
// section, up to otherSeqGraphs of those (every one on the verbose page).
func TestHTMLGraphsEveryTransferThatDidNotComplete(t *testing.T) {
	// The first file of the rotated capture ends while RETR runs: the
	// transfer is cut short and the only break is on the control
	// connection, so its graph goes to the transfers section.
	r, err := analysis.Files(context.Background(), []string{filepath.Join(samplesDir, "rotated-client-abort.pcap")}, analysis.Options{Diagrams: true})
	if err != nil {
		t.Fatal(err)
	}
	doc := checkPage(t, "rotated-client-abort", renderHTML(t, r, Options{}))
	transfers := find(doc, func(n *html.Node) bool { return n.Data == "section" && attr(n, "id") == "transfers" })
	if len(transfers) != 1 {
		t.Fatalf("%d transfers sections", len(transfers))
	}
	if n := len(find(transfers[0], byTagClass("svg", "tsg"))); n != 1 {
		t.Errorf("%d time-sequence graphs in the transfers section, want the cut-short RETR's", n)
	}

	f := fixtureMany()
	graphs := 0
	for i := range f.Sessions {
		for k := range f.Sessions[i].Transfers {
			x := &f.Sessions[i].Transfers[k]
			if x.Status != classify.StatusComplete {
				x.SeqGraph = &analysis.SeqGraph{Start: x.Start, End: x.End, Closed: "rst"}
				graphs++
			}
		}
	}
	withCounts(f)
	for _, c := range []struct {
		verbose bool
		want    int
	}{{false, otherSeqGraphs}, {true, graphs}} {
		out := renderHTML(t, f, Options{Verbose: c.verbose})
		doc, err := parseHTML(out)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(find(doc, byTagClass("svg", "tsg"))); n != c.want {
			t.Errorf("verbose %v: %d time-sequence graphs, want %d", c.verbose, n, c.want)
		}
		said := strings.Contains(string(out), "The time-sequence graphs of "+strconv.Itoa(graphs-otherSeqGraphs)+" more transfers that did not complete are not drawn")
		if said == c.verbose {
			t.Errorf("verbose %v: the page says the other graphs are not drawn: %v", c.verbose, said)
		}
	}
}
