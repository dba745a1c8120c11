package releasetest

import (
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	repoRoot   = "../.."
	binaryName = "ftpcap-linux-amd64"
	sample     = "samples/middlebox-reset-data.pcap"
	// buildTimeout bounds make release-amd64: about 90 s from a cold
	// cache on a loaded two-core machine, seconds from a warm one.
	buildTimeout = 8 * time.Minute
)

var release struct {
	once sync.Once
	dir  string // the temporary folder make writes into
	path string
	skip string // why the binary cannot be built here
	err  error
}

// TestMain removes the binary the tests shared.
func TestMain(m *testing.M) {
	code := m.Run()
	if release.dir != "" {
		os.RemoveAll(release.dir)
	}
	os.Exit(code)
}

// releaseBinary builds the release binary once, into a temporary folder,
// with the Makefile's recipe (make release-amd64 DIST=…), and returns its
// path. It skips where the toolchain the recipe needs is missing.
func releaseBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("release binary tests skipped in -short mode (they build it)")
	}
	release.once.Do(buildRelease)
	if release.skip != "" {
		t.Skip(release.skip)
	}
	if release.err != nil {
		t.Fatal(release.err)
	}
	return release.path
}

func buildRelease() {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		release.skip = "the release binary is built for linux/amd64 on linux/amd64 only; this is " + runtime.GOOS + "/" + runtime.GOARCH
		return
	}
	for _, tool := range []string{"make", "gcc", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			release.skip = "make release needs " + tool + ", not installed here"
			return
		}
	}
	for _, lib := range []string{"libpcap.a", "libdbus-1.a"} {
		if _, err := os.Stat(filepath.Join("/usr/lib/x86_64-linux-gnu", lib)); err != nil {
			release.skip = "make release needs " + lib + " (Debian package libpcap-dev), not installed here"
			return
		}
	}
	dir, err := os.MkdirTemp("", "ftpcap-release-")
	if err != nil {
		release.err = err
		return
	}
	release.dir = dir
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "release-amd64", "DIST="+dir)
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	if err != nil {
		release.err = errors.New("make release-amd64: " + err.Error() + "\n" + string(out))
		return
	}
	release.path = filepath.Join(dir, binaryName)
}

// The binary has no program interpreter and needs no shared library:
// checked in the ELF headers, and with ldd and file as a user would.
func TestReleaseBinaryIsStatic(t *testing.T) {
	bin := releaseBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("program header %v: the binary is dynamically linked", p.Type)
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
		t.Errorf("needs shared libraries %v", libs)
	}
	if f.Section(".symtab") != nil {
		t.Error("the binary has a symbol table: not stripped")
	}

	if _, err := exec.LookPath("ldd"); err != nil {
		t.Log("ldd not installed: checked the ELF headers only")
	} else {
		// ldd exits 1 on a static binary, saying so.
		out, _ := exec.Command("ldd", bin).CombinedOutput()
		if !strings.Contains(string(out), "not a dynamic executable") {
			t.Errorf("ldd %s: %s", binaryName, out)
		}
	}
	if _, err := exec.LookPath("file"); err != nil {
		t.Log("file not installed: checked the ELF headers only")
	} else if out, err := exec.Command("file", "-b", bin).Output(); err != nil || !strings.Contains(string(out), "statically linked") {
		t.Errorf("file %s: %s %v", binaryName, out, err)
	}
}

// ftpcap version names everything a bug report needs, stamped by make.
func TestReleaseVersionHasEveryField(t *testing.T) {
	bin := releaseBinary(t)
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("ftpcap version: %v\n%s", err, out)
	}
	want := []*regexp.Regexp{
		regexp.MustCompile(`(?m)^ftpcap \S+$`),
		regexp.MustCompile(`(?m)^commit: +[0-9a-f]{40}(-dirty)?$`),
		regexp.MustCompile(`(?m)^build date: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`),
		regexp.MustCompile(`(?m)^go: +go1\.\S+ linux/amd64$`),
		regexp.MustCompile(`(?m)^libpcap: +libpcap version 1\.`),
		regexp.MustCompile(`(?m)^gopacket: +v\d+\.\d+\.\d+`),
	}
	for _, re := range want {
		if !re.Match(out) {
			t.Errorf("ftpcap version lacks %s:\n%s", re, out)
		}
	}
	if alias, err := exec.Command(bin, "--version").Output(); err != nil || string(alias) != string(out) {
		t.Errorf("ftpcap --version differs from ftpcap version: %v\n%s", err, alias)
	}
}

// In a chroot that holds only the binary and a capture — no libc, no
// /etc, no /dev — the release binary still analyses it.
func TestReleaseBinaryInEmptyChroot(t *testing.T) {
	bin := releaseBinary(t)
	if os.Geteuid() != 0 {
		t.Skip("chroot test needs root (chroot(2)); run go test as root, as CI does")
	}
	if _, err := exec.LookPath("chroot"); err != nil {
		t.Skip("chroot test needs the chroot command (Debian package coreutils)")
	}
	root := t.TempDir()
	copyFile(t, bin, filepath.Join(root, "ftpcap"), 0o755)
	copyFile(t, filepath.Join(repoRoot, sample), filepath.Join(root, "cap.pcap"), 0o644)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "chroot", root, "/ftpcap", "analyze", "-q", "-F", "json", "/cap.pcap")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && strings.Contains(stderr.String(), "cannot change root directory") {
		t.Skipf("chroot is not permitted here: %s", stderr.String())
	}
	if err != nil {
		t.Fatalf("chroot %s /ftpcap analyze: %v\n%s", root, err, stderr.String())
	}
	var r struct {
		Inputs []struct{ Path string }
		Breaks []struct{ Cause string }
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	if len(r.Inputs) != 1 || r.Inputs[0].Path != "/cap.pcap" {
		t.Errorf("inputs %+v, want /cap.pcap", r.Inputs)
	}
	found := false
	for _, b := range r.Breaks {
		found = found || b.Cause == "middlebox-reset"
	}
	if !found {
		t.Errorf("no middlebox-reset break in the chroot's report: %+v", r.Breaks)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, mode); err != nil {
		t.Fatal(err)
	}
}
