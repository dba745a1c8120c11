package dissect

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestParseReplyLine(t *testing.T) {
	tests := []struct {
		line    string
		code    int
		sep     byte
		text    string
		problem string
	}{
		{"220 FTP server ready.", 220, ' ', "FTP server ready.", ""},
		{"220-Welcome", 220, '-', "Welcome", ""},
		{"230 ", 230, ' ', "", ""},
		{"631 base64data", 631, ' ', "base64data", ""}, // RFC 2228 protected reply
		{"220", 220, 0, "", AnomalyReplyWithoutText},
		{"220Welcome", 220, 'W', "Welcome", AnomalyReplyWithoutSpace},
		{"220\tWelcome", 220, '\t', "\tWelcome", AnomalyReplyWithoutSpace},
		{"99 PASV invalid", 0, 0, "99 PASV invalid", AnomalyInvalidReplyCode},
		{"099 x", 0, 0, "099 x", AnomalyInvalidReplyCode},
		{"700 x", 0, 0, "700 x", AnomalyInvalidReplyCode},
		{"2200 x", 0, 0, "2200 x", AnomalyInvalidReplyCode},
		{"22000", 0, 0, "22000", AnomalyInvalidReplyCode},
		{"7", 0, 0, "7", AnomalyInvalidReplyCode},
		{"SSH-2.0-mod_sftp/0.9.7", 0, 0, "SSH-2.0-mod_sftp/0.9.7", AnomalyNonNumericReplyCode},
		{" 220 indented", 0, 0, " 220 indented", AnomalyNonNumericReplyCode},
		{"12a", 0, 0, "12a", AnomalyNonNumericReplyCode},
		{"", 0, 0, "", AnomalyEmptyLine},
	}
	for _, tt := range tests {
		got := ParseReplyLine([]byte(tt.line))
		if got.Code != tt.code || got.Sep != tt.sep || string(got.Text) != tt.text || got.Problem != tt.problem {
			t.Errorf("ParseReplyLine(%q) = {%d %q %q %q}, want {%d %q %q %q}", tt.line,
				got.Code, got.Sep, got.Text, got.Problem, tt.code, tt.sep, tt.text, tt.problem)
		}
	}
}

// replyCase is a server stream given as packets (each its own frame) and
// the replies and anomalies it must give.
type replyCase struct {
	name     string
	packets  []string
	replies  []Reply
	problems []string
}

func ref(frame int64) tcpflow.Ref { return tcpflow.Ref{Frame: frame, TS: frame * 1000} }

