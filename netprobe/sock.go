package netprobe

import (
	"errors"
	"net/netip"
)

// sockOpts are the options a probe socket sets before bind.
type sockOpts struct {
	ReuseAddr bool // SO_REUSEADDR
	ReusePort bool // SO_REUSEPORT (Unix only)
	Exclusive bool // SO_EXCLUSIVEADDRUSE (Windows only)
	V6Only    int  // IPV6_V6ONLY: -1 leaves the system default, 0 or 1 sets it
}

func (o sockOpts) String() string {
	s := ""
	add := func(name string) {
		if s != "" {
			s += "+"
		}
		s += name
	}
	if o.ReuseAddr {
		add("SO_REUSEADDR")
	}
	if o.ReusePort {
		add("SO_REUSEPORT")
	}
	if o.Exclusive {
		add("SO_EXCLUSIVEADDRUSE")
	}
	if s == "" {
		s = "no option"
	}
	return s
}

// probeSocket is one socket a probe opened; fd is an int on Unix and a
// handle (widened to int) on Windows.
type probeSocket struct {
	fd    int
	proto string
	addr  netip.Addr
}

// errNoOtherUser is returned when a socket cannot be created for another uid.
var errNoOtherUser = errors.New("creating a socket for another uid needs Linux and root")

// nobodyUID is the uid the cross-user probes use (nobody).
const nobodyUID = 65534

// errNotIsolated means no private network namespace could be made (not
// Linux, or not root).
var errNotIsolated = errors.New("no private network namespace (needs Linux and root)")

// pickPort returns a port that is currently free for TCP and UDP on both
// families: the kernel picks it for a dual-stack "[::]:0" TCP socket that
// never connects (so it leaves no TIME_WAIT), and a dual-stack UDP bind then
// confirms UDP is free too.
func pickPort() (uint16, error) {
	for range 20 {
		s, err := openSocket("tcp", netip.IPv6Unspecified(), sockOpts{V6Only: 0}, -1)
		if err != nil {
			return 0, err
		}
		err = s.bind(0)
		var p uint16
		if err == nil {
			p, err = s.port()
		}
		s.close()
		if err != nil {
			return 0, err
		}
		u, err := openSocket("udp", netip.IPv6Unspecified(), sockOpts{V6Only: 0}, -1)
		if err != nil {
			return 0, err
		}
		err = u.bind(p)
		u.close()
		if err == nil {
			return p, nil
		}
	}
	return 0, errors.New("no port is free for both TCP and UDP")
}

// errNotMeasuredHere: traffic counting and TIME_WAIT set-up use the Unix
// socket API; on Windows the matrix reports bind results only.
var errNotMeasuredHere = errors.New("traffic is not measured on this system")
