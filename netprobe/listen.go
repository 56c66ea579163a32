package netprobe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
)

// Listen is net.Listen for servers that must own their port alone: on
// Windows it sets SO_EXCLUSIVEADDRUSE, so no other socket (of any user) can
// bind over the listener, and on Unix it makes sure SO_REUSEPORT is off, so no
// other socket can join a reuse-port group with it. network must be "tcp",
// "tcp4" or "tcp6".
//
// On a loopback address (127.0.0.1 or ::1) it also reserves the same port on
// the other family's loopback address, bound but never listening (Unix),
// because "localhost" is both: without that, another user could bind [::1]
// on the port of a 127.0.0.1 server and take every client that tries ::1
// first. Clients of the reserved address are refused and fall back to the
// listener's. If that address is already held, Listen fails with
// ErrLocalhostSplit instead of serving half of localhost.
func Listen(ctx context.Context, network, address string) (net.Listener, error) {
	return ListenWith(ctx, net.ListenConfig{}, network, address)
}

// ListenWith is Listen with the caller's configuration (KeepAlive,
// KeepAliveConfig, MultipathTCP, and a Control that runs first: the
// exclusive options are applied after it, so a Control cannot switch them
// back off by accident).
func ListenWith(ctx context.Context, lc net.ListenConfig, network, address string) (net.Listener, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	lc.Control = chainControl(lc.Control)
	ln, err := lc.Listen(ctx, network, address)
	if err != nil {
		return nil, err
	}
	l := &Listener{TCPListener: ln.(*net.TCPListener)}
	guard, err := guardLoopback(ln.Addr())
	if err != nil {
		ln.Close()
		return nil, &net.OpError{Op: "listen", Net: network, Addr: ln.Addr(), Err: err}
	}
	if guard != nil {
		l.guard = guard
	}
	return l, nil
}

// Listener is what Listen returns: the TCP listener, and the socket that
// reserves the other loopback address, which Close closes too.
type Listener struct {
	*net.TCPListener
	guard interface{ Close() error } // nil when nothing is reserved
}

// Close closes the listener and the reservation.
func (l *Listener) Close() error {
	err := l.TCPListener.Close()
	if l.guard != nil {
		err = errors.Join(err, l.guard.Close())
	}
	return err
}

// ErrLocalhostSplit: the other loopback address on the listener's port is
// already held by another socket, which "localhost" clients could reach.
var ErrLocalhostSplit = errors.New("the other loopback address on this port is already held: localhost clients could reach that socket")

// ListenPacket is the datagram counterpart of Listen. It matters most on
// Windows, where any socket with SO_REUSEADDR can co-bind a UDP port that
// lacks SO_EXCLUSIVEADDRUSE; on Linux it also keeps SO_REUSEADDR off, because
// a co-bound UDP socket needs it on both sides and the kernel then hands all
// unicast traffic to the newest socket, whatever its owner. It reserves no
// other loopback address: a reserving UDP socket would receive (and drop)
// that address's datagrams, so bind both families if localhost matters.
func ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	return ListenPacketWith(ctx, net.ListenConfig{}, network, address)
}

// ListenPacketWith is ListenPacket with the caller's configuration, as
// ListenWith.
func ListenPacketWith(ctx context.Context, lc net.ListenConfig, network, address string) (net.PacketConn, error) {
	switch network {
	case "udp", "udp4", "udp6":
	default:
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	lc.Control = chainControl(lc.Control)
	return lc.ListenPacket(ctx, network, address)
}

// chainControl runs the caller's Control, then exclusiveControl.
func chainControl(user func(network, address string, c syscall.RawConn) error) func(string, string, syscall.RawConn) error {
	if user == nil {
		return exclusiveControl
	}
	return func(network, address string, c syscall.RawConn) error {
		if err := user(network, address, c); err != nil {
			return err
		}
		return exclusiveControl(network, address, c)
	}
}

// exclusiveControl runs after Go's default socket options and before bind.
// Both the RawConn error and the setsockopt error are returned: dropping one
// of them (as some reuse-port libraries do) would hand back a listener that
// silently lacks the protection.
func exclusiveControl(network, _ string, c syscall.RawConn) error {
	var optErr error
	ctrlErr := c.Control(func(fd uintptr) {
		optErr = makeExclusive(fd, network)
	})
	return errors.Join(ctrlErr, optErr)
}

// otherLoopback returns the loopback address of the other family, when a
// is a loopback address.
func otherLoopback(a net.Addr) (netip.AddrPort, bool) {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}, false
	}
	ap := tcp.AddrPort()
	ip := ap.Addr().Unmap()
	switch {
	case ip == netip.MustParseAddr("127.0.0.1"):
		return netip.AddrPortFrom(netip.IPv6Loopback(), ap.Port()), true
	case ip == netip.IPv6Loopback():
		return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ap.Port()), true
	}
	return netip.AddrPort{}, false
}
