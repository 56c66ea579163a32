//go:build !linux

package expand

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
)

// Outside Linux the sandbox is the empty environment, the private PATH,
// the fresh directory and the ulimits; there is no namespace or user drop.
func sandboxAttr() *syscall.SysProcAttr { return nil }

func platformNotes(string) []string {
	return []string{"no network namespace or user drop on " + runtime.GOOS + ": only environment, PATH, directory and ulimits isolate shells"}
}

func handOver(string) error { return nil }

func killGroup(p *os.Process) {
	if p != nil {
		_ = p.Kill()
	}
}

func signalOf(*exec.ExitError) (int, bool) { return 0, false }

func (sb *sandbox) startConfined(cmd *exec.Cmd, _ []string) (bool, func(), error) {
	return false, func() {}, cmd.Start()
}
