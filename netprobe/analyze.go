package netprobe

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Analyze groups sockets by protocol and port and returns the findings, in
// a stable order. It does not modify socks.
//
// Each rule follows the kernel's receive-side lookup (Linux:
// compute_score() with udp4_lib_lookup2()/udp6_lib_lookup2() for UDP and
// inet_lhash2_lookup() for TCP listeners): a socket bound to the packet's
// exact destination address is looked up before the wildcards; among equal
// candidates a connected socket (+4 for the peer's address, +4 for its
// port), a device-bound one (+4) and an AF_INET one for IPv4 (2 against 1)
// score higher; ties go to the first socket in the hash chain, which for
// SO_REUSEADDR sockets is the newest. A rule reports an arrangement in which
// that lookup hands one owner's traffic to another owner (or, for one owner,
// divides it between sockets).
func Analyze(socks []Socket) []Finding {
	sorted := socks
	if !slices.IsSortedFunc(socks, socketOrder) {
		sorted = slices.Clone(socks)
		sortSockets(sorted)
	}
	return analyzeSorted(sorted)
}

// analyzeSorted is Analyze on sockets already in sortSockets' order.
func analyzeSorted(sorted []Socket) []Finding {
	findings := []Finding{}
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j].Proto == sorted[i].Proto && sorted[j].Port == sorted[i].Port {
			j++
		}
		if j-i > 1 {
			findings = append(findings, analyzePort(sorted[i:j])...)
		}
		i = j
	}
	return findings
}

// portAnalysis collects the findings of one protocol and port.
type portAnalysis struct {
	proto string
	port  uint16
	out   []Finding
}

func (a *portAnalysis) add(kind, detail string, members []Socket) {
	a.out = append(a.out, Finding{Kind: kind, Proto: a.proto, Port: a.port, Detail: detail, Sockets: slices.Clone(members)})
}

// analyzePort looks at all sockets of one protocol on one port; socks is
// sorted and holds at least two sockets.
func analyzePort(socks []Socket) []Finding {
	if cannotCompete(socks) {
		return nil
	}
	a := &portAnalysis{proto: socks[0].Proto, port: socks[0].Port}
	bound, conn := socks, []Socket(nil)
	if slices.ContainsFunc(socks, func(s Socket) bool { return s.connected() }) {
		bound = nil
		for i := range socks {
			if socks[i].connected() {
				conn = append(conn, socks[i])
			} else {
				bound = append(bound, socks[i])
			}
		}
	}
	a.exactShares(bound)
	a.families(bound)
	a.addresses(bound)
	a.devices(bound)
	a.connectedSockets(bound, conn)
	return a.out
}

// cannotCompete is the common case of a big host, answered without the
// rules: unbound, unconnected sockets of one family on distinct specific
// addresses (127.0.0.1 and 127.0.0.2, say) never receive each other's
// traffic. socks is sorted by address.
func cannotCompete(socks []Socket) bool {
	for i := range socks {
		s := &socks[i]
		if s.wildcard() || s.Interface != 0 || s.DeviceUnknown || s.connected() || s.is6() != socks[0].is6() {
			return false
		}
		if i > 0 && s.ip() == socks[i-1].ip() {
			return false
		}
	}
	return true
}

// exactShares reports sockets on the same address and device: a
// SO_REUSEPORT group, or co-bound UDP sockets. socks is sorted, so each
// such group is a run of neighbours.
func (a *portAnalysis) exactShares(socks []Socket) {
	for i := 0; i < len(socks); {
		j := i + 1
		for j < len(socks) && socks[j].ip() == socks[i].ip() && socks[j].Interface == socks[i].Interface {
			j++
		}
		if g := socks[i:j]; len(g) > 1 {
			what := "a SO_REUSEPORT group: the kernel hashes connections over its members"
			if a.proto == "udp" {
				what = udpShareKind(g)
			}
			where := netip.AddrPortFrom(g[0].ip(), a.port)
			a.add(KindShared, fmt.Sprintf("%d sockets on %s%s: %s", len(g), where, deviceNote(g), what), g)
			if owners := distinctOwners(g); len(owners) > 1 {
				a.add(KindCrossUID, fmt.Sprintf("%s share %s", strings.Join(owners, ", "), where), g)
			}
		}
		i = j
	}
}

