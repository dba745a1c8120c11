//go:build !cgo

package source

import (
	"context"
	"errors"
)

// errNoLibpcap: live capture goes through libpcap, which a build without
// cgo does not link. Reading files still works.
var errNoLibpcap = errors.New("live capture needs a build with cgo and libpcap")

// OpenLive needs libpcap.
func OpenLive(_ context.Context, opts LiveOptions) (*Live, error) {
	return nil, &CaptureError{Kind: CaptureUnsupported, Interface: opts.Interface, Err: errNoLibpcap}
}

// Interfaces needs libpcap.
func Interfaces() ([]Interface, error) {
	return nil, errNoLibpcap
}
