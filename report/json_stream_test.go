package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

// The streamed JSON document must be byte for byte what encoding the whole
// Result at once gives (two-space indent, HTML escaped, hidden controls
// escaped), so streaming changes memory, not the contract.
func TestJSONStreamingMatchesWholeEncoding(t *testing.T) {
	for name, r := range map[string]func() *analysis.Result{
		"clean": fixtureClean, "broken": fixtureBroken, "empty": fixtureEmpty, "hostile": fixtureHostile,
		// 1,500 sessions: lists long enough to be encoded in chunks on
		// several goroutines (jsonChunk), the last chunk partial.
		"many": fixtureMany,
	} {
		var whole bytes.Buffer
		enc := json.NewEncoder(&whole)
		enc.SetIndent("", "  ")
		if err := enc.Encode(normalize(r())); err != nil {
			t.Fatal(err)
		}
		var streamed bytes.Buffer
		if err := writeJSON(&streamed, r(), &renderFaults{}); err != nil {
			t.Fatal(err)
		}
		if want := escapeHidden(whole.Bytes()); !bytes.Equal(streamed.Bytes(), want) {
			t.Errorf("%s: streamed JSON differs from the whole encoding", name)
		}
	}
}

// failAfter is a writer that fails once n bytes were written.
type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// A write error in the middle of a long list ends the report with that
// error, and the encoding goroutines stop (the race detector and the
// test's end see none left running).
func TestJSONChunksStopOnWriteError(t *testing.T) {
	for _, after := range []int{10, 100_000, 600_000} {
		err := writeJSON(&failAfter{n: after}, fixtureMany(), &renderFaults{})
		if err == nil || err.Error() != "disk full" {
			t.Errorf("after %d bytes: error %v, want disk full", after, err)
		}
	}
}
