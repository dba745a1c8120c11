package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// The page written to a terminal is still written, with a word on stderr
// about -o; written to a file or a pipe, nothing is said.
func TestHTMLToATerminalSaysHowToWriteAFile(t *testing.T) {
	term, screen := openPTY(t, 100)
	shown := make(chan []byte)
	go func() {
		// Drain the terminal, or the page fills its buffer and blocks.
		var b bytes.Buffer
		io.Copy(&b, screen)
		shown <- b.Bytes()
	}()
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"analyze", "-F", "html", "../../samples/middlebox-reset-control.pcap"}, term, &stderr)
	term.Close()
	page := <-shown
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "-o report.html writes it to a file") {
		t.Errorf("stderr %q does not say how to write the page to a file", stderr.String())
	}
	if !bytes.Contains(page, []byte("</html>")) {
		t.Errorf("the page was not written to the terminal (%d bytes shown)", len(page))
	}

	_, _, errs := runCLI("analyze", "-F", "html", "../../samples/middlebox-reset-control.pcap")
	if errs != "" {
		t.Errorf("to a pipe: stderr %q", errs)
	}
}
