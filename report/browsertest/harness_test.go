package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromiumNames are the browser binaries looked for on PATH, Debian's
// package first.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome"}

const (
	// browserTimeout bounds one test's browser: its start, every page it
	// opens and every screenshot.
	browserTimeout = 2 * time.Minute
	// pageTimeout bounds loading and checking one page.
	pageTimeout = 30 * time.Second
)

// screenshotDirEnv, when set, names a directory that keeps the
// screenshots after the test (t.TempDir() is removed): a way to look at
// the page as the browser drew it, or to refresh the README's picture.
const screenshotDirEnv = "FTPCAP_SCREENSHOTS"

func findChromium() string {
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one headless Chromium for a test; each page gets a tab.
type browser struct {
	ctx context.Context
}

// startBrowser starts headless Chromium with a new empty profile, or
// skips the test when there is none or in -short mode. The flags are the
// ones this machine's network needs: without the background-networking
// ones Chromium keeps trying Google's hosts at start.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: skipped in -short mode")
	}
	bin := findChromium()
	if bin == "" {
		t.Skipf("browser test: no Chromium on PATH (looked for %s); install Debian's chromium (apt-get install chromium) to run it",
			strings.Join(chromiumNames, ", "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // root in CI and in these sessions
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	return &browser{ctx: bctx}
}

// tab is one page opened in the browser, with what it did while loading:
// the requests it made besides the page itself (each one blocked before
// it left the browser) and the JavaScript dialogs it opened (each one
// dismissed).
type tab struct {
	ctx     context.Context
	pageURL string

	mu       sync.Mutex
	requests map[string]bool
	dialogs  []string
}

// open loads the file at path in a new tab, with scripts on or off, and
// returns once the page has loaded. Every request is intercepted (the
// Fetch domain): the page's own file is let through, anything else is
// recorded and failed.
func (b *browser) open(t *testing.T, path string, scripts bool) *tab {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	tctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(tctx, pageTimeout)
	t.Cleanup(cancelTimeout)
	tb := &tab{ctx: ctx, pageURL: (&url.URL{Scheme: "file", Path: abs}).String(), requests: map[string]bool{}}
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatalf("open a tab: %v", err)
	}
	if err := chromedp.Listen(ctx, tb.observe); err != nil {
		t.Fatalf("listen to the tab: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("Network.enable: %v", err)
	}
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		t.Fatalf("Fetch.enable: %v", err)
	}
	if !scripts {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatalf("Emulation.setScriptExecutionDisabled: %v", err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(tb.pageURL)); err != nil {
		t.Fatalf("load %s: %v", tb.pageURL, err)
	}
	return tb
}

// observe runs in the tab's message loop, in the order Chromium sent the
// events, so by the time the load completes every earlier request and
// dialog is recorded. It must not send a command itself: answering a
// paused request or a dialog goes to a goroutine.
func (tb *tab) observe(ev any) {
	switch ev := ev.(type) {
	case *fetch.EventRequestPaused:
		own := ev.Request.URL == tb.pageURL
		if !own {
			tb.noteRequest(ev.Request.URL)
		}
		go tb.release(ev.RequestID, own)
	case *network.EventRequestWillBeSent:
		if ev.Request.URL != tb.pageURL {
			tb.noteRequest(ev.Request.URL)
		}
	case *network.EventWebSocketCreated:
		tb.noteRequest(ev.URL)
	case *page.EventJavascriptDialogOpening:
		tb.mu.Lock()
		tb.dialogs = append(tb.dialogs, fmt.Sprintf("%s %q", ev.Type, ev.Message))
		tb.mu.Unlock()
		go tb.dismissDialog()
	}
}

// noteRequest records a request the page made. data: URLs are the page's
// own bytes, not a request that leaves it.
func (tb *tab) noteRequest(u string) {
	if strings.HasPrefix(u, "data:") {
		return
	}
	tb.mu.Lock()
	tb.requests[u] = true
	tb.mu.Unlock()
}

// release lets the page's own file load and fails anything else, so
// nothing the page asks for leaves the browser. An error here means the
// tab is closing; the request was recorded already.
func (tb *tab) release(id fetch.RequestID, own bool) {
	if own {
		_, _ = chromedp.Call(tb.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
		return
	}
	_, _ = chromedp.Call(tb.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: id, ErrorReason: network.ErrorReasonBlockedByClient})
}

// dismissDialog closes an alert, confirm or prompt, which would otherwise
// stall the page.
func (tb *tab) dismissDialog() {
	_, _ = chromedp.Call(tb.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
}

// madeRequests lists the requests besides the page itself, sorted.
func (tb *tab) madeRequests() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []string
	for u := range tb.requests {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// openedDialogs lists the JavaScript dialogs the page opened.
func (tb *tab) openedDialogs() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return slices.Clone(tb.dialogs)
}

// nodes returns the elements that match a CSS selector, from chromedp's
// copy of the DOM (a DOM.getDocument of our own would renumber the nodes
// under chromedp's feet). It needs no script of the page's.
func (tb *tab) nodes(selector string) ([]*chromedp.Node, error) {
	ns, err := chromedp.Run(tb.ctx, chromedp.Nodes(chromedp.CSSAll(selector), chromedp.AtLeast(0)))
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", selector, err)
	}
	return ns, nil
}

// count is how many elements match a CSS selector.
func (tb *tab) count(selector string) (int, error) {
	ns, err := tb.nodes(selector)
	return len(ns), err
}

// rendered checks that the page has at least one element matching the
// selector and that each has a laid-out box of non-zero size: an element
// that is hidden (display:none) has no box at all.
func (tb *tab) rendered(selector string) error {
	ns, err := tb.nodes(selector)
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		return fmt.Errorf("no %s in the page", selector)
	}
	for i, n := range ns {
		res, err := chromedp.Call(tb.ctx, dom.GetBoxModel, dom.GetBoxModelParams{BackendNodeID: n.BackendNodeID})
		if err != nil {
			return fmt.Errorf("%s #%d of %d has no box (not rendered): %w", selector, i+1, len(ns), err)
		}
		if m := res.Model; m == nil || m.Width <= 0 || m.Height <= 0 {
			return fmt.Errorf("%s #%d of %d is rendered with no size: %s", selector, i+1, len(ns), boxSize(m))
		}
	}
	return nil
}

func boxSize(m *dom.BoxModel) string {
	if m == nil {
		return "no box model"
	}
	return fmt.Sprintf("%d×%d px", m.Width, m.Height)
}

// visibleText is the page's text as rendered (innerText leaves out what
// CSS hides). It needs the page's scripts on.
func (tb *tab) visibleText() (string, error) {
	return chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
}

// injectedMarkup is what the hostile capture's names and reply texts
// would make of the page if they were written into it as markup.
var injectedMarkup = []string{
	`img[src="x"]`, `iframe`, `svg[onload]`, `a[href^="javascript:"]`,
	`[onerror]`, `[onload]`, `[onmouseover]`,
}

// injectedScriptOrStyle are texts that only the hostile capture puts in a
// <script> or <style>: the page's own never say them.
var injectedScriptOrStyle = []string{"alert(", "display:none}"}

// injected lists the elements of the page that capture content made:
// markup from injectedMarkup, and <script> or <style> elements whose
// source is the capture's.
func (tb *tab) injected() ([]string, error) {
	var found []string
	for _, sel := range injectedMarkup {
		n, err := tb.count(sel)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%d× %s", n, sel))
		}
	}
	ns, err := tb.nodes("script, style")
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		res, err := chromedp.Call(tb.ctx, dom.GetOuterHTML, dom.GetOuterHTMLParams{BackendNodeID: n.BackendNodeID})
		if err != nil {
			return nil, fmt.Errorf("DOM.getOuterHTML: %w", err)
		}
		for _, s := range injectedScriptOrStyle {
			if strings.Contains(res.OuterHTML, s) {
				found = append(found, fmt.Sprintf("element %.80q", res.OuterHTML))
				break
			}
		}
	}
	return found, nil
}

