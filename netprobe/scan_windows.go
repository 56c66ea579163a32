//go:build windows

package netprobe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/windows"
)

// iphlpapi is loaded at run time: x/sys/windows does not wrap
// GetExtendedTcpTable or GetExtendedUdpTable.
var (
	iphlpapi                = windows.NewLazySystemDLL("iphlpapi.dll")
	procGetExtendedTcpTable = iphlpapi.NewProc("GetExtendedTcpTable")
	procGetExtendedUdpTable = iphlpapi.NewProc("GetExtendedUdpTable")
)

// Table classes and row sizes from iprtrmib.h / tcpmib.h / udpmib.h.
const (
	tcpTableOwnerPIDListener = 3 // TCP_TABLE_OWNER_PID_LISTENER
	udpTableOwnerPID         = 1 // UDP_TABLE_OWNER_PID

	tcpRowOwnerPIDLen  = 24 // MIB_TCPROW_OWNER_PID: state, laddr, lport, raddr, rport, pid
	tcp6RowOwnerPIDLen = 56 // MIB_TCP6ROW_OWNER_PID: laddr[16], scope, lport, raddr[16], scope, rport, state, pid
	udpRowOwnerPIDLen  = 12 // MIB_UDPROW_OWNER_PID: laddr, lport, pid
	udp6RowOwnerPIDLen = 28 // MIB_UDP6ROW_OWNER_PID: laddr[16], scope, lport, pid
)

// Scan lists listening TCP and bound UDP sockets with their owning process.
// Windows reports no owner uid (UID is -1), so ownership is compared by
// process, and the socket options of other processes stay invisible.
func Scan(opts ScanOptions) (*ScanResult, error) {
	if opts.ProcNet {
		return nil, errors.New("/proc/net exists only on Linux")
	}
	res := &ScanResult{Source: "GetExtendedTcpTable/GetExtendedUdpTable", Sockets: []Socket{}}
	for _, q := range []struct {
		proc   *windows.LazyProc
		proto  string
		family uint32
		class  uint32
		rowLen int
	}{
		{procGetExtendedTcpTable, "tcp", windows.AF_INET, tcpTableOwnerPIDListener, tcpRowOwnerPIDLen},
		{procGetExtendedTcpTable, "tcp", windows.AF_INET6, tcpTableOwnerPIDListener, tcp6RowOwnerPIDLen},
		{procGetExtendedUdpTable, "udp", windows.AF_INET, udpTableOwnerPID, udpRowOwnerPIDLen},
		{procGetExtendedUdpTable, "udp", windows.AF_INET6, udpTableOwnerPID, udp6RowOwnerPIDLen},
	} {
		table, err := extendedTable(q.proc, q.family, q.class)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.proc.Name, err)
		}
		if len(table) < 4 {
			continue
		}
		n := int(binary.LittleEndian.Uint32(table))
		rows := table[4:]
		if n*q.rowLen > len(rows) {
			return nil, fmt.Errorf("%s: %d rows do not fit in %d bytes", q.proc.Name, n, len(rows))
		}
		for i := range n {
			res.Sockets = append(res.Sockets, decodeRow(rows[i*q.rowLen:(i+1)*q.rowLen], q.proto, q.family == windows.AF_INET6))
		}
	}
	sortSockets(res.Sockets)
	res.Findings = Analyze(res.Sockets)
	return res, nil
}

// extendedTable calls a GetExtended*Table function with the usual two-call
// size pattern, retrying while the table grows between the calls.
func extendedTable(proc *windows.LazyProc, family, class uint32) ([]byte, error) {
	if err := proc.Find(); err != nil {
		return nil, err
	}
	size := uint32(4096)
	for range 8 {
		buf := make([]byte, size)
		r, _, _ := proc.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)), 0,
			uintptr(family), uintptr(class), 0)
		switch windows.Errno(r) {
		case 0:
			return buf[:size], nil
		case windows.ERROR_INSUFFICIENT_BUFFER:
			continue
		default:
			return nil, windows.Errno(r)
		}
	}
	return nil, errors.New("table kept growing")
}

// decodeRow reads one *ROW_OWNER_PID. Ports are in network byte order in the
// low 16 bits of a DWORD; everything else is little-endian.
func decodeRow(b []byte, proto string, v6 bool) Socket {
	le := binary.LittleEndian
	var addr netip.Addr
	var port uint16
	var pid uint32
	switch {
	case proto == "tcp" && !v6:
		addr, port, pid = netip.AddrFrom4([4]byte(b[4:8])), binary.BigEndian.Uint16(b[8:10]), le.Uint32(b[20:])
	case proto == "tcp":
		addr, port, pid = netip.AddrFrom16([16]byte(b[0:16])), binary.BigEndian.Uint16(b[20:22]), le.Uint32(b[52:])
	case !v6:
		addr, port, pid = netip.AddrFrom4([4]byte(b[0:4])), binary.BigEndian.Uint16(b[4:6]), le.Uint32(b[8:])
	default:
		addr, port, pid = netip.AddrFrom16([16]byte(b[0:16])), binary.BigEndian.Uint16(b[20:22]), le.Uint32(b[24:])
	}
	s := newSocket(proto, addr, port)
	s.UID = -1
	s.Processes = []Process{{PID: int(pid)}}
	return s
}
