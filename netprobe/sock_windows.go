//go:build windows

package netprobe

import (
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/windows"
)

func openSocket(proto string, addr netip.Addr, o sockOpts, uid int) (*probeSocket, error) {
	if uid >= 0 {
		return nil, errNoOtherUser
	}
	family := windows.AF_INET
	if addr.Is6() {
		family = windows.AF_INET6
	}
	typ, protocol := windows.SOCK_STREAM, windows.IPPROTO_TCP
	if proto == "udp" {
		typ, protocol = windows.SOCK_DGRAM, windows.IPPROTO_UDP
	}
	h, err := windows.Socket(family, typ, protocol)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	s := &probeSocket{fd: int(h), proto: proto, addr: addr}
	set := func(level, opt int, name string) error {
		if err := windows.SetsockoptInt(h, level, opt, 1); err != nil {
			return fmt.Errorf("setsockopt %s: %w", name, err)
		}
		return nil
	}
	switch {
	case o.ReusePort:
		err = errors.New("no SO_REUSEPORT on Windows")
	case o.ReuseAddr:
		err = set(windows.SOL_SOCKET, windows.SO_REUSEADDR, "SO_REUSEADDR")
	}
	if err == nil && o.Exclusive {
		err = set(windows.SOL_SOCKET, soExclusiveAddrUse, "SO_EXCLUSIVEADDRUSE")
	}
	if err == nil && family == windows.AF_INET6 && o.V6Only >= 0 {
		err = windows.SetsockoptInt(h, windows.IPPROTO_IPV6, windows.IPV6_V6ONLY, o.V6Only)
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *probeSocket) handle() windows.Handle { return windows.Handle(s.fd) }

func (s *probeSocket) bind(port uint16) error {
	var sa windows.Sockaddr
	if s.addr.Is4() {
		sa = &windows.SockaddrInet4{Port: int(port), Addr: s.addr.As4()}
	} else {
		sa = &windows.SockaddrInet6{Port: int(port), Addr: s.addr.As16()}
	}
	return windows.Bind(s.handle(), sa)
}

func (s *probeSocket) listen() error { return windows.Listen(s.handle(), 128) }

func (s *probeSocket) close() {
	if s != nil && s.fd >= 0 {
		windows.Closesocket(s.handle())
		s.fd = -1
	}
}

func (s *probeSocket) port() (uint16, error) {
	sa, err := windows.Getsockname(s.handle())
	if err != nil {
		return 0, err
	}
	switch sa := sa.(type) {
	case *windows.SockaddrInet4:
		return uint16(sa.Port), nil
	case *windows.SockaddrInet6:
		return uint16(sa.Port), nil
	}
	return 0, fmt.Errorf("unexpected socket address %T", sa)
}

// winsockNames covers the errors a bind or listen probe can meet.
var winsockNames = map[windows.Errno]string{
	windows.WSAEADDRINUSE:      "WSAEADDRINUSE",
	windows.WSAEACCES:          "WSAEACCES",
	10049:                      "WSAEADDRNOTAVAIL",
	10022:                      "WSAEINVAL",
	windows.WSAEAFNOSUPPORT:    "WSAEAFNOSUPPORT",
	windows.WSAEPROTONOSUPPORT: "WSAEPROTONOSUPPORT",
}

func errnoName(err error) string {
	var errno windows.Errno
	if errors.As(err, &errno) {
		if name, ok := winsockNames[errno]; ok {
			return name
		}
	}
	return err.Error()
}

func countTCP(netip.Addr, uint16, int, []*probeSocket) ([]int, error) { return nil, errNotMeasuredHere }
func countUDP(netip.Addr, uint16, int, []*probeSocket) ([]int, error) { return nil, errNotMeasuredHere }
func makeTimeWait(netip.Addr, uint16, sockOpts, int) error            { return errNotMeasuredHere }

// socketV6Only is not needed where traffic is not measured.
func socketV6Only(*probeSocket) bool { return true }
