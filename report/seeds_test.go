package report

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusDir is the public capture corpus (spec: ../shared/corpus/public
// from the repository root).
const corpusDir = "../../shared/corpus/public"

// seedStrings returns text for fuzz targets: the hostile strings of the
// fixtures and, when the public corpus is present, the user names,
// command arguments and reply messages of every Zeek ftp.log baseline in
// it (real servers' and clients' words).
func seedStrings(tb testing.TB) []string {
	seeds := []string{
		"", "226 Transfer complete", "pub/releases/big.iso", "[2001:db8::1]:21",
		hostileANSI, hostileFormula, hostileScript, hostileInvalid, hostileBidi, hostileC1, hostileMarkdown,
		"a  b   c", " leading", "trailing ", "構建構建構建構建", "\u0301combining", "very/long/" + strings.Repeat("x", 300),
	}
	return append(seeds, zeekFTPText(tb)...)
}

func zeekFTPText(tb testing.TB) []string {
	if _, err := os.Stat(corpusDir); err != nil {
		tb.Logf("public corpus not found at %s: fuzz seeds without real FTP text", corpusDir)
		return nil
	}
	var out []string
	filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "ftp.log" {
			return nil
		}
		out = append(out, ftpLogFields(path, "user", "arg", "reply_msg")...)
		return nil
	})
	return out
}

// ftpLogFields reads the named columns of a Zeek ASCII log, undoing its
// \xHH escapes so the seeds are the bytes that were on the wire.
func ftpLogFields(path string, names ...string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var cols []int
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "#fields\t"); ok {
			cols = cols[:0]
			for i, name := range strings.Split(rest, "\t") {
				for _, want := range names {
					if name == want {
						cols = append(cols, i)
					}
				}
			}
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		for _, c := range cols {
			if c < len(fields) && fields[c] != "-" && fields[c] != "(empty)" {
				out = append(out, unescapeZeek(fields[c]))
			}
		}
	}
	return out
}

func unescapeZeek(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
