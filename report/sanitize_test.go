package report

import (
	"github.com/ftpcap/ftpcap/internal/inert"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain ascii unchanged", "RETR pub/big.iso", "RETR pub/big.iso"},
		{"empty", "", ""},
		{"utf-8 kept", "артефакт-构建.zip", "артефакт-构建.zip"},
		{"escape sequence", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"osc title with bel", "\x1b]0;owned\x07", `\x1b]0;owned\x07`},
		{"line ends and tab", "a\r\nb\tc", `a\x0d\x0ab\x09c`},
		{"nul", "a\x00b", `a\x00b`},
		{"del", "a\x7fb", `a\x7fb`},
		{"c1 csi as utf-8", "a\u009b31mb", `a\u009b31mb`},
		{"c1 nel", "a\u0085b", `a\u0085b`},
		{"bidi override", "invoice\u202egpj.exe", `invoice\u202egpj.exe`},
		{"bidi isolate", "a\u2066b\u2069", `a\u2066b\u2069`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"bom", "\ufeffname", `\ufeffname`},
		{"invalid bytes", "bad\xff\xfe!", "bad\ufffd\ufffd!"},
		{"raw 8-bit csi byte", "a\x9b31m", "a\ufffd31m"},
		{"truncated utf-8", "caf\xc3", "caf\ufffd"},
		{"backslash kept", `C:\dir\file`, `C:\dir\file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clean(tt.in); got != tt.want {
				t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// assertInert fails when s holds anything a terminal would act on.
func assertInert(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s: invalid UTF-8 in %q", what, s)
	}
	for i, r := range s {
		if (r < 0x20 && r != '\n') || r == 0x7f || inert.Hidden(r) {
			t.Errorf("%s: control character %U at byte %d in %q", what, r, i, s)
			return
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range seedStrings(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := clean(s)
		assertInert(t, "clean", got)
		if strings.Contains(got, "\n") {
			t.Errorf("clean(%q) kept a line break", s)
		}
		if again := clean(got); again != got {
			t.Errorf("clean is not idempotent: %q then %q", got, again)
		}
		if utf8.ValidString(s) && printableASCII(s) && got != s {
			t.Errorf("clean changed printable ASCII %q to %q", s, got)
		}
	})
}

// printableASCII reports whether s is all printable ASCII, which clean
// leaves as it is.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
