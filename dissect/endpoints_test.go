package dissect

import (
	"net/netip"
	"testing"
)

func TestParsePASV(t *testing.T) {
	tests := []struct {
		text string
		want string // "" when not found
	}{
		{"Entering Passive Mode (192,168,1,1,4,1).", "192.168.1.1:1025"},
		{"Entering Passive Mode (10,220,50,76,64,155)", "10.220.50.76:16539"},
		{"=192,0,2,7,195,80", "192.0.2.7:50000"},
		{"Entering Passive Mode 198,51,100,3,0,21", "198.51.100.3:21"},
		{"Passive 1 (192, 0, 2, 9, 117, 48)", "192.0.2.9:30000"},
		{"Entering Passive Mode (256,1,1,1,4,1) or (192,0,2,1,4,1)", "192.0.2.1:1025"},
		{"Entering Passive Mode (0,0,0,0,4,1)", "0.0.0.0:1025"},
		{"Entering Passive Mode (192,0,2,1,0,0)", ""},    // port 0
		{"Entering Passive Mode (192,0,2,1,4)", ""},      // five numbers
		{"Entering Passive Mode (1920,0,2,1,4,1)", ""},   // four digits
		{"Entering Passive Mode (192,0,2,1,4,1000)", ""}, // p2 too long
		{"", ""},
		{"PASV invalid", ""},
	}
	for _, tt := range tests {
		got, ok := ParsePASV(tt.text)
		check(t, "ParsePASV", tt.text, got, ok, tt.want)
	}
}

func TestParsePORT(t *testing.T) {
	tests := []struct{ arg, want string }{
		{"192,168,0,13,234,10", "192.168.0.13:59914"},
		{" 192, 0, 2, 1, 4, 1 ", "192.0.2.1:1025"},
		{"192,0,2,1,4,1,", ""},
		{"192,0,2,1,4", ""},
		{"(192,0,2,1,4,1)", ""},
		{"192,0,2,1,4,1 junk", ""},
		{"300,0,2,1,4,1", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := ParsePORT(tt.arg)
		check(t, "ParsePORT", tt.arg, got, ok, tt.want)
	}
}

func TestParseEPSV(t *testing.T) {
	tests := []struct {
		text string
		want uint16
	}{
		{"Entering Extended Passive Mode (|||6446|)", 6446},
		{"Entering Extended Passive Mode (!!!65535!)", 65535},
		{"Entering Extended Passive Mode (###1#)", 1},
		{"EPSV ok |||5000| and (|||6000|)", 6000}, // the parenthesised form wins
		{"EPSV ok |||5000|", 5000},
		{"Entering Extended Passive Mode (|||65536|)", 0},
		{"Entering Extended Passive Mode (|||0|)", 0},
		{"Entering Extended Passive Mode (|||6446)", 0},
		{"Entering Extended Passive Mode (|||123456|)", 0},
		{"Entering Extended Passive Mode (111222|)", 0}, // digits cannot delimit
		{"Entering Extended Passive Mode (|2|2001:db8::1|6446|)", 0},
		{"", 0},
	}
	for _, tt := range tests {
		got, ok := ParseEPSV(tt.text)
		if ok != (tt.want != 0) || got != tt.want {
			t.Errorf("ParseEPSV(%q) = %d, %v; want %d", tt.text, got, ok, tt.want)
		}
	}
}

func TestParseEPRT(t *testing.T) {
	tests := []struct{ arg, want string }{
		{"|1|192.0.2.5|6275|", "192.0.2.5:6275"},
		{"|2|2001:db8::1|5282|", "[2001:db8::1]:5282"},
		{"!2!2001:db8::f!65535!", "[2001:db8::f]:65535"},
		{" |1|198.51.100.7|21| ", "198.51.100.7:21"},
		{"|2|::ffff:192.0.2.5|1000|", "192.0.2.5:1000"}, // v4-mapped: unmapped
		{"|1|2001:db8::1|5282|", ""},                    // family mismatch
		{"|2|192.0.2.5|5282|", ""},
		{"|3|192.0.2.5|5282|", ""},
		{"|1|192.0.2.5|0|", ""},
		{"|1|192.0.2.5|70000|", ""},
		{"|1|192.0.2.5|12x|", ""},
		{"|1|192.0.2.5|6275", ""},
		{"|1|192.0.2.5|6275|extra|", ""},
		{"1|192.0.2.5|6275|", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := ParseEPRT(tt.arg)
		check(t, "ParseEPRT", tt.arg, got, ok, tt.want)
	}
}

// check compares a parsed endpoint with the wanted one ("" for none).
func check(t *testing.T, fn, in string, got netip.AddrPort, ok bool, want string) {
	t.Helper()
	if want == "" {
		if ok {
			t.Errorf("%s(%q) = %v, want no endpoint", fn, in, got)
		}
		return
	}
	if !ok || got != netip.MustParseAddrPort(want) {
		t.Errorf("%s(%q) = %v, %v; want %s", fn, in, got, ok, want)
	}
}

func TestParseSizes(t *testing.T) {
	for text, want := range map[string]int64{
		"39424": 39424, " 0 ": 0, "12ab": -1, "": -1, "1234567890123456789": -1,
	} {
		got, ok := ParseSizeReply(text)
		if (want < 0 && ok) || (want >= 0 && (!ok || got != want)) {
			t.Errorf("ParseSizeReply(%q) = %d, %v; want %d", text, got, ok, want)
		}
	}
	for text, want := range map[string]int64{
		"Opening BINARY mode data connection for resume.doc (39424 bytes)": 39424,
		"Opening BINARY mode data connection for temp.txt (1164 bytes).":   1164,
		"Opening data connection for a (1).txt (0 Bytes)":                  0,
		"Opening BINARY mode data connection for a (2) b (77 bytes)":       77,
		"Here comes the directory listing.":                                -1,
		"Opening (123)":                                                    -1,
		"(99 byte":                                                         -1,
	} {
		if got := ParseTransferSize(text); got != want {
			t.Errorf("ParseTransferSize(%q) = %d, want %d", text, got, want)
		}
	}
}
