//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package netprobe

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// openSocket creates a non-blocking socket for proto on addr's family, owned
// by uid when uid >= 0, and sets o. Nothing is bound yet.
func openSocket(proto string, addr netip.Addr, o sockOpts, uid int) (*probeSocket, error) {
	family := unix.AF_INET
	if addr.Is6() {
		family = unix.AF_INET6
	}
	typ := unix.SOCK_STREAM
	if proto == "udp" {
		typ = unix.SOCK_DGRAM
	}
	var fd int
	var err error
	// Close-on-exec, set under ForkLock as package net does where
	// SOCK_CLOEXEC is missing: a probe socket leaking into a child process
	// would outlive the probe and show up as shared with that child.
	syscall.ForkLock.RLock()
	if uid >= 0 {
		fd, err = socketAs(uid, family, typ)
	} else {
		fd, err = unix.Socket(family, typ, 0)
	}
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	s := &probeSocket{fd: fd, proto: proto, addr: addr}
	if err := setOpts(fd, family, o); err != nil {
		s.close()
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func setOpts(fd, family int, o sockOpts) error {
	set := func(level, opt int, on bool, name string) error {
		v := 0
		if on {
			v = 1
		}
		if err := unix.SetsockoptInt(fd, level, opt, v); err != nil {
			return fmt.Errorf("setsockopt %s: %w", name, err)
		}
		return nil
	}
	// Set both flags explicitly, so a kernel default never hides in a row.
	if err := set(unix.SOL_SOCKET, unix.SO_REUSEADDR, o.ReuseAddr, "SO_REUSEADDR"); err != nil {
		return err
	}
	if err := set(unix.SOL_SOCKET, unix.SO_REUSEPORT, o.ReusePort, "SO_REUSEPORT"); err != nil {
		return err
	}
	if o.Exclusive {
		return errors.New("SO_EXCLUSIVEADDRUSE exists only on Windows")
	}
	if family == unix.AF_INET6 && o.V6Only >= 0 {
		return set(unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, o.V6Only == 1, "IPV6_V6ONLY")
	}
	return nil
}

func sockaddr(addr netip.Addr, port uint16) unix.Sockaddr {
	if addr.Is4() {
		return &unix.SockaddrInet4{Port: int(port), Addr: addr.As4()}
	}
	return &unix.SockaddrInet6{Port: int(port), Addr: addr.As16()}
}

func (s *probeSocket) bind(port uint16) error {
	return unix.Bind(s.fd, sockaddr(s.addr, port))
}

func (s *probeSocket) listen() error { return unix.Listen(s.fd, 128) }

func (s *probeSocket) close() {
	if s != nil && s.fd >= 0 {
		unix.Close(s.fd)
		s.fd = -1
	}
}

func (s *probeSocket) port() (uint16, error) {
	sa, err := unix.Getsockname(s.fd)
	if err != nil {
		return 0, err
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return uint16(sa.Port), nil
	case *unix.SockaddrInet6:
		return uint16(sa.Port), nil
	}
	return 0, fmt.Errorf("unexpected socket address %T", sa)
}

// errnoName names a bind or listen error the way the man pages do.
func errnoName(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name := unix.ErrnoName(errno); name != "" {
			return name
		}
	}
	return err.Error()
}

// waitFD waits up to timeoutMS for events on fd.
func waitFD(fd int, events int16, timeoutMS int) bool {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: events}}
	for {
		n, err := unix.Poll(pfd, timeoutMS)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0
	}
}

