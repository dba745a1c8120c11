// Package browsertest opens the HTML report in a real browser: headless
// Chromium (Debian's chromium package), driven over the DevTools protocol
// by chromedp from go test. It checks what only a browser can tell: that
// the diagrams lay out with a size, that the page asks the network for
// nothing, and that capture content written into the page stays text.
//
// It is a package of its own, with tests only, so that report's own tests
// neither build chromedp's generated protocol packages nor wait for a
// browser; it reads the report through its public API, as the command
// does. Without a Chromium binary, or with -short, its tests skip.
package browsertest
