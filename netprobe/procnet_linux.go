//go:build linux

package netprobe

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// procNetSockets is the fallback when sock_diag is unavailable (no
// inet_diag/udp_diag module): it parses /proc/thread-self/net/{tcp,tcp6,udp,
// udp6}. thread-self, not self, because /proc/self/net shows the namespace of
// the process's main thread, and a probe may run on a thread that has its
// own namespace. These files carry no device, v6only flag or cookie.
func procNetSockets(root string) ([]Socket, error) {
	var socks []Socket
	for _, t := range []struct {
		file, proto string
	}{{"tcp", "tcp"}, {"tcp6", "tcp"}, {"udp", "udp"}, {"udp6", "udp"}} {
		f, err := os.Open(root + "/" + t.file)
		if os.IsNotExist(err) && t.file != "tcp" {
			continue // e.g. IPv6 disabled; without tcp, /proc is not there at all
		}
		if err != nil {
			return nil, err
		}
		got, err := parseProcNet(f, t.proto)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", root, t.file, err)
		}
		socks = append(socks, got...)
	}
	for i := range socks {
		socks[i].DeviceUnknown = true // until read back from the socket
	}
	return socks, nil
}

// parseProcNet reads one /proc/net/{tcp,udp}[6] table and keeps TCP
// listeners and bound UDP sockets, connected ones with their peer. Lines
// look like
//
//	sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//	 0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20491 ...
//
// Addresses are 32-bit words printed in host byte order; the port is the
// number itself.
func parseProcNet(r io.Reader, proto string) ([]Socket, error) {
	var socks []Socket
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	first := true
	for sc.Scan() {
		if first { // header
			first = false
			continue
		}
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		st, err := strconv.ParseUint(fields[3], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("bad state %q", fields[3])
		}
		switch {
		case proto == "tcp" && st == tcpListen, proto == "udp" && (st == tcpClose || st == tcpEstablished):
		default:
			continue
		}
		local, err := parseProcAddrPort(fields[1])
		if err != nil {
			return nil, err
		}
		uid, err := strconv.Atoi(fields[7])
		if err != nil {
			return nil, fmt.Errorf("bad uid %q", fields[7])
		}
		inode, err := strconv.ParseUint(fields[9], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad inode %q", fields[9])
		}
		s := newSocket(proto, local.Addr(), local.Port())
		s.UID, s.Inode = uid, inode
		if st == tcpEstablished {
			peer, err := parseProcAddrPort(fields[2])
			if err != nil {
				return nil, err
			}
			s.Peer = peer.String()
		}
		socks = append(socks, s)
	}
	return socks, sc.Err()
}

func parseProcAddrPort(f string) (netip.AddrPort, error) {
	addrHex, portHex, ok := strings.Cut(f, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", f)
	}
	addr, err := parseProcAddr(addrHex)
	if err != nil {
		return netip.AddrPort{}, err
	}
	port, err := strconv.ParseUint(portHex, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad port %q", portHex)
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

func parseProcAddr(h string) (netip.Addr, error) {
	raw, err := hex.DecodeString(h)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.Addr{}, fmt.Errorf("bad address %q", h)
	}
	// Each 32-bit word was printed as a host-order number: undo that.
	out := make([]byte, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(out[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	if len(out) == 4 {
		return netip.AddrFrom4([4]byte(out)), nil
	}
	return netip.AddrFrom16([16]byte(out)), nil
}
