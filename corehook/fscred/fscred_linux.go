package fscred

import (
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// Switch runs fn on the calling goroutine's OS thread with fsuid uid and,
// when gid >= 0, fsgid gid, then restores both. fn does not run if the
// switch did not take (ErrNotSwitched). Switch locks the thread first and
// unlocks it only after a verified restore; when the restore fails it
// returns an error wrapping ErrNotRestored and leaves the thread locked to
// the calling goroutine for good, so that the goroutine, which now holds
// the wrong credentials, should return: the Go runtime then ends the
// thread. Use it where fn needs the calling thread's other per-thread
// state (netprobe's private network namespace); otherwise use Do.
func Switch(uid, gid int, fn func() error) error {
	runtime.LockOSThread()
	oldUID, oldGID := fsuid(), fsgid()
	err := set(uid, gid)
	if err == nil {
		err = fn()
	}
	if rerr := set(oldUID, oldGID); rerr != nil {
		return errors.Join(err, fmt.Errorf("%w: %w", ErrNotRestored, rerr))
	}
	runtime.UnlockOSThread()
	return err
}

// Do is Switch on a goroutine of its own, so that a failed restore costs
// that goroutine's thread and never the caller's.
func Do(uid, gid int, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- Switch(uid, gid, fn) }()
	return <-done
}

// set switches the fsgid (if gid >= 0) before the fsuid, since leaving
// fsuid 0 takes the filesystem capabilities with it, and verifies both.
func set(uid, gid int) error {
	if gid >= 0 {
		unix.SetfsgidRetGid(gid)
	}
	unix.SetfsuidRetUid(uid)
	if got := fsuid(); got != uid {
		return fmt.Errorf("%w: fsuid is %d, want %d", ErrNotSwitched, got, uid)
	}
	if got := fsgid(); gid >= 0 && got != gid {
		return fmt.Errorf("%w: fsgid is %d, want %d", ErrNotSwitched, got, gid)
	}
	return nil
}

// fsuid reads the thread's fsuid: setfsuid(-1) changes nothing and
// returns the current value.
func fsuid() int {
	id, _ := unix.SetfsuidRetUid(-1)
	return id
}

func fsgid() int {
	id, _ := unix.SetfsgidRetGid(-1)
	return id
}
