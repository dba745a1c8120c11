package classify

import (
	"fmt"
	"github.com/ftpcap/ftpcap/dissect"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// How summaries and evidence spell numbers, spans of capture time, counts
// and the parties of a case. Every rule words these the same way, so a
// report reads as one voice.

// fmtDur spells a span of capture time for people: "28 µs", "233.7 ms",
// "4.57 s", "12.93 s", "924 s".
func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < 100*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f s", d.Seconds())
}

// minutesText spells a long silence, where minutes read better than
// seconds: "95 s", "6.2 minutes", "2.1 hours".
func minutesText(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return fmt.Sprintf("%.0f s", d.Seconds())
	case d < 2*time.Hour:
		return fmt.Sprintf("%.1f minutes", d.Minutes())
	}
	return fmt.Sprintf("%.1f hours", d.Hours())
}

// seconds spells an offset in a schedule of sends, in seconds without the
// unit and without trailing zeros: "1", "0.2", "14.3" (to the millisecond
// below 10 s, to the tenth above), so a resend schedule reads "+1 s, +3 s,
// +7 s" as the timer set it.
func seconds(ns int64) string {
	s := float64(ns) / 1e9
	if s < 10 {
		return strconv.FormatFloat(math.Round(s*1000)/1000, 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(s*10)/10, 'f', -1, 64)
}

// fmtRate spells bytes per second in decimal units: "512 B/s", "25.5
// kB/s", "1.25 MB/s".
func fmtRate(bps float64) string {
	switch {
	case bps >= 1e6:
		return fmt.Sprintf("%.2f MB/s", bps/1e6)
	case bps >= 1e3:
		return fmt.Sprintf("%.1f kB/s", bps/1e3)
	}
	return fmt.Sprintf("%.0f B/s", bps)
}

// fmtInt spells an integer with thousands separators: "65,535".
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// times spells how often something happened: "once", "twice", "9 times",
// "1,024 times".
func times(n int64) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmtInt(n) + " times"
}

// plural spells a count of things: "1 SYN", "4 SYNs", "1,460 bytes".
func plural(n int, thing string) string { return count(int64(n), thing) }

// count spells a count of things with thousands separators and the
// thing in the right number: "1 byte", "34,776 bytes", "0 replies",
// "2 retransmissions". thing is singular; a last word ending in a
// consonant and y takes "ies".
func count(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmtInt(n) + " " + pluralOf(thing)
}

// pluralOf makes a singular noun phrase plural: "SYN" → "SYNs", "reply"
// → "replies", "other packet" → "other packets".
func pluralOf(thing string) string {
	if n := len(thing); n >= 2 && thing[n-1] == 'y' && !strings.ContainsRune("aeiou", rune(thing[n-2])) {
		return thing[:n-1] + "ies"
	}
	return thing + "s"
}

// hopsText spells a TTL with its hop distance from the capture point:
// "TTL 63 (1 hop)".
func hopsText(ttl uint8) string {
	return fmt.Sprintf("TTL %d (%s)", ttl, plural(tcpflow.Hops(ttl), "hop"))
}

// upperFirst capitalises a sentence's first letter.
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// lowerFirst lowers a sentence's first letter, to continue another.
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]-'A'+'a') + s[1:]
}

// ftpRole names a side of a case's connection by its FTP role: "server"
// or "client" (on an active-mode data connection the FTP server is the
// TCP client).
func ftpRole(b *Case, d tcpflow.Dir) string {
	if d == b.ServerDir() {
		return "server"
	}
	return "client"
}

// connName names a case's connection for a summary: "the data connection
// of RETR big.iso", "a data connection", "the control connection".
func connName(b *Case) string {
	switch {
	case b.Kind == KindControl:
		return "the control connection"
	case b.Transfer != nil:
		return "the data connection of " + transferName(b.Transfer)
	}
	return "a data connection"
}

// endedHow says how a FIN or RST ended a connection: "reset" or "closed".
func endedHow(end tcpflow.Seg) string {
	if end.Flags&tcpflow.FlagRST != 0 {
		return "reset"
	}
	return "closed"
}

// countText is count for phrases whose plural is not count's rule: "1
// packet appears", "12,345 packets appear".
func countText(n int64, thing, things string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmtInt(n) + " " + things
}

// transferName names a transfer for a summary: "RETR big.iso", or for one
// inferred while the control connection was encrypted, whose command
// nobody could read, what its data showed: "an encrypted download", "an
// encrypted upload", "an encrypted transfer".
func transferName(t *dissect.Transfer) string {
	if t.Cmd != dissect.CmdUnknown {
		return cmdText(transferCommand(t))
	}
	switch t.Direction {
	case dissect.DirectionDownload:
		return "an encrypted download"
	case dissect.DirectionUpload:
		return "an encrypted upload"
	}
	return "an encrypted transfer"
}

// repliesHidden reports whether the server's replies on s's control
// connection were encrypted (AUTH TLS or implicit FTPS, not back in
// cleartext after CCC): then no rule may say the server sent no error.
func repliesHidden(s *dissect.Session) bool {
	return s != nil && tlsAttempted(s) && s.TLSFacts.Cleartext[tcpflow.FromServer].IsZero()
}

// noErrorWords is a summary's closing clause about the server's replies:
// clause ("with no error reply") when they can be read, else that they
// could not be.
func noErrorWords(s *dissect.Session, clause string) string {
	if repliesHidden(s) {
		return "; the control connection was encrypted, so whether the server replied with an error cannot be seen"
	}
	return ", " + clause
}

// abortedBytesOf says how much of an aborted transfer had moved when the
// client sent ABOR: "262,144 of 1,048,576 bytes".
func abortedBytesOf(t *dissect.Transfer) string {
	if t.ExpectedBytes >= 0 {
		return fmtInt(t.AbortBytes) + " of " + count(t.ExpectedBytes, "byte")
	}
	return count(t.AbortBytes, "byte")
}
