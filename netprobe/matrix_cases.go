package netprobe

import (
	"fmt"
	"runtime"
)

// Option sets used by the cases. V6Only -1 keeps the system default.
var (
	optNone = sockOpts{V6Only: -1}
	optRA   = sockOpts{ReuseAddr: true, V6Only: -1}
	optRP   = sockOpts{ReusePort: true, V6Only: -1}
	optRARP = sockOpts{ReuseAddr: true, ReusePort: true, V6Only: -1}
	optEX   = sockOpts{Exclusive: true, V6Only: -1}
)

func withV6Only(o sockOpts, v int) sockOpts { o.V6Only = v; return o }

func tcpListener(addr string, o sockOpts) side {
	return side{Proto: "tcp", Addr: addr, Opts: o, Listen: true}
}

func udpSocket(addr string, o sockOpts) side { return side{Proto: "udp", Addr: addr, Opts: o} }

func asNobody(s side) side { s.Other = true; return s }

// matrixCases returns the cases that apply to this system. The documented
// columns come from the facts sheet's sources: socket(7) and the kernel
// sources for Linux, the BSD/xnu in_pcb.c sources and Stack Overflow's
// canonical answer for BSD, and Microsoft's "Using SO_REUSEADDR and
// SO_EXCLUSIVEADDRUSE" for Windows.
func matrixCases() []matrixCase {
	if runtime.GOOS == "windows" {
		return windowsCases()
	}
	return unixCases()
}