var replyCases = []replyCase{
	{
		name:    "single",
		packets: []string{"220 FTP server ready.\r\n"},
		replies: []Reply{{Code: 220, Valid: true, Text: "FTP server ready.", Lines: 1, At: ref(1), End: ref(1),
			LineStarts: []LineStart{{ref(1), 220}}}},
	},
	{
		name:    "multi-line across packets",
		packets: []string{"220-Welcome\r\n220-  line two\r\n", "220 ready\r\n"},
		replies: []Reply{{Code: 220, Valid: true, Text: "Welcome\n  line two\nready", Lines: 3, At: ref(1), End: ref(2),
			LineStarts: []LineStart{{ref(1), 220}, {ref(1), 220}, {ref(2), 220}}}},
	},
	{
		name:    "multi-line with other codes inside",
		packets: []string{"211-Features:\r\n EPRT\r\n 211 not the end\r\n226 not either\r\n211-nor this\r\n211 End\r\n"},
		replies: []Reply{{Code: 211, Valid: true, Text: "Features:\n EPRT\n 211 not the end\n226 not either\nnor this\nEnd",
			Lines: 6, At: ref(1), End: ref(1),
			LineStarts: []LineStart{{ref(1), 211}, {ref(1), 0}, {ref(1), 0}, {ref(1), 226}, {ref(1), 211}, {ref(1), 211}}}},
	},
	{
		name:    "multi-line ended by the bare code",
		packets: []string{"230-Hello\r\n", "230\r\n", "200 next\r\n"},
		replies: []Reply{
			{Code: 230, Valid: true, Text: "Hello\n", Lines: 2, At: ref(1), End: ref(2), LineStarts: []LineStart{{ref(1), 230}, {ref(2), 230}}},
			{Code: 200, Valid: true, Text: "next", Lines: 1, At: ref(3), End: ref(3), LineStarts: []LineStart{{ref(3), 200}}},
		},
	},
	{
		name:     "invalid code",
		packets:  []string{"230 PASS OK\r\n", "99 PASV invalid\r\n", "221 Bye\r\n"},
		problems: []string{AnomalyInvalidReplyCode},
		replies: []Reply{
			{Code: 230, Valid: true, Text: "PASS OK", Lines: 1, At: ref(1), End: ref(1), LineStarts: []LineStart{{ref(1), 230}}},
			{Code: 0, Valid: false, Text: "99 PASV invalid", Lines: 1, At: ref(2), End: ref(2), LineStarts: []LineStart{{ref(2), 0}}},
			{Code: 221, Valid: true, Text: "Bye", Lines: 1, At: ref(3), End: ref(3), LineStarts: []LineStart{{ref(3), 221}}},
		},
	},
	{
		name:     "non-numeric line is no reply",
		packets:  []string{"SSH-2.0-mod_sftp/0.9.7\r\n", "530 Sorry\r\n"},
		problems: []string{AnomalyNonNumericReplyCode},
		replies: []Reply{{Code: 530, Valid: true, Text: "Sorry", Lines: 1, At: ref(2), End: ref(2),
			LineStarts: []LineStart{{ref(2), 530}}}},
	},
	{
		name:     "binary junk ends at the packet that starts a reply",
		packets:  []string{"SSH-2.0-mod_sftp/0.9.7\r\n\x00\x00\x00\x44\x0b\x01", "530 Sorry\r\n"},
		problems: []string{AnomalyNonNumericReplyCode, AnomalyBinaryLine, AnomalyNonNumericReplyCode},
		replies: []Reply{{Code: 530, Valid: true, Text: "Sorry", Lines: 1, At: ref(2), End: ref(2),
			LineStarts: []LineStart{{ref(2), 530}}}},
	},
	{
		name:    "a text line split across packets is not cut",
		packets: []string{"220 hello", "220 world\r\n"},
		replies: []Reply{{Code: 220, Valid: true, Text: "hello220 world", Lines: 1, At: ref(1), End: ref(1),
			LineStarts: []LineStart{{ref(1), 220}}}},
	},
	{
		name:     "binary junk over several packets, reply split over two",
		packets:  []string{"\x00\x01ab", "\x02cd", "550 no", "pe\r\n"},
		problems: []string{AnomalyBinaryLine, AnomalyNonNumericReplyCode},
		replies: []Reply{{Code: 550, Valid: true, Text: "nope", Lines: 1, At: ref(3), End: ref(3),
			LineStarts: []LineStart{{ref(3), 550}}}},
	},
	{
		name:     "binary junk at the close",
		packets:  []string{"\x00\x01ab", "221 bye"},
		problems: []string{AnomalyBinaryLine, AnomalyNonNumericReplyCode, AnomalyUnterminatedLine},
		replies: []Reply{{Code: 221, Valid: true, Text: "bye", Lines: 1, At: ref(2), End: ref(2),
			LineStarts: []LineStart{{ref(2), 221}}}},
	},
	{
		name:     "tolerated forms",
		packets:  []string{"220\r\n", "331Password\r\n", "230 ok\n", "\r\n"},
		problems: []string{AnomalyReplyWithoutText, AnomalyReplyWithoutSpace, AnomalyBareLF, AnomalyEmptyLine},
		replies: []Reply{
			{Code: 220, Valid: true, Lines: 1, At: ref(1), End: ref(1), LineStarts: []LineStart{{ref(1), 220}}},
			{Code: 331, Valid: true, Text: "Password", Lines: 1, At: ref(2), End: ref(2), LineStarts: []LineStart{{ref(2), 331}}},
			{Code: 230, Valid: true, Text: "ok", Lines: 1, At: ref(3), End: ref(3), LineStarts: []LineStart{{ref(3), 230}}},
		},
	},
	{
		name:     "connection ends inside a multi-line reply",
		packets:  []string{"220-Welcome\r\n", "more"},
		problems: []string{AnomalyUnterminatedLine, AnomalyUnterminatedReply},
		replies: []Reply{{Code: 220, Valid: true, Text: "Welcome\nmore", Lines: 2, At: ref(1), End: ref(2),
			LineStarts: []LineStart{{ref(1), 220}, {ref(2), 0}}}},
	},
	{
		name:    "text is bounded",
		packets: []string{"220-" + strings.Repeat("x", 1000) + "\r\n220 " + strings.Repeat("y", 100) + "\r\n"},
		replies: []Reply{{Code: 220, Valid: true, Text: strings.Repeat("x", 1000) + "\n" + strings.Repeat("y", 23),
			Lines: 2, At: ref(1), End: ref(1), LineStarts: []LineStart{{ref(1), 220}, {ref(1), 220}}}},
	},
}