// udpShareKind explains a UDP share. A SO_REUSEPORT group hashes
// datagrams over its members, but only sockets of one uid form a group
// (reuseport_add_sock() needs uid_eq): sockets of several owners, or
// without SO_REUSEPORT, are co-bound through SO_REUSEADDR, and the newest
// of them gets all unicast.
func udpShareKind(g []Socket) string {
	if len(distinctOwners(g)) > 1 {
		return "co-bound by different owners, so not one SO_REUSEPORT group (that needs one uid): the newest socket gets all unicast"
	}
	allRP, known := true, true
	for _, s := range g {
		if s.ReusePort == nil || s.ReuseAddr == nil {
			known = false
			break
		}
		allRP = allRP && *s.ReusePort
	}
	switch {
	case !known:
		return "co-bound UDP sockets (SO_REUSEADDR or SO_REUSEPORT): with SO_REUSEADDR the newest gets all unicast, with SO_REUSEPORT datagrams are hashed"
	case allRP:
		return "co-bound UDP sockets with SO_REUSEPORT: datagrams are hashed over them"
	}
	return "co-bound UDP sockets with SO_REUSEADDR: the newest gets all unicast"
}

// families reports ports whose IPv4 and IPv6 traffic go to different
// owners: an IPv4 socket next to an IPv6-only one, or next to a dual-stack
// "[::]" socket, which then gets only IPv6 (an AF_INET socket outscores it
// for IPv4).
func (a *portAnalysis) families(socks []Socket) {
	var v4, v4wild, v6only, dual []Socket
	for _, s := range socks {
		switch {
		case !s.is6():
			v4 = append(v4, s)
			if s.wildcard() {
				v4wild = append(v4wild, s)
			}
		case !s.coversV4():
			v6only = append(v6only, s)
		default:
			dual = append(dual, s)
		}
	}
	if pairs := crossOwner(v4, v6only, func(x, y Socket) bool {
		return sameDevice(x, y) && localhostReachable(x) && localhostReachable(y)
	}); len(pairs) > 0 {
		a.add(KindV4V6Split, "IPv4 and IPv6 on this port belong to different owners: a client of \"localhost\" reaches whichever family it tries first", pairs)
	}
	for _, d := range dual {
		for _, w := range v4wild {
			if d.Interface != w.Interface {
				continue // a device-bound one: devices() tells
			}
			detail := fmt.Sprintf("IPv4 to port %d goes to %s, not to the dual-stack %s (an AF_INET socket outscores an AF_INET6 one), and IPv6, ::1 included, goes to %s", a.port, w, d, d.owner())
			if w.owner() == d.owner() {
				a.add(KindSplit, "one owner splits the port by family: "+detail, []Socket{d, w})
			} else {
				a.add(KindV4V6Split, detail, []Socket{d, w})
			}
		}
	}
}

// addresses reports specific-address sockets that take the traffic for
// their address from a wildcard socket on the same port and device: the
// kernel looks the exact address up before the wildcard.
func (a *portAnalysis) addresses(socks []Socket) {
	for _, w := range socks {
		if !w.wildcard() {
			continue
		}
		var others, own []Socket
		for _, s := range socks {
			if s.wildcard() || !sameDevice(w, s) || !coversFamily(w, s) {
				continue
			}
			if s.owner() == w.owner() {
				own = append(own, s)
			} else {
				others = append(others, s)
			}
		}
		if len(others) > 0 {
			a.add(KindShadow, fmt.Sprintf("traffic to %s no longer reaches %s", describe(others), w), append([]Socket{w}, others...))
		}
		if len(own) > 0 {
			a.add(KindSplit, fmt.Sprintf("one owner splits the port by address: traffic to %s goes there, the rest to %s", describe(own), w), append([]Socket{w}, own...))
		}
	}
}

