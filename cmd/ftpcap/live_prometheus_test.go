package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The live test runs Debian's prometheus server beside `ftpcap live` in
// the router's namespace: it scrapes ftpcap's metrics on that namespace's
// loopback every second and evaluates the shipped rules (the break-rate
// threshold lowered to 0, testRules) every second, and the test asks its
// HTTP API, on the same loopback, whether the break-rate alert went
// pending. Nothing of it is reachable from outside the namespace.

const (
	labMetricsAddr = "127.0.0.1:9310" // ftpcap live --metrics-addr
	labPromAddr    = "127.0.0.1:9311" // prometheus --web.listen-address
)

// labPrometheus is a prometheus server the live test started, or the
// reason it did not start one.
type labPrometheus struct {
	skip string // why there is none
	proc *proc
	log  *bytes.Buffer
}

// startPrometheus starts prometheus in the router's namespace, scraping
// ftpcap at labMetricsAddr, and waits until it is ready. Without the
// prometheus package it starts nothing and says so.
func (l *netnsLab) startPrometheus() *labPrometheus {
	l.t.Helper()
	bin := lookPath("prometheus")
	if bin == "" {
		return &labPrometheus{skip: "prometheus not installed (Debian package: prometheus): the alert is not checked against a Prometheus server"}
	}
	dir := filepath.Join(l.dir, "prometheus")
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		l.t.Fatal(err)
	}
	rules := testRules(l.t, dir)
	conf := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: ftpcap
    static_configs:
      - targets: [%q]
`, rules, labMetricsAddr)
	confPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		l.t.Fatal(err)
	}
	p := &labPrometheus{log: &bytes.Buffer{}}
	p.proc = l.start(l.rtr, p.log, p.log, bin, "--config.file="+confPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+labPromAddr, "--log.level=warn")
	for range 100 {
		if exec.Command("ip", "netns", "exec", l.rtr, "curl", "-sf", "--max-time", "1", "http://"+labPromAddr+"/-/ready").Run() == nil {
			return p
		}
		if err, exited := p.proc.wait(100 * time.Millisecond); exited {
			l.t.Fatalf("prometheus exited: %v\n%s", err, p.log.String())
		}
	}
	l.t.Fatalf("prometheus is not ready after 10 s:\n%s", p.log.String())
	return nil
}

// promAlert is an alert of /api/v1/alerts.
type promAlert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
	Value  string            `json:"value"`
}

// alerts asks prometheus for its pending and firing alerts.
func (p *labPrometheus) alerts(l *netnsLab) ([]promAlert, error) {
	out, err := exec.Command("ip", "netns", "exec", l.rtr, "curl", "-sSf", "--max-time", "2", "http://"+labPromAddr+"/api/v1/alerts").Output()
	if err != nil {
		return nil, fmt.Errorf("GET /api/v1/alerts: %v", err)
	}
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Alerts []promAlert `json:"alerts"`
		} `json:"data"`
	}
	if err := json.Unmarshal(out, &resp); err != nil || resp.Status != "success" {
		return nil, fmt.Errorf("GET /api/v1/alerts: %v: %.300s", err, out)
	}
	return resp.Data.Alerts, nil
}

// checkBreakRatePending waits up to d for prometheus to hold the
// break-rate alert pending (its for: keeps it from firing) with the
// breaks ftpcap counted.
func (p *labPrometheus) checkBreakRatePending(t *testing.T, l *netnsLab, breaks int, d time.Duration) {
	if p.skip != "" {
		t.Skip(p.skip)
	}
	var last []promAlert
	var err error
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if last, err = p.alerts(l); err != nil {
			continue
		}
		for _, a := range last {
			if a.Labels["alertname"] == "FTPBreakRate" && a.State == "pending" {
				t.Logf("prometheus: FTPBreakRate pending on %s, value %s", a.Labels["instance"], a.Value)
				if a.Labels["instance"] != labMetricsAddr {
					t.Errorf("FTPBreakRate on instance %q, want %s", a.Labels["instance"], labMetricsAddr)
				}
				if a.Labels["severity"] != "warning" {
					t.Errorf("FTPBreakRate severity %q, want warning", a.Labels["severity"])
				}
				return
			}
		}
	}
	t.Errorf("FTPBreakRate not pending within %v after %d breaks; last answer: %v, alerts %+v\nprometheus log:\n%s", d, breaks, err, last, p.log.String())
}
