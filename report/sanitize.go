package report

import "github.com/ftpcap/ftpcap/internal/inert"

// clean makes capture-derived text (file names, user names, reply text)
// safe to print on a terminal or to embed in a document: every format
// shows such text through it. internal/inert says what it escapes and
// why; the SVG drawings use the same function.
func clean(s string) string { return inert.Text(s) }
