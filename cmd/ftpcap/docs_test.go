package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/ftpcap/ftpcap/internal/docgen"
	"github.com/ftpcap/ftpcap/report"
)

// make docs runs TestDocsUpToDate with -update-docs.
var updateDocs = flag.Bool("update-docs", false, "rewrite the man page and the shell completions (make docs)")

// repoRoot is the repository from this package's directory.
const repoRoot = "../.."

// docFiles are the generated files, by path from the repository root.
func docFiles() map[string][]byte {
	m := manual()
	return map[string][]byte{
		"docs/man/ftpcap.1":       docgen.ManPage(m),
		"completions/ftpcap.bash": docgen.Bash(m),
		"completions/_ftpcap":     docgen.Zsh(m),
		"completions/ftpcap.fish": docgen.Fish(m),
	}
}

// TestDocsUpToDate regenerates the man page and the completions and
// compares them with the committed files: a flag added, renamed or
// re-worded must reach them.
func TestDocsUpToDate(t *testing.T) {
	for path, want := range docFiles() {
		full := filepath.Join(repoRoot, path)
		if *updateDocs {
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(full)
		if err != nil {
			t.Errorf("%s: %v: run make docs", path, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the flag definitions generate: run make docs and commit the result", path)
		}
	}
}

// TestDocsNameEveryFlag checks that every visible flag of every command
// is in the man page and in each completion.
func TestDocsNameEveryFlag(t *testing.T) {
	files := docFiles()
	man, bash, zsh, fish := string(files["docs/man/ftpcap.1"]), string(files["completions/ftpcap.bash"]),
		string(files["completions/_ftpcap"]), string(files["completions/ftpcap.fish"])
	roff := func(s string) string { return strings.ReplaceAll(s, "-", `\-`) }
	flags := 0
	for _, c := range manual().Commands {
		if c.Flags == nil {
			continue
		}
		c.Flags.VisitAll(func(f *pflag.Flag) {
			if f.Hidden {
				return
			}
			flags++
			long := "--" + f.Name
			if !strings.Contains(man, `\fB`+roff(long)+`\fR`) {
				t.Errorf("man page: %s %s missing", c.Name, long)
			}
			if !regexp.MustCompile(`[\s']` + regexp.QuoteMeta(long) + `[\s'|)]`).MatchString(bash) {
				t.Errorf("bash completion: %s %s missing", c.Name, long)
			}
			if !strings.Contains(zsh, long) {
				t.Errorf("zsh completion: %s %s missing", c.Name, long)
			}
			if !strings.Contains(fish, "-l "+f.Name+" ") {
				t.Errorf("fish completion: %s %s missing", c.Name, long)
			}
			if f.Shorthand != "" && !strings.Contains(man, `\fB\-`+f.Shorthand+`\fR, `+`\fB`+roff(long)) {
				t.Errorf("man page: %s -%s missing beside %s", c.Name, f.Shorthand, long)
			}
		})
	}
	if flags < 40 {
		t.Errorf("only %d flags documented: the FlagSets did not reach the generator", flags)
	}
	for _, section := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "OUTPUT FORMATS", "EXIT STATUS", "PRIVILEGES", "EXAMPLES", "SEE ALSO"} {
		if !strings.Contains(man, "\n.SH "+section+"\n") {
			t.Errorf("man page: no %s section", section)
		}
	}
	for _, format := range report.Formats() {
		if !strings.Contains(man, ".TP\n\\fB"+format+"\\fR\n") {
			t.Errorf("man page: output format %s not described", format)
		}
	}
}

// commandWord is a command's name in the usage text.
var commandWord = regexp.MustCompile(`^[a-z]+$`)

// TestDocsCommandsMatchUsage checks the manual's commands against the
// usage text run prints: a command added there must be documented.
func TestDocsCommandsMatchUsage(t *testing.T) {
	var documented []string
	for _, c := range manual().Commands {
		documented = append(documented, c.Name)
	}
	var inUsage []string
	for _, line := range strings.Split(usage, "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "ftpcap" && commandWord.MatchString(fields[1]) {
			inUsage = append(inUsage, fields[1])
		}
	}
	sort.Strings(documented)
	sort.Strings(inUsage)
	if !slices.Equal(documented, inUsage) {
		t.Errorf("the manual documents %v, the usage text lists %v", documented, inUsage)
	}
}

// TestManPageRenders formats the committed man page with every warning on:
// groff's, and mandoc's linter where it is installed.
func TestManPageRenders(t *testing.T) {
	page := filepath.Join(repoRoot, "docs/man/ftpcap.1")
	ran := false
	if _, err := exec.LookPath("groff"); err == nil {
		ran = true
		cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z", page)
		out, err := cmd.CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff -man -Tutf8 -ww: %v\n%s", err, out)
		}
	}
	if _, err := exec.LookPath("mandoc"); err == nil {
		ran = true
		out, err := exec.Command("mandoc", "-T", "lint", "-W", "warning", page).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("mandoc -T lint: %v\n%s", err, out)
		}
	}
	if !ran {
		t.Skip("neither groff nor mandoc is installed (apt-get install groff-base or mandoc)")
	}
}

// complete runs the bash completion function on a command line (words,
// the last one being completed) and returns COMPREPLY.
func complete(t *testing.T, words ...string) []string {
	t.Helper()
	script := `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _ftpcap; printf '%s\n' "${COMPREPLY[@]}"`
	args := append([]string{"-c", script, "bash", filepath.Join(repoRoot, "completions/ftpcap.bash")}, words...)
	out, err := exec.Command("bash", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("bash completion of %q: %v\n%s", words, err, out)
	}
	return strings.Fields(string(out))
}

