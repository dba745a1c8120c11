package report

import (
	"fmt"
	"strings"
	"sync"

	"github.com/ftpcap/ftpcap/analysis"
)

// Containment: a bug met rendering one item (a session row, a break's
// detail, a connection) must not cost the rest of the report. Each item
// is rendered under guard; an item that panics is left out, every other
// item is written, the footer (table, Markdown, the NDJSON summary and
// the JSON errors list) names it, and Write returns a *RenderError so
// ftpcap exits 1, as for a damaged file.

// renderFaults collects the items a renderer could not render. JSON
// encodes long lists on several goroutines, hence the lock.
type renderFaults struct {
	mu    sync.Mutex
	items []string
	// hook, set by tests, is called with each item's name as it is
	// rendered, under the same recover: it stands for a renderer's bug.
	hook func(item string)
}

// guard renders one item and reports whether it was rendered; a panic
// while rendering it is recovered and the item named.
func (f *renderFaults) guard(item string, render func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			f.mu.Lock()
			f.items = append(f.items, fmt.Sprintf("%s: %v", item, r))
			f.mu.Unlock()
			ok = false
		}
	}()
	if f.hook != nil {
		f.hook(item)
	}
	render()
	return true
}

// list returns the items not rendered so far.
func (f *renderFaults) list() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.items...)
}

// asErrors returns the items not rendered as errors of the report's
// errors list.
func (f *renderFaults) asErrors() []analysis.InputError {
	var out []analysis.InputError
	for _, item := range f.list() {
		out = append(out, analysis.InputError{Kind: analysis.ErrorInternal, Error: renderFaultText(item)})
	}
	return out
}

func renderFaultText(item string) string {
	return "internal error rendering " + item + "; it is left out of the report, every other item was written"
}

// err is nil when every item was rendered.
func (f *renderFaults) err() error {
	if items := f.list(); len(items) > 0 {
		return &RenderError{Items: items}
	}
	return nil
}

// RenderError names the items of a report that could not be rendered;
// the rest of the report was written.
type RenderError struct {
	Items []string
}

func (e *RenderError) Error() string {
	return fmt.Sprintf("internal error rendering %d item(s), left out of the report (every other item was written): %s",
		len(e.Items), strings.Join(e.Items, "; "))
}
