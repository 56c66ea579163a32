//go:build linux

package netprobe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Linux socket states used as sock_diag filters (include/net/tcp_states.h).
const (
	tcpEstablished = 1
	tcpClose       = 7 // an unconnected UDP socket; ss shows it as UNCONN
	tcpListen      = 10
	tcpTimeWait    = 6
)

// inet_diag wire layout (include/uapi/linux/inet_diag.h). x/sys/unix has no
// inet_diag_req_v2 or inet_diag_msg, so the fixed-size parts are encoded by
// hand.
const (
	inetDiagReqV2Len = 56 // family, protocol, ext, pad, states, sockid(48)
	inetDiagMsgLen   = 72
	inetDiagSKV6Only = 11 // INET_DIAG_SKV6ONLY attribute
)

// diagDump asks sock_diag for every socket of family and protocol whose state
// is in states (a bit mask of 1<<state) and calls fn for each.
func diagDump(family, protocol uint8, states uint32, fn func(Socket, uint8)) error {
	fd, err := diagSocket()
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return diagDumpOn(fd, family, protocol, states, fn)
}

// diagSocket opens a sock_diag netlink socket. It belongs to the network
// namespace of the calling thread, whichever thread uses it later.
func diagSocket() (int, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return -1, fmt.Errorf("netlink socket: %w", err)
	}
	return fd, nil
}

// diagDumpOn is diagDump on an open sock_diag socket.
func diagDumpOn(fd int, family, protocol uint8, states uint32, fn func(Socket, uint8)) error {
	proto := "tcp"
	if protocol == unix.IPPROTO_UDP {
		proto = "udp"
	}
	var names addrNames
	return diagDumpRaw(fd, family, protocol, states, func(payload []byte) {
		if s, state, ok := parseDiagMsg(payload, proto, &names); ok {
			fn(s, state)
		}
	})
}

// diagDumpRaw sends the dump request on fd and calls fn with the payload
// of every inet_diag_msg, in place in the receive buffer (fn must not keep
// it).
func diagDumpRaw(fd int, family, protocol uint8, states uint32, fn func(payload []byte)) error {
	req := make([]byte, unix.NLMSG_HDRLEN+inetDiagReqV2Len)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(req[8:], 1) // sequence
	body := req[unix.NLMSG_HDRLEN:]
	body[0], body[1] = family, protocol
	ne.PutUint32(body[4:], states)
	// No destination address: an unconnected netlink socket sends to the
	// kernel anyway, and an address (NETLINK_SKB_DST) would make sock_diag
	// judge the sending thread's capabilities instead of the socket
	// opener's, which withoutNetAdmin sets.
	if err := unix.Sendto(fd, req, 0, nil); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	// The kernel fills at most 32 KiB per receive (netlink_recvmsg()
	// caps max_recvmsg_len), so a bigger buffer would not save calls.
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("netlink receive: %w", err)
		}
		msgs := buf[:n]
		for len(msgs) >= unix.NLMSG_HDRLEN {
			mlen := int(ne.Uint32(msgs[0:]))
			mtype := ne.Uint16(msgs[4:])
			if mlen < unix.NLMSG_HDRLEN || mlen > len(msgs) {
				return errors.New("netlink: truncated message")
			}
			payload := msgs[unix.NLMSG_HDRLEN:mlen]
			switch mtype {
			case unix.NLMSG_DONE:
				return nil
			case unix.NLMSG_ERROR:
				if len(payload) >= 4 {
					if code := int32(ne.Uint32(payload)); code < 0 {
						return fmt.Errorf("sock_diag: %w", syscall.Errno(-code))
					}
				}
				return errors.New("sock_diag: error reply")
			case unix.SOCK_DIAG_BY_FAMILY:
				fn(payload)
			}
			msgs = msgs[min(nlmAlign(mlen), len(msgs)):]
		}
	}
}

func nlmAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// parseDiagMsg decodes one inet_diag_msg and its attributes.
func parseDiagMsg(b []byte, proto string, names *addrNames) (Socket, uint8, bool) {
	var r diagRec
	if !r.parse(b, proto == "udp") {
		return Socket{}, 0, false
	}
	var s Socket // fill expects a zeroed Socket
	r.fill(&s, names, nil)
	return s, r.state, true
}

// diagRec is one inet_diag_msg as it arrives, with no pointers: a scan of
// a big host decodes tens of thousands of them into chunks the collector
// need not scan, and builds the Socket records (strings, pointers) once,
// in their sorted place.
type diagRec struct {
	addr, dst [16]byte // local and remote address (IPv4 in the first 4 bytes)
	cookie    uint64
	iface     uint32
	uid       uint32
	inode     uint32
	port      uint16 // local port
	dport     uint16
	family    uint8
	state     uint8
	udp       bool
	v6only    int8 // INET_DIAG_SKV6ONLY: -1 when absent
}

