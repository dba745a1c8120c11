package main

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/live"
	"github.com/ftpcap/ftpcap/source"
)

func parseLive(t *testing.T, args ...string) (*liveConfig, *liveFlags, error) {
	t.Helper()
	var f liveFlags
	var stderr bytes.Buffer
	fs := newLiveFlagSet(&f, &stderr)
	if err := fs.Parse(args); err != nil {
		return nil, &f, err
	}
	cfg, err := f.config()
	return cfg, &f, err
}

func TestLiveFlagDefaults(t *testing.T) {
	cfg, f, err := parseLive(t, "-i", "eth0")
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.capture
	if c.Interface != "eth0" || c.Filter != source.DefaultLiveFilter || c.Snaplen != 262144 || !c.Promiscuous ||
		c.Immediate || c.BufferSize != defaultBufferKiB<<10 || c.Count != 0 || c.Clock == nil {
		t.Errorf("capture options %+v", c)
	}
	if cfg.alerts != live.DefaultAlertOptions() {
		t.Errorf("alerts %+v, want the defaults", cfg.alerts)
	}
	if cfg.rotation.Rotating() || cfg.lineNDJSON || cfg.failOnAlert || len(cfg.failClasses) != 0 {
		t.Errorf("config %+v", cfg)
	}
	if f.duration != 0 || f.write != "" || f.metricsAddr != "" {
		t.Errorf("flags %+v", f)
	}
	if cfg.analysis.Tracker.ConnIdle != 2*time.Hour || cfg.analysis.MaxReported != 20000 {
		t.Errorf("analysis options %+v", cfg.analysis)
	}
}

func TestLiveFlags(t *testing.T) {
	cases := []struct {
		args  []string
		check func(*liveConfig) bool
	}{
		{[]string{"-i", "any", "-p", "--immediate-mode", "-s", "96", "-B", "4096", "-c", "100", "-f", "tcp port 21"},
			func(c *liveConfig) bool {
				o := c.capture
				return !o.Promiscuous && o.Immediate && o.Snaplen == 96 && o.BufferSize == 4<<20 && o.Count == 100 && o.Filter == "tcp port 21"
			}},
		{[]string{"-i", "eth0", "-w", "ev.pcapng", "-C", "100", "-W", "5"},
			func(c *liveConfig) bool { return c.rotation == live.Rotation{MaxBytes: 100_000_000, MaxFiles: 5} }},
		{[]string{"-i", "eth0", "-w", "ev.pcapng", "-G", "3600"},
			func(c *liveConfig) bool { return c.rotation.MaxAge == time.Hour }},
		{[]string{"-i", "eth0", "-w", "ev.pcapng", "-G", "15m"},
			func(c *liveConfig) bool { return c.rotation.MaxAge == 15*time.Minute }},
		{[]string{"-i", "eth0", "-F", "ndjson"}, func(c *liveConfig) bool { return c.lineNDJSON }},
		{[]string{"-i", "eth0", "-F", "json"}, func(c *liveConfig) bool { return c.lineNDJSON }},
		{[]string{"-i", "eth0", "-F", "markdown"}, func(c *liveConfig) bool { return !c.lineNDJSON }},
		{[]string{"-i", "eth0", "--fail-on", "alert,network"},
			func(c *liveConfig) bool { return c.failOnAlert && c.failClasses["network"] && !c.failClasses["client"] }},
		{[]string{"-i", "eth0", "--alert-breaks", "0", "--alert-lifetime", "1m", "--alert-dominant", "0.5", "--alert-window", "10m", "--alert-min", "3"},
			func(c *liveConfig) bool {
				return c.alerts == live.AlertOptions{Window: 10 * time.Minute, MaxBreaks: 0, MinLifetime: time.Minute, DominantShare: 0.5, MinSample: 3}
			}},
		{[]string{"-i", "eth0", "--conn-idle", "10m", "--max-conns", "5000", "--ports", "2121"},
			func(c *liveConfig) bool {
				a := c.analysis
				return a.Tracker.ConnIdle == 10*time.Minute && a.Tracker.MaxConns == 5000 && len(a.ControlPorts) == 1 && a.ControlPorts[0] == 2121
			}},
	}
	for _, c := range cases {
		cfg, _, err := parseLive(t, c.args...)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if !c.check(cfg) {
			t.Errorf("%v: config %+v", c.args, cfg)
		}
	}
}

func TestLiveFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{}, "no interface"},
		{[]string{"-i", "eth0", "-C", "10"}, "need -w"},
		{[]string{"-i", "eth0", "-w", "x", "-W", "3"}, "needs a size"},
		{[]string{"-i", "eth0", "-w", "x", "-G", "soon"}, "neither seconds nor a duration"},
		{[]string{"-i", "eth0", "-w", "x", "-G", "-5"}, "negative"},
		{[]string{"-i", "eth0", "-F", "xml"}, "unknown --format"},
		{[]string{"-i", "eth0", "-s", "0"}, "--snaplen"},
		{[]string{"-i", "eth0", "--fail-on", "alerts"}, "unknown class"},
		{[]string{"-i", "eth0", "--alert-dominant", "2"}, "dominant share"},
		{[]string{"-i", "eth0", "--alert-window", "0"}, "window"},
		{[]string{"-i", "eth0", "--max-conns", "0"}, "--max-conns"},
		{[]string{"-i", "eth0", "-c", "-1"}, "--count"},
	}
	for _, c := range cases {
		_, _, err := parseLive(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one mentioning %q", c.args, err, c.want)
		}
	}
}

// The errors a user meets first read as one line that says what to do.
func TestCaptureErrorLines(t *testing.T) {
	bin, _ := os.Executable()
	cases := []struct {
		err  error
		want string
	}{
		{&source.CaptureError{Kind: source.CapturePermission, Interface: "eth0", Err: errors.New("Permission Denied")},
			"live: no permission to capture on eth0: run as root, or give the binary CAP_NET_RAW and CAP_NET_ADMIN once: sudo setcap cap_net_raw,cap_net_admin=eip " + bin},
		{&source.CaptureError{Kind: source.CaptureNoSuchInterface, Interface: "eht0", Available: []string{"eth0", "any", "lo"}},
			`live: no interface "eht0"; the interfaces are: eth0, any, lo`},
		{&source.CaptureError{Kind: source.CaptureInterfaceDown, Interface: "eth1"}, "live: interface eth1 is down (ip link set eth1 up)"},
		{&source.CaptureError{Kind: source.CaptureBadFilter, Interface: "eth0", Err: errors.New(`compile filter "tcp prot 21": syntax error`)},
			`live: open live capture on eth0: compile filter "tcp prot 21": syntax error`},
	}
	for _, c := range cases {
		got := captureErrorLine(c.err)
		if got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
		if strings.Contains(got, "\n") {
			t.Errorf("%q is more than one line", got)
		}
	}
}

func TestLiveUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"live"},
		{"live", "-i", "eth0", "port", "21"},
		{"live", "--bogus"},
	} {
		code, _, errs := runCLI(args...)
		if code != exitError || !strings.HasPrefix(errs, "ftpcap: ") && !strings.Contains(errs, "unknown flag") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	if code, _, _ := runCLI("live", "--help"); code != exitOK {
		t.Errorf("--help: exit %d", code)
	}
}

// ftpcap interfaces lists like tcpdump -D: "1.eth0 [Up, Running, …]";
// -D on live does the same.
func TestInterfacesList(t *testing.T) {
	code, out, errs := runCLI("interfaces")
	if code != exitOK {
		t.Skipf("cannot list interfaces here: %s", errs)
	}
	if !strings.Contains(out, ".lo [") && !strings.Contains(out, ".any (") {
		t.Errorf("listing lacks lo and any:\n%s", out)
	}
	if !strings.HasPrefix(out, "1.") {
		t.Errorf("listing should number from 1:\n%s", out)
	}
	_, out2, _ := runCLI("live", "-D")
	if out2 != out {
		t.Errorf("live -D differs from interfaces:\n%s\nvs\n%s", out2, out)
	}
	// An unknown interface is named with the ones that exist, before any
	// privilege is needed.
	code, _, errs = runCLI("live", "-i", "no-such-if0")
	if code != exitError || !strings.Contains(errs, `no interface "no-such-if0"; the interfaces are: `) || !strings.Contains(errs, "lo") {
		t.Errorf("unknown interface: exit %d, %q", code, errs)
	}
}
