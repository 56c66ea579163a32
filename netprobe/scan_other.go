//go:build !linux && !windows

package netprobe

import (
	"fmt"
	"runtime"
)

// Scan is not supported here yet. macOS exposes its PCB list through the
// private, version-dependent net.inet.tcp.pcblist_n layout, and FreeBSD
// through net.inet.tcp.pcblist; neither is decoded yet.
func Scan(ScanOptions) (*ScanResult, error) {
	return nil, fmt.Errorf("netprobe scan is not supported on %s yet", runtime.GOOS)
}
