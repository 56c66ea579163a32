package netprobe

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
)

var (
	errBadTarget  = errors.New("want ADDR:PORT, e.g. 127.0.0.1:8080, [::1]:53 or localhost:80")
	errNotNumeric = errors.New("give a numeric address (or localhost): a name can resolve to other addresses for other clients")
	errPortZero   = errors.New("port 0 is not a live port")
)

// CheckAttempt is one trial bind against the checked address.
type CheckAttempt struct {
	Proto   string `json:"proto"`
	Options string `json:"options"`
	UID     int    `json:"uid"`    // the owner of the trial socket
	Result  string `json:"result"` // "ok" or the errno
}

// CheckReport is the result of Check.
type CheckReport struct {
	Target string `json:"target"`
	// Holders are the sockets that already hold the address and port (Scan
	// on this system); HoldersKnown is false where Scan is unsupported.
	Holders      []Socket       `json:"holders"`
	HoldersKnown bool           `json:"holders_known"`
	Attempts     []CheckAttempt `json:"attempts"`
	// Takeable lists the attempts that bound while a holder was there.
	Takeable []CheckAttempt `json:"takeable"`
	// NotTried says what Check did not try, and why: UDP without the
	// caller's consent, another uid without root, an address this host
	// does not have. A report with no takeable bind is a clean bill only
	// for what was tried.
	NotTried []string `json:"not_tried"`
	// NotLocal: the address is not one of this host's, so no socket here
	// can hold it and no trial could bind.
	NotLocal bool `json:"not_local,omitempty"`
}

// checkOptions are the combinations Check tries on this system.
func checkOptions() []sockOpts {
	if runtime.GOOS == "windows" {
		return []sockOpts{optNone, optRA, optEX}
	}
	return []sockOpts{optNone, optRA, optRP, optRARP}
}

// Check tries to bind a new socket to target with every option combination,
// as the caller and (as root on Linux) as uid 65534, and reports which
// binds succeed. TCP sockets are bound and closed without listen(), so they
// never receive a connection. UDP is only tried when udp is true: a UDP
// socket receives datagrams from the moment it is bound, so even a brief
// successful trial can swallow a few of the holder's datagrams.
func Check(target netip.AddrPort, udp bool) (*CheckReport, error) {
	rep := &CheckReport{Target: target.String(), Holders: []Socket{}, Attempts: []CheckAttempt{}, Takeable: []CheckAttempt{}, NotTried: []string{}}
	protos := []string{"tcp"}
	if res, err := Scan(ScanOptions{}); err == nil {
		rep.HoldersKnown = true
		for _, s := range res.Sockets {
			if s.Port == target.Port() && !s.connected() && overlaps(s, target.Addr()) {
				rep.Holders = append(rep.Holders, s)
			}
		}
	} else {
		rep.NotTried = append(rep.NotTried, fmt.Sprintf("the holders were not listed (%v): every successful bind is reported as takeable", err))
	}
	switch {
	case udp:
		protos = append(protos, "udp")
	case holdsProto(rep.Holders, "udp"):
		rep.NotTried = append(rep.NotTried, "UDP binds: the port is held by UDP sockets, but a UDP trial receives datagrams while it exists, so it runs only with --udp")
	default:
		rep.NotTried = append(rep.NotTried, "UDP binds (run with --udp to try them)")
	}
	uids := []int{-1}
	switch {
	case runtime.GOOS == "linux" && os.Geteuid() == 0:
		uids = append(uids, nobodyUID)
	case runtime.GOOS == "linux":
		rep.NotTried = append(rep.NotTried, fmt.Sprintf("binds as another user (uid %d): they need root", nobodyUID))
	default:
		rep.NotTried = append(rep.NotTried, "binds as another user: only on Linux as root")
	}
	for _, proto := range protos {
		for _, uid := range uids {
			for _, o := range checkOptions() {
				a := CheckAttempt{Proto: proto, Options: o.String(), UID: uid}
				if uid < 0 {
					a.UID = os.Geteuid() // -1 on Windows
				}
				s, err := openSocket(proto, target.Addr(), o, uid)
				if err != nil {
					return nil, err
				}
				err = s.bind(target.Port())
				s.close()
				a.Result = "ok"
				if err != nil {
					a.Result = errnoName(err)
				}
				rep.Attempts = append(rep.Attempts, a)
				if err == nil && (!rep.HoldersKnown || holdsProto(rep.Holders, proto)) {
					rep.Takeable = append(rep.Takeable, a)
				}
			}
		}
	}
	rep.NotLocal = len(rep.Holders) == 0
	for _, a := range rep.Attempts {
		rep.NotLocal = rep.NotLocal && a.Result == "EADDRNOTAVAIL"
	}
	if rep.NotLocal {
		rep.NotTried = append(rep.NotTried, fmt.Sprintf("everything: %s is not an address of this host (EADDRNOTAVAIL), so nothing here can hold it; check it on the host that has it", target.Addr()))
	}
	return rep, nil
}

func holdsProto(socks []Socket, proto string) bool {
	for _, s := range socks {
		if s.Proto == proto {
			return true
		}
	}
	return false
}

// overlaps reports whether socket s competes for traffic to addr.
func overlaps(s Socket, addr netip.Addr) bool {
	sa := s.ip()
	switch {
	case sa == addr.Unmap():
		return true
	case addr.IsUnspecified():
		return sa.Is6() == addr.Is6() || (addr.Is6() && !s.is6())
	case sa.IsUnspecified():
		return sa.Is6() == addr.Is6() || (!addr.Is6() && s.coversV4())
	}
	return false
}

// ParseTargets parses "ADDR:PORT" ("127.0.0.1:8080", "[::1]:53") into one
// target, and "localhost:PORT" into both loopback addresses: "localhost"
// means 127.0.0.1 to some clients and ::1 to others, and the split between
// them is exactly where another user can take a port.
func ParseTargets(s string) ([]netip.AddrPort, error) {
	if host, port, ok := strings.Cut(s, ":"); ok && strings.EqualFold(host, "localhost") {
		v4, err := ParseTarget("127.0.0.1:" + port)
		if err != nil {
			return nil, fmt.Errorf("bad address %q: %w", s, errors.Unwrap(err))
		}
		return []netip.AddrPort{v4, netip.AddrPortFrom(netip.IPv6Loopback(), v4.Port())}, nil
	}
	t, err := ParseTarget(s)
	if err != nil {
		return nil, err
	}
	return []netip.AddrPort{t}, nil
}

// ParseTarget parses one numeric "ADDR:PORT" ("127.0.0.1:8080", "[::1]:53").
func ParseTarget(s string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		if host, _, ok := strings.Cut(s, ":"); ok && host != "" && !strings.HasPrefix(host, "[") && net.ParseIP(host) == nil {
			return ap, fmt.Errorf("bad address %q: %w", s, errNotNumeric)
		}
		return ap, fmt.Errorf("bad address %q: %w", s, errBadTarget)
	}
	if ap.Port() == 0 {
		return ap, fmt.Errorf("bad address %q: %w", s, errPortZero)
	}
	if ap.Addr().Zone() != "" {
		return ap, fmt.Errorf("bad address %q: zones are not supported", s)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}
