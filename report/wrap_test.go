package report

import (
	"reflect"
	"strings"
	"testing"
)

func TestWrapText(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		width int
		spec  wrapSpec
		want  []string
	}{
		{"fits", "226 Transfer complete", 30, wrapSpec{}, []string{"226 Transfer complete"}},
		{"word wrap", "226 Transfer complete", 12, wrapSpec{}, []string{"226 Transfer", "complete"}},
		{"exact width", "abcd efgh", 4, wrapSpec{}, []string{"abcd", "efgh"}},
		{"inner spaces kept", "a  b", 10, wrapSpec{}, []string{"a  b"}},
		{"spaces at a break dropped", "aaaa    bbbb", 6, wrapSpec{}, []string{"aaaa", "bbbb"}},
		{"leading spaces kept", "  x", 5, wrapSpec{}, []string{"  x"}},
		{"trailing spaces dropped", "x   ", 5, wrapSpec{}, []string{"x"}},
		{"empty", "", 5, wrapSpec{}, []string{""}},
		{"stacked facts", "S1\ncontrol", 10, wrapSpec{}, []string{"S1", "control"}},
		{"empty stacked line kept", "a\n\nb", 10, wrapSpec{}, []string{"a", "", "b"}},
		{"hard break", "abcdefghij", 4, wrapSpec{}, []string{"abcd", "efgh", "ij"}},
		{"path breaks after slash", "/srv/ftp/pub/file.iso", 12, wrapSpec{breakAfter: "/"}, []string{"/srv/ftp/", "pub/file.iso"}},
		{"slash too early is ignored", "a/bcdefghijk", 8, wrapSpec{breakAfter: "/"}, []string{"a/bcdefg", "hijk"}},
		{"endpoint breaks after colon", "[2001:db8:10::42]:51234", 19, wrapSpec{breakAfter: ":"}, []string{"[2001:db8:10::42]:", "51234"}},
		{"wide runes", "构建构建构", 4, wrapSpec{}, []string{"构建", "构建", "构"}},
		{"wide rune wider than column", "构x", 1, wrapSpec{}, []string{"构", "x"}},
		{"line cap", "one two three four", 5, wrapSpec{maxLines: 2}, []string{"one", "two…"}},
		{"line cap keeps tail", "/aaaa/bbbb/cccc/dddd/file.iso", 10, wrapSpec{breakAfter: "/", maxLines: 2, keepTail: true}, []string{"/aaaa…ddd/", "file.iso"}},
		{"tail kept whole when it fits broken anywhere", "pub/releases/2024/ftpcap-0.3.0.tgz", 12, wrapSpec{breakAfter: "/", maxLines: 3, keepTail: true}, []string{"pub/releases", "/2024/ftpcap", "-0.3.0.tgz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrapText(tt.in, tt.width, tt.spec)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("wrapText(%q, %d, %+v) = %q, want %q", tt.in, tt.width, tt.spec, got, tt.want)
			}
		})
	}
}

func TestElideMiddle(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"abcdefghijklmnop", 10, "abc…klmnop"},
		{"abcdef", 1, "…"},
		{"abcdef", 0, ""},
	}
	for _, tt := range tests {
		got := elideMiddle(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("elideMiddle(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		if textWidth(got) > max(tt.width, 0) {
			t.Errorf("elideMiddle(%q, %d) = %q is %d wide", tt.in, tt.width, got, textWidth(got))
		}
	}
}

func FuzzWrap(f *testing.F) {
	for i, s := range seedStrings(f) {
		f.Add(s, 1+i%40, i%4, i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, raw string, width, maxLines int, keepTail bool) {
		if width < 2 || width > 200 || maxLines < 0 || maxLines > 10 {
			t.Skip()
		}
		s := clean(raw)
		lines := wrapText(s, width, wrapSpec{breakAfter: "/:", maxLines: maxLines, keepTail: keepTail})
		if len(lines) == 0 {
			t.Fatalf("wrapText(%q, %d) gave no line", s, width)
		}
		if maxLines > 0 && len(lines) > maxLines {
			t.Errorf("wrapText(%q, %d, max %d) gave %d lines", s, width, maxLines, len(lines))
		}
		for _, l := range lines {
			if textWidth(l) > width {
				t.Errorf("wrapText(%q, %d): line %q is %d wide", s, width, l, textWidth(l))
			}
		}
		if maxLines == 0 {
			// Without a cap nothing but the spaces at line breaks is lost.
			noSpace := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "\n", "") }
			if got, want := noSpace(strings.Join(lines, "")), noSpace(s); got != want {
				t.Errorf("wrapText(%q, %d) lost text: %q", s, width, lines)
			}
		}
	})
}
