//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package netprobe

// socketAs is Linux-only: BSD has no per-thread fsuid, and a probe process
// per socket is not worth it for cases the BSD kernels refuse anyway
// (a non-root overlap with another uid's port fails there).
func socketAs(uid, family, typ int) (int, error) { return -1, errNoOtherUser }
