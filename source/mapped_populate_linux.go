package source

import "syscall"

// madvPopulateRead is MADV_POPULATE_READ (Linux 5.14): map the pages of a
// range now, in one call, rather than one fault at a time as they are
// read. Older kernels refuse it and the pages fault in as before.
const madvPopulateRead = 22

// populateMapped maps b's pages ahead of reading them. It reports false
// when they lie past the file's end: the file shrank after it was mapped.
func populateMapped(b []byte) bool {
	return syscall.Madvise(b, madvPopulateRead) != syscall.EFAULT
}
