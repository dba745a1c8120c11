//go:build !linux

package source

// populateMapped does nothing here: pages fault in as they are read.
func populateMapped([]byte) bool { return true }
