package dissect

import "testing"

func TestParseCommand(t *testing.T) {
	tests := []struct {
		line      string
		verb, arg string
		ok        bool
	}{
		{"USER anonymous", "USER", "anonymous", true},
		{"user anonymous", "USER", "anonymous", true},
		{"PASV", "PASV", "", true},
		{"PASV ", "PASV", "", true},
		{"TYPE\tI", "TYPE", "I", true},
		{"CWD   dir with  spaces ", "CWD", "dir with  spaces ", true},
		{"  NOOP", "NOOP", "", true},
		{"\xff\xf4\xff\xf2ABOR", "ABOR", "", true},        // Telnet IP + Synch before ABOR
		{"\xff\xfb\x01USER x", "USER", "x", true},         // IAC WILL ECHO
		{"\xf2ABOR", "ABOR", "", true},                    // DM whose IAC went as urgent data
		{"RETR \x00bin\x01", "RETR", "\x00bin\x01", true}, // kept, not interpreted
		{"G\x80RBAGE x", "G\x80RBAGE", "x", true},
		{"", "", "", false},
		{"   \t ", "", "", false},
		{"\xff\xf4", "", "", false},
	}
	for _, tt := range tests {
		verb, arg, ok := ParseCommand([]byte(tt.line))
		if verb != tt.verb || arg != tt.arg || ok != tt.ok {
			t.Errorf("ParseCommand(%q) = %q, %q, %v; want %q, %q, %v", tt.line, verb, arg, ok, tt.verb, tt.arg, tt.ok)
		}
	}
}

func TestKnownCommand(t *testing.T) {
	for _, v := range []string{"USER", "EPSV", "MLSD", "AUTH", "PBSZ", "PROT", "CCC", "FEAT", "OPTS", "LANG", "MDTM", "HOST", "XPWD",
		"PRET", "MLST", "MFMT", "MFCT", "HASH", "CLNT", "EPRT", "ALLO", "ACCT", "SMNT", "REIN", "STRU", "MODE", "SITE"} {
		if !KnownCommand(v) {
			t.Errorf("KnownCommand(%q) = false", v)
		}
	}
	for _, v := range []string{"GET", "SSH-2.0-OPENSSH_8.9", "user", "", "\x16\x03\x01"} {
		if KnownCommand(v) {
			t.Errorf("KnownCommand(%q) = true", v)
		}
	}
}

func TestPrepared(t *testing.T) {
	for _, tc := range []struct {
		cmd       Command
		verb, arg string
		ok        bool
	}{
		{Command{Verb: "PRET", Arg: "RETR pub/missing.bin"}, "RETR", "pub/missing.bin", true},
		{Command{Verb: "PRET", Arg: "list"}, "LIST", "", true},
		{Command{Verb: "PRET", Arg: ""}, "", "", false},
		{Command{Verb: "RETR", Arg: "RETR x"}, "", "", false},
	} {
		verb, arg, ok := tc.cmd.Prepared()
		if verb != tc.verb || arg != tc.arg || ok != tc.ok {
			t.Errorf("%+v: Prepared() = %q, %q, %v; want %q, %q, %v", tc.cmd, verb, arg, ok, tc.verb, tc.arg, tc.ok)
		}
	}
}

func TestIsPassVerb(t *testing.T) {
	for v, want := range map[string]bool{
		"PASS": true, "\x00PASS": true, "PA\x01SS": true,
		"PASSWORD": false, "PAS": false, "XPASS": false, "USER": false, "": false,
	} {
		if got := isPassVerb(v); got != want {
			t.Errorf("isPassVerb(%q) = %v, want %v", v, got, want)
		}
	}
}
