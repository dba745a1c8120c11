package report

import "testing"

func TestMarkdownEscaping(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"text plain", mdText, "RETR pub/big.iso", "RETR pub/big.iso"},
		{"text html", mdText, "<script>&amp;</script>", "&lt;script&gt;&amp;amp;&lt;/script&gt;"},
		{"text pipe", mdText, "a|b", `a\|b`},
		{"text backslash before pipe", mdText, `a\|b`, `a\\\|b`},
		{"text link", mdText, "[x](http://evil.example)", `\[x\](http://evil.example)`},
		{"text emphasis and code", mdText, "*a* ~b~ `c`", "\\*a\\* \\~b\\~ \\`c\\`"},
		{"text intraword underscore kept", mdText, "reply_without_space", "reply_without_space"},
		{"text underscore emphasis escaped", mdText, "_x_ a_", `\_x\_ a\_`},
		{"text controls cleaned then escaped", mdText, "a\x1b[1mb\r\n", `a\\x1b\[1mb\\x0d\\x0a`},
		{"text leading dash kept inline", mdText, "-1", "-1"},
		{"block leading dash", mdBlock, "-1+1", `\-1+1`},
		{"block heading", mdBlock, "# title", `\# title`},
		{"block ordered list", mdBlock, "12. item", `12\. item`},
		{"block ordered list paren", mdBlock, "3) item", `3\) item`},
		{"block quote", mdBlock, "> quoted", "&gt; quoted"},
		{"block plain", mdBlock, "plain", "plain"},
		{"block empty", mdBlock, "", ""},
		{"code plain", mdCode, "tcp.port == 21 || tcp.port == 20", "`tcp.port == 21 || tcp.port == 20`"},
		{"code with backticks", mdCode, "a `b` c", "``a `b` c``"},
		{"code starting with backtick", mdCode, "`x", "`` `x ``"},
		{"code cleaned", mdCode, "a\x1bb", "`a\\x1bb`"},
		{"cell pipe", mdCell, "a|b", "`a\\|b`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
