package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ftpcap/ftpcap/classify"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0"

// Exit codes.
const (
	exitOK    = 0 // analysed
	exitError = 1 // bad usage, unreadable input, write failure
	exitFound = 3 // --fail-on: a break of a named class was found
)

const usage = `ftpcap — why did the FTP connection break, and whose fault was it?

Usage:
  ftpcap analyze [flags] FILE...   analyse capture files (pcap, pcapng, gzip; - for stdin)
  ftpcap live -i IFACE [flags]     sniff an interface: breaks as they happen, evidence files, metrics
  ftpcap interfaces                list the interfaces live can capture on (as tcpdump -D)
  ftpcap rules                     list the rules: cause, class, what the packets must show
  ftpcap version                   print the version and what it was built with

Run 'ftpcap analyze --help' or 'ftpcap live --help' for the flags.
`

// run is the whole CLI: main only builds the context and exits with its
// code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	switch args[0] {
	case "analyze", "analyse":
		return runAnalyze(ctx, args[1:], stdout, stderr)
	case "live":
		return runLive(ctx, args[1:], stdout, stderr)
	case "interfaces":
		return runInterfaces(stdout, stderr)
	case "rules":
		return runRules(stdout)
	case "version", "--version":
		return runVersion(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if strings.HasPrefix(args[0], "-") {
		// tcpdump habits: `ftpcap -i eth0` (or -D) means live,
		// `ftpcap -r capture.pcap` means analyze.
		if wantsLive(args) {
			return runLive(ctx, args, stdout, stderr)
		}
		return runAnalyze(ctx, args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "ftpcap: unknown command %q\n\n%s", args[0], usage)
	return exitError
}

// runRules prints the rule catalog.
func runRules(stdout io.Writer) int {
	for _, r := range classify.Rules() {
		fmt.Fprintf(stdout, "%s (%s)\n  needs:   %s\n  example: %s\n\n", r.Cause, r.Class, r.Needs, r.Example)
	}
	return exitOK
}

// wantsLive reports whether flags given without a command name an
// interface, as tcpdump's do.
func wantsLive(args []string) bool {
	for _, a := range args {
		if a == "-D" || a == "-i" || a == "--interface" || strings.HasPrefix(a, "--interface=") ||
			(strings.HasPrefix(a, "-i") && !strings.HasPrefix(a, "--")) {
			return true
		}
	}
	return false
}

// parseFlags parses a subcommand's flags. When it returns false the
// command must exit with code: 0 after --help, 1 after a bad flag (pflag
// returns that error unprinted with ContinueOnError, so it is printed
// here, naming the subcommand).
func parseFlags(fs *pflag.FlagSet, args []string, stderr io.Writer) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, pflag.ErrHelp):
		return exitOK, false
	}
	fmt.Fprintf(stderr, "ftpcap: %s: %v (ftpcap %s --help lists the flags)\n", fs.Name(), err, fs.Name())
	return exitError, false
}
