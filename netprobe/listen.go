package netprobe

import (
	"context"
	"errors"
	"net"
	"syscall"
)

// Listen is net.Listen for servers that must own their port alone: on
// Windows it sets SO_EXCLUSIVEADDRUSE, so no other socket (of any user) can
// bind over the listener, and on Unix it makes sure SO_REUSEPORT is off, so no
// other socket can join a reuse-port group with it. network must be "tcp",
// "tcp4" or "tcp6".
func Listen(ctx context.Context, network, address string) (net.Listener, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	lc := net.ListenConfig{Control: exclusiveControl}
	return lc.Listen(ctx, network, address)
}

// ListenPacket is the datagram counterpart of Listen. It matters most on
// Windows, where any socket with SO_REUSEADDR can co-bind a UDP port that
// lacks SO_EXCLUSIVEADDRUSE; on Linux it also keeps SO_REUSEADDR off, because
// a co-bound UDP socket needs it on both sides and the kernel then hands all
// unicast traffic to the newest socket, whatever its owner.
func ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	switch network {
	case "udp", "udp4", "udp6":
	default:
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	lc := net.ListenConfig{Control: exclusiveControl}
	return lc.ListenPacket(ctx, network, address)
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
