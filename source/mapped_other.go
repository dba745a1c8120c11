//go:build !unix

package source

import "os"

// mapFile is not available here: files are read the usual way.
func mapFile(*os.File, int64) ([]byte, func() error, bool) { return nil, nil, false }

func releaseMapped([]byte) {}
