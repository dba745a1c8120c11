//go:build static && linux && cgo

package main

// The release binary (make release, build tag "static") links Debian's
// libpcap.a, which needs libdbus-1.a for its D-Bus capture source, and
// Debian's libdbus-1.a is built with systemd socket activation: it calls
// sd_listen_fds and sd_is_socket, from libsystemd, of which Debian ships
// no static archive. D-Bus uses them only when dbus-daemon itself is
// started by systemd with sockets handed over; ftpcap never runs a D-Bus
// server. These two definitions give the answers libsystemd gives a
// process that was handed no sockets (none passed, not a socket), so the
// static link resolves and the library behaves as it would in ftpcap
// under any service manager.

/*
#include <errno.h>

int sd_listen_fds(int unset_environment) {
	(void)unset_environment;
	return 0;
}

int sd_is_socket(int fd, int family, int type, int listening) {
	(void)fd; (void)family; (void)type; (void)listening;
	return 0;
}
*/
import "C"
