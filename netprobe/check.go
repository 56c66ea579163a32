package netprobe

import (
	"fmt"
	"net/netip"
	"os"
	"runtime"
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
	rep := &CheckReport{Target: target.String(), Holders: []Socket{}, Attempts: []CheckAttempt{}, Takeable: []CheckAttempt{}}
	protos := []string{"tcp"}
	if udp {
		protos = append(protos, "udp")
	}
	if res, err := Scan(ScanOptions{}); err == nil {
		rep.HoldersKnown = true
		for _, s := range res.Sockets {
			if (s.Proto == "tcp" || udp) && s.Port == target.Port() && overlaps(s, target.Addr()) {
				rep.Holders = append(rep.Holders, s)
			}
		}
	}
	uids := []int{-1}
	if runtime.GOOS == "linux" && os.Geteuid() == 0 {
		uids = append(uids, nobodyUID)
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

// ParseTarget parses "ADDR:PORT" ("127.0.0.1:8080", "[::1]:53").
func ParseTarget(s string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return ap, fmt.Errorf("bad address %q: want ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:53", s)
	}
	if ap.Port() == 0 {
		return ap, fmt.Errorf("bad address %q: port 0 is not a live port", s)
	}
	if ap.Addr().Zone() != "" {
		return ap, fmt.Errorf("bad address %q: zones are not supported", s)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}
