package netprobe

import "golang.org/x/sys/unix"

// countTimeWait counts TCP sockets in TIME_WAIT on port, so a probe can
// check that it really built the state it means to test.
func countTimeWait(port uint16) (int, error) {
	n := 0
	for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		err := diagDump(family, unix.IPPROTO_TCP, 1<<tcpTimeWait, func(s Socket, _ uint8) {
			if s.Port == port {
				n++
			}
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}
