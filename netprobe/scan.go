package netprobe

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Socket is one listening TCP or bound (unconnected) UDP socket.
type Socket struct {
	Proto     string    `json:"proto"`            // "tcp" or "udp"
	Addr      string    `json:"addr"`             // local address, e.g. "0.0.0.0", "::1"
	Port      uint16    `json:"port"`             // local port
	V6Only    *bool     `json:"v6only,omitempty"` // IPV6_V6ONLY of AF_INET6 sockets, when known
	Interface uint32    `json:"if,omitempty"`     // SO_BINDTODEVICE index, 0 if unbound
	UID       int       `json:"uid"`              // owner uid; -1 where the OS does not say (Windows)
	Inode     uint64    `json:"inode,omitempty"`  // socket inode (Linux)
	Cookie    uint64    `json:"cookie,omitempty"` // SO_COOKIE (Linux sock_diag)
	Processes []Process `json:"processes,omitempty"`
	// ReuseAddr and ReusePort are the socket's SO_REUSEADDR/SO_REUSEPORT,
	// read for sockets that share an address (Linux, root: a copy of the
	// descriptor through pidfd_getfd); nil when unknown.
	ReuseAddr *bool `json:"reuseaddr,omitempty"`
	ReusePort *bool `json:"reuseport,omitempty"`

	addr netip.Addr // Addr parsed once; zero for sockets built elsewhere
}

// Process is a process holding a socket open. One socket can be held by
// several processes (inherited across fork).
type Process struct {
	PID     int    `json:"pid"`
	Command string `json:"command,omitempty"`
	FD      int    `json:"fd"` // the descriptor in that process (Linux; 0 on Windows)
}

// Finding kinds reported by Scan.
const (
	// KindShared: several live sockets on one address and port: a
	// SO_REUSEPORT group for TCP, a co-bound socket for UDP.
	KindShared = "shared"
	// KindCrossUID: a shared address and port whose sockets have different
	// owners (uids, or processes where the OS gives no uid).
	KindCrossUID = "cross-uid"
	// KindV4V6Split: an IPv4 socket and an IPv6-only socket on one port with
	// different owners; "localhost" clients reach one or the other depending
	// on which address they try first.
	KindV4V6Split = "v4v6-split"
	// KindShadow: a specific-address socket that takes the traffic for that
	// address away from another owner's wildcard socket on the same port.
	KindShadow = "shadow"
)

// Finding is one suspicious arrangement of sockets.
type Finding struct {
	Kind    string   `json:"kind"`
	Proto   string   `json:"proto"`
	Port    uint16   `json:"port"`
	Detail  string   `json:"detail"`
	Sockets []Socket `json:"sockets"`
}

// ScanResult is what Scan returns and what `quirk netprobe scan --json`
// prints.
type ScanResult struct {
	Source   string    `json:"source"` // where the list came from, e.g. "sock_diag"
	Sockets  []Socket  `json:"sockets"`
	Findings []Finding `json:"findings"`
}

func (s *Socket) ip() netip.Addr {
	if !s.addr.IsValid() {
		s.addr, _ = netip.ParseAddr(s.Addr)
	}
	return s.addr
}

// is6 reports whether the socket is an AF_INET6 socket.
func (s Socket) is6() bool { return s.ip().Is6() }

// coversV4 reports whether the socket receives IPv4 traffic: an AF_INET
// socket, or a dual-stack "::" socket.
func (s Socket) coversV4() bool {
	if !s.is6() {
		return true
	}
	return s.ip().IsUnspecified() && (s.V6Only == nil || !*s.V6Only)
}

func (s Socket) wildcard() bool { return s.ip().IsUnspecified() }

// owner names whoever controls the socket: its uid, or its processes where
// the OS reports no uid.
func (s Socket) owner() string {
	if s.UID >= 0 {
		return "uid " + strconv.Itoa(s.UID)
	}
	pids := make([]string, 0, len(s.Processes))
	for _, p := range s.Processes {
		pids = append(pids, fmt.Sprint(p.PID))
	}
	return "pid " + strings.Join(pids, ",")
}

func (s Socket) String() string {
	return fmt.Sprintf("%s %s (%s)", s.Proto, netip.AddrPortFrom(s.ip(), s.Port), s.owner())
}

// sameDevice reports whether two sockets can compete for the same packets:
// sockets bound to different devices (SO_BINDTODEVICE, VRF) never do.
func sameDevice(a, b Socket) bool {
	return a.Interface == 0 || b.Interface == 0 || a.Interface == b.Interface
}

func socketOrder(a, b Socket) int {
	if c := cmp.Compare(a.Proto, b.Proto); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Port, b.Port); c != 0 {
		return c
	}
	if c := a.ip().Compare(b.ip()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Interface, b.Interface); c != 0 {
		return c
	}
	if c := cmp.Compare(a.UID, b.UID); c != 0 {
		return c
	}
	return cmp.Compare(a.Inode, b.Inode)
}

