package classify

import (
	"path/filepath"
	"strings"
	"testing"
)

// Every verdict on every lab capture lists its evidence in capture
// order, whichever rule (or inherited finding) built it: a reader follows
// the frames the way Wireshark shows them.
func TestEvidenceInCaptureOrder(t *testing.T) {
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join("..", "samples", pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("no lab samples")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		t.Run(name, func(t *testing.T) {
			for _, v := range loadCapture(t, f).judge() {
				for i := 1; i < len(v.Evidence); i++ {
					a, b := v.Evidence[i-1].At, v.Evidence[i].At
					if !a.IsZero() && !b.IsZero() && b.Before(a) {
						t.Errorf("%s %s: frame %d listed after frame %d", v.Kind, v.Cause, b.Frame, a.Frame)
					}
				}
			}
		})
	}
}
