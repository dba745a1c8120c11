package docgen

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestText(t *testing.T) {
	cases := map[string]string{
		`C:\dir`:               `C:\edir`,
		".start of a line":     `\&.start of a line`,
		"'quoted":              `\&'quoted`,
		"--flag and a-b":       `\-\-flag and a\-b`,
		"FILE[,FILE…] — done":  `FILE[,FILE\[u2026]] \[u2014] done`,
		"two\nlines\tand tabs": "two lines and tabs",
	}
	for in, want := range cases {
		if got := text(in); got != want {
			t.Errorf("text(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestManPageIsASCII checks that a page with hostile help text comes out
// as ASCII with every line either text or one of the generator's
// requests: help text cannot inject a roff request.
func TestManPageIsASCII(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.String("evil", "", "line one\n.SH INJECTED\n'br\n\\fBbold…")
	page := string(ManPage(Manual{Name: "x", Section: "1", Commands: []Command{{Name: "x", Synopsis: "x", Flags: fs}}}))
	for i, r := range page {
		if r > 126 {
			t.Fatalf("non-ASCII %q at byte %d", r, i)
		}
	}
	if strings.Contains(page, "\n.SH INJECTED") || strings.Contains(page, "\n'br") {
		t.Errorf("help text became a request:\n%s", page)
	}
}

func TestOptions(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringP("format", "F", "table", "output format")
	fs.Bool("verbose", false, "more")
	fs.Int("zero", 0, "no default shown")
	fs.StringArray("read", nil, "a file")
	fs.String("hidden", "", "not shown")
	_ = fs.MarkHidden("hidden")
	c := Command{Flags: fs, Values: map[string]Values{"read": {Files: true}}}
	got := c.options()
	want := []option{
		{long: "format", short: "F", arg: "STRING", usage: "output format", def: "table"},
		{long: "verbose", usage: "more"},
		{long: "zero", arg: "N", usage: "no default shown"},
		{long: "read", arg: "FILE", usage: "a file", repeatable: true},
	}
	if len(got) != len(want) {
		t.Fatalf("options = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("option %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestShellQuoting(t *testing.T) {
	if got, want := zshQuote("it's"), `'it'\''s'`; got != want {
		t.Errorf("zshQuote = %s, want %s", got, want)
	}
	if got, want := zshDesc(`a [b]: c\d`), `a (b)\: c\\d`; got != want {
		t.Errorf("zshDesc = %s, want %s", got, want)
	}
	if got, want := fishQuote(`it's a \`), `'it\'s a \\'`; got != want {
		t.Errorf("fishQuote = %s, want %s", got, want)
	}
}
