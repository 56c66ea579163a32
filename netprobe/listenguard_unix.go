//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package netprobe

import (
	"errors"
	"net"

	"golang.org/x/sys/unix"
)

// guardLoopback binds the other family's loopback address on the
// listener's port with no reuse option and never listens on it: a TCP
// socket bound without SO_REUSEADDR or SO_REUSEPORT conflicts with every
// later bind of that address and port (inet_bind_conflict()), whoever makes
// it. It returns nil when the listener is not on loopback or the system has
// no such address (IPv6 disabled, say).
func guardLoopback(a net.Addr) (*probeSocket, error) {
	other, ok := otherLoopback(a)
	if !ok {
		return nil, nil
	}
	s, err := openSocket("tcp", other.Addr(), sockOpts{V6Only: 1}, -1)
	if errors.Is(err, unix.EAFNOSUPPORT) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	switch err := s.bind(other.Port()); {
	case err == nil:
		return s, nil
	case errors.Is(err, unix.EADDRINUSE):
		s.close()
		return nil, ErrLocalhostSplit
	case errors.Is(err, unix.EADDRNOTAVAIL), errors.Is(err, unix.EAFNOSUPPORT):
		s.close()
		return nil, nil
	default:
		s.close()
		return nil, err
	}
}

func (s *probeSocket) Close() error { s.close(); return nil }
