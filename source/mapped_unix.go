//go:build unix

package source

import (
	"os"
	"syscall"
)

// mapFile maps a regular file read-only. ok is false when it cannot be
// mapped (too large for this platform, a file system without mmap), and
// the caller reads it the usual way.
func mapFile(f *os.File, size int64) (data []byte, unmap func() error, ok bool) {
	if size <= 0 || int64(int(size)) != size {
		return nil, nil, false
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, false
	}
	// Read front to back: ask the kernel to read ahead and to drop pages
	// behind, so a file larger than memory streams through.
	_ = syscall.Madvise(data, syscall.MADV_SEQUENTIAL)
	return data, func() error { return syscall.Munmap(data) }, true
}

// releaseMapped tells the kernel the process is done with b (page
// aligned): its pages leave the process's resident set and stay in the
// page cache, so reading a large file does not count the whole file as
// the process's memory. A later touch maps them again from the cache.
func releaseMapped(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
