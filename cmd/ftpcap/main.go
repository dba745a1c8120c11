// Command ftpcap tells why FTP connections in a capture broke, and whose
// fault it was, with the packets that prove it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

func main() {
	// Table widths must not depend on the user's locale: the same capture
	// gives the same report everywhere.
	twwidth.SetOptions(twwidth.Options{EastAsianWidth: false})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
