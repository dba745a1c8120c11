package live

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Rotation says when the evidence writer starts a new file and how many
// it keeps, as tcpdump's -C, -G and -W do.
type Rotation struct {
	// MaxBytes: a file that has reached this size is closed before the
	// next packet (so a file ends at most one packet past it), as with
	// tcpdump -C. 0: no limit.
	MaxBytes int64
	// MaxAge: a file is closed before the first packet captured this long
	// after its own first packet (capture time), as with tcpdump -G. 0: no
	// limit.
	MaxAge time.Duration
	// MaxFiles keeps at most this many files: opening one more removes the
	// oldest (tcpdump -W with -C; unlike tcpdump -G -W, the capture goes
	// on). 0: keep them all.
	MaxFiles int
}

// Rotating reports whether files rotate (and are then numbered).
func (r Rotation) Rotating() bool { return r.MaxBytes > 0 || r.MaxAge > 0 }

// Due reports whether the current file, of size bytes holding packets
// packets from firstTS on, must be closed before writing a packet captured
// at ts (Unix ns). An empty file is never closed: every file holds at
// least one packet.
func (r Rotation) Due(size, packets, firstTS, ts int64) bool {
	if packets == 0 {
		return false
	}
	return (r.MaxBytes > 0 && size >= r.MaxBytes) || (r.MaxAge > 0 && ts-firstTS >= int64(r.MaxAge))
}

// Check rejects settings that cannot work.
func (r Rotation) Check() error {
	switch {
	case r.MaxBytes < 0:
		return fmt.Errorf("rotation: file size %d is negative", r.MaxBytes)
	case r.MaxAge < 0:
		return fmt.Errorf("rotation: file age %v is negative", r.MaxAge)
	case r.MaxFiles < 0:
		return fmt.Errorf("rotation: file count %d is negative", r.MaxFiles)
	case r.MaxFiles > 0 && !r.Rotating():
		return fmt.Errorf("rotation: a file count (-W) needs a size (-C) or an age (-G) to rotate on")
	}
	return nil
}

// FileName is the name of the n-th evidence file (1-based). Without
// rotation it is path itself; with rotation a six-digit sequence number
// goes before the extension (evidence.pcapng → evidence-000001.pcapng),
// so the files sort in capture order and keep the extension Wireshark
// and file managers go by.
func (r Rotation) FileName(path string, n int) string {
	if !r.Rotating() {
		return path
	}
	ext := filepath.Ext(path)
	if ext == filepath.Base(path) { // ".pcapng" alone is a name, not an extension
		ext = ""
	}
	return fmt.Sprintf("%s-%06d%s", strings.TrimSuffix(path, ext), n, ext)
}
