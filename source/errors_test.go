package source

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bad file never stops the good ones: each error names its file (and
// frame), and Next keeps returning the other files' packets.
func TestDamagedInputs(t *testing.T) {
	goodPath := corpusPath(t, "zeek/Traces/ftp/ipv4.pcap")
	good, err := os.ReadFile(goodPath)
	if err != nil {
		t.Fatal(err)
	}
	const goodPackets = 95
	ng, err := os.ReadFile(filepath.Join("testdata", "lo-and-any.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	// recordOffset returns where packet record n (1-based) starts in a pcap.
	recordOffset := func(b []byte, n int) int {
		off := 24
		for i := 1; i < n; i++ {
			off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
		}
		return off
	}
	withHugeCaplen := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(withHugeCaplen[recordOffset(good, 10)+8:], 0x7fffffff)
	// In the pcapng, the 5th block is the 2nd packet's (SHB, IDB, IDB,
	// EPB, EPB …); a block length below the minimum is damage.
	badBlock := append([]byte(nil), ng...)
	blockOffset := func(b []byte, n int) int {
		off := 0
		for i := 1; i < n; i++ {
			off += int(binary.LittleEndian.Uint32(b[off+4:]))
		}
		return off
	}
	binary.LittleEndian.PutUint32(badBlock[blockOffset(ng, 5)+4:], 3)
	gz := gzipBytes(t, good)

	tests := []struct {
		name    string
		content []byte // nil: the file does not exist
		wantErr string // "%s" stands for the path
		packets int64  // read from the damaged file before its error
		frame   int64  // the ReadError's frame; 0 for an open error
	}{
		{name: "missing", wantErr: "open %s: no such file or directory"},
		{name: "text", content: []byte("hello world\n"), wantErr: "open %s: not a pcap or pcapng file (magic 0x68656c6c)"},
		{name: "empty", content: []byte{}, wantErr: "open %s: empty file"},
		{name: "three bytes", content: good[:3], wantErr: "open %s: file too short for a capture header (3 bytes)"},
		{name: "pcap header cut", content: good[:10], wantErr: "open %s: pcap header: unexpected EOF"},
		{name: "modified pcap", content: []byte{0x34, 0xcd, 0xb2, 0xa1, 0, 0, 0, 0}, wantErr: "open %s: modified (Kuznetzov) pcap format is not supported (magic 0x34cdb2a1)"},
		{name: "gzip of nothing", content: gzipBytes(t, nil), wantErr: "open %s: empty file"},
		{
			name: "last packet cut", content: good[:len(good)-7], packets: goodPackets - 1, frame: goodPackets,
			wantErr: "read %s: frame 95: file ends inside the packet record: unexpected EOF",
		},
		{
			name: "cut inside a record header", content: good[:recordOffset(good, 41)+5], packets: 40, frame: 41,
			wantErr: "read %s: frame 41: file ends inside the packet record: unexpected EOF",
		},
		{
			name: "impossible capture length", content: withHugeCaplen, packets: 9, frame: 10,
			wantErr: "read %s: frame 10: capture length exceeds snap length: 2147483647 > 65535",
		},
		{
			name: "bad pcapng block length", content: badBlock, packets: 1, frame: 2,
			// The reader skips the block's claimed length and meets the end.
			wantErr: "read %s: frame 2: file ends inside the packet record: unexpected EOF",
		},
		{
			name: "gzip cut short", content: gz[:len(gz)*2/3], frame: -1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if tc.content != nil {
				writeTemp(t, dir, filepath.Base(bad), tc.content)
			}
			// The damaged file sits between two good ones.
			f, pkts := openAll(t, []string{goodPath, bad, goodPath}, Options{})
			infos := f.Inputs()
			errs := f.Errors()
			if len(errs) != 1 || infos[1].Err == nil || infos[0].Err != nil || infos[2].Err != nil {
				t.Fatalf("errors %v; input errors %v, %v, %v", errs, infos[0].Err, infos[1].Err, infos[2].Err)
			}
			err := infos[1].Err
			if errs[0] != err {
				t.Errorf("Errors() %v differs from InputInfo.Err %v", errs[0], err)
			}
			if tc.wantErr != "" {
				if want := strings.ReplaceAll(tc.wantErr, "%s", bad); err.Error() != want {
					t.Errorf("error\n got  %v\n want %s", err, want)
				}
			} else if !strings.Contains(err.Error(), bad) {
				t.Errorf("error %v does not name the file", err)
			}
			var re *ReadError
			switch {
			case tc.frame == 0:
				if errors.As(err, &re) {
					t.Errorf("open error %v is a ReadError", err)
				}
			case errors.As(err, &re):
				if tc.frame > 0 && re.FrameNumber() != tc.frame {
					t.Errorf("frame %d, want %d", re.FrameNumber(), tc.frame)
				}
				if re.FrameNumber() != infos[1].Packets+1 {
					t.Errorf("frame %d after %d packets", re.FrameNumber(), infos[1].Packets)
				}
			default:
				t.Errorf("read error %v (%T) is not a ReadError", err, err)
			}
			if tc.frame >= 0 && infos[1].Packets != tc.packets {
				t.Errorf("%d packets before the damage, want %d", infos[1].Packets, tc.packets)
			}
			if infos[1].EOF {
				t.Error("damaged input reports EOF")
			}
			want := 2*goodPackets + infos[1].Packets
			if int64(len(pkts)) != want {
				t.Errorf("%d packets delivered, want %d", len(pkts), want)
			}
		})
	}
}

// When no file can be read, OpenFiles says so, naming every file.
func TestNothingToRead(t *testing.T) {
	dir := t.TempDir()
	text := writeTemp(t, dir, "notes.txt", []byte("not a capture"))
	missing := filepath.Join(dir, "missing.pcap")
	f, err := OpenFiles([]string{text, missing}, Options{})
	if f != nil || err == nil {
		t.Fatalf("got %v, %v", f, err)
	}
	if !strings.Contains(err.Error(), "open "+text+": not a pcap") || !strings.Contains(err.Error(), "open "+missing+": no such file") {
		t.Errorf("error %q does not name both files", err)
	}
	if _, err := OpenFiles(nil, Options{}); err == nil {
		t.Error("no paths: no error")
	}
}
