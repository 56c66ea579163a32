//go:build linux

package netprobe

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// inPrivateNetns runs fn on a fresh OS thread that has its own network
// namespace with only loopback up, so probes can bind wildcard addresses and
// listen without touching the host. It needs root (CAP_SYS_ADMIN); otherwise
// it returns errNotIsolated without calling fn.
//
// The thread is never unlocked: when fn returns the goroutine exits while
// still locked, and the Go runtime then terminates the thread instead of
// reusing it with the wrong namespace. Every socket fn creates belongs to the
// new namespace for its whole life, whichever thread later touches it, and
// processes started from fn inherit the namespace too.
func inPrivateNetns(fn func() error) error {
	if os.Geteuid() != 0 {
		return errNotIsolated
	}
	done := make(chan error, 1)
	go func() {
		// If fn leaves through runtime.Goexit (a test's t.FailNow), the
		// deferred send still reports back instead of hanging the caller.
		err := errors.New("probe goroutine exited early")
		defer func() { done <- err }()
		runtime.LockOSThread()
		// Failures before fn runs (a container without CAP_SYS_ADMIN, say)
		// wrap errNotIsolated, so callers can fall back to the host.
		if err = unix.Unshare(unix.CLONE_NEWNET); err != nil {
			err = fmt.Errorf("%w: unshare(CLONE_NEWNET): %w", errNotIsolated, err)
			return
		}
		if err = loopbackUp(); err != nil {
			err = fmt.Errorf("%w: %w", errNotIsolated, err)
			return
		}
		err = fn()
	}()
	return <-done
}

// loopbackUp sets IFF_UP on lo, which starts down in a new namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCGIFFLAGS lo: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCSIFFLAGS lo: %w", err)
	}
	return nil
}
