package classify

import (
	"slices"
	"strings"

	"github.com/ftpcap/ftpcap/dissect"
)

// transferReply returns the final reply of a broken transfer when it has
// one of the codes.
func transferReply(b *Case, codes ...int) *dissect.Reply {
	t := b.Transfer
	if t == nil || t.Final == nil || !t.Final.Valid {
		return nil
	}
	if slices.Contains(codes, t.Final.Code) {
		return t.Final
	}
	return nil
}

// transferCommand returns the transfer's command as the log has it.
func transferCommand(t *dissect.Transfer) *dissect.Command {
	return &dissect.Command{Verb: t.Cmd, Arg: t.Path, At: t.At}
}

// transferReplyEvidence is a transfer's command and the reply that ended
// it.
func transferReplyEvidence(t *dissect.Transfer, r *dissect.Reply) []Evidence {
	cmd := transferCommand(t)
	return []Evidence{cmdEvidence(cmd), replyEvidence(cmd, r)}
}

// Refusal kinds: which of the two server-policy causes a refusal is.
const (
	refusedAbsent     = "file-unavailable"
	refusedPermission = "permission-denied"
)

// refusalKind decides whether a refusal says the thing is not there (or
// busy) or that the client may not have it, from the reply text first
// (servers word both under 550: vsftpd "Failed to open file.", ProFTPD
// "x: No such file or directory", Pure-FTPd "Can't open x: Permission
// denied"), then from the code and the command (RFC 959 §4.2: 552 storage
// exceeded, 553 name not allowed and 532 need an account are policy; 450
// is a busy file; a 550 to a command that creates or removes something
// with no word of absence is the server refusing to do it).
func refusalKind(verb string, code int, text string) string {
	switch {
	case isAbsenceText(text):
		return refusedAbsent
	case isPermissionText(text):
		return refusedPermission
	}
	switch code {
	case 552, 553, 532:
		return refusedPermission
	case 450:
		return refusedAbsent
	}
	switch verb {
	case "STOR", "STOU", "APPE", "MKD", "XMKD", "RMD", "XRMD", "DELE", "RNFR", "RNTO", "MFMT", "MFCT", "SITE":
		return refusedPermission
	}
	return refusedAbsent
}

// isAbsenceText recognises replies saying the file or directory is not
// there, in the words of vsftpd, ProFTPD, Pure-FTPd, pyftpdlib, IIS and
// FileZilla Server.
func isAbsenceText(text string) bool {
	t := strings.ToLower(text)
	for _, w := range []string{"no such file", "no such directory", "not found", "does not exist",
		"doesn't exist", "not exist", "cannot find", "can't find", "could not find", "couldn't find",
		"unable to find", "no files found", "file unavailable", "is not a directory", "not a regular file"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// isPermissionText recognises replies that refuse for access, quota or
// naming policy rather than absence: vsftpd "Permission denied." and
// "Could not create file."; ProFTPD and Pure-FTPd "Permission denied",
// "Operation not permitted"; IIS "Access is denied."; Pure-FTPd's quota
// and disk-full replies; "Not enough privileges".
func isPermissionText(text string) bool {
	t := strings.ToLower(text)
	for _, w := range []string{"permission", "denied", "not permitted", "not allowed", "forbidden",
		"privilege", "quota", "could not create", "can't create", "cannot create", "unable to create",
		"read-only", "read only", "access", "disk full", "no space", "insufficient", "overwrite",
		"prohibited", "refused"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// refusalOf returns what a break refused, if it is a refusal: the
// transfer's final reply (with the transfer's command) or the Case's
// Refusal. verb is the command as the client meant it (PRET's inner one).
func refusalOf(b *Case, codes ...int) (cmd *dissect.Command, verb, path string, r *dissect.Reply, ev []Evidence) {
	if rf := b.Refusal; rf != nil && b.Kind == KindControl {
		if rf.Reply == nil || !slices.Contains(codes, rf.Reply.Code) {
			return nil, "", "", nil, nil
		}
		return rf.Cmd, rf.Verb(), rf.Path, rf.Reply, refusalEvidence(rf)
	}
	if r = transferReply(b, codes...); r == nil {
		return nil, "", "", nil, nil
	}
	t := b.Transfer
	return transferCommand(t), t.Cmd, t.Path, r, transferReplyEvidence(t, r)
}
