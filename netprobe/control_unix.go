//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package netprobe

import "golang.org/x/sys/unix"

// makeExclusive turns SO_REUSEPORT off (every socket of a reuse-port group
// must set it, so a socket without it cannot be joined). For UDP it also turns
// SO_REUSEADDR off: Linux co-binds two UDP sockets that both set it, with no
// check of the owner. TCP keeps Go's SO_REUSEADDR: on Linux it only allows
// rebinding over TIME_WAIT, and on BSD the second socket's flag alone decides
// overlaps, so clearing ours would protect nothing.
func makeExclusive(fd uintptr, network string) error {
	if err := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 0); err != nil {
		return err
	}
	if network[:3] == "udp" {
		return unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 0)
	}
	return nil
}
