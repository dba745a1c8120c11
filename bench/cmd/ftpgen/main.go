// Command ftpgen writes the benchmark captures: large realistic FTP
// traffic synthesised by bench/capgen, the same bytes on every run.
//
//	ftpgen [-o bench-data] [-force] [large large-100m many synflood]
//
// Each capture NAME.pcap gets a NAME.manifest.json beside it saying what
// it holds (sessions, connections, transfers, the injected failures by
// the cause ftpcap should report). A capture whose manifest matches the
// generator and profile is left alone unless -force is given.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/bench/capgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ftpgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("o", "bench-data", "output directory")
	force := fs.Bool("force", false, "regenerate captures that are up to date")
	seed := fs.Uint64("seed", capgen.DefaultSeed, "random seed")
	largeSize := fs.Int64("large-size", 1_000_000_000, "large.pcap: approximate size in bytes")
	manyConns := fs.Int("many-conns", 100_000, "many.pcap: TCP connections")
	floodSYNs := fs.Int("flood-syns", 1_000_000, "synflood.pcap: SYNs, each from a distinct source address and port")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: ftpgen [flags] [CAPTURE...]\n\nCaptures: %s (default: all)\n\nFlags:\n", strings.Join(names, ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	profiles := map[string]capgen.Profile{
		"large":      capgen.Large(*largeSize),
		"large-100m": capgen.Large(*largeSize / 10),
		"many":       capgen.Many(*manyConns),
		"synflood":   capgen.Flood(*floodSYNs),
	}
	wanted := fs.Args()
	if len(wanted) == 0 {
		wanted = names
	}
	for _, name := range wanted {
		p, ok := profiles[name]
		if !ok {
			fmt.Fprintf(stderr, "ftpgen: unknown capture %q (want %s)\n", name, strings.Join(names, ", "))
			return 2
		}
		p.Name, p.Seed = name, *seed
		if err := ctx.Err(); err != nil {
			fmt.Fprintln(stderr, "ftpgen: interrupted")
			return 1
		}
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			fmt.Fprintf(stderr, "ftpgen: %v\n", err)
			return 1
		}
		path := filepath.Join(*dir, name+".pcap")
		if !*force && upToDate(path, p) {
			fmt.Fprintf(stdout, "%-16s up to date\n", filepath.Base(path))
			continue
		}
		began := time.Now()
		m, err := generate(path, p)
		if err != nil {
			fmt.Fprintf(stderr, "ftpgen: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%-16s %7.1f MB %10d packets %8d connections %6d sessions %6d transfers  in %.1f s\n",
			filepath.Base(path), float64(m.FileBytes)/1e6, m.Packets, m.Connections, m.Sessions, m.Transfers,
			time.Since(began).Seconds())
	}
	return 0
}

// names are the captures in the order they are made.
var names = []string{"large", "large-100m", "many", "synflood"}

// generate writes the capture to a temporary file, renames it into place
// and writes its manifest.
func generate(path string, p capgen.Profile) (*capgen.Manifest, error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 4<<20)
	m, err := capgen.Generate(bw, p)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write %s manifest: %w", path, err)
	}
	if err := os.WriteFile(manifestPath(path), append(js, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write %s manifest: %w", path, err)
	}
	return m, nil
}

func manifestPath(capture string) string {
	return strings.TrimSuffix(capture, ".pcap") + ".manifest.json"
}

// upToDate reports whether path holds what p would generate now: its
// manifest names this generator version and target, and the file has the
// size the manifest recorded.
func upToDate(path string, p capgen.Profile) bool {
	js, err := os.ReadFile(manifestPath(path))
	if err != nil {
		return false
	}
	var m capgen.Manifest
	if json.Unmarshal(js, &m) != nil {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && m.GeneratorVersion == capgen.GeneratorVersion &&
		m.Target == p.Describe() && st.Size() == m.FileBytes && slices.Contains(names, p.Name)
}
