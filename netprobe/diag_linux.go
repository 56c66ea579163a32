//go:build linux

package netprobe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
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

	req := make([]byte, unix.NLMSG_HDRLEN+inetDiagReqV2Len)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(req[8:], 1) // sequence
	body := req[unix.NLMSG_HDRLEN:]
	body[0], body[1] = family, protocol
	ne.PutUint32(body[4:], states)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}

	proto := "tcp"
	if protocol == unix.IPPROTO_UDP {
		proto = "udp"
	}
	buf := make([]byte, 1<<16)
	var names addrNames
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
				if s, state, ok := parseDiagMsg(payload, proto, &names); ok {
					fn(s, state)
				}
			}
			msgs = msgs[min(nlmAlign(mlen), len(msgs)):]
		}
	}
}

func nlmAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// parseDiagMsg decodes one inet_diag_msg and its attributes.
func parseDiagMsg(b []byte, proto string, names *addrNames) (Socket, uint8, bool) {
	if len(b) < inetDiagMsgLen {
		return Socket{}, 0, false
	}
	ne := binary.NativeEndian
	family, state := b[0], b[1]
	id := b[4:52]
	var addr, dst netip.Addr
	if family == unix.AF_INET {
		addr = netip.AddrFrom4([4]byte(id[4:8]))
		dst = netip.AddrFrom4([4]byte(id[20:24]))
	} else {
		addr = netip.AddrFrom16([16]byte(id[4:20]))
		dst = netip.AddrFrom16([16]byte(id[20:36]))
	}
	s := Socket{Proto: proto, Addr: names.name(addr), Port: binary.BigEndian.Uint16(id[0:]), addr: addr}
	if proto == "udp" && state == tcpEstablished {
		s.peer = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(id[2:]))
		s.Peer = s.peer.String()
	}
	s.Interface = ne.Uint32(id[36:])
	s.Cookie = uint64(ne.Uint32(id[40:])) | uint64(ne.Uint32(id[44:]))<<32
	s.UID = int(ne.Uint32(b[64:]))
	s.Inode = uint64(ne.Uint32(b[68:]))
	for attrs := b[inetDiagMsgLen:]; len(attrs) >= 4; {
		alen := int(ne.Uint16(attrs[0:]))
		atype := ne.Uint16(attrs[2:])
		if alen < 4 || alen > len(attrs) {
			break
		}
		if atype == inetDiagSKV6Only && alen >= 5 {
			v := attrs[4] != 0
			s.V6Only = &v
		}
		attrs = attrs[min((alen+3)&^3, len(attrs)):]
	}
	return s, state, true
}

// diagSockets lists listening TCP sockets and bound UDP sockets, connected
// ones included, of the calling thread's network namespace through
// sock_diag, sorted.
func diagSockets() ([]Socket, error) {
	type dump struct {
		family, protocol uint8
		states           uint32
		fd               int
		chunks           [][]Socket
		err              error
	}
	dumps := []*dump{
		{family: unix.AF_INET, protocol: unix.IPPROTO_TCP, states: 1 << tcpListen},
		{family: unix.AF_INET6, protocol: unix.IPPROTO_TCP, states: 1 << tcpListen},
		{family: unix.AF_INET, protocol: unix.IPPROTO_UDP, states: 1<<tcpClose | 1<<tcpEstablished},
		{family: unix.AF_INET6, protocol: unix.IPPROTO_UDP, states: 1<<tcpClose | 1<<tcpEstablished},
	}
	// The sockets are opened here, on the calling thread, so that they
	// belong to its namespace; the dumps then run side by side, the
	// kernel's walks of its tables on both cores.
	for i, d := range dumps {
		var err error
		if d.fd, err = diagSocket(); err != nil {
			for _, o := range dumps[:i] {
				unix.Close(o.fd)
			}
			return nil, err
		}
	}
	var wg sync.WaitGroup
	for _, d := range dumps {
		wg.Go(func() {
			defer unix.Close(d.fd)
			// Sockets arrive in fixed-size chunks that are sorted into
			// one slice at the end: growing one slice of Sockets by
			// append copied the whole list over and over on big hosts.
			const chunkLen = 4096
			var cur []Socket
			d.err = diagDumpOn(d.fd, d.family, d.protocol, d.states, func(s Socket, _ uint8) {
				if len(cur) == cap(cur) {
					if cur != nil {
						d.chunks = append(d.chunks, cur)
					}
					cur = make([]Socket, 0, chunkLen)
				}
				cur = append(cur, s)
			})
			d.chunks = append(d.chunks, cur)
		})
	}
	wg.Wait()
	var chunks [][]Socket
	for _, d := range dumps {
		if d.err != nil {
			return nil, d.err
		}
		chunks = append(chunks, d.chunks...)
	}
	return sortedChunks(chunks), nil
}

// addrNames formats each distinct address once: a host's sockets share a
// handful of local addresses, and formatting one string per socket was a
// visible part of a large scan.
type addrNames struct {
	m map[netip.Addr]string
}

func (n *addrNames) name(a netip.Addr) string {
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
