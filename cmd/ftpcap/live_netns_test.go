package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

// The live test builds ftpcap, runs vsftpd and curl in network namespaces
// of its own (client — router — server, documentation addresses, no
// default route), captures on the router with `ftpcap live`, resets the
// data connection mid-transfer with a firewall rule on the router, and
// checks that the verdict arrives while the capture runs, that the
// metrics show it, that the evidence files replay under `ftpcap
// analyze` to the same verdicts, and that a second capture beside it
// with -F html draws each break on its page. Root, iproute2, vsftpd, curl and
// nftables (or iptables) are needed; without them it says what is missing
// and skips.

// netnsLab is the test's topology. Everything it creates is named after
// the test process (ftpcap-live-<pid>-*), so it never meets the fault
// lab's ftpcap-* namespaces or another run's, and it removes only that.
type netnsLab struct {
	t                  *testing.T
	cli, rtr, srv      string // namespace names
	dir                string
	firewall           string // "nft" or "iptables"
	cliAddr, srvAddr   string
	pasvMin, pasvMax   int
	vsftpd, vsftpdConf string
}

const (
	labCli4    = "198.51.100.10"
	labRtrCli4 = "198.51.100.1"
	labRtrSrv4 = "203.0.113.1"
	labSrv4    = "203.0.113.20"
	labRtrIf   = "flive-rc" // the router's client-facing interface, captured on
)

// skipUnlessLab skips with the reason when the machine cannot run the
// test, and returns the tools' paths.
func skipUnlessLab(t *testing.T) (vsftpd, firewall string) {
	t.Helper()
	if testing.Short() {
		t.Skip("live namespace test skipped in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("live namespace test needs root (network namespaces, capture); run go test as root, as CI does")
	}
	for _, tool := range []string{"ip", "curl", "ss"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("live namespace test needs %s (Debian packages: iproute2, curl)", tool)
		}
	}
	vsftpd, err := exec.LookPath("vsftpd")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/vsftpd"); serr != nil {
			t.Skip("live namespace test needs vsftpd (Debian package: vsftpd)")
		}
		vsftpd = "/usr/sbin/vsftpd"
	}
	switch {
	case lookPath("nft") != "":
		firewall = "nft"
	case lookPath("iptables") != "":
		firewall = "iptables"
	default:
		t.Skip("live namespace test needs nft or iptables to inject the fault (Debian package: nftables)")
	}
	return vsftpd, firewall
}

func lookPath(name string) string {
	p, _ := exec.LookPath(name)
	return p
}

// sh runs a command and fails the test on error.
func (l *netnsLab) sh(args ...string) string {
	l.t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// in runs a command in a namespace.
func (l *netnsLab) in(ns string, args ...string) string {
	l.t.Helper()
	return l.sh(append([]string{"ip", "netns", "exec", ns}, args...)...)
}

func newNetnsLab(t *testing.T) *netnsLab {
	vsftpd, firewall := skipUnlessLab(t)
	prefix := fmt.Sprintf("ftpcap-live-%d", os.Getpid())
	l := &netnsLab{t: t, cli: prefix + "-cli", rtr: prefix + "-rtr", srv: prefix + "-srv", dir: t.TempDir(),
		firewall: firewall, cliAddr: labCli4, srvAddr: labSrv4, pasvMin: 30000, pasvMax: 30009, vsftpd: vsftpd}
	for _, ns := range []string{l.cli, l.rtr, l.srv} {
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			t.Skipf("live namespace test: this machine cannot create network namespaces (ip netns add: %v: %s)", err, bytes.TrimSpace(out))
		}
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
		l.in(ns, "ip", "link", "set", "lo", "up")
	}
	l.veth(l.cli, "flive-c0", l.rtr, labRtrIf)
	l.veth(l.rtr, "flive-rs", l.srv, "flive-s0")
	l.in(l.cli, "ip", "addr", "add", labCli4+"/24", "dev", "flive-c0")
	l.in(l.cli, "ip", "route", "add", "203.0.113.0/24", "via", labRtrCli4)
	l.in(l.rtr, "ip", "addr", "add", labRtrCli4+"/24", "dev", labRtrIf)
	l.in(l.rtr, "ip", "addr", "add", labRtrSrv4+"/24", "dev", "flive-rs")
	l.in(l.rtr, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	l.in(l.srv, "ip", "addr", "add", labSrv4+"/24", "dev", "flive-s0")
	l.in(l.srv, "ip", "route", "add", "198.51.100.0/24", "via", labRtrSrv4)
	return l
}

// veth joins two namespaces; offloads are turned off where ethtool
// exists, so the capture shows segments as they are on the wire.
func (l *netnsLab) veth(ns1, if1, ns2, if2 string) {
	l.sh("ip", "link", "add", if1, "netns", ns1, "type", "veth", "peer", "name", if2, "netns", ns2)
	for _, e := range [][2]string{{ns1, if1}, {ns2, if2}} {
		if lookPath("ethtool") != "" {
			exec.Command("ip", "netns", "exec", e[0], "ethtool", "-K", e[1], "tso", "off", "gso", "off", "gro", "off").Run()
		}
		l.in(e[0], "ip", "link", "set", e[1], "up")
	}
}

// proc is a command the test started.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once it exited
	err  error         // its exit, valid after done
}

