//go:build linux

package netprobe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Steering is a BPF program that decides which socket gets traffic before
// or instead of the bind rules scan analyzes: an sk_lookup program attached
// to a network namespace picks any socket of its choosing for incoming
// connections and datagrams, and an SK_REUSEPORT program picks the member
// of a SO_REUSEPORT group. Neither shows in sock_diag or /proc/net, so scan
// reports them as findings for a human to judge.
type Steering struct {
	Kind   string `json:"kind"` // "sk_lookup" or "sk_reuseport"
	ProgID uint32 `json:"prog_id"`
	Name   string `json:"name,omitempty"` // the program's name, as loaded
	UID    int    `json:"uid"`            // who loaded it
	// NetnsInode is the namespace an sk_lookup link is attached to; 0 for
	// reuseport programs, which the kernel does not tie to a namespace
	// in anything it reports.
	NetnsInode uint64 `json:"netns_inode,omitempty"`
}

// bpfSteering lists sk_lookup links and loaded SK_REUSEPORT programs.
// Enumerating BPF objects needs CAP_SYS_ADMIN; without it the error says
// so. A classic-BPF SO_ATTACH_REUSEPORT_CBPF filter, or an eBPF socket
// filter attached with SO_ATTACH_REUSEPORT_EBPF, is not visible anywhere
// the kernel exposes, and is not found.
func bpfSteering() ([]Steering, error) {
	var out []Steering
	linkedProgs := map[uint32]bool{}
	for id := uint32(0); ; {
		next, err := bpfNextID(unix.BPF_LINK_GET_NEXT_ID, id)
		if errors.Is(err, unix.ENOENT) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("BPF_LINK_GET_NEXT_ID: %w", err)
		}
		id = next
		info, err := bpfObjInfo(unix.BPF_LINK_GET_FD_BY_ID, id, 64)
		if err != nil {
			continue // gone meanwhile
		}
		ne := binary.NativeEndian
		if ne.Uint32(info[0:]) != unix.BPF_LINK_TYPE_NETNS || ne.Uint32(info[20:]) != unix.BPF_SK_LOOKUP {
			continue
		}
		prog := ne.Uint32(info[8:])
		s := Steering{Kind: "sk_lookup", ProgID: prog, NetnsInode: uint64(ne.Uint32(info[16:])), UID: -1}
		if pi, err := bpfObjInfo(unix.BPF_PROG_GET_FD_BY_ID, prog, 80); err == nil {
			s.Name, s.UID = progName(pi), int(ne.Uint32(pi[48:]))
		}
		linkedProgs[prog] = true
		out = append(out, s)
	}
	for id := uint32(0); ; {
		next, err := bpfNextID(unix.BPF_PROG_GET_NEXT_ID, id)
		if errors.Is(err, unix.ENOENT) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("BPF_PROG_GET_NEXT_ID: %w", err)
		}
		id = next
		pi, err := bpfObjInfo(unix.BPF_PROG_GET_FD_BY_ID, id, 80)
		if err != nil {
			continue
		}
		ne := binary.NativeEndian
		if ne.Uint32(pi[0:]) == unix.BPF_PROG_TYPE_SK_REUSEPORT {
			out = append(out, Steering{Kind: "sk_reuseport", ProgID: id, Name: progName(pi), UID: int(ne.Uint32(pi[48:]))})
		}
	}
	return out, nil
}

// bpfNextID is BPF_{PROG,LINK}_GET_NEXT_ID: attr {start_id, next_id}.
func bpfNextID(cmd int, start uint32) (uint32, error) {
	var attr [12]uint32
	attr[0] = start
	if _, _, e := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(unsafe.Pointer(&attr[0])), unsafe.Sizeof(attr)); e != 0 {
		return 0, e
	}
	return attr[1], nil
}

// bpfObjInfo opens the object by id (BPF_{PROG,LINK}_GET_FD_BY_ID) and
// reads the first n bytes of its info (BPF_OBJ_GET_INFO_BY_FD).
func bpfObjInfo(getFD int, id uint32, n int) ([]byte, error) {
	var attr [12]uint32
	attr[0] = id
	fd, _, e := unix.Syscall(unix.SYS_BPF, uintptr(getFD), uintptr(unsafe.Pointer(&attr[0])), unsafe.Sizeof(attr))
	if e != 0 {
		return nil, e
	}
	defer unix.Close(int(fd))
	info := make([]byte, n)
	var req struct {
		fd, infoLen uint32
		info        uint64
	}
	req.fd, req.infoLen, req.info = uint32(fd), uint32(n), uint64(uintptr(unsafe.Pointer(&info[0])))
	if _, _, e := unix.Syscall(unix.SYS_BPF, unix.BPF_OBJ_GET_INFO_BY_FD, uintptr(unsafe.Pointer(&req)), unsafe.Sizeof(req)); e != 0 {
		return nil, e
	}
	return info, nil
}

// progName is bpf_prog_info.name (16 bytes at offset 64).
func progName(info []byte) string {
	name := info[64:80]
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	return string(name)
}

func (s Steering) String() string {
	name := ""
	if s.Name != "" {
		name = fmt.Sprintf(" %q", s.Name)
	}
	return fmt.Sprintf("id %d%s, loaded by uid %d", s.ProgID, name, s.UID)
}
