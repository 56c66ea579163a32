//go:build linux || windows

package netprobe

import "net/netip"

// newSocket fills Addr from a parsed address and keeps the parsed form for
// sorting and grouping. Only the systems with a socket list build sockets.
func newSocket(proto string, addr netip.Addr, port uint16) Socket {
	return Socket{Proto: proto, Addr: addr.String(), Port: port, addr: addr}
}
