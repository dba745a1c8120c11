package inert

import (
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"RETR report.txt", "RETR report.txt"},
		{"a\x1b[31mred", `a\x1b[31mred`},
		{"line\r\nforged", `line\x0d\x0aforged`},
		{"\u202egnp.exe", `\u202egnp.exe`},
		{"csi\u009b", `csi\u009b`},
		{"not\ufffeXML\uffff", `not\ufffeXML\uffff`},
		{"bad\xffbyte", "bad\ufffdbyte"},
		{"caf\u00e9 <b>", "caf\u00e9 <b>"}, // markup is each format's to escape
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]0;title\x07", "\u2066x\u2069", "\xc3\x28"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Text(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Text(%q) = %q: invalid UTF-8", s, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || Hidden(r) {
				t.Fatalf("Text(%q) = %q keeps %U", s, got, r)
			}
		}
		if again := Text(got); again != got {
			t.Fatalf("Text is not idempotent: %q then %q", got, again)
		}
	})
}
