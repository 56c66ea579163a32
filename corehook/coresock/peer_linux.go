//go:build linux

package coresock

import (
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// Peer is who is on the other end of a connection, from the pidfd the
// kernel hands out for it (SO_PEERPIDFD) and PIDFD_GET_INFO.
type Peer struct {
	// Pidfd names the peer's thread-group leader; it stays valid (and the
	// PID cannot be reused under it) while it is open. The caller closes it.
	Pidfd *os.File
	Info  unix.PidfdInfo
}

// ErrNotKernelDump means a process connected to the socket by itself: the
// kernel's coredump connection always carries PIDFD_COREDUMPED.
var ErrNotKernelDump = errors.New("not a kernel coredump connection")

// PeerOf fetches the peer's pidfd and its info. The full 88-byte struct is
// asked for: a 64-byte buffer makes 6.18 claim PIDFD_INFO_COREDUMP without
// room for the coredump mask.
func PeerOf(c *net.UnixConn) (*Peer, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	pidfd := -1
	var serr error
	if err := rc.Control(func(fd uintptr) {
		pidfd, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PEERPIDFD)
	}); err != nil {
		return nil, err
	}
	if serr != nil {
		return nil, fmt.Errorf("SO_PEERPIDFD: %w", serr)
	}
	unix.CloseOnExec(pidfd)
	p := &Peer{Pidfd: os.NewFile(uintptr(pidfd), "peer-pidfd")}
	p.Info.Mask = unix.PIDFD_INFO_PID | unix.PIDFD_INFO_CREDS | unix.PIDFD_INFO_CGROUPID | unix.PIDFD_INFO_COREDUMP
	if err := unix.IoctlPidfdInfo(pidfd, &p.Info); err != nil {
		p.Pidfd.Close()
		return nil, fmt.Errorf("PIDFD_GET_INFO: %w", err)
	}
	return p, nil
}

// KernelDump returns nil when the peer is a task the kernel is dumping, and
// ErrNotKernelDump (with what the pidfd said) otherwise.
func (p *Peer) KernelDump() error {
	i := p.Info
	if i.Mask&unix.PIDFD_INFO_COREDUMP == 0 {
		return fmt.Errorf("%w: the kernel reported no coredump info (mask %#x)", ErrNotKernelDump, i.Mask)
	}
	if i.Coredump_mask&unix.PIDFD_COREDUMPED == 0 {
		return fmt.Errorf("%w: pid %d uid %d, coredump mask %#x lacks PIDFD_COREDUMPED", ErrNotKernelDump, i.Pid, i.Ruid, i.Coredump_mask)
	}
	if i.Mask&unix.PIDFD_INFO_PID == 0 || i.Mask&unix.PIDFD_INFO_CREDS == 0 {
		return fmt.Errorf("%w: no pid or credentials in the pidfd info (mask %#x): the task is gone", ErrNotKernelDump, i.Mask)
	}
	return nil
}

// DumpMode is the kernel's dump mode, as %d gives it to pipe helpers:
// 1 for a dump as the user, 2 for a suid-safe (root-only) dump, 0 when the
// info says neither.
func (p *Peer) DumpMode() int {
	switch {
	case p.Info.Coredump_mask&unix.PIDFD_COREDUMP_ROOT != 0:
		return 2
	case p.Info.Coredump_mask&unix.PIDFD_COREDUMP_USER != 0:
		return 1
	}
	return 0
}

// Alive reports whether the pidfd's task still exists: once it is reaped,
// the kernel stops reporting its pid.
func (p *Peer) Alive() bool {
	var i unix.PidfdInfo
	i.Mask = unix.PIDFD_INFO_PID
	return unix.IoctlPidfdInfo(int(p.Pidfd.Fd()), &i) == nil && i.Mask&unix.PIDFD_INFO_PID != 0
}

// Close closes the pidfd.
func (p *Peer) Close() error { return p.Pidfd.Close() }