// wait waits for the process to exit, at most d.
func (p *proc) wait(d time.Duration) (error, bool) {
	select {
	case <-p.done:
		return p.err, true
	case <-time.After(d):
		return nil, false
	}
}

// start runs a command in a namespace (ip netns exec execs it, so the
// PID is the command's own) in a process group of its own; when the test
// ends, a process still running is killed with its group (vsftpd's
// session processes), and nothing else.
func (l *netnsLab) start(ns string, stdout, stderr io.Writer, args ...string) *proc {
	l.t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		l.t.Fatalf("start %s: %v", strings.Join(args, " "), err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	l.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
	return p
}

// startVsftpd serves srv/big.bin (anonymous, passive ports 30000-30009,
// paced so a transfer lasts several seconds).
func (l *netnsLab) startVsftpd() {
	root := filepath.Join(l.dir, "anon")
	empty := filepath.Join(l.dir, "empty")
	for _, d := range []string{root, empty} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			l.t.Fatal(err)
		}
	}
	// vsftpd refuses an anonymous root its user could write to; the
	// test's temp dirs are root's. The anonymous user is Debian's "ftp",
	// which the vsftpd package creates.
	os.Chmod(l.dir, 0o755)
	os.Chmod(filepath.Dir(l.dir), 0o755)
	if err := os.WriteFile(filepath.Join(root, "big.bin"), bytes.Repeat([]byte("ftpcap live test "), 4<<20/17), 0o644); err != nil {
		l.t.Fatal(err)
	}
	conf := strings.Join([]string{
		"listen=YES", "listen_ipv6=NO", "background=NO", "anonymous_enable=YES", "no_anon_password=YES",
		"anon_root=" + root, "local_enable=NO", "write_enable=NO", "pasv_enable=YES",
		fmt.Sprintf("pasv_min_port=%d", l.pasvMin), fmt.Sprintf("pasv_max_port=%d", l.pasvMax),
		"secure_chroot_dir=" + empty, "seccomp_sandbox=NO", "anon_max_rate=1000000",
		"xferlog_enable=NO", "dirmessage_enable=NO",
		"vsftpd_log_file=" + filepath.Join(l.dir, "vsftpd.log"),
	}, "\n") + "\n"
	l.vsftpdConf = filepath.Join(l.dir, "vsftpd.conf")
	if err := os.WriteFile(l.vsftpdConf, []byte(conf), 0o644); err != nil {
		l.t.Fatal(err)
	}
	var errs bytes.Buffer
	p := l.start(l.srv, &errs, &errs, l.vsftpd, l.vsftpdConf)
	for range 50 {
		out, _ := exec.Command("ip", "netns", "exec", l.srv, "ss", "-Hltn", "sport = :21").Output()
		if len(bytes.TrimSpace(out)) > 0 {
			return
		}
		if err, exited := p.wait(100 * time.Millisecond); exited {
			l.t.Fatalf("vsftpd exited: %v: %s", err, errs.String())
		}
	}
	l.t.Fatalf("vsftpd is not listening after 5 s: %s", errs.String())
}