// TestBashCompletion completes real command lines with the committed
// script, which needs nothing from the bash-completion package.
func TestBashCompletion(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	cases := []struct {
		words []string
		want  []string
	}{
		{[]string{"ftpcap", "an"}, []string{"analyze", "analyse"}},
		{[]string{"ftpcap", "analyze", "--for"}, []string{"--format"}},
		{[]string{"ftpcap", "analyze", "--format", ""}, report.Formats()},
		{[]string{"ftpcap", "analyze", "-F", "nd"}, []string{"ndjson"}},
		{[]string{"ftpcap", "analyze", "--format", "=", "m"}, []string{"markdown"}},
		{[]string{"ftpcap", "analyze", "--fail-on", "serv"}, []string{"server-policy"}},
		{[]string{"ftpcap", "analyze", "--fail-on", "network,cl"}, []string{"network,client"}},
		{[]string{"ftpcap", "analyze", "--format=m"}, []string{"--format=markdown"}},
		{[]string{"ftpcap", "live", "--fail-on=network,al"}, []string{"--fail-on=network,alert"}},
		{[]string{"ftpcap", "live", "--metrics-a"}, []string{"--metrics-addr"}},
		{[]string{"ftpcap", "live", "-i", "an"}, []string{"any"}},
	}
	for _, c := range cases {
		got := complete(t, c.words...)
		sort.Strings(got)
		want := slices.Clone(c.want)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("complete %q = %q, want %q", c.words, got, want)
		}
	}
	if _, err := os.Stat("/sys/class/net/lo"); err == nil {
		if got := complete(t, "ftpcap", "live", "--interface", "l"); !slices.Contains(got, "lo") {
			t.Errorf("complete ftpcap live --interface l = %q, want lo among them", got)
		}
	}
}

// TestFishCompletion completes command lines with fish's complete -C,
// where fish is installed.
func TestFishCompletion(t *testing.T) {
	if _, err := exec.LookPath("fish"); err != nil {
		t.Skip("fish is not installed (apt-get install fish)")
	}
	cases := []struct {
		line string
		want []string
	}{
		{"ftpcap an", []string{"analyze", "analyse"}},
		{"ftpcap analyze --for", []string{"--format"}},
		{"ftpcap analyze --format ", report.Formats()},
		{"ftpcap live --color a", []string{"auto", "always"}},
	}
	for _, c := range cases {
		script := `source $argv[1]; complete -C $argv[2]`
		out, err := exec.Command("fish", "-c", script, filepath.Join(repoRoot, "completions/ftpcap.fish"), c.line).CombinedOutput()
		if err != nil {
			t.Fatalf("fish complete -C %q: %v\n%s", c.line, err, out)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			word, _, _ := strings.Cut(line, "\t")
			got = append(got, word)
		}
		sort.Strings(got)
		want := slices.Clone(c.want)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("fish complete -C %q = %q, want %q", c.line, got, want)
		}
	}
}

// TestShellCompletionSyntax parses the zsh and fish completions with
// their shells, where installed.
func TestShellCompletionSyntax(t *testing.T) {
	for _, c := range []struct{ shell, file string }{{"zsh", "completions/_ftpcap"}, {"fish", "completions/ftpcap.fish"}, {"bash", "completions/ftpcap.bash"}} {
		t.Run(c.shell, func(t *testing.T) {
			if _, err := exec.LookPath(c.shell); err != nil {
				t.Skipf("%s is not installed (apt-get install %s)", c.shell, c.shell)
			}
			out, err := exec.Command(c.shell, "-n", filepath.Join(repoRoot, c.file)).CombinedOutput()
			if err != nil || len(out) > 0 {
				t.Errorf("%s -n %s: %v\n%s", c.shell, c.file, err, out)
			}
		})
	}
}

// TestMakeInstall installs into a temporary DESTDIR with make, checks that
// every file lands where its tool looks for it, then uninstalls.
func TestMakeInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: skipped with -short")
	}
	for _, tool := range []string{"make", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
	dest := t.TempDir()
	bin := filepath.Join(t.TempDir(), "ftpcap")
	make := func(target string) {
		t.Helper()
		cmd := exec.Command("make", "-s", "-C", repoRoot, target, "DESTDIR="+dest, "PREFIX=/usr/local", "BIN="+bin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make %s: %v\n%s", target, err, out)
		}
	}
	make("install")
	want := map[string]string{
		"usr/local/bin/ftpcap":                                  "",
		"usr/local/share/man/man1/ftpcap.1":                     "docs/man/ftpcap.1",
		"usr/local/share/bash-completion/completions/ftpcap":    "completions/ftpcap.bash",
		"usr/local/share/zsh/site-functions/_ftpcap":            "completions/_ftpcap",
		"usr/local/share/fish/vendor_completions.d/ftpcap.fish": "completions/ftpcap.fish",
	}
	for path, source := range want {
		st, err := os.Stat(filepath.Join(dest, path))
		if err != nil {
			t.Errorf("make install: %v", err)
			continue
		}
		if source == "" {
			if st.Mode().Perm()&0o111 == 0 {
				t.Errorf("%s is not executable: %v", path, st.Mode())
			}
			continue
		}
		got, _ := os.ReadFile(filepath.Join(dest, path))
		committed, err := os.ReadFile(filepath.Join(repoRoot, source))
		if err != nil || !bytes.Equal(got, committed) {
			t.Errorf("%s is not %s (%v)", path, source, err)
		}
	}
	if out, err := exec.Command(filepath.Join(dest, "usr/local/bin/ftpcap"), "rules").Output(); err != nil || len(out) == 0 {
		t.Errorf("the installed binary does not run: %v", err)
	}
	make("uninstall")
	for path := range want {
		if _, err := os.Stat(filepath.Join(dest, path)); err == nil {
			t.Errorf("make uninstall left %s", path)
		}
	}
}
