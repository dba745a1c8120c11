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

// isPermissionText recognises replies that refuse for access, quota or
// naming policy rather than absence. vsftpd says "Permission denied." and
// "Could not create file."; ProFTPD and Pure-FTPd "Permission denied",
// "Operation not permitted"; IIS "Access is denied."
func isPermissionText(text string) bool {
	t := strings.ToLower(text)
	for _, w := range []string{"permission", "denied", "not permitted", "not allowed", "forbidden",
		"quota", "could not create", "can't create", "cannot create", "read-only", "read only", "access"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}