// parse decodes an inet_diag_msg and its attributes into r.
func (r *diagRec) parse(b []byte, udp bool) bool {
	if len(b) < inetDiagMsgLen {
		return false
	}
	ne := binary.NativeEndian
	id := b[4:52]
	r.family, r.state, r.udp = b[0], b[1], udp
	if r.family == unix.AF_INET {
		r.addr, r.dst = [16]byte{}, [16]byte{}
		copy(r.addr[:4], id[4:8])
		copy(r.dst[:4], id[20:24])
	} else {
		r.addr, r.dst = [16]byte(id[4:20]), [16]byte(id[20:36])
	}
	r.port, r.dport = binary.BigEndian.Uint16(id[0:]), binary.BigEndian.Uint16(id[2:])
	r.iface = ne.Uint32(id[36:])
	r.cookie = uint64(ne.Uint32(id[40:])) | uint64(ne.Uint32(id[44:]))<<32
	r.uid = ne.Uint32(b[64:])
	r.inode = ne.Uint32(b[68:])
	r.v6only = -1
	for attrs := b[inetDiagMsgLen:]; len(attrs) >= 4; {
		alen := int(ne.Uint16(attrs[0:]))
		atype := ne.Uint16(attrs[2:])
		if alen < 4 || alen > len(attrs) {
			break
		}
		if atype == inetDiagSKV6Only && alen >= 5 {
			r.v6only = 0
			if attrs[4] != 0 {
				r.v6only = 1
			}
		}
		attrs = attrs[min((alen+3)&^3, len(attrs)):]
	}
	return true
}

// bucket is the (protocol, port) bucket sortSockets' order starts with.
func (r *diagRec) bucket() int {
	if r.udp {
		return 1<<16 + int(r.port)
	}
	return int(r.port)
}

// fill sets the zeroed Socket s from r. v6only, when not nil, holds the bool V6Only points
// to (one array for a whole scan instead of one allocation per socket).
func (r *diagRec) fill(s *Socket, names *addrNames, v6only *bool) {
	var addr, dst netip.Addr
	if r.family == unix.AF_INET {
		addr, dst = netip.AddrFrom4([4]byte(r.addr[:4])), netip.AddrFrom4([4]byte(r.dst[:4]))
	} else {
		addr, dst = netip.AddrFrom16(r.addr), netip.AddrFrom16(r.dst)
	}
	// Field by field: s is a zeroed slot, and building a whole Socket
	// and copying it in cost a copy with write barriers per socket.
	s.Proto, s.Addr, s.Port, s.addr = "tcp", names.name(addr), r.port, addr
	s.Interface, s.Cookie, s.UID, s.Inode = r.iface, r.cookie, int(r.uid), uint64(r.inode)
	if r.udp {
		s.Proto = "udp"
		if r.state == tcpEstablished {
			s.Peer = netip.AddrPortFrom(dst, r.dport).String()
		}
	}
	if r.v6only >= 0 {
		if v6only == nil {
			v6only = new(bool)
		}
		*v6only = r.v6only == 1
		s.V6Only = v6only
	}
}