// pageElements are the elements a page has a fixed number of, whatever
// the capture: a capture's text that became markup shows as one more.
// The drawings' own <title> elements (one per packet, the hover text)
// are not counted: their number follows the capture's packets.
var pageElements = []string{"script", "style", "title:not(svg title)", "base", "link", "meta", "iframe", "object", "embed", "form"}

// extraElements compares a page with the page of a benign input of the
// same shape and lists the pageElements it has more of.
func extraElements(page, benign *tab) ([]string, error) {
	var extra []string
	for _, sel := range pageElements {
		got, err := page.count(sel)
		if err != nil {
			return nil, err
		}
		want, err := benign.count(sel)
		if err != nil {
			return nil, err
		}
		if got > want {
			extra = append(extra, fmt.Sprintf("%d <%s> where the benign page has %d", got, sel, want))
		}
	}
	return extra, nil
}

// screenshot writes a full-page PNG into the test's temporary folder (or
// FTPCAP_SCREENSHOTS) and logs its path.
func (tb *tab) screenshot(t *testing.T, name string) string {
	t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	dir := os.Getenv(screenshotDirEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
	return path
}

// Harness pages: small static pages for which the answer is known, so
// that the harness is seen to pass a good page and to fail each kind of
// bad one.
const (
	harnessDiagrams = `<svg class="ladder" xmlns="http://www.w3.org/2000/svg" width="400" height="160" viewBox="0 0 400 160">
<line x1="20" y1="10" x2="20" y2="150" stroke="black"/><line x1="380" y1="10" x2="380" y2="150" stroke="black"/>
<g class="pkt syn" data-frame="1"><line x1="20" y1="20" x2="380" y2="40" stroke="black"/><text x="200" y="25">SYN</text></g>
<g class="pkt rst deciding" data-frame="7"><line x1="380" y1="100" x2="20" y2="120" stroke="black" stroke-width="3"/><text x="200" y="105">RST</text></g>
</svg>
<svg class="tsg" xmlns="http://www.w3.org/2000/svg" width="400" height="160" viewBox="0 0 400 160">
<polyline points="10,150 100,100 200,60 390,20" fill="none" stroke="black"/>
</svg>
<p>&lt;svg onload=alert(1)&gt; &lt;/style&gt;&lt;style&gt;*{display:none}&lt;/style&gt;</p>`
	harnessHead = `<!doctype html><html><head><meta charset="utf-8"><title>harness</title><style>svg{display:block;margin:8px}</style></head><body>`
	harnessTail = `</body></html>`
)

// harnessText is the escaped text harnessDiagrams shows.
const harnessText = `<svg onload=alert(1)> </style><style>*{display:none}</style>`

func writeHarnessPage(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".html")
	if err := os.WriteFile(path, []byte(harnessHead+body+harnessTail), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHarness runs the checks the report tests use on pages whose answer
// is known: a good page passes them, and a page that asks the network, a
// page whose diagram is hidden, a page that opens a dialog and a page
// that writes hostile names as markup each fail the check meant for it.
func TestHarness(t *testing.T) {
	b := startBrowser(t)

	t.Run("good", func(t *testing.T) {
		for _, scripts := range []bool{true, false} {
			tb := b.open(t, writeHarnessPage(t, "good", harnessDiagrams), scripts)
			for _, sel := range []string{"svg.ladder", "svg.tsg"} {
				if err := tb.rendered(sel); err != nil {
					t.Errorf("scripts %v: %v", scripts, err)
				}
			}
			if n, err := tb.count("svg.ladder .pkt.rst.deciding"); err != nil || n != 1 {
				t.Errorf("scripts %v: %d deciding resets (%v), want 1", scripts, n, err)
			}
			if err := tb.rendered("svg.ladder .pkt.rst.deciding"); err != nil {
				t.Errorf("scripts %v: %v", scripts, err)
			}
			if r := tb.madeRequests(); len(r) > 0 {
				t.Errorf("scripts %v: requests %v from a page that makes none", scripts, r)
			}
			if found, err := tb.injected(); err != nil || len(found) > 0 {
				t.Errorf("scripts %v: injected %v (%v) in a page with none", scripts, found, err)
			}
			if scripts {
				if text, err := tb.visibleText(); err != nil || !strings.Contains(text, harnessText) {
					t.Errorf("visible text %q (%v) lacks %q", text, err, harnessText)
				}
				tb.screenshot(t, "harness-good")
			}
		}
	})

	t.Run("network request", func(t *testing.T) {
		const leak = "http://192.0.2.1/x.png"
		tb := b.open(t, writeHarnessPage(t, "leak", harnessDiagrams+`<img src="`+leak+`" alt="">`), true)
		if r := tb.madeRequests(); !slices.Contains(r, leak) {
			t.Errorf("the interception missed the image request: recorded %v", r)
		}
	})

	t.Run("hidden diagram", func(t *testing.T) {
		tb := b.open(t, writeHarnessPage(t, "hidden", `<style>svg.ladder{display:none}</style>`+harnessDiagrams), true)
		if err := tb.rendered("svg.ladder"); err == nil {
			t.Error("a ladder hidden with display:none passed as rendered")
		} else {
			t.Logf("as expected: %v", err)
		}
		if err := tb.rendered("svg.tsg"); err != nil {
			t.Errorf("the visible graph beside it: %v", err)
		}
	})

	t.Run("dialog", func(t *testing.T) {
		tb := b.open(t, writeHarnessPage(t, "dialog", harnessDiagrams+`<script>alert("harness")</script>`), true)
		if d := tb.openedDialogs(); len(d) != 1 || !strings.Contains(d[0], "harness") {
			t.Errorf("dialogs %v, want the one alert", d)
		}
		// With scripts off the same page runs nothing: the switch the
		// no-JavaScript checks rely on works.
		off := b.open(t, writeHarnessPage(t, "dialog-off", harnessDiagrams+`<script>alert("harness")</script>`), false)
		if d := off.openedDialogs(); len(d) > 0 {
			t.Errorf("scripts off, yet dialogs %v", d)
		}
	})

	t.Run("names written as markup", func(t *testing.T) {
		raw := `<p>RETR <img src=x onerror=alert(1)>.txt</p><p>550 <svg onload=alert(1)><a href="javascript:alert(1)">help</a></svg></p>` +
			`<p>USER </title><script>alert(1)</script></p>`
		tb := b.open(t, writeHarnessPage(t, "raw", harnessDiagrams+raw), true)
		found, err := tb.injected()
		if err != nil {
			t.Fatal(err)
		}
		if len(found) < 3 {
			t.Errorf("injected elements found %v, want the img, the svg, the link and the script", found)
		}
		if len(tb.openedDialogs()) == 0 {
			t.Error("no dialog recorded from a page that runs alert(1)")
		}
		extra, err := extraElements(tb, b.open(t, writeHarnessPage(t, "benign", harnessDiagrams), true))
		if err != nil {
			t.Fatal(err)
		}
		if len(extra) == 0 {
			t.Error("the injected <script> was not counted as an extra element")
		}
		t.Logf("as expected: injected %v; extra %v; dialogs %v; requests %v", found, extra, tb.openedDialogs(), tb.madeRequests())
	})
}
