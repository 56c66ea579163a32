//go:build unix

package base

import (
	"os"
	"os/signal"
	"syscall"
	"time"
)

// reraise kills the process with sig, its default action restored. The
// signal is delivered asynchronously, so it waits a moment for it.
func reraise(sig os.Signal) {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return
	}
	signal.Reset(s)
	if syscall.Kill(os.Getpid(), s) == nil {
		time.Sleep(time.Second)
	}
}
