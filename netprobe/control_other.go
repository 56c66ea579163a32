//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package netprobe

// makeExclusive does nothing on the remaining systems: illumos has no
// SO_REUSEPORT, and their defaults do not let a live listener be shared.
func makeExclusive(uintptr, string) error { return nil }
