package source

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A mapped file cut short under the reader: touching a page past its new
// end faults, and Guard turns the fault into an *InputCutShort error.
func TestGuardTurnsAFaultIntoAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	page := os.Getpagesize()
	if err := os.WriteFile(path, make([]byte, 4*page), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := syscall.Mmap(int(f.Fd()), 0, 4*page, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer syscall.Munmap(data)
	if err := os.Truncate(path, int64(page)); err != nil {
		t.Fatal(err)
	}
	var sum byte
	err = Guard(func() error {
		sum += data[0]        // still in the file
		sum += data[3*page+1] // past its new end: faults
		return nil
	})
	var cut *InputCutShort
	if !errors.As(err, &cut) || cut.Addr == 0 {
		t.Fatalf("Guard = %v (sum %d), want an *InputCutShort with the address", err, sum)
	}
}

// Guard passes through use's error, and any panic that is not a memory
// fault goes on: a bug is not a damaged file.
func TestGuardLeavesOtherPanics(t *testing.T) {
	want := errors.New("done")
	if err := Guard(func() error { return want }); err != want {
		t.Errorf("Guard = %v, want use's error", err)
	}
	defer func() {
		if r := recover(); r != "bug" {
			t.Errorf("recovered %v, want the panic to go on", r)
		}
	}()
	_ = Guard(func() error { panic("bug") })
	t.Error("Guard swallowed a panic that is not a memory fault")
}
