//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package netprobe

import "net"

// guardLoopback reserves nothing here: on Windows SO_EXCLUSIVEADDRUSE is
// per address, and a reserving socket for the other loopback family is not
// implemented (the README says so).
func guardLoopback(net.Addr) (interface{ Close() error }, error) { return nil, nil }
