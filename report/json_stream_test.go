package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

// The streamed JSON document must be byte for byte what encoding the whole
// Result at once gives (two-space indent, HTML escaped, hidden controls
// escaped), so streaming changes memory, not the contract.
func TestJSONStreamingMatchesWholeEncoding(t *testing.T) {
	for name, r := range map[string]func() *analysis.Result{
		"clean": fixtureClean, "broken": fixtureBroken, "empty": fixtureEmpty, "hostile": fixtureHostile,
	} {
		var whole bytes.Buffer
		enc := json.NewEncoder(&whole)
		enc.SetIndent("", "  ")
		if err := enc.Encode(normalize(r())); err != nil {
			t.Fatal(err)
		}
		var streamed bytes.Buffer
		if err := writeJSON(&streamed, r()); err != nil {
			t.Fatal(err)
		}
		if want := escapeHidden(whole.Bytes()); !bytes.Equal(streamed.Bytes(), want) {
			t.Errorf("%s: streamed JSON differs from the whole encoding", name)
		}
	}
}
