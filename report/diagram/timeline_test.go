package diagram

import (
	"bytes"
	"github.com/ftpcap/ftpcap/internal/words"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

func drawTimeline(t *testing.T, tl *analysis.Timeline) *node {
	t.Helper()
	var b bytes.Buffer
	if err := Timeline(&b, tl); err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, b.Bytes())
	checkInert(t, root)
	if root.name != "svg" || root.attrs["class"] != "timeline" {
		t.Fatalf("root <%s class=%q>, want <svg class=\"timeline\">", root.name, root.attrs["class"])
	}
	return root
}

func TestTimelineSession(t *testing.T) {
	tl := sessionTimeline()
	root := drawTimeline(t, tl)
	exchanges := root.all(byClass("exchange"))
	if len(exchanges) != len(tl.Exchanges) {
		t.Fatalf("%d exchanges drawn, want %d", len(exchanges), len(tl.Exchanges))
	}
	for i, g := range exchanges {
		e := tl.Exchanges[i]
		title := g.child("title")
		if title == nil || !strings.Contains(title.text, e.ReplyText) {
			t.Errorf("exchange %d: hover text lacks the reply %q", i, e.ReplyText)
		}
	}
	if errs := root.all(byClass("exchange", "error")); len(errs) != 1 || !strings.Contains(errs[0].allText(), "RETR big.bin → 426") {
		t.Error("the 426 is not drawn as an error with its command")
	}
	if !strings.Contains(root.allText(), "greeting → 220") || !strings.Contains(root.allText(), "QUIT → 221") {
		t.Error("the greeting or the QUIT is not labelled")
	}
	bars := root.all(byClass("data"))
	if len(bars) != len(tl.Data) {
		t.Fatalf("%d data bars, want %d", len(bars), len(tl.Data))
	}
	broken := root.all(byClass("data", "broken"))
	if len(broken) != 1 || broken[0].attrs["data-transfer"] != "2" {
		t.Fatal("the broken transfer 2 is not drawn as broken")
	}
	folds := root.all(byClass("fold"))
	if len(folds) != 1 || !strings.Contains(folds[0].allText(), "20 min 0 s") {
		t.Fatalf("%d folds, want the idle 20 minutes folded", len(folds))
	}
}

// Hundreds of commands in a few seconds: labels that would overlap are
// left out and counted, every tick stays with its hover text.
func TestTimelineThinsLabels(t *testing.T) {
	tl := &analysis.Timeline{Start: base, End: at(5 * time.Second), Omitted: 1234}
	for i := range 300 {
		tl.Exchanges = append(tl.Exchanges, analysis.TimelineExchange{
			At: at(time.Duration(i) * 15 * time.Millisecond), Frame: int64(i + 1), Command: "SIZE file-with-a-rather-long-name-" + itoa(int64(i)),
			Reply: 213, ReplyText: "1024", ReplyAt: at(time.Duration(i)*15*time.Millisecond + ms(2)),
		})
	}
	root := drawTimeline(t, tl)
	if n := len(root.all(byClass("exchange"))); n != 300 {
		t.Errorf("%d ticks, want 300", n)
	}
	labels := 0
	for _, g := range root.all(byClass("exchange")) {
		for _, c := range g.children {
			if c.name == "text" {
				labels++
			}
		}
	}
	if labels == 0 || labels >= 300 {
		t.Errorf("%d labels drawn, want some but not all", labels)
	}
	caption := root.all(byClass("caption"))[0].text
	for _, want := range []string{"1,234 exchanges in the middle of the session not drawn", words.GroupDigits(int64(300-labels)) + " labels left out"} {
		if !strings.Contains(caption, want) {
			t.Errorf("caption %q lacks %q", caption, want)
		}
	}
}

func TestTimelineEmpty(t *testing.T) {
	drawTimeline(t, nil)
	drawTimeline(t, &analysis.Timeline{})
	drawTimeline(t, &analysis.Timeline{Exchanges: []analysis.TimelineExchange{{Command: "NOOP"}}})
}
