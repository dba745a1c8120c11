package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/correlate"
)

// vantageArg is one --vantage NAME=FILE[,FILE…]: a capture point's name
// and its files (rotated files of one capture, in order).
type vantageArg struct {
	name  string
	paths []string
}

// parseVantages checks the --vantage values: two or more points, each
// NAME=FILE[,FILE…], names unique. A name is a free label, kept to
// letters, digits and . _ - so it reads the same in every format.
func parseVantages(values []string) ([]vantageArg, error) {
	if len(values) == 1 {
		return nil, errors.New("--vantage: one capture point given; correlating needs two or more (--vantage client=a.pcapng --vantage server=b.pcap), or analyse one capture as ftpcap analyze FILE")
	}
	var out []vantageArg
	seen := map[string]bool{}
	for _, v := range values {
		name, files, ok := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		if !ok {
			return nil, fmt.Errorf("--vantage %q: want NAME=FILE[,FILE…], e.g. client=a.pcapng", v)
		}
		if err := checkVantageName(name); err != nil {
			return nil, fmt.Errorf("--vantage %q: %w", v, err)
		}
		if seen[name] {
			return nil, fmt.Errorf("--vantage: the name %q is given twice; each capture point needs its own", name)
		}
		seen[name] = true
		arg := vantageArg{name: name}
		for _, p := range strings.Split(files, ",") {
			p = strings.TrimSpace(p)
			switch p {
			case "":
				return nil, fmt.Errorf("--vantage %q: an empty file name", v)
			case "-":
				return nil, fmt.Errorf("--vantage %q: a capture point cannot read stdin (-); name its file", v)
			}
			arg.paths = append(arg.paths, p)
		}
		out = append(out, arg)
	}
	return out, nil
}

func checkVantageName(name string) error {
	if name == "" {
		return errors.New("the capture point has no name (NAME=FILE)")
	}
	if len(name) > 32 {
		return errors.New("the name is longer than 32 characters")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("the name %q may hold letters, digits, '.', '_' and '-' only", name)
		}
	}
	return nil
}

// checkReadable opens each point's files before any is analysed, so a
// typo is reported at once and by its point.
func checkReadable(points []vantageArg) error {
	for _, p := range points {
		for _, path := range p.paths {
			f, err := os.Open(path)
			if err != nil {
				return fmt.Errorf("--vantage %s: %w", p.name, err)
			}
			f.Close()
		}
	}
	return nil
}

// analyzeVantages analyses each capture point alone, packets kept,
// correlates them and merges them into one report. Where the points
// share no connection it says so on notices (stderr, or nowhere with
// --quiet): the report then lists each point's analysis alone.
func analyzeVantages(ctx context.Context, points []vantageArg, opts analysis.Options, showBar bool, notices io.Writer) (*analysis.Result, error) {
	opts.KeepPackets = true
	vs := make([]correlate.Vantage, 0, len(points))
	for _, p := range points {
		res, err := analyzeFiles(ctx, p.paths, opts, showBar, notices)
		if err != nil {
			return nil, fmt.Errorf("--vantage %s: %w", p.name, err)
		}
		vs = append(vs, correlate.Vantage{Name: p.name, Paths: p.paths, Result: res})
	}
	c := correlateVantages(vs)
	if correlate.NoSharedConnection(c) {
		fmt.Fprintf(notices, "ftpcap: the capture points %s share no connection (their files do not overlap in time, or saw different traffic): each point is reported alone, its verdicts inferred\n", vantageNames(points))
	}
	return correlate.Merge(vs, c), nil
}

func vantageNames(points []vantageArg) string {
	names := make([]string, len(points))
	for i, p := range points {
		names[i] = p.name
	}
	return strings.Join(names, ", ")
}
