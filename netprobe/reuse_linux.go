//go:build linux

package netprobe

import "golang.org/x/sys/unix"

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
		ra, errA := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR)
		rp, errP := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT)
		unix.Close(fd)
		if errA == nil && errP == nil {
			a, p := ra != 0, rp != 0
			s.ReuseAddr, s.ReusePort = &a, &p
			return
		}
	}
}