// diagSockets lists listening TCP sockets and bound UDP sockets, connected
// ones included, of the calling thread's network namespace through
// sock_diag, sorted.
func diagSockets() ([]Socket, error) {
	type dump struct {
		family, protocol uint8
		states           uint32
		fd               int
		chunks           [][]diagRec
		err              error
	}
	dumps := []*dump{
		{family: unix.AF_INET, protocol: unix.IPPROTO_TCP, states: 1 << tcpListen},
		{family: unix.AF_INET6, protocol: unix.IPPROTO_TCP, states: 1 << tcpListen},
		{family: unix.AF_INET, protocol: unix.IPPROTO_UDP, states: 1<<tcpClose | 1<<tcpEstablished},
		{family: unix.AF_INET6, protocol: unix.IPPROTO_UDP, states: 1<<tcpClose | 1<<tcpEstablished},
	}
	// The sockets are opened here, on the calling thread, so that they
	// belong to its namespace, and as an unprivileged reader's
	// (withoutNetAdmin); the dumps then run side by side, the kernel's
	// walks of its tables on both cores.
	var err error
	withoutNetAdmin(func() {
		for i, d := range dumps {
			if d.fd, err = diagSocket(); err != nil {
				for _, o := range dumps[:i] {
					unix.Close(o.fd)
				}
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	for _, d := range dumps {
		wg.Go(func() {
			defer unix.Close(d.fd)
			// Records arrive in chunks of pointer-free diagRecs, which
			// are sorted into one slice of Sockets at the end: growing
			// one slice of Sockets by append copied the whole list over
			// and over on big hosts. The first chunk is small; a dump
			// that fills it is a big one, and gets chunks of 4 MiB
			// backed by huge pages (adviseHugePages).
			const firstChunk, bigChunk = 4096, 1 << 16
			var cur []diagRec
			udp := d.protocol == unix.IPPROTO_UDP
			d.err = diagDumpRaw(d.fd, d.family, d.protocol, d.states, func(payload []byte) {
				if len(cur) == cap(cur) {
					n := firstChunk
					if cur != nil {
						d.chunks = append(d.chunks, cur)
						n = bigChunk
					}
					cur = make([]diagRec, 0, n)
					adviseHugePages(cur[:n])
				}
				cur = cur[:len(cur)+1]
				if !cur[len(cur)-1].parse(payload, udp) {
					cur = cur[:len(cur)-1]
				}
			})
			if len(cur) > 0 {
				d.chunks = append(d.chunks, cur)
			}
		})
	}
	wg.Wait()
	var chunks [][]diagRec
	for _, d := range dumps {
		if d.err != nil {
			return nil, d.err
		}
		chunks = append(chunks, d.chunks...)
	}
	return sortedRecs(chunks), nil
}

// sortedRecs builds the Sockets of chunks in sortSockets' order: it counts
// the records of each (protocol, port) bucket, lists which record goes to
// each place of the one result slice, fills that slice front to back, and
// sorts only within buckets, which hold a few sockets each. On a big host
// the buckets are split into one range per core, each listed and filled by
// its own goroutine (first touching its part of the new slice, so the page
// faults are shared out too).
func sortedRecs(chunks [][]diagRec) []Socket {
	return sortedRecsIn(chunks, runtime.GOMAXPROCS(0))
}

// parallelFillMin is the number of sockets from which sortedRecs fills in
// parallel: below it a goroutine costs more than it saves.
const parallelFillMin = 8192

// recRef names a record as chunk<<16 | index: sortedRecsIn cuts the chunks
// into views of at most 1<<16 records.
type recRef uint32

const recRefBits = 16

func sortedRecsIn(chunks [][]diagRec, cores int) []Socket {
	var views [][]diagRec
	for _, c := range chunks {
		for len(c) > 1<<recRefBits {
			views, c = append(views, c[:1<<recRefBits]), c[1<<recRefBits:]
		}
		if len(c) > 0 {
			views = append(views, c)
		}
	}
	const buckets = 2 << 16
	starts := make([]int32, buckets+1)
	n := 0
	for _, c := range views {
		for i := range c {
			starts[c[i].bucket()+1]++
		}
		n += len(c)
	}
	for b := 1; b < len(starts); b++ {
		starts[b] += starts[b-1]
	}
	sorted := make([]Socket, n)
	adviseHugePages(sorted)
	// order[p] is the record that goes to sorted[p]. Filling the Sockets
	// in record order wrote 200 bytes to a random place for each one, a
	// cache miss per line; in their final order the writes stream, and only
	// the 64-byte records are read out of order.
	order := make([]recRef, n)
	parts := 1
	if n >= parallelFillMin {
		parts = min(cores, 4)
	}
	// Range k holds the buckets [edges[k], edges[k+1]), about n/parts
	// sockets.
	edges := make([]int, parts+1)
	edges[parts] = buckets
	for k, b := 1, 0; k < parts; k++ {
		for b < buckets && int(starts[b]) < n*k/parts {
			b++
		}
		edges[k] = b
	}
	fill := func(lo, hi int) {
		next := slices.Clone(starts[lo:hi])
		for k, c := range views {
			for i := range c {
				if b := c[i].bucket(); b >= lo && b < hi {
					order[next[b-lo]] = recRef(k<<recRefBits | i)
					next[b-lo]++
				}
			}
		}
		first, end := starts[lo], starts[hi]
		v6only := make([]bool, end-first)
		var names addrNames
		for p := first; p < end; p++ {
			ref := order[p]
			r := &views[ref>>recRefBits][ref&(1<<recRefBits-1)]
			var v *bool
			if r.v6only >= 0 {
				v = &v6only[p-first]
			}
			r.fill(&sorted[p], &names, v)
		}
		for b := lo; b < hi; b++ {
			switch g := sorted[starts[b]:starts[b+1]]; len(g) {
			case 0, 1:
			case 2: // the common case of a busy port: no sort call per bucket
				if compareSockets(&g[0], &g[1]) > 0 {
					g[0], g[1] = g[1], g[0]
				}
			default:
				slices.SortFunc(g, socketOrder)
			}
		}
	}
	var wg sync.WaitGroup
	for k := 1; k < parts; k++ {
		wg.Go(func() { fill(edges[k], edges[k+1]) })
	}
	fill(edges[0], edges[1])
	wg.Wait()
	return sorted
}

// addrNames formats each distinct address once: a host's sockets share a
// handful of local addresses, and formatting one string per socket was a
// visible part of a large scan.
type addrNames struct {
	m    map[netip.Addr]string
	last [2]addrName
}

func (n *addrNames) name(a netip.Addr) string {
	// Sockets arrive mixed over a few addresses: the last two answer
	// most look-ups without hashing.
	for i := range n.last {
		if n.last[i].a == a && n.last[i].s != "" {
			return n.last[i].s
		}
	}
	s := n.lookup(a)
	n.last[1], n.last[0] = n.last[0], addrName{a, s}
	return s
}

type addrName struct {
	a netip.Addr
	s string
}

func (n *addrNames) lookup(a netip.Addr) string {
	if s, ok := n.m[a]; ok {
		return s
	}
	if n.m == nil {
		n.m = make(map[netip.Addr]string)
	}
	if len(n.m) > 4096 { // a host with very many addresses: stop caching
		return a.String()
	}
	s := a.String()
	n.m[a] = s
	return s
}