// devices reports device-bound sockets that take the traffic arriving on
// their device from an unbound socket on the same address (a device-bound
// socket scores 4 more). SO_BINDTODEVICE needs no privilege, and with
// SO_REUSEADDR on both UDP sockets neither the address nor the owner is
// checked at bind time.
func (a *portAnalysis) devices(socks []Socket) {
	for _, u := range socks {
		if u.Interface != 0 {
			continue
		}
		var others, own []Socket
		for _, d := range socks {
			if d.Interface == 0 || !sameAddresses(u, d) {
				continue
			}
			if d.owner() == u.owner() {
				own = append(own, d)
			} else {
				others = append(others, d)
			}
		}
		if len(others) > 0 {
			a.add(KindDeviceShadow, fmt.Sprintf("traffic arriving on %s goes to %s, not to %s: a device-bound socket outscores an unbound one", devices(others), describe(others), u), append([]Socket{u}, others...))
		}
		if len(own) > 0 {
			a.add(KindSplit, fmt.Sprintf("one owner splits the port by device: traffic arriving on %s goes to %s, the rest to %s", devices(own), describe(own), u), append([]Socket{u}, own...))
		}
	}
}

// connectedSockets reports connect()ed UDP sockets that take a peer's
// datagrams from another owner's socket on the same local address and port:
// a connected socket matches the source too and outscores every unconnected
// one.
func (a *portAnalysis) connectedSockets(bound, conn []Socket) {
	for _, c := range conn {
		var victims []Socket
		for _, b := range bound {
			if b.owner() == c.owner() || !sameDevice(b, c) {
				continue
			}
			if b.ip() == c.ip() || (b.wildcard() && coversFamily(b, c)) {
				victims = append(victims, b)
			}
		}
		if len(victims) > 0 {
			a.add(KindConnected, fmt.Sprintf("%s is connected to %s and receives every datagram from there, which %s no longer sees", c, c.peerAddrPort(), describe(victims)), append([]Socket{c}, victims...))
		}
	}
}

// coversFamily reports whether wildcard socket w receives the family of s.
func coversFamily(w, s Socket) bool {
	if s.is6() {
		return w.is6()
	}
	return w.coversV4()
}

// sameAddresses reports whether u and d receive traffic for the same
// destination addresses: the same address, or two wildcards whose
// families meet.
func sameAddresses(u, d Socket) bool {
	if u.ip() == d.ip() {
		return true
	}
	if !u.wildcard() || !d.wildcard() {
		return false
	}
	return coversFamily(u, d) || coversFamily(d, u)
}

func localhostReachable(s Socket) bool {
	a := s.ip()
	return a.IsUnspecified() || a.IsLoopback()
}

// crossOwner returns the sockets of a and b that pair with a socket of a
// different owner on the other side, a's first.
func crossOwner(a, b []Socket, ok func(x, y Socket) bool) []Socket {
	var inA, inB []bool = make([]bool, len(a)), make([]bool, len(b))
	found := false
	for i, x := range a {
		for j, y := range b {
			if x.owner() != y.owner() && ok(x, y) {
				inA[i], inB[j], found = true, true, true
			}
		}
	}
	if !found {
		return nil
	}
	var out []Socket
	for i, x := range a {
		if inA[i] {
			out = append(out, x)
		}
	}
	for j, y := range b {
		if inB[j] {
			out = append(out, y)
		}
	}
	return out
}

func distinctOwners(socks []Socket) []string {
	var owners []string
	for _, s := range socks {
		if !slices.Contains(owners, s.owner()) {
			owners = append(owners, s.owner())
		}
	}
	return owners
}

func describe(socks []Socket) string {
	parts := make([]string, len(socks))
	for i, s := range socks {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}

// devices names the devices of device-bound sockets.
func devices(socks []Socket) string {
	var names []string
	for _, s := range socks {
		n := s.Device
		if n == "" {
			n = fmt.Sprintf("interface %d", s.Interface)
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// deviceNote says when a group's devices are unknown (/proc/net gives
// none): sockets bound to different devices would not compete at all.
func deviceNote(g []Socket) string {
	for _, s := range g {
		if s.DeviceUnknown {
			return " (devices unknown: /proc/net does not give them, and they could not be read back; sockets bound to different devices do not compete)"
		}
	}
	if g[0].Interface != 0 {
		return "%" + devices(g[:1])
	}
	return ""
}