// sortSockets orders sockets by protocol, port, address, device, uid and
// inode. A host can have tens of thousands of sockets and a Socket is over
// 100 bytes, so it first distributes them into (protocol, port) buckets in
// one pass and then sorts only within buckets, which hold a few sockets each.
func sortSockets(socks []Socket) {
	bucket := func(s *Socket) int {
		switch s.Proto {
		case "tcp":
			return int(s.Port)
		case "udp":
			return 1<<16 + int(s.Port)
		}
		return -1
	}
	starts := make([]int32, 2<<16+1)
	for i := range socks {
		socks[i].ip() // parse once, not in every comparison
		b := bucket(&socks[i])
		if b < 0 {
			slices.SortFunc(socks, socketOrder) // an unknown protocol: no buckets
			return
		}
		starts[b+1]++
	}
	for b := 1; b < len(starts); b++ {
		starts[b] += starts[b-1]
	}
	sorted := make([]Socket, len(socks))
	next := slices.Clone(starts[:len(starts)-1])
	for i := range socks {
		b := bucket(&socks[i])
		sorted[next[b]] = socks[i]
		next[b]++
	}
	for b := range len(starts) - 1 {
		if starts[b+1]-starts[b] > 1 {
			slices.SortFunc(sorted[starts[b]:starts[b+1]], socketOrder)
		}
	}
	copy(socks, sorted)
}

// Analyze groups sockets by protocol and port and returns the findings, in
// a stable order. It does not modify socks.
func Analyze(socks []Socket) []Finding {
	sorted := socks
	if !slices.IsSortedFunc(socks, socketOrder) {
		sorted = slices.Clone(socks)
		sortSockets(sorted)
	}
	findings := []Finding{}
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j].Proto == sorted[i].Proto && sorted[j].Port == sorted[i].Port {
			j++
		}
		findings = append(findings, analyzePort(sorted[i:j])...)
		i = j
	}
	return findings
}

// analyzePort looks at all sockets of one protocol on one port.
func analyzePort(socks []Socket) []Finding {
	proto, port := socks[0].Proto, socks[0].Port
	var out []Finding
	add := func(kind, detail string, members []Socket) {
		out = append(out, Finding{Kind: kind, Proto: proto, Port: port, Detail: detail, Sockets: members})
	}

	if len(socks) < 2 {
		return nil // the common case: one socket per port
	}
	// Exact sharing: same address, same device. socks is sorted, so every
	// such group is a run of neighbours.
	for i := 0; i < len(socks); {
		j := i + 1
		for j < len(socks) && socks[j].ip() == socks[i].ip() && socks[j].Interface == socks[i].Interface {
			j++
		}
		if g := socks[i:j]; len(g) > 1 {
			what := "a SO_REUSEPORT group: the kernel spreads connections over its members"
			if proto == "udp" {
				what = udpShareKind(g)
			}
			where := netip.AddrPortFrom(g[0].ip(), port)
			add(KindShared, fmt.Sprintf("%d sockets on %s: %s", len(g), where, what), slices.Clone(g))
			if owners := distinctOwners(g); len(owners) > 1 {
				add(KindCrossUID, fmt.Sprintf("%s share %s", strings.Join(owners, ", "), where), slices.Clone(g))
			}
		}
		i = j
	}

	// IPv4/IPv6 split between owners: only v4 sockets on one side, only
	// v6-only sockets on the other, and nobody covering both.
	var v4, v6only []Socket
	for _, s := range socks {
		switch {
		case !s.is6():
			v4 = append(v4, s)
		case !s.coversV4():
			v6only = append(v6only, s)
		}
	}
	if pairs := crossOwner(v4, v6only, func(a, b Socket) bool {
		return sameDevice(a, b) && localhostReachable(a) && localhostReachable(b)
	}); len(pairs) > 0 {
		add(KindV4V6Split, "IPv4 and IPv6 on this port belong to different owners: a client of \"localhost\" reaches whichever family it tries first", pairs)
	}

	// A specific address shadowing another owner's wildcard.
	for _, w := range socks {
		if !w.wildcard() {
			continue
		}
		var shadows []Socket
		for _, s := range socks {
			if s.wildcard() || s.owner() == w.owner() || !sameDevice(w, s) {
				continue
			}
			if (s.is6() && w.is6()) || (!s.is6() && w.coversV4()) {
				shadows = append(shadows, s)
			}
		}
		if len(shadows) > 0 {
			add(KindShadow, fmt.Sprintf("traffic to %s no longer reaches %s", describe(shadows), w), append([]Socket{w}, shadows...))
		}
	}
	return out
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

// ScanOptions tune Scan.
type ScanOptions struct {
	// ProcNet forces the /proc/net text tables instead of sock_diag (Linux).
	ProcNet bool
	// NoProcesses skips the owner-process lookup, which walks every file
	// descriptor of every process.
	NoProcesses bool
}

// udpShareKind explains a UDP share, precisely when the members' options are
// known: Linux hashes datagrams over a SO_REUSEPORT group but gives all
// unicast to the newest of several SO_REUSEADDR sockets.
func udpShareKind(g []Socket) string {
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
		return "co-bound UDP sockets (SO_REUSEADDR or SO_REUSEPORT): with SO_REUSEADDR the newest gets all unicast"
	case allRP:
		return "co-bound UDP sockets with SO_REUSEPORT: datagrams are hashed over them"
	}
	return "co-bound UDP sockets with SO_REUSEADDR: the newest gets all unicast"
}
