package main

import (
	"io"

	"github.com/ftpcap/ftpcap/internal/docgen"
	"github.com/ftpcap/ftpcap/report"
)

// manualDate is the man page's date. It is a constant, not the build
// date, so that regenerating the page gives the same bytes: change it
// when the manual's text changes.
const manualDate = "2026-12-06"

// manual describes ftpcap for its man page and shell completions
// (make docs writes them). The options are the FlagSets the commands
// parse, built here without running a command.
func manual() docgen.Manual {
	formats := docgen.Values{Words: report.Formats()}
	classes := docgen.Values{Words: append(failOnClasses(), "any")}
	colors := docgen.Values{Words: []string{"auto", "always", "never"}}
	files := docgen.Values{Files: true}
	return docgen.Manual{
		Name:    "ftpcap",
		Section: "1",
		Date:    manualDate,
		Title:   "User Commands",
		Summary: "why did the FTP connection break, and whose fault was it?",
		Description: []string{
			"ftpcap reads packet captures (pcap, pcapng, gzip-compressed, several rotated files, or standard input), or sniffs an interface, reassembles the FTP control connections and their data connections, and for every break (connection refused, a reset, 421, 425, 426, a failed login, a transfer cut short) names a class and a cause with the evidence a person can check packet by packet: frame numbers, TTLs, flags, windows, reply text, and a Wireshark display filter for the connection.",
			"The classes are network, protocol, server-policy, client and unknown; ftpcap rules lists every cause with what the packets must show. Passwords are redacted unless --show-passwords is given, and capture content never reaches the terminal, a spreadsheet or a browser unescaped.",
			"Without a command, tcpdump habits work: ftpcap -i eth0 means ftpcap live -i eth0, and ftpcap -r capture.pcap means ftpcap analyze -r capture.pcap.",
		},
		Commands: []docgen.Command{
			{
				Name: "analyze", Aliases: []string{"analyse"},
				Synopsis: "analyze [OPTIONS] FILE...",
				Summary:  "analyse capture files (pcap, pcapng, gzip; - for stdin)",
				Text: []string{
					"Several files are merged into one capture in time order; frame numbers stay per file, as Wireshark shows them. With two or more --vantage options the same traffic captured at several points is correlated to prove where packets died.",
				},
				Flags: newAnalyzeFlagSet(&analyzeFlags{}, io.Discard),
				Values: map[string]docgen.Values{
					"read": files, "format": formats, "output": files,
					"fail-on": classes, "color": colors,
				},
				Args:     files,
				Metavars: map[string]string{"vantage": "NAME=FILE[,FILE...]", "filter": "EXPR", "ports": "PORTS", "format": "FORMAT", "fail-on": "CLASSES", "color": "WHEN"},
			},
			{
				Name:     "live",
				Synopsis: "live -i IFACE [OPTIONS]",
				Summary:  "sniff an interface: breaks as they happen, evidence files, metrics",
				Text: []string{
					"Each break is printed the moment its session is judged. Ctrl-C, SIGTERM, the end of --duration or --count stops the capture: connections still open are judged with what was seen, and the full report follows in the chosen format. A second Ctrl-C exits at once.",
				},
				Flags: newLiveFlagSet(&liveFlags{}, io.Discard),
				Values: map[string]docgen.Values{
					"interface": {Interfaces: true}, "format": formats, "output": files, "write": files,
					"fail-on": {Words: append(classes.Words, failOnAlert)}, "color": colors,
				},
				Metavars: map[string]string{"filter": "EXPR", "ports": "PORTS", "format": "FORMAT", "fail-on": "CLASSES", "color": "WHEN", "metrics-addr": "ADDR"},
			},
			{
				Name:     "interfaces",
				Synopsis: "interfaces",
				Summary:  "list the interfaces live can capture on (as tcpdump -D), with their addresses",
			},
			{
				Name:     "rules",
				Synopsis: "rules",
				Summary:  "list the rules: cause, class, what the packets must show, an example",
			},
			{
				Name:     "version",
				Synopsis: "version",
				Summary:  "print the version",
			},
		},
		Formats: []docgen.Item{
			{Term: report.FormatTable, Text: "The default: sessions, transfers, breaks with class, cause, time, connection, summary and evidence frames, findings, a count by class and cause, caps reached and input errors. On a large capture it lists what went wrong and says how much it left out; --verbose lists everything."},
			{Term: report.FormatJSON, Text: "One document: inputs, capture point, sessions with their transfers, breaks, findings, connections (with Zeek's conn_state and history) and stats. Fields are added, never renamed."},
			{Term: report.FormatNDJSON, Text: "One object a line, each with a type (input, session, transfer, break, finding, connection, summary), for jq and log shippers."},
			{Term: report.FormatCSV, Text: "One row per break and finding; cells a spreadsheet would read as a formula are prefixed with an apostrophe."},
			{Term: report.FormatMarkdown, Text: "The evidence tables, ready to paste into a postmortem."},
			{Term: report.FormatHTML, Text: "One self-contained page to attach to a ticket, with a ladder diagram and a time-sequence graph of each break; it loads nothing and opens offline. Write it to a file: -F html -o report.html."},
		},
		ExitStatus: []docgen.Item{
			{Term: "0", Text: "Analysed (breaks or not)."},
			{Term: "1", Text: "Error: bad flags, an input that could not be read to its end (the report still covers everything read before the failure), a capture that could not be opened, or a session ftpcap failed to judge (named in the report's errors)."},
			{Term: "3", Text: "--fail-on matched: a break of a named class was found (or, for live, an alert fired with --fail-on alert)."},
			{Term: "130", Text: "live: a second Ctrl-C stopped ftpcap at once."},
		},
		Privileges: []string{
			"Reading capture files needs no privilege. Live capture needs root, or the CAP_NET_RAW and CAP_NET_ADMIN capabilities on the binary, given once by an administrator:",
			"\tsudo setcap cap_net_raw,cap_net_admin=eip /usr/local/bin/ftpcap",
			"Without them ftpcap live says so in one line, with that command, and exits 1. Anyone who can run a binary with these capabilities can capture every packet on the host: grant them only where that is intended.",
		},
		Environment: []docgen.Item{
			{Term: "NO_COLOR", Text: "When set and not empty, --color auto never colours."},
			{Term: "COLUMNS", Text: "The width of the progress bar when --progress draws it on something that is not a terminal (80 when unset)."},
		},
		Examples: []docgen.Example{
			{Text: "Tables on the terminal:", Command: "ftpcap analyze capture.pcapng"},
			{Text: "Rotated files read as one capture, as tcpdump and tshark take them:", Command: "ftpcap analyze -r a.pcap -r b.pcap"},
			{Text: "From a running tcpdump:", Command: "tcpdump -i any -w - port 21 | ftpcap analyze -"},
			{Text: "A page to attach to a ticket:", Command: "ftpcap analyze -F html -o report.html capture.pcapng"},
			{Text: "In a script, fail when the network or the server's policy broke a session:", Command: "ftpcap analyze --fail-on network,server-policy capture.pcap || echo \"breaks found\""},
			{Text: "Two capture points of the same traffic, to prove where packets died:", Command: "ftpcap analyze --vantage client=customer.pcapng --vantage server=ops-a.pcap,ops-b.pcap"},
			{Text: "On a jump host: keep ten files of 1000 MB of evidence and serve Prometheus metrics:", Command: "sudo ftpcap live -i eth0 -w /var/tmp/ftp.pcapng -C 1000 -W 10 --metrics-addr :9310"},
		},
		SeeAlso: []string{"tcpdump(8)", "tshark(1)", "wireshark(1)", "pcap-filter(7)", "setcap(8)", "zeek(8)"},
	}
}
