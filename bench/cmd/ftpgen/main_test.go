package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/bench/capgen"
)

func TestRunWritesCapturesAndKeepsCurrentOnes(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-o", dir, "-large-size", "2000000", "-many-conns", "500", "-flood-syns", "1000"}
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, name := range names {
		st, err := os.Stat(filepath.Join(dir, name+".pcap"))
		if err != nil {
			t.Fatal(err)
		}
		js, err := os.ReadFile(filepath.Join(dir, name+".manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m capgen.Manifest
		if err := json.Unmarshal(js, &m); err != nil {
			t.Fatal(err)
		}
		if m.Profile != name || m.FileBytes != st.Size() || m.GeneratorVersion != capgen.GeneratorVersion {
			t.Errorf("%s: manifest %+v does not describe the %d-byte file", name, m, st.Size())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "large.pcap.tmp")); !os.IsNotExist(err) {
		t.Error("a temporary file was left behind")
	}

	out.Reset()
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("second run: exit %d", code)
	}
	if got := strings.Count(out.String(), "up to date"); got != len(names) {
		t.Errorf("second run: %d captures up to date, want %d:\n%s", got, len(names), out.String())
	}

	out.Reset()
	more := append(args[:len(args):len(args)], "-many-conns", "600", "many")
	if code := run(context.Background(), more, &out, &errb); code != 0 {
		t.Fatalf("changed target: exit %d", code)
	}
	if strings.Contains(out.String(), "up to date") {
		t.Errorf("a changed target kept the old capture:\n%s", out.String())
	}
}

func TestRunRejectsUnknownCapture(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-o", t.TempDir(), "huge"}, &out, &errb); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errb.String(), `unknown capture "huge"`) {
		t.Errorf("stderr %q", errb.String())
	}
}
