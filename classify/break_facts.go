package classify

import (
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// sawErrorBefore reports whether the server sent a 4xx/5xx reply on the
// control connection before at (within the break's transfer when it has
// one): an error reply explains what follows better than the TCP ending.
func sawErrorBefore(b *Case, at tcpflow.Ref) bool {
	if b.Session == nil {
		return false
	}
	if t := b.Transfer; t != nil {
		return t.Final != nil && t.Final.Valid && t.Final.Code >= 400 && t.Final.At.Before(at)
	}
	found := false
	replies(b.Session, func(_ *dissect.Command, r *dissect.Reply) bool {
		if at.Before(r.At) {
			return false
		}
		found = r.Valid && r.Code >= 400
		return true
	})
	return found
}

// endedCleanlyBefore reports whether the session or transfer had finished
// before at (QUIT answered, or the transfer's sender closed first), so a
// RST at at is teardown noise.
func endedCleanlyBefore(b *Case, at tcpflow.Ref) bool {
	if b.Transfer != nil || b.Kind == KindData {
		sender := senderDir(b)
		fin := b.Conn.Half[sender].FIN
		if fin.IsZero() || !fin.Before(at) {
			return false
		}
		if t := b.Transfer; t != nil && !confirmed(t) && closedAt(b.Conn, sender.Other()) == at {
			// The receiver reset after the end of the file, and the
			// server never confirmed the transfer: a receiver that
			// closes with data unread resets (RFC 2525 §2.17), so the
			// file did not all reach it (a server killed mid-upload).
			return false
		}
		return true
	}
	return quitAnswered(b.Session)
}

// senderDir is the direction of the data connection that carries the file.
func senderDir(b *Case) tcpflow.Dir {
	if b.Transfer != nil && b.Transfer.Direction != dissect.DirectionUnknown {
		return b.Transfer.Sender
	}
	return b.ServerDir()
}

// bytesOf says how much of a transfer moved.
func bytesOf(t *dissect.Transfer) string {
	if t.ExpectedBytes >= 0 {
		return fmtInt(t.Bytes()) + " of " + count(t.ExpectedBytes, "byte")
	}
	return count(t.Bytes(), "byte")
}

// confirmed: the server's final reply to the transfer was 2xx.
func confirmed(t *dissect.Transfer) bool {
	return t.Final != nil && t.Final.Valid && t.Final.Code >= 200 && t.Final.Code < 300
}
