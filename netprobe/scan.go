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
	Proto     string `json:"proto"`            // "tcp" or "udp"
	Addr      string `json:"addr"`             // local address, e.g. "0.0.0.0", "::1"
	Port      uint16 `json:"port"`             // local port
	V6Only    *bool  `json:"v6only,omitempty"` // IPV6_V6ONLY of AF_INET6 sockets, when known
	Interface uint32 `json:"if,omitempty"`     // SO_BINDTODEVICE index, 0 if unbound
	Device    string `json:"dev,omitempty"`    // the name of Interface, when it could be looked up
	// DeviceUnknown: the source gives no device (/proc/net) and it could
	// not be read back from the socket, so Interface 0 may be wrong.
	DeviceUnknown bool `json:"dev_unknown,omitempty"`
	// Peer is the remote address of a connect()ed UDP socket ("" for
	// listening and unconnected sockets): such a socket takes every
	// datagram that peer sends to its local address and port.
	Peer string `json:"peer,omitempty"`
	// Netns labels the network namespace with --all-netns: its name
	// under /run/netns, or "net:[INODE]", with a process that is in it.
	Netns     string    `json:"netns,omitempty"`
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
	// Peer is parsed where it is needed, not kept: connected sockets are
	// rare, and a big host's list is tens of thousands of Sockets.
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
	// KindDeviceShadow: a socket bound to a device (SO_BINDTODEVICE, which
	// needs no privilege) takes the traffic arriving on that device away
	// from another owner's unbound socket on the same address and port.
	KindDeviceShadow = "device-shadow"
	// KindConnected: another owner's connect()ed UDP socket on the same
	// local address and port takes every datagram its peer sends there.
	KindConnected = "connected"
	// KindSteering: a BPF program (sk_lookup on the namespace, or
	// SK_REUSEPORT) chooses sockets for traffic regardless of the binds
	// the other kinds analyze; a human must judge what it does.
	KindSteering = "steering"
	// KindSplit: one owner's sockets divide a port's traffic by address,
	// address family or device (a SO_REUSEPORT or SO_REUSEADDR
	// arrangement): not a hijack, but each socket sees only part of it.
	KindSplit = "split"
)

// Finding is one suspicious arrangement of sockets.
type Finding struct {
	Netns   string   `json:"netns,omitempty"` // as Socket.Netns
	Kind    string   `json:"kind"`
	Proto   string   `json:"proto"`
	Port    uint16   `json:"port"`
	Detail  string   `json:"detail"`
	Sockets []Socket `json:"sockets"`
}

// ScanResult is what Scan returns and what `quirk netprobe scan --json`
// prints.
type ScanResult struct {
	Source string `json:"source"` // where the list came from, e.g. "sock_diag"
	// Notes say what the scan could not see (a namespace it could not
	// enter, say).
	Notes    []string  `json:"notes,omitempty"`
	Sockets  []Socket  `json:"sockets"`
	Findings []Finding `json:"findings"`
}

// connected reports whether s is a connect()ed UDP socket.
func (s *Socket) connected() bool { return s.peerAddrPort().IsValid() }

// peerAddrPort is Peer parsed; invalid for an unconnected socket.
func (s *Socket) peerAddrPort() netip.AddrPort {
	if s.Peer == "" {
		return netip.AddrPort{}
	}
	p, _ := netip.ParseAddrPort(s.Peer)
	return p
}

func (s *Socket) ip() netip.Addr {
	if !s.addr.IsValid() {
		s.addr, _ = netip.ParseAddr(s.Addr)
	}
	return s.addr
}

// is6 reports whether the socket is an AF_INET6 socket.
func (s *Socket) is6() bool { return s.ip().Is6() }

// coversV4 reports whether the socket receives IPv4 traffic: an AF_INET
// socket, or a dual-stack "::" socket.
func (s *Socket) coversV4() bool {
	if !s.is6() {
		return true
	}
	return s.ip().IsUnspecified() && (s.V6Only == nil || !*s.V6Only)
}

func (s *Socket) wildcard() bool { return s.ip().IsUnspecified() }

// owner names whoever controls the socket: its uid, or its processes where
// the OS reports no uid.
func (s *Socket) owner() string {
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
	where := netip.AddrPortFrom(s.ip(), s.Port).String()
	if s.Device != "" {
		where += "%" + s.Device
	} else if s.Interface != 0 {
		where += "%" + strconv.FormatUint(uint64(s.Interface), 10)
	}
	if s.connected() {
		where += "->" + s.peerAddrPort().String()
	}
	return fmt.Sprintf("%s %s (%s)", s.Proto, where, s.owner())
}

// sameDevice reports whether two sockets can compete for the same packets:
// sockets bound to different devices (SO_BINDTODEVICE, VRF) never do.
func sameDevice(a, b Socket) bool {
	return a.Interface == 0 || b.Interface == 0 || a.Interface == b.Interface
}

func socketOrder(a, b Socket) int { return compareSockets(&a, &b) }

// compareSockets is socketOrder without copying two Sockets per call.
func compareSockets(a, b *Socket) int {
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
	if c := cmp.Compare(a.Peer, b.Peer); c != 0 {
		return c
	}
	if c := cmp.Compare(a.UID, b.UID); c != 0 {
		return c
	}
	return cmp.Compare(a.Inode, b.Inode)
}

// sortSockets orders sockets by protocol, port, address, device, uid and
// inode, in place.
func sortSockets(socks []Socket) {
	if slices.IsSortedFunc(socks, socketOrder) {
		return
	}
	copy(socks, sortedChunks([][]Socket{socks}))
}

// sortedChunks returns the sockets of chunks in one new slice, sorted as
// sortSockets does. A host can have tens of thousands of sockets and a
// Socket is a few hundred bytes, so it distributes them into (protocol,
// port) buckets in one pass, straight from the chunks they were read into,
// and then sorts only within buckets, which hold a few sockets each: one
// copy of the list instead of three.
func sortedChunks(chunks [][]Socket) []Socket {
	bucket := func(s *Socket) int {
		switch s.Proto {
		case "tcp":
			return int(s.Port)
		case "udp":
			return 1<<16 + int(s.Port)
		}
		return 2 << 16 // any other protocol: one last bucket
	}
	starts := make([]int32, 2<<16+2)
	n := 0
	for _, c := range chunks {
		for i := range c {
			c[i].ip() // parse once, not in every comparison
			starts[bucket(&c[i])+1]++
		}
		n += len(c)
	}
	for b := 1; b < len(starts); b++ {
		starts[b] += starts[b-1]
	}
	sorted := make([]Socket, n)
	next := slices.Clone(starts[:len(starts)-1])
	for _, c := range chunks {
		for i := range c {
			b := bucket(&c[i])
			sorted[next[b]] = c[i]
			next[b]++
		}
	}
	for b := range len(starts) - 1 {
		if starts[b+1]-starts[b] > 1 {
			slices.SortFunc(sorted[starts[b]:starts[b+1]], socketOrder)
		}
	}
	return sorted
}

// ScanOptions tune Scan.
type ScanOptions struct {
	// ProcNet forces the /proc/net text tables instead of sock_diag (Linux).
	ProcNet bool
	// NoProcesses skips the owner-process lookup, which walks every file
	// descriptor of every process.
	NoProcesses bool
	// AllNetns scans every network namespace reachable through
	// /proc/*/ns/net and /run/netns (Linux, root), each socket and
	// finding labelled with its namespace. Sockets of different
	// namespaces never compete, so each is analyzed alone.
	AllNetns bool
}
