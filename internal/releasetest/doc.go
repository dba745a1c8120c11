// Package releasetest holds the tests of the release binary that make
// release writes: static, stamped, and runnable in a chroot that holds
// nothing else. They build it with the Makefile's own recipe, so they
// live in a package of their own, with their own test timeout.
package releasetest
