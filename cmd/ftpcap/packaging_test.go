package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The tests of what ships beside the binary (packaging/): the Prometheus
// rules, the systemd unit and the Debian package. Each skips, saying
// which Debian package it needs, where its tool is missing.

// repoFile is a path of the repository, from this package's directory.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const rulesFile = "packaging/prometheus/ftpcap.rules.yml"

// breakRateExpr is the shipped break-rate alert's condition; the live test
// lowers its threshold to see the alert go pending on one break.
const breakRateExpr = "sum by (instance) (increase(ftpcap_breaks_total[1h])) > 5"

// testRules writes the rules with the break-rate threshold at 0 into dir.
func testRules(t *testing.T, dir string) string {
	t.Helper()
	raw, err := os.ReadFile(repoFile(t, rulesFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "expr: "+breakRateExpr+"\n") {
		t.Fatalf("%s has no FTPBreakRate rule with the expression %q", rulesFile, breakRateExpr)
	}
	lowered := strings.Replace(string(raw), breakRateExpr, strings.TrimSuffix(breakRateExpr, "5")+"0", 1)
	p := filepath.Join(dir, "ftpcap.rules.yml")
	if err := os.WriteFile(p, []byte(lowered), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrometheusRulesCheck(t *testing.T) {
	promtool := lookPath("promtool")
	if promtool == "" {
		t.Skip("promtool not installed (Debian package: prometheus)")
	}
	for _, f := range []string{repoFile(t, rulesFile), testRules(t, t.TempDir())} {
		out, err := exec.Command(promtool, "check", "rules", f).CombinedOutput()
		if err != nil {
			t.Errorf("promtool check rules %s: %v\n%s", f, err, out)
		}
	}
	// The shipped thresholds, on series made to cross them.
	unit := repoFile(t, "packaging/prometheus/ftpcap.rules.test.yml")
	if out, err := exec.Command(promtool, "test", "rules", unit).CombinedOutput(); err != nil {
		t.Errorf("promtool test rules %s: %v\n%s", unit, err, out)
	}
}

// systemd-analyze verify exits 0 on unknown keys and bad values (it
// ignores them), so any line it prints is a failure. It verifies an
// instance, as systemd would start it, with the binary at a path that
// exists here: the unit is not installed on the machine running the test.
func TestSystemdUnitVerify(t *testing.T) {
	analyze := lookPath("systemd-analyze")
	if analyze == "" {
		t.Skip("systemd-analyze not installed (Debian package: systemd)")
	}
	raw, err := os.ReadFile(repoFile(t, "packaging/systemd/ftpcap-live@.service"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "ExecStart=/usr/bin/ftpcap live -i %i ") {
		t.Fatal("ExecStart does not run /usr/bin/ftpcap live on the instance's interface")
	}
	for _, want := range []string{"AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN\n", "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN\n",
		"StateDirectory=ftpcap\n", "Restart=on-failure\n", "NoNewPrivileges=yes\n", "ProtectSystem=strict\n", "--metrics-addr ${FTPCAP_METRICS_ADDR}",
		"Environment=FTPCAP_METRICS_ADDR=127.0.0.1:9310 "} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the unit lacks %q", want)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(t.TempDir(), "ftpcap-live@lo.service")
	if err := os.WriteFile(unit, []byte(strings.ReplaceAll(string(raw), "/usr/bin/ftpcap", self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", unit).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	checkUnitExposure(t, analyze, unit)
}

// maxUnitExposure is the highest systemd-analyze security score the unit
// may have: below 4 systemd calls it OK. What keeps it above 0 is what a
// capture needs (packet sockets, CAP_NET_RAW and CAP_NET_ADMIN, the host's
// network) and the system call filter, left out because it was never run
// under systemd here.
const maxUnitExposure = 4.0

// checkUnitExposure scores the unit's sandbox offline (systemd 250 and
// later; older ones cannot, and the check is logged as not done).
func checkUnitExposure(t *testing.T, analyze, unit string) {
	t.Helper()
	out, err := exec.Command(analyze, "security", "--offline=true", unit).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Logf("systemd-analyze security --offline: %v: the sandbox is not scored\n%.300s", err, out)
		return
	}
	score, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("systemd-analyze security: exposure %.1f", score)
	if score >= maxUnitExposure {
		t.Errorf("the unit's exposure is %.1f, want under %.1f:\n%s", score, maxUnitExposure, out)
	}
}

// The package is installed into this machine for real (CI machines are
// thrown away), then purged; the test skips where ftpcap is installed
// already, by dpkg or by hand, so it never replaces the machine's own.
func TestDebInstallPurge(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("installs the package with dpkg -i: needs root, as CI runs it")
	}
	for _, tool := range []string{"dpkg", "dpkg-deb", "dpkg-query"} {
		if lookPath(tool) == "" {
			t.Skipf("needs %s (a Debian machine)", tool)
		}
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f", "${db:Status-Status}", "ftpcap").Output(); err == nil && len(out) > 0 && string(out) != "not-installed" {
		t.Skipf("a ftpcap package is on this machine already (%s): not touching it", out)
	}
	if _, err := os.Lstat("/usr/bin/ftpcap"); err == nil {
		t.Skip("/usr/bin/ftpcap exists already: not touching it")
	}

	build := exec.Command("bash", repoFile(t, "packaging/deb/build.sh"), t.TempDir())
	build.Env = append(os.Environ(), "GO="+goCommand())
	raw, err := build.Output()
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, stderrOf(err))
	}
	deb := strings.TrimSpace(string(raw))
	t.Logf("built %s", filepath.Base(deb))
	lintDeb(t, deb)
	checkDepends(t, deb)

	t.Cleanup(func() { exec.Command("dpkg", "--purge", "ftpcap").Run() })
	if out, err := exec.Command("dpkg", "-i", deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg -i: %v\n%s", err, out)
	}
	listed, err := exec.Command("dpkg", "-L", "ftpcap").Output()
	if err != nil {
		t.Fatalf("dpkg -L ftpcap: %v", err)
	}
	var files []string
	for _, p := range strings.Split(strings.TrimSpace(string(listed)), "\n") {
		// Directories are shared (/lib is a link to one on merged-/usr).
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			files = append(files, p)
		}
	}
	for _, want := range []string{"/usr/bin/ftpcap", "/usr/share/ftpcap/prometheus/ftpcap.rules.yml",
		"/lib/systemd/system/ftpcap-live@.service", "/etc/default/ftpcap-live", "/usr/share/doc/ftpcap/copyright"} {
		if !slices.Contains(files, want) {
			t.Errorf("the installed package lacks %s; dpkg -L lists:\n%s", want, listed)
		}
	}

	out, err := exec.Command("/usr/bin/ftpcap", "version").Output()
	if err != nil || !regexp.MustCompile(`^ftpcap \S+\n`).Match(out) {
		t.Errorf("/usr/bin/ftpcap version: %v: %q", err, out)
	}
	// The package grants no capability: capturing stays root's until the
	// admin runs setcap.
	if getcap := lookPath("getcap"); getcap != "" {
		if caps, _ := exec.Command(getcap, "/usr/bin/ftpcap").Output(); len(strings.TrimSpace(string(caps))) > 0 {
			t.Errorf("the package gave /usr/bin/ftpcap capabilities: %s", caps)
		}
	}
	// What the docs part generates is packaged where Debian's man,
	// bash-completion, zsh and fish look.
	for src, dst := range map[string]string{
		"docs/man/ftpcap.1":       "/usr/share/man/man1/ftpcap.1.gz",
		"completions/ftpcap.bash": "/usr/share/bash-completion/completions/ftpcap",
		"completions/_ftpcap":     "/usr/share/zsh/vendor-completions/_ftpcap",
		"completions/ftpcap.fish": "/usr/share/fish/vendor_completions.d/ftpcap.fish",
	} {
		if _, err := os.Stat(repoFile(t, src)); err == nil && !slices.Contains(files, dst) {
			t.Errorf("the checkout has %s, the package no %s", src, dst)
		}
	}
	checkManPage(t, files)

	made := makeServiceLeftovers()
	if out, err := exec.Command("dpkg", "--purge", "ftpcap").CombinedOutput(); err != nil {
		t.Fatalf("dpkg --purge: %v\n%s", err, out)
	}
	for _, f := range files {
		if _, err := os.Lstat(f); err == nil {
			t.Errorf("%s is left after dpkg --purge", f)
		}
	}
	for _, f := range made {
		if _, err := os.Lstat(f); err == nil {
			t.Errorf("%s is left after dpkg --purge", f)
			os.RemoveAll(f)
		}
	}
	if out, _ := exec.Command("dpkg-query", "-W", "-f", "${db:Status-Status}", "ftpcap").Output(); len(out) > 0 && string(out) != "not-installed" {
		t.Errorf("after purge dpkg says ftpcap is %q", out)
	}
}

// makeServiceLeftovers makes what the service and the admin would have
// made, for purge to remove: the evidence directory (systemd creates it
// under /var/lib/private with DynamicUser=) and one interface's settings.
// Each is made only where absent, so purge removes nothing of the
// machine's own.
func makeServiceLeftovers() []string {
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }
	var made []string
	if !exists("/var/lib/ftpcap") && !exists("/var/lib/private/ftpcap") &&
		os.MkdirAll("/var/lib/private/ftpcap", 0o700) == nil &&
		os.WriteFile("/var/lib/private/ftpcap/lo-000001.pcapng", nil, 0o600) == nil {
		made = append(made, "/var/lib/private/ftpcap")
	}
	if !exists("/etc/default/ftpcap-live-lo") && os.WriteFile("/etc/default/ftpcap-live-lo", nil, 0o644) == nil {
		made = append(made, "/etc/default/ftpcap-live-lo")
	}
	return made
}

// checkManPage asks man for the page when the package has one (the man
// page comes from the docs part of the build: without it there is none).
func checkManPage(t *testing.T, files []string) {
	t.Helper()
	if !slices.Contains(files, "/usr/share/man/man1/ftpcap.1.gz") {
		t.Log("the package has no man page: the checkout has no ftpcap.1 (docs/man/ftpcap.1)")
		return
	}
	if lookPath("man") == "" {
		t.Log("man not installed (Debian package: man-db): man ftpcap not tried")
		return
	}
	cmd := exec.Command("man", "-P", "cat", "ftpcap")
	cmd.Env = append(os.Environ(), "MANWIDTH=80", "LC_ALL=C.UTF-8")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "ftpcap") {
		t.Errorf("man ftpcap: %v\n%.300s", err, out)
	}
}

