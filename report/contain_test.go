package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// A bug met rendering one item costs that item alone, in every format:
// the rest of the report is written, its errors name the item, and
// Write returns a *RenderError (ftpcap exits 1).
func TestPanicRenderingOneItemCostsThatItemAlone(t *testing.T) {
	buggy := func(item string) {
		if item == "session S1" || item == "break B2" || item == "verdict B2" {
			panic("index out of range [3] with length 3")
		}
	}
	for _, f := range Formats() {
		for _, verbose := range []bool{false, true} {
			var out bytes.Buffer
			err := Write(&out, fixtureBroken(), Options{Format: f, Verbose: verbose, renderFault: buggy})
			var re *RenderError
			if !errors.As(err, &re) {
				t.Errorf("%s verbose %v: Write = %v, want a *RenderError", f, verbose, err)
				continue
			}
			for _, it := range re.Items {
				if !strings.Contains(it, "index out of range") {
					t.Errorf("%s: fault %q does not say what went wrong", f, it)
				}
			}
			text := out.String()
			// Every format lists the breaks; B3 must still be there.
			if !strings.Contains(text, "B3") {
				t.Errorf("%s verbose %v: B3 missing after B2 failed:\n%s", f, verbose, text)
			}
			if f != FormatCSV && !strings.Contains(text, "internal error rendering") {
				t.Errorf("%s verbose %v: the report's errors do not name the item left out:\n%s", f, verbose, text)
			}
			if f == FormatJSON {
				var doc map[string]any
				if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
					t.Errorf("json with an item left out is not JSON: %v", err)
				}
			}
			if f == FormatNDJSON {
				for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
					if !json.Valid([]byte(line)) {
						t.Errorf("ndjson line is not JSON: %s", line)
					}
				}
			}
		}
	}
}

// Without a fault, nothing changes: no error, no errors line.
func TestNoRenderFaultNoError(t *testing.T) {
	for _, f := range Formats() {
		var out bytes.Buffer
		if err := Write(&out, fixtureBroken(), Options{Format: f, renderFault: func(string) {}}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if strings.Contains(out.String(), "internal error") {
			t.Errorf("%s: internal error reported without a fault", f)
		}
	}
}
