package netprobe

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
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
}

// Process is a process holding a socket open. One socket can be held by
// several processes (inherited across fork).
type Process struct {
	PID     int    `json:"pid"`
	Command string `json:"command,omitempty"`
	FD      int    `json:"fd,omitempty"`
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

func (s Socket) ip() netip.Addr {
	a, _ := netip.ParseAddr(s.Addr)
	return a
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
		return fmt.Sprintf("uid %d", s.UID)
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

func sortSockets(socks []Socket) {
	slices.SortFunc(socks, func(a, b Socket) int {
		return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port),
			a.ip().Compare(b.ip()), cmp.Compare(a.Interface, b.Interface),
			cmp.Compare(a.UID, b.UID), cmp.Compare(a.Inode, b.Inode))
	})
}

// Analyze groups sockets by protocol and port and returns the findings, in
// a stable order. It does not modify socks.
func Analyze(socks []Socket) []Finding {
	sorted := slices.Clone(socks)
	sortSockets(sorted)
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

	// Exact sharing: same address, same device.
	type key struct {
		addr string
		dev  uint32
	}
	groups := map[key][]Socket{}
	var order []key
	for _, s := range socks {
		k := key{s.ip().String(), s.Interface}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s)
	}
	for _, k := range order {
		g := groups[k]
		if len(g) < 2 {
			continue
		}
		what := "a SO_REUSEPORT group: the kernel spreads connections over its members"
		if proto == "udp" {
			what = "co-bound UDP sockets (SO_REUSEADDR or SO_REUSEPORT): with SO_REUSEADDR the newest gets all unicast"
		}
		add(KindShared, fmt.Sprintf("%d sockets on %s: %s", len(g), netip.AddrPortFrom(g[0].ip(), port), what), g)
		if owners := distinctOwners(g); len(owners) > 1 {
			add(KindCrossUID, fmt.Sprintf("%s share %s", strings.Join(owners, ", "), netip.AddrPortFrom(g[0].ip(), port)), g)
		}
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