// readReplies runs a server stream through the line reader and reply
// assembler, each packet cut into pieces by split.
func readReplies(packets []string, split func([]byte) [][]byte) ([]Reply, []string) {
	lr := newLineReader(DefaultMaxLineLen, startsReply)
	var ra replyAssembler
	var replies []Reply
	var problems []string
	handle := func(l line) {
		if l.bareLF {
			problems = append(problems, AnomalyBareLF)
		}
		if l.unterminated {
			problems = append(problems, AnomalyUnterminatedLine)
		}
		if l.binaryCut {
			problems = append(problems, AnomalyBinaryLine)
		}
		r, done, problem := ra.line(l.b, l.at, false)
		if problem != "" {
			problems = append(problems, problem)
		}
		if done {
			replies = append(replies, r)
		}
	}
	for i, p := range packets {
		for _, piece := range split([]byte(p)) {
			for len(piece) > 0 {
				n, l, ok := lr.next(piece, ref(int64(i+1)))
				piece = piece[n:]
				if ok {
					handle(l)
				}
			}
		}
	}
	for l, ok := lr.flush(); ok; l, ok = lr.flush() {
		handle(l)
	}
	if r, ok := ra.flush(); ok {
		problems = append(problems, AnomalyUnterminatedReply)
		replies = append(replies, r)
	}
	return replies, problems
}

// splitters cut one packet's bytes into the pieces Data calls could bring:
// whole, at each single position, and byte by byte.
func splitters(n int) map[string]func([]byte) [][]byte {
	m := map[string]func([]byte) [][]byte{
		"whole": func(b []byte) [][]byte { return [][]byte{b} },
		"bytes": func(b []byte) [][]byte {
			out := make([][]byte, len(b))
			for i := range b {
				out[i] = b[i : i+1]
			}
			return out
		},
	}
	for i := 1; i < n; i++ {
		m["at "+strconv.Itoa(i)] = func(b []byte) [][]byte {
			if i >= len(b) {
				return [][]byte{b}
			}
			return [][]byte{b[:i], b[i:]}
		}
	}
	return m
}

func maxLen(ss []string) int {
	n := 0
	for _, s := range ss {
		n = max(n, len(s))
	}
	return n
}

func TestReplyStreamSplitAnywhere(t *testing.T) {
	for _, tc := range replyCases {
		for name, split := range splitters(maxLen(tc.packets)) {
			replies, problems := readReplies(tc.packets, split)
			if !reflect.DeepEqual(replies, tc.replies) {
				t.Errorf("%s, split %s:\n got  %+v\n want %+v", tc.name, name, replies, tc.replies)
			}
			if !reflect.DeepEqual(problems, tc.problems) {
				t.Errorf("%s, split %s: anomalies %q, want %q", tc.name, name, problems, tc.problems)
			}
		}
	}
}
