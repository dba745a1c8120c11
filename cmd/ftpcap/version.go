package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/gopacket/gopacket/pcap"
)

// Build stamps, set by make release with -ldflags "-X main.commit=… -X
// main.buildDate=…" (version is in run.go). A plain go build or go
// install leaves them empty; runVersion then falls back to what the Go
// toolchain recorded in the binary (the VCS revision and commit time).
var (
	commit    = ""
	buildDate = ""
)

const gopacketModule = "github.com/gopacket/gopacket"

// runVersion prints what a bug report needs: which ftpcap, built from
// what, and the capture libraries it carries (libpcap is linked into
// the release binary, so the host's copy does not matter there).
func runVersion(stdout io.Writer) int {
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintf(stdout, "ftpcap %s\n", version)
	fmt.Fprintf(stdout, "commit:     %s\n", orUnknown(firstNonEmpty(commit, vcsSetting(info, "vcs.revision"))))
	fmt.Fprintf(stdout, "build date: %s\n", orUnknown(firstNonEmpty(buildDate, vcsSetting(info, "vcs.time"))))
	fmt.Fprintf(stdout, "go:         %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(stdout, "libpcap:    %s\n", orUnknown(pcap.Version()))
	fmt.Fprintf(stdout, "gopacket:   %s\n", orUnknown(moduleVersion(info, gopacketModule)))
	return exitOK
}

// vcsSetting returns a VCS stamp the go command recorded, or "".
func vcsSetting(info *debug.BuildInfo, key string) string {
	if info == nil {
		return ""
	}
	for _, s := range info.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// moduleVersion returns the version of a dependency compiled in (its
// replacement's, when go.mod replaces it), or "".
func moduleVersion(info *debug.BuildInfo, path string) string {
	if info == nil {
		return ""
	}
	for _, m := range info.Deps {
		if m.Path != path {
			continue
		}
		if m.Replace != nil {
			return m.Replace.Version
		}
		return m.Version
	}
	return ""
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
