//go:build unix

package fakekernel

import (
	"net"
	"os"
	"syscall"
)

// Pair returns the two ends of an AF_UNIX stream socketpair: the first for
// the server under test, the second for the fake kernel.
func Pair() (server, kernel *net.UnixConn, err error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, nil, err
	}
	conn := func(fd int) (*net.UnixConn, error) {
		f := os.NewFile(uintptr(fd), "socketpair")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			return nil, err
		}
		return c.(*net.UnixConn), nil
	}
	s, err := conn(fds[0])
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, err
	}
	k, err := conn(fds[1])
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, k, nil
}