// waitDataConnection reports whether the server has an established data
// connection within 5 s.
func (l *netnsLab) waitDataConnection() bool {
	filter := fmt.Sprintf("( sport >= :%d and sport <= :%d )", l.pasvMin, l.pasvMax)
	for range 100 {
		out, _ := exec.Command("ip", "netns", "exec", l.srv, "ss", "-Htn", "state", "established", filter).Output()
		if len(bytes.TrimSpace(out)) > 0 {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// resetDataConnections makes the router answer the data connection's
// segments, both ways, with a TCP reset in the other end's name: a
// firewall killing the transfer.
func (l *netnsLab) resetDataConnections() {
	ports := fmt.Sprintf("%d-%d", l.pasvMin, l.pasvMax)
	if l.firewall == "nft" {
		rules := fmt.Sprintf(`table inet ftpcap_live_test {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip saddr %s tcp sport %s reject with tcp reset
		ip daddr %s tcp dport %s reject with tcp reset
	}
}
`, l.srvAddr, ports, l.srvAddr, ports)
		cmd := exec.Command("ip", "netns", "exec", l.rtr, "nft", "-f", "-")
		cmd.Stdin = strings.NewReader(rules)
		if out, err := cmd.CombinedOutput(); err != nil {
			l.t.Fatalf("nft: %v: %s", err, out)
		}
		return
	}
	ports = strings.ReplaceAll(ports, "-", ":")
	l.in(l.rtr, "iptables", "-A", "FORWARD", "-p", "tcp", "-s", l.srvAddr, "--sport", ports, "-j", "REJECT", "--reject-with", "tcp-reset")
	l.in(l.rtr, "iptables", "-A", "FORWARD", "-p", "tcp", "-d", l.srvAddr, "--dport", ports, "-j", "REJECT", "--reject-with", "tcp-reset")
}

// buildFtpcap builds the command into a directory anyone can read.
func buildFtpcap(t *testing.T) string {
	t.Helper()
	goBin := lookPath("go")
	if goBin == "" {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755)
	bin := filepath.Join(dir, "ftpcap")
	out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// line is one line ftpcap printed, and when it arrived.
type line struct {
	text string
	at   time.Time
}

// lines forwards r's lines with their arrival time.
func lines(r io.Reader) <-chan line {
	ch := make(chan line, 1024)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			ch <- line{sc.Text(), time.Now()}
		}
		close(ch)
	}()
	return ch
}

// waitLine returns the first line matching ok within d.
func waitLine(t *testing.T, ch <-chan line, d time.Duration, what string, ok func(string) bool) line {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case l, open := <-ch:
			if !open {
				t.Fatalf("ftpcap's output ended before %s", what)
			}
			if ok(l.text) {
				return l
			}
		case <-deadline:
			t.Fatalf("no %s within %v", what, d)
		}
	}
}