func unixCases() []matrixCase {
	var cs []matrixCase
	lo := "127.0.0.1"
	opts := []sockOpts{optNone, optRA, optRP, optRARP}

	// Rebinding over TIME_WAIT.
	for _, old := range opts {
		for _, nu := range opts {
			linux := "EADDRINUSE: socket(7) needs SO_REUSEADDR on both sockets (or SO_REUSEPORT on both)"
			if old.ReuseAddr && nu.ReuseAddr || old.ReusePort && nu.ReusePort {
				linux = "ok: both sockets set the same reuse option"
			}
			bsd := "EADDRINUSE: the new socket needs SO_REUSEADDR"
			if nu.ReuseAddr {
				bsd = "ok: SO_REUSEADDR on the new socket is enough"
			} else if old.ReusePort && nu.ReusePort {
				bsd = "ok: SO_REUSEPORT on both"
			}
			cs = append(cs, matrixCase{Group: "time-wait", First: tcpListener(lo, old), Second: tcpListener(lo, nu), TimeWait: true, Linux: linux, BSD: bsd})
		}
	}
	cs = append(cs, matrixCase{Group: "time-wait", First: tcpListener(lo, optRA), Second: asNobody(tcpListener(lo, optRA)), TimeWait: true,
		Linux: "ok: TIME_WAIT is exempt from the SO_REUSEPORT uid rule; the port is free, nothing is taken",
		BSD:   "EADDRINUSE for a non-root binder overlapping another uid's port"})

	// Two live TCP listeners on one address.
	for _, p := range [][2]sockOpts{{optNone, optNone}, {optRA, optRA}, {optRA, optRP}, {optRP, optNone}, {optNone, optRP}, {optRP, optRP}, {optRARP, optRARP}} {
		linux := "EADDRINUSE: only SO_REUSEPORT on every socket, same uid, shares a listener"
		bsd := "EADDRINUSE: only SO_REUSEPORT on every socket shares a port"
		if p[0].ReusePort && p[1].ReusePort {
			linux = "ok: a SO_REUSEPORT group, connections hashed over its members"
			bsd = "ok: SO_REUSEPORT on both; no balancing (FreeBSD balances only with SO_REUSEPORT_LB)"
		}
		cs = append(cs, matrixCase{Group: "two-listeners", First: tcpListener(lo, p[0]), Second: tcpListener(lo, p[1]), Linux: linux, BSD: bsd})
	}
	cs = append(cs, matrixCase{Group: "two-listeners", First: tcpListener(lo, optRA), Second: tcpListener(lo, optRA), LateListen: true,
		Linux: "listen: EADDRINUSE: both binds succeed, but SO_REUSEADDR never shares a listener",
		BSD:   "EADDRINUSE at the second bind"})
	for _, o := range []sockOpts{optRA, optRP, optRARP} {
		cs = append(cs, matrixCase{Group: "two-listeners", First: tcpListener(lo, o), Second: asNobody(tcpListener(lo, o)),
			Linux: "EADDRINUSE: SO_REUSEPORT requires the same effective uid",
			BSD:   "EADDRINUSE for a non-root binder overlapping another uid's port"})
	}

	// UDP co-binding on one address.
	for _, p := range [][2]sockOpts{{optNone, optNone}, {optRA, optRA}, {optRP, optRP}, {optRA, optNone}, {optNone, optRA}} {
		linux := "EADDRINUSE: both sockets need SO_REUSEADDR or both SO_REUSEPORT"
		bsd := "EADDRINUSE: unicast duplicates need SO_REUSEPORT on both"
		switch {
		case p[0].ReuseAddr && p[1].ReuseAddr:
			linux = "ok: the last bound socket receives all unicast"
		case p[0].ReusePort && p[1].ReusePort:
			linux = "ok: datagrams hashed over the group"
			bsd = "ok: the last bound socket receives unicast"
		}
		cs = append(cs, matrixCase{Group: "udp", First: udpSocket(lo, p[0]), Second: udpSocket(lo, p[1]), Linux: linux, BSD: bsd})
	}
	for _, o := range []sockOpts{optNone, optRP} {
		cs = append(cs, matrixCase{Group: "udp", First: udpSocket(lo, o), Second: asNobody(udpSocket(lo, o)),
			Linux: "EADDRINUSE: SO_REUSEPORT requires the same uid",
			BSD:   "EADDRINUSE for a non-root binder overlapping another uid's port"})
	}
	cs = append(cs, matrixCase{Group: "udp", First: udpSocket(lo, optRA), Second: asNobody(udpSocket(lo, optRA)),
		Linux: "ok: udp_lib_lport_inuse() checks the uid only for SO_REUSEPORT; the other user gets all unicast",
		BSD:   "EADDRINUSE for a non-root binder overlapping another uid's port"})

	// Wildcard and specific address on one port, both orders.
	for _, order := range [][2]string{{"0.0.0.0", lo}, {lo, "0.0.0.0"}} {
		for _, o := range []sockOpts{optNone, optRA, optRP} {
			linux := "EADDRINUSE: a live listener conflicts with any overlap, even with SO_REUSEADDR on both"
			bsd := "EADDRINUSE without SO_REUSEADDR on the second socket"
			if o.ReusePort {
				linux = "ok: SO_REUSEPORT on both; the more specific socket gets its address's traffic"
				bsd = "ok: SO_REUSEPORT on both"
			} else if o.ReuseAddr {
				bsd = "ok: SO_REUSEADDR on the second socket allows the overlap"
			}
			cs = append(cs, matrixCase{Group: "wildcard-specific", First: tcpListener(order[0], o), Second: tcpListener(order[1], o), Linux: linux, BSD: bsd})
		}
	}
	cs = append(cs, matrixCase{Group: "wildcard-specific", First: tcpListener(lo, optNone), Second: tcpListener("127.0.0.2", optNone),
		Linux: "ok: different specific addresses never conflict",
		BSD:   "ok if 127.0.0.2 is configured (macOS has only 127.0.0.1 by default: EADDRNOTAVAIL)"})
	cs = append(cs, matrixCase{Group: "wildcard-specific", First: udpSocket("0.0.0.0", optNone), Second: udpSocket(lo, optNone),
		Linux: "EADDRINUSE", BSD: "EADDRINUSE without SO_REUSEADDR on the second socket"})
	cs = append(cs, matrixCase{Group: "wildcard-specific", First: udpSocket("0.0.0.0", optRA), Second: udpSocket(lo, optRA),
		Linux: "ok: the specific socket receives datagrams to its address",
		BSD:   "ok: SO_REUSEADDR on the second socket allows the overlap"})
	cs = append(cs, matrixCase{Group: "wildcard-specific", First: udpSocket("0.0.0.0", optRA), Second: asNobody(udpSocket(lo, optRA)),
		Linux: "ok: no uid check for SO_REUSEADDR UDP; the other user shadows 127.0.0.1",
		BSD:   "EADDRINUSE for a non-root binder overlapping another uid's port"})

	// IPv4/IPv6 dual stack.
	dual, v6only := withV6Only(optRA, 0), withV6Only(optRA, 1)
	cs = append(cs,
		matrixCase{Group: "dual-stack", First: tcpListener("::", dual), Second: tcpListener("0.0.0.0", optRA),
			Linux: "EADDRINUSE: a dual-stack [::] socket holds the IPv4 port too",
			BSD:   "ok: 0.0.0.0 and a dual-stack [::] coexist; IPv4 goes to the AF_INET socket"},
		matrixCase{Group: "dual-stack", First: tcpListener("0.0.0.0", optRA), Second: tcpListener("::", dual),
			Linux: "EADDRINUSE", BSD: "ok: they coexist"},
		matrixCase{Group: "dual-stack", First: udpSocket("::", dual), Second: udpSocket("0.0.0.0", optRA),
			Linux: "ok: udp_lib_lport_inuse() lets two SO_REUSEADDR sockets overlap; IPv4 goes to the newer socket",
			BSD:   "ok: they coexist"},
		matrixCase{Group: "dual-stack", First: udpSocket("::", withV6Only(optNone, 0)), Second: udpSocket("0.0.0.0", optNone),
			Linux: "EADDRINUSE: a dual-stack [::] socket holds the IPv4 port too", BSD: "ok: they coexist"},
		matrixCase{Group: "dual-stack", First: tcpListener("::", v6only), Second: tcpListener("0.0.0.0", optRA),
			Linux: "ok: with IPV6_V6ONLY the families are separate ports", BSD: "ok"},
		matrixCase{Group: "dual-stack", First: tcpListener("::", withV6Only(optRP, 0)), Second: tcpListener("0.0.0.0", optRP),
			Linux: "ok: SO_REUSEPORT on both; each family goes to its own socket", BSD: "ok"},
		matrixCase{Group: "dual-stack", First: tcpListener("::", dual), Second: tcpListener("::1", optRA),
			Linux: "EADDRINUSE", BSD: "ok: SO_REUSEADDR on the second socket allows the overlap"},
		matrixCase{Group: "dual-stack", First: tcpListener("0.0.0.0", optRA), Second: asNobody(tcpListener("::", v6only)),
			Linux: "ok: no uid rule across families; \"localhost\" clients trying ::1 reach the other user",
			BSD:   "EADDRINUSE for a non-root binder overlapping another uid's port (unverified for v4/v6)"},
	)
	return cs
}

