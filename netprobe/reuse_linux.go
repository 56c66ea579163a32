//go:build linux

package netprobe

import (
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

// readReuseOptions fills ReuseAddr and ReusePort for the sockets that share
// an address with another socket. sock_diag does not report these options,
// so the socket is borrowed: pidfd_getfd (Linux 5.6+, ptrace access to the
// owner, so in practice root) copies the owner's descriptor into this
// process, getsockopt reads the flags, and the copy is closed at once. The
// owner's socket is not otherwise touched. socks must be sorted.
func readReuseOptions(socks []Socket) {
	for i := 0; i < len(socks); {
		j := i + 1
		for j < len(socks) && socks[j].Proto == socks[i].Proto && socks[j].Port == socks[i].Port &&
			socks[j].ip() == socks[i].ip() && socks[j].Interface == socks[i].Interface {
			j++
		}
		if j-i > 1 {
			for k := i; k < j; k++ {
				readReuse(&socks[k])
			}
		}
		i = j
	}
}

func readReuse(s *Socket) {
	borrow(s, func(fd int) bool {
		ra, errA := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR)
		rp, errP := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT)
		if errA != nil || errP != nil {
			return false
		}
		a, p := ra != 0, rp != 0
		s.ReuseAddr, s.ReusePort = &a, &p
		return true
	})
}

// readV6Only fills V6Only for IPv6 wildcard sockets that lack it, which is
// every socket of the /proc/net fallback: without it a v6-only "[::]" looks
// dual-stack and a v4/v6 split goes unreported.
func readV6Only(socks []Socket) {
	for i := range socks {
		s := &socks[i]
		if s.V6Only != nil || s.ip() != netip.IPv6Unspecified() {
			continue
		}
		borrow(s, func(fd int) bool {
			v, err := unix.GetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY)
			if err != nil {
				return false
			}
			b := v != 0
			s.V6Only = &b
			return true
		})
	}
}

// borrow copies the socket's descriptor from one of its processes with
// pidfd_getfd, calls read on the copy until it reports success, and closes
// the copy.
func borrow(s *Socket, read func(fd int) bool) {
	for _, p := range s.Processes {
		pidfd, err := unix.PidfdOpen(p.PID, 0)
		if err != nil {
			continue
		}
		fd, err := unix.PidfdGetfd(pidfd, p.FD, 0)
		unix.Close(pidfd)
		if err != nil {
			continue
		}
		ok := read(fd)
		unix.Close(fd)
		if ok {
			return
		}
	}
}

// readDevices fills Interface for the sockets of the /proc/net fallback that
// share a port with another socket: /proc/net gives no device, and without
// it sockets bound to different devices look like one shared address. The
// device is read back from a borrowed copy of the socket (SO_BINDTOIFINDEX);
// where that fails, DeviceUnknown stays set and findings say so. It reports
// whether any Interface changed (socks must then be sorted again).
func readDevices(socks []Socket) bool {
	changed := false
	for i := 0; i < len(socks); {
		j := i + 1
		for j < len(socks) && socks[j].Proto == socks[i].Proto && socks[j].Port == socks[i].Port {
			j++
		}
		for k := i; j-i > 1 && k < j; k++ {
			s := &socks[k]
			if !s.DeviceUnknown {
				continue
			}
			borrow(s, func(fd int) bool {
				idx, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_BINDTOIFINDEX)
				if err != nil {
					return false
				}
				s.DeviceUnknown = false
				if uint32(idx) != s.Interface {
					s.Interface, changed = uint32(idx), true
				}
				return true
			})
		}
		i = j
	}
	return changed
}

// nameDevices fills Device from Interface with the calling thread's
// network namespace's interface names.
func nameDevices(socks []Socket) {
	var names map[uint32]string
	for i := range socks {
		s := &socks[i]
		if s.Interface == 0 {
			continue
		}
		if names == nil {
			names = map[uint32]string{}
			ifs, _ := net.Interfaces()
			for _, ifc := range ifs {
				names[uint32(ifc.Index)] = ifc.Name
			}
		}
		s.Device = names[s.Interface]
	}
}