// checkDepends: a static binary needs no package, one linked against
// libpcap needs libpcap0.8 and nothing more than the C library.
func checkDepends(t *testing.T, deb string) {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", deb, dir).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x: %v\n%s", err, out)
	}
	ldd, _ := exec.Command("ldd", filepath.Join(dir, "usr/bin/ftpcap")).CombinedOutput()
	depends, err := exec.Command("dpkg-deb", "-f", deb, "Depends").Output()
	if err != nil {
		t.Fatalf("dpkg-deb -f: %v", err)
	}
	got := strings.TrimSpace(string(depends))
	want := "libc6, libpcap0.8"
	if strings.Contains(string(ldd), "not a dynamic executable") {
		want = ""
	}
	if got != want {
		t.Errorf("Depends: %q, want %q (ldd: %s)", got, want, bytes.TrimSpace(ldd))
	}
}

// lintDeb runs lintian where it is installed and fails on its errors
// (warnings are logged).
func lintDeb(t *testing.T, deb string) {
	t.Helper()
	lintian := lookPath("lintian")
	if lintian == "" {
		t.Log("lintian not installed (Debian package: lintian): the package is not linted")
		return
	}
	out, _ := exec.Command(lintian, deb).CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(l, "E: "):
			t.Errorf("lintian: %s", l)
		case strings.HasPrefix(l, "W: "):
			t.Logf("lintian: %s", l)
		}
	}
}

// goCommand is the go binary building this test, for build.sh.
func goCommand() string {
	if p := lookPath("go"); p != "" {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

func stderrOf(err error) string {
	if exit, ok := err.(*exec.ExitError); ok {
		return string(exit.Stderr)
	}
	return ""
}