func TestLiveInNamespaces(t *testing.T) {
	lab := newNetnsLab(t)
	bin := buildFtpcap(t)
	lab.startVsftpd()

	evidence := filepath.Join(lab.dir, "ev.pcapng")
	reportPath := filepath.Join(lab.dir, "report.json")
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	ftpcap := lab.start(lab.rtr, outW, errW, bin, "live", "-i", labRtrIf, "-w", evidence, "-C", "1",
		"-F", "json", "-o", reportPath, "--metrics-addr", labMetricsAddr,
		"--alert-breaks", "0", "--alert-lifetime", "0", "--alert-dominant", "0.5", "--alert-min", "1")
	go func() { <-ftpcap.done; outW.Close(); errW.Close() }()
	stdout, stderr := lines(outR), lines(errR)
	var errLog bytes.Buffer
	waitLine(t, stderr, 10*time.Second, "start line", func(s string) bool {
		errLog.WriteString(s + "\n")
		return strings.Contains(s, "capturing on "+labRtrIf)
	})
	go func() {
		for l := range stderr {
			errLog.WriteString(l.text + "\n")
		}
	}()
	// Prometheus scrapes from before the fault, so it has the counters
	// at 0 before the break.
	prom := lab.startPrometheus()
	// A second capture on the same interface writes the HTML page at
	// the end: live -F html must draw the break it saw.
	htmlPath := filepath.Join(lab.dir, "report.html")
	htmlErrR, htmlErrW := io.Pipe()
	page := lab.start(lab.rtr, io.Discard, htmlErrW, bin, "live", "-i", labRtrIf, "-F", "html", "-o", htmlPath)
	go func() { <-page.done; htmlErrW.Close() }()
	htmlErr := lines(htmlErrR)
	waitLine(t, htmlErr, 10*time.Second, "start line of the html capture", func(s string) bool {
		return strings.Contains(s, "capturing on "+labRtrIf)
	})
	go func() {
		for range htmlErr {
		}
	}()

	// curl downloads; a second into the transfer the router starts
	// resetting the data connection. The router can only answer packets
	// it sees, and a client waiting for data sends none: TCP keepalive
	// after a second of silence makes it send one, which meets the reset
	// (otherwise curl would wait for --max-time).
	var curlErr bytes.Buffer
	curl := lab.start(lab.cli, io.Discard, &curlErr, "curl", "-sS", "--max-time", "30", "--keepalive-time", "1", "-o", "/dev/null",
		"ftp://"+labSrv4+"/big.bin")
	if !lab.waitDataConnection() {
		log, _ := os.ReadFile(filepath.Join(lab.dir, "vsftpd.log"))
		t.Fatalf("no data connection within 5 s; curl: %s; vsftpd log: %s", curlErr.String(), log)
	}
	time.Sleep(time.Second)
	lab.resetDataConnections()
	faultAt := time.Now()
	if err, exited := curl.wait(40 * time.Second); !exited || err == nil {
		t.Fatalf("curl: exited %v, %v: the fault should have failed the transfer (%s)", exited, err, curlErr.String())
	}
	t.Logf("curl failed %.1f s after the fault: %s", time.Since(faultAt).Seconds(), strings.TrimSpace(curlErr.String()))

	// The verdict arrives live: its session is judged once its
	// connections have closed and lingered, on capture time that ticks
	// while the interface is quiet.
	brk := waitLine(t, stdout, 40*time.Second, "break line", func(s string) bool { return strings.Contains(s, `"type":"break"`) })
	t.Logf("first live verdict %.1f s after the fault", brk.at.Sub(faultAt).Seconds())
	// A session's verdicts are settled together: take the lines that
	// follow within a second.
	got := []line{brk}
	for more := true; more; {
		select {
		case l := <-stdout:
			got = append(got, l)
		case <-time.After(time.Second):
			more = false
		}
	}
	var lives []analysis.Verdict
	alerts := 0
	counts := map[[2]string]int{}
	for _, l := range got {
		switch {
		case strings.Contains(l.text, `"type":"break"`):
			var v analysis.Verdict
			if err := json.Unmarshal([]byte(l.text), &v); err != nil {
				t.Fatalf("break line is not a verdict: %v\n%s", err, l.text)
			}
			t.Logf("live: %s %s/%s: %s", v.Connection.Kind, v.Class, v.Cause, v.Summary)
			if v.Session == "" || v.Connection.Server == "" || len(v.Evidence) == 0 {
				t.Errorf("live verdict lacks session, connection or evidence: %s", l.text)
			}
			for _, ev := range v.Evidence {
				if !regexp.MustCompile(`^ev-\d{6}\.pcapng$`).MatchString(ev.Input) {
					t.Errorf("live evidence frame %d names file %q, want an evidence file", ev.Frame, ev.Input)
				}
			}
			lives = append(lives, v)
			counts[[2]string{v.Class, v.Cause}]++
		case strings.Contains(l.text, `"type":"alert"`):
			alerts++
			if !strings.Contains(l.text, `"alert":"dominant-cause"`) || !strings.Contains(l.text, lives[0].Cause) {
				t.Errorf("alert line %s", l.text)
			}
		}
	}
	if alerts != 1 {
		t.Errorf("%d alert lines, want the dominant cause's one", alerts)
	}
	if err, exited := ftpcap.wait(0); exited {
		t.Fatalf("ftpcap exited before being stopped: %v\n%s", err, errLog.String())
	}

	// The metrics show the breaks and the alert while the capture runs.
	metrics := lab.in(lab.rtr, "curl", "-sS", "--max-time", "5", "http://"+labMetricsAddr+"/metrics")
	wants := []string{
		`ftpcap_alerts_total{alert="dominant-cause"} 1`,
		`ftpcap_sessions_broken_total 1`,
		`ftpcap_capture_dropped_packets_total{where="kernel"} 0`,
	}
	for k, n := range counts {
		wants = append(wants, fmt.Sprintf(`ftpcap_breaks_total{cause=%q,class=%q} %d`, k[1], k[0], n))
	}
	for _, want := range wants {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q; they have:\n%s", want, grepLines(metrics, "ftpcap_breaks_total|ftpcap_alerts_total|ftpcap_sessions"))
		}
	}
	if !regexp.MustCompile(`(?m)^ftpcap_packets_total [1-9]`).MatchString(metrics) {
		t.Error("metrics count no packets")
	}
	t.Run("prometheus break-rate alert pending", func(t *testing.T) {
		prom.checkBreakRatePending(t, lab, len(lives), 20*time.Second)
	})

	// Ctrl-C: the capture stops, the report is written, exit 0.
	ftpcap.cmd.Process.Signal(os.Interrupt)
	err, exited := ftpcap.wait(20 * time.Second)
	if !exited {
		t.Fatal("ftpcap did not stop within 20 s of Ctrl-C")
	}
	if err != nil {
		t.Fatalf("ftpcap exited with %v after Ctrl-C\n%s", err, errLog.String())
	}
	end := waitLine(t, stdout, 5*time.Second, "capture_end line", func(s string) bool { return strings.Contains(s, `"type":"capture_end"`) })
	if !strings.Contains(end.text, `"reason":"interrupted"`) {
		t.Errorf("stop line %s", end.text)
	}
	raw, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	res := decodeJSON(t, string(raw))
	if len(res.Breaks) == 0 {
		t.Fatal("the final report has no breaks")
	}
	for _, v := range lives {
		found := false
		for _, b := range res.Breaks {
			if b.Cause == v.Cause && b.Session == v.Session && b.Time.Equal(v.Time) && b.Connection == v.Connection {
				found = true
			}
		}
		if !found {
			t.Errorf("the live verdict %s/%s on the %s connection is not in the final report", v.Class, v.Cause, v.Connection.Kind)
		}
	}
	if len(res.Breaks) != len(lives) {
		t.Errorf("the final report has %d breaks, the live lines %d", len(res.Breaks), len(lives))
	}
	if res.CaptureQuality.KernelDrops != 0 {
		t.Errorf("%d packets dropped by the kernel", res.CaptureQuality.KernelDrops)
	}

	// The page of the second capture: a section and a ladder for every
	// break, the reset drawn among the ladders' packets.
	page.cmd.Process.Signal(os.Interrupt)
	if err, exited := page.wait(20 * time.Second); !exited || err != nil {
		t.Fatalf("live -F html: exited %v, %v after Ctrl-C", exited, err)
	}
	html, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(html), `<section class="verdict break"`); n != len(res.Breaks) {
		t.Errorf("live -F html: %d break sections, want %d", n, len(res.Breaks))
	}
	if n := strings.Count(string(html), `<svg class="ladder"`); n < len(res.Breaks) {
		t.Errorf("live -F html: %d ladder diagrams for %d breaks", n, len(res.Breaks))
	}
	if !regexp.MustCompile(`<g class="pkt[^"]* rst`).Match(html) {
		t.Error("live -F html: no reset among the ladders' packets")
	}

	// Replay: the evidence files, given in order, give the same verdicts.
	files, _ := filepath.Glob(filepath.Join(lab.dir, "ev-*.pcapng"))
	if len(files) < 2 {
		t.Errorf("%d evidence files; -C 1 should have rotated a 4 MB transfer", len(files))
	}
	code, out, errs := runCLI(append([]string{"analyze", "-F", "json"}, files...)...)
	if code != exitOK {
		t.Fatalf("analyze the evidence: exit %d: %s", code, errs)
	}
	replay := decodeJSON(t, out)
	for _, part := range []struct {
		name         string
		live, replay any
	}{
		{"breaks", res.Breaks, replay.Breaks},
		{"sessions", res.Sessions, replay.Sessions},
		{"inputs", res.Inputs, replay.Inputs},
	} {
		a, _ := json.MarshalIndent(part.live, "", " ")
		b, _ := json.MarshalIndent(part.replay, "", " ")
		if !bytes.Equal(a, b) {
			t.Errorf("%s differ between the live report and the replay of its evidence:\nlive:   %s\nreplay: %s", part.name, a, b)
		}
	}
}

// Without the privilege to capture, one line says what is missing and
// how to grant it, and the exit status is 1.
func TestLiveWithoutPrivilege(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to run ftpcap as an unprivileged user")
	}
	bin := buildFtpcap(t)
	cmd := exec.Command(bin, "live", "-i", "lo", "--duration", "1s")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitError {
		t.Fatalf("exit %v, want status 1; stderr %q", err, stderr.String())
	}
	want := "ftpcap: live: no permission to capture on lo: run as root, or give the binary CAP_NET_RAW and CAP_NET_ADMIN once: sudo setcap cap_net_raw,cap_net_admin=eip " + bin + "\n"
	if stderr.String() != want {
		t.Errorf("stderr %q\nwant   %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q, want nothing", stdout.String())
	}
}

// grepLines returns the lines of s matching the pattern and with a
// non-zero value, for failure messages.
func grepLines(s, pattern string) string {
	re := regexp.MustCompile(pattern)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if re.MatchString(l) && !strings.HasPrefix(l, "#") && !strings.HasSuffix(l, " 0") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
