//go:build linux

package netprobe

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// withoutNetAdmin runs fn on the calling thread with CAP_NET_ADMIN taken
// out of the thread's effective capabilities, when it is there.
//
// sock_diag decides once per socket what to report from the credentials of
// whoever opened the netlink socket (netlink_net_capable() checks the
// file's): for an opener with CAP_NET_ADMIN it adds to every record the
// firewall mark and reads each TCP socket's MD5 keys and ULP, data scan
// never uses. A sock_diag socket opened inside fn is an unprivileged
// reader's, which the kernel fills faster: a root `scan --no-processes` of
// 50,000 listeners took 37.0 ms instead of 38.9 (medians of 40 alternating
// runs of the CLI). The request must then be sent with no destination
// address (diagDumpRaw), or the kernel checks the sending thread instead. Capabilities belong to a thread, so the thread stays locked to
// the goroutine while they differ from the rest of the process's.
func withoutNetAdmin(fn func()) {
	runtime.LockOSThread()
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var caps [2]unix.CapUserData // version 3 has two 32-bit words
	if unix.Capget(&hdr, &caps[0]) != nil || caps[0].Effective&(1<<unix.CAP_NET_ADMIN) == 0 {
		runtime.UnlockOSThread()
		fn()
		return
	}
	lowered := caps
	lowered[0].Effective &^= 1 << unix.CAP_NET_ADMIN
	if unix.Capset(&hdr, &lowered[0]) != nil {
		runtime.UnlockOSThread()
		fn()
		return
	}
	defer func() {
		// Raising a capability that is still permitted cannot fail; if
		// it did, the thread would stay locked, and the runtime ends a
		// thread whose goroutine exits locked, so no other goroutine
		// ever runs without CAP_NET_ADMIN.
		if unix.Capset(&hdr, &caps[0]) == nil {
			runtime.UnlockOSThread()
		}
	}()
	fn()
}
