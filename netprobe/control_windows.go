//go:build windows

package netprobe

import "golang.org/x/sys/windows"

// soExclusiveAddrUse is SO_EXCLUSIVEADDRUSE, defined in winsock2.h as
// ((int)(~SO_REUSEADDR)); golang.org/x/sys/windows does not export it.
const soExclusiveAddrUse = ^windows.SO_REUSEADDR

// makeExclusive sets SO_EXCLUSIVEADDRUSE, which Microsoft asks every server to
// set: without it a same-user socket can shadow a wildcard listener with a
// specific bind, and a listener that set SO_REUSEADDR can be co-bound by
// anyone. Go's net.Listen sets no option at all on Windows.
func makeExclusive(fd uintptr, _ string) error {
	return windows.SetsockoptInt(windows.Handle(fd), windows.SOL_SOCKET, soExclusiveAddrUse, 1)
}