// windowsCases follow Microsoft's bind table for Windows Server 2003 and
// later, same user. D is a socket with no option, W the wildcard, S
// 127.0.0.1; OK, WSAEADDRINUSE (IN) and WSAEACCES (AC) are the documented
// outcomes.
func windowsCases() []matrixCase {
	names := map[string]sockOpts{"D": optNone, "RA": optRA, "EX": optEX}
	addr := map[string]string{"W": "0.0.0.0", "S": "127.0.0.1"}
	docs := []struct{ first, second, want string }{
		{"D-S", "D-S", "IN"}, {"D-S", "RA-S", "AC"}, {"D-S", "EX-S", "IN"},
		{"RA-S", "D-S", "IN"}, {"RA-S", "RA-S", "OK"}, {"RA-S", "EX-S", "IN"},
		{"EX-S", "D-S", "IN"}, {"EX-S", "RA-S", "AC"}, {"EX-S", "EX-S", "IN"},
		{"D-W", "D-S", "OK"}, {"D-W", "RA-S", "OK"}, {"D-W", "RA-W", "AC"},
		{"RA-W", "D-S", "OK"}, {"RA-W", "RA-S", "OK"}, {"RA-W", "RA-W", "OK"},
		{"EX-W", "D-S", "AC"}, {"EX-W", "RA-S", "AC"}, {"EX-W", "RA-W", "AC"},
	}
	meaning := map[string]string{
		"OK": "ok: the second socket binds over the first",
		"IN": "WSAEADDRINUSE",
		"AC": "WSAEACCES",
	}
	parse := func(s string) side {
		var o, a string
		fmt.Sscanf(s, "%2s", &o)
		o, a = s[:len(s)-2], s[len(s)-1:]
		return tcpListener(addr[a], names[o])
	}
	var cs []matrixCase
	for _, d := range docs {
		cs = append(cs, matrixCase{Group: "windows-bind", First: parse(d.first), Second: parse(d.second),
			Windows: meaning[d.want] + " (Microsoft, 2003+, same user)"})
	}
	return cs
}