// dial connects a fresh non-blocking TCP socket to addr:port and returns it
// once the handshake is done (loopback completes it at once).
func dial(addr netip.Addr, port uint16) (*probeSocket, error) {
	c, err := openSocket("tcp", addr, sockOpts{V6Only: -1}, -1)
	if err != nil {
		return nil, err
	}
	err = unix.Connect(c.fd, sockaddr(addr, port))
	if err == unix.EINPROGRESS {
		if !waitFD(c.fd, unix.POLLOUT, 1000) {
			c.close()
			return nil, errors.New("connect timed out")
		}
		var soErr int
		soErr, err = unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err == nil && soErr != 0 {
			err = syscall.Errno(soErr)
		}
	}
	if err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// countTCP makes n connections to addr:port, then drains every listener and
// returns how many connections each accepted.
func countTCP(addr netip.Addr, port uint16, n int, listeners []*probeSocket) ([]int, error) {
	var clients []*probeSocket
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	for range n {
		c, err := dial(addr, port)
		if err != nil {
			return nil, fmt.Errorf("connect %s: %w", netip.AddrPortFrom(addr, port), err)
		}
		clients = append(clients, c)
	}
	return drain(listeners, n, func(fd int) bool {
		nfd, _, err := unix.Accept(fd)
		if err != nil {
			return false
		}
		unix.Close(nfd)
		return true
	}), nil
}

// countUDP sends n datagrams to addr:port, each from a fresh socket so that
// hashing reuse-port groups sees n different sources, and returns how many
// each receiver got.
func countUDP(addr netip.Addr, port uint16, n int, receivers []*probeSocket) ([]int, error) {
	for range n {
		c, err := openSocket("udp", addr, sockOpts{V6Only: -1}, -1)
		if err != nil {
			return nil, err
		}
		err = unix.Sendto(c.fd, []byte("netprobe"), 0, sockaddr(addr, port))
		c.close()
		if err != nil {
			return nil, fmt.Errorf("sendto %s: %w", netip.AddrPortFrom(addr, port), err)
		}
	}
	buf := make([]byte, 64)
	return drain(receivers, n, func(fd int) bool {
		_, _, err := unix.Recvfrom(fd, buf, 0)
		return err == nil
	}), nil
}

// makeTimeWait leaves a TIME_WAIT socket on addr:port: a listener with o
// accepts one connection, the server side closes first (so it is the one
// that waits), the client reads EOF and closes, and the listener is closed.
func makeTimeWait(addr netip.Addr, port uint16, o sockOpts, uid int) error {
	l, err := openSocket("tcp", addr, o, uid)
	if err != nil {
		return err
	}
	defer l.close()
	if err := l.bind(port); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	if err := l.listen(); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	c, err := dial(addr, port)
	if err != nil {
		return err
	}
	defer c.close()
	if !waitFD(l.fd, unix.POLLIN, 1000) {
		return errors.New("accept timed out")
	}
	sfd, _, err := unix.Accept(l.fd)
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	unix.Close(sfd)
	if waitFD(c.fd, unix.POLLIN, 1000) {
		var b [1]byte
		unix.Read(c.fd, b[:])
	}
	return nil
}

// socketV6Only reads IPV6_V6ONLY back, since the default differs between
// systems (Linux 0 unless net.ipv6.bindv6only, FreeBSD 1).
func socketV6Only(s *probeSocket) bool {
	if !s.addr.Is6() {
		return false
	}
	v, err := unix.GetsockoptInt(s.fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY)
	return err == nil && v == 1
}

// drain calls take on every socket until total reaches want or nothing more
// arrives for 100ms: loopback delivers at once, the wait only covers a
// scheduler hiccup.
func drain(socks []*probeSocket, want int, take func(fd int) bool) []int {
	counts := make([]int, len(socks))
	total := 0
	deadline := time.Now().Add(100 * time.Millisecond)
	for {
		for i, s := range socks {
			for take(s.fd) {
				counts[i]++
				total++
			}
		}
		if total >= want || time.Now().After(deadline) {
			return counts
		}
		pfds := make([]unix.PollFd, len(socks))
		for i, s := range socks {
			pfds[i] = unix.PollFd{Fd: int32(s.fd), Events: unix.POLLIN}
		}
		unix.Poll(pfds, 10)
	}
}
