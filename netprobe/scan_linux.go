//go:build linux

package netprobe

// Scan lists the listening TCP and bound UDP sockets of the calling thread's
// network namespace, with owner uids and processes, and analyzes them.
func Scan(opts ScanOptions) (*ScanResult, error) {
	res := &ScanResult{Source: "sock_diag"}
	var err error
	if !opts.ProcNet {
		res.Sockets, err = diagSockets()
	}
	if opts.ProcNet || err != nil {
		// Without the inet_diag/udp_diag modules sock_diag fails; the
		// text tables still work, with less detail.
		res.Source = "/proc/net"
		res.Sockets, err = procNetSockets("/proc/thread-self/net")
		if err != nil {
			return nil, err
		}
	}
	if !opts.NoProcesses {
		if err := attachProcesses("/proc", res.Sockets); err != nil {
			return nil, err
		}
	}
	sortSockets(res.Sockets)
	if !opts.NoProcesses {
		if readDevices(res.Sockets) {
			sortSockets(res.Sockets)
		}
		readReuseOptions(res.Sockets)
		readV6Only(res.Sockets)
	}
	nameDevices(res.Sockets)
	if res.Sockets == nil {
		res.Sockets = []Socket{}
	}
	res.Findings = Analyze(res.Sockets)
	return res, nil
}
