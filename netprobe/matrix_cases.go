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
// columns come from these sources: socket(7) and the kernel
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
			linux := "EADDRINUSE: inet_bind_conflict() lets a bind over TIME_WAIT through only with SO_REUSEADDR on both sockets or SO_REUSEPORT on both"
			if old.ReuseAddr && nu.ReuseAddr || old.ReusePort && nu.ReusePort {
				linux = "ok: inet_bind_conflict() finds the same reuse option on both sockets"
			}
			bsd := "EADDRINUSE: in_pcbbind_setup() needs SO_REUSEADDR or SO_REUSEPORT on the new socket"
			if nu.ReuseAddr {
				bsd = "ok: SO_REUSEADDR on the new socket is enough (in_pcbbind_setup())"
			} else if nu.ReusePort {
				bsd = "ok: SO_REUSEPORT alone on the new socket rebinds over TIME_WAIT (in_pcbbind_setup())"
			}
			cs = append(cs, matrixCase{Group: "time-wait", First: tcpListener(lo, old), Second: tcpListener(lo, nu), TimeWait: true, Linux: linux, BSD: bsd})
		}
	}
	cs = append(cs, matrixCase{Group: "time-wait", First: tcpListener(lo, optRA), Second: asNobody(tcpListener(lo, optRA)), TimeWait: true,
		Linux: "ok: SO_REUSEADDR on both and the old socket is not listening, so inet_bind_conflict() compares no uid; the port is free, nothing is taken",
		BSD:   "ok on FreeBSD (in_pcbbind_setup() exempts TIME_WAIT from its uid check); xnu's in_pcbbind() compares the uids unless both sockets are wildcards: EADDRINUSE"})

	// Two live TCP listeners on one address.
	for _, p := range [][2]sockOpts{{optNone, optNone}, {optRA, optRA}, {optRA, optRP}, {optRP, optNone}, {optNone, optRP}, {optRP, optRP}, {optRARP, optRARP}} {
		linux := "EADDRINUSE: inet_bind_conflict() shares a listener only with SO_REUSEPORT on every socket"
		bsd := "EADDRINUSE: only SO_REUSEPORT on every socket shares a port"
		if p[0].ReusePort && p[1].ReusePort {
			linux = "ok: a SO_REUSEPORT group (inet_bind_conflict()); connections hashed over its members by reuseport_select_sock()"
			bsd = "ok: SO_REUSEPORT on both; no balancing (FreeBSD balances only with SO_REUSEPORT_LB)"
		}
		cs = append(cs, matrixCase{Group: "two-listeners", First: tcpListener(lo, p[0]), Second: tcpListener(lo, p[1]), Linux: linux, BSD: bsd})
	}
	cs = append(cs, matrixCase{Group: "two-listeners", First: tcpListener(lo, optRA), Second: tcpListener(lo, optRA), LateListen: true,
		Linux: "listen: EADDRINUSE: both binds succeed (neither socket listens yet), but inet_csk_get_port() at listen() refuses a second SO_REUSEADDR listener",
		BSD:   "EADDRINUSE at the second bind"})
	for _, o := range []sockOpts{optRA, optRP, optRARP} {
		linux := "EADDRINUSE: SO_REUSEADDR never shares a live listener (inet_bind_conflict()), whoever owns it"
		if o.ReusePort {
			linux = "EADDRINUSE: inet_bind_conflict() forms a SO_REUSEPORT group only of sockets with one uid"
		}
		cs = append(cs, matrixCase{Group: "two-listeners", First: tcpListener(lo, o), Second: asNobody(tcpListener(lo, o)),
			Linux: linux,
			BSD:   "EADDRINUSE for a non-root binder overlapping another uid's port"})
	}

	// UDP co-binding on one address.
	for _, p := range [][2]sockOpts{{optNone, optNone}, {optRA, optRA}, {optRP, optRP}, {optRA, optNone}, {optNone, optRA}} {
		linux := "EADDRINUSE: udp_lib_lport_inuse() needs SO_REUSEADDR on both sockets or SO_REUSEPORT on both"
		bsd := "EADDRINUSE: unicast duplicates need SO_REUSEPORT on both"
		switch {
		case p[0].ReuseAddr && p[1].ReuseAddr:
			linux = "ok: udp_lib_lport_inuse() allows it; the last bound socket receives all unicast (equal compute_score(), newest first in the chain)"
		case p[0].ReusePort && p[1].ReusePort:
			linux = "ok: a SO_REUSEPORT group; datagrams hashed over it by reuseport_select_sock()"
			bsd = "ok: the last bound socket receives unicast"
		}
		cs = append(cs, matrixCase{Group: "udp", First: udpSocket(lo, p[0]), Second: udpSocket(lo, p[1]), Linux: linux, BSD: bsd})
	}
	for _, o := range []sockOpts{optNone, optRP} {
		linux := "EADDRINUSE: neither socket sets a reuse option (udp_lib_lport_inuse())"
		if o.ReusePort {
			linux = "EADDRINUSE: udp_lib_lport_inuse() shares a port through SO_REUSEPORT only between sockets of one uid"
		}
		cs = append(cs, matrixCase{Group: "udp", First: udpSocket(lo, o), Second: asNobody(udpSocket(lo, o)),
			Linux: linux,
			BSD:   "EADDRINUSE for a non-root binder overlapping another uid's port"})
	}
	cs = append(cs, matrixCase{Group: "udp", First: udpSocket(lo, optRA), Second: asNobody(udpSocket(lo, optRA)),
		Linux: "ok: with SO_REUSEADDR on both, udp_lib_lport_inuse() compares no owner; the other user, bound last, receives all unicast",
		BSD:   "EADDRINUSE for a non-root binder overlapping another uid's port"})
	cs = append(cs, matrixCase{Group: "udp", First: udpSocket(lo, optRARP), Second: asNobody(udpSocket(lo, optRARP)),
		Linux: "ok: not one SO_REUSEPORT group (the uids differ), but SO_REUSEADDR on both lets udp_lib_lport_inuse() through; the other user, bound last, receives all unicast",
		BSD:   "EADDRINUSE for a non-root binder overlapping another uid's port"})

	// Wildcard and specific address on one port, both orders.
	for _, order := range [][2]string{{"0.0.0.0", lo}, {lo, "0.0.0.0"}} {
		for _, o := range []sockOpts{optNone, optRA, optRP} {
			linux := "EADDRINUSE: inet_bind_conflict() refuses any overlap with a live listener, even with SO_REUSEADDR on both"
			bsd := "EADDRINUSE without SO_REUSEADDR on the second socket"
			if o.ReusePort {
				linux = "ok: SO_REUSEPORT on both (inet_bind_conflict()); the specific socket gets all of its address's traffic (inet_lhash2_lookup() tries the exact address first)"
				bsd = "ok: SO_REUSEPORT on both"
			} else if o.ReuseAddr {
				bsd = "ok: SO_REUSEADDR on the second socket allows the overlap"
			}
			cs = append(cs, matrixCase{Group: "wildcard-specific", First: tcpListener(order[0], o), Second: tcpListener(order[1], o), Linux: linux, BSD: bsd})
		}
	}
	cs = append(cs, matrixCase{Group: "wildcard-specific", First: tcpListener(lo, optNone), Second: tcpListener("127.0.0.2", optNone),
		Linux: "ok: different specific addresses never conflict (inet_bind_conflict() compares addresses first)",
		BSD:   "ok if 127.0.0.2 is configured (macOS has only 127.0.0.1 by default: EADDRNOTAVAIL)"})
	cs = append(cs, matrixCase{Group: "wildcard-specific", First: udpSocket("0.0.0.0", optNone), Second: udpSocket(lo, optNone),
		Linux: "EADDRINUSE: udp_lib_lport_inuse() refuses a wildcard overlap without a reuse option", BSD: "EADDRINUSE without SO_REUSEADDR on the second socket"})
	cs = append(cs, matrixCase{Group: "wildcard-specific", First: udpSocket("0.0.0.0", optRA), Second: udpSocket(lo, optRA),
		Linux: "ok: the specific socket receives all datagrams to its address (udp4_lib_lookup2() tries the exact address before the wildcard)",
		BSD:   "ok: SO_REUSEADDR on the second socket allows the overlap"})
	cs = append(cs, matrixCase{Group: "wildcard-specific", First: udpSocket("0.0.0.0", optRA), Second: asNobody(udpSocket(lo, optRA)),
		Linux: "ok: udp_lib_lport_inuse() compares no uid for SO_REUSEADDR; the specific socket receives all datagrams to its address, so the other user shadows 127.0.0.1",
		BSD:   "EADDRINUSE for a non-root binder overlapping another uid's port"})

	// IPv4/IPv6 dual stack.
	dual, v6only := withV6Only(optRA, 0), withV6Only(optRA, 1)
	cs = append(cs,
		matrixCase{Group: "dual-stack", First: tcpListener("::", dual), Second: tcpListener("0.0.0.0", optRA),
			Linux: "EADDRINUSE: a dual-stack [::] socket holds the IPv4 port too (inet_bind_conflict() through ipv6_rcv_saddr_equal())",
			BSD:   "ok: 0.0.0.0 and a dual-stack [::] coexist; IPv4 goes to the AF_INET socket"},
		matrixCase{Group: "dual-stack", First: tcpListener("0.0.0.0", optRA), Second: tcpListener("::", dual),
			Linux: "EADDRINUSE: the dual-stack [::] socket would hold the IPv4 port too (inet_bind_conflict())", BSD: "ok: they coexist"},
		matrixCase{Group: "dual-stack", First: udpSocket("::", dual), Second: udpSocket("0.0.0.0", optRA),
			Linux: "ok: udp_lib_lport_inuse() lets two SO_REUSEADDR sockets overlap; all IPv4 goes to the AF_INET socket whatever the order (compute_score() gives AF_INET 2, AF_INET6 1)",
			BSD:   "ok: they coexist"},
		matrixCase{Group: "dual-stack", First: udpSocket("0.0.0.0", optRA), Second: udpSocket("::", dual),
			Linux: "ok: udp_lib_lport_inuse() lets two SO_REUSEADDR sockets overlap; all IPv4 goes to the AF_INET socket whatever the order (compute_score() gives AF_INET 2, AF_INET6 1)",
			BSD:   "ok: they coexist"},
		matrixCase{Group: "dual-stack", First: udpSocket("::", withV6Only(optNone, 0)), Second: udpSocket("0.0.0.0", optNone),
			Linux: "EADDRINUSE: a dual-stack [::] socket holds the IPv4 port too (udp_lib_lport_inuse())", BSD: "ok: they coexist"},
		matrixCase{Group: "dual-stack", First: tcpListener("::", v6only), Second: tcpListener("0.0.0.0", optRA),
			Linux: "ok: with IPV6_V6ONLY the families are separate ports (inet_bind_conflict() through ipv6_rcv_saddr_equal())", BSD: "ok"},
		matrixCase{Group: "dual-stack", First: tcpListener("::", withV6Only(optRP, 0)), Second: tcpListener("0.0.0.0", optRP),
			Linux: "ok: SO_REUSEPORT on both (inet_bind_conflict()); each family goes to its own socket (compute_score() prefers AF_INET for IPv4)", BSD: "ok"},
		matrixCase{Group: "dual-stack", First: tcpListener("::", dual), Second: tcpListener("::1", optRA),
			Linux: "EADDRINUSE: inet_bind_conflict() refuses any overlap with a live listener", BSD: "ok: SO_REUSEADDR on the second socket allows the overlap"},
		matrixCase{Group: "dual-stack", First: tcpListener("0.0.0.0", optRA), Second: asNobody(tcpListener("::", v6only)),
			Linux: "ok: an IPv6-only socket never conflicts with an IPv4 one, so inet_bind_conflict() compares no uid; \"localhost\" clients trying ::1 first reach the other user",
			BSD:   "ok: an IPv6-only socket does not overlap IPv4 ones, and xnu's in_pcbbind() skips the uid check when both sockets are wildcards (unverified)"},
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
