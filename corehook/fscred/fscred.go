// Package fscred runs a function with another user's filesystem
// credentials (fsuid and fsgid) on Linux, where they are per thread: the
// kernel checks file access and stamps new files and sockets with the
// calling thread's fsuid, so one thread can act as another user while the
// rest of the process stays root.
//
// # Policy
//
// A Go goroutine may move between OS threads, and a thread returned to the
// scheduler runs other goroutines. A thread whose credentials were changed
// is therefore never returned to the scheduler unless they were restored
// and the restore verified. Switch, which Do runs on a goroutine of its
// own:
//
//   - locks the goroutine to its OS thread (runtime.LockOSThread);
//   - switches the fsgid, then the fsuid, and reads both back: setfsuid
//     and setfsgid report no error, the read-back is the only check;
//   - runs the function only if the switch took;
//   - restores both the same way, and reads them back again;
//   - unlocks the thread only when the restore is verified. Otherwise the
//     thread stays locked to the goroutine, which should return; a
//     goroutine that exits locked makes the Go runtime end its thread
//     instead of reusing it (the main thread, which cannot end, is parked
//     for good instead).
//
// The function must do its work on the calling goroutine: goroutines it
// starts run on other threads, with the process's own credentials.
//
// # Why here
//
// corehook opens files as the crasher (the compat copy of a core, with Do)
// and netprobe creates sockets owned by another uid (with Switch, since the
// socket must be made in the network namespace of the probe's own thread);
// both had their own copy of this trick, with two different policies. quirk's top-level layout has
// no shared internal/ directory, so the one copy is an exported package in
// corehook, the part of quirk whose security rests on it.
package fscred

import "errors"

var (
	// ErrNotSwitched is returned when the kernel kept the old
	// credentials, for instance because the process lacks CAP_SETUID or
	// CAP_SETGID; the function was not run.
	ErrNotSwitched = errors.New("fscred: filesystem credentials not switched")
	// ErrNotRestored is returned when the old credentials could not be
	// put back after the function ran: its thread is lost to the caller.
	ErrNotRestored = errors.New("fscred: filesystem credentials not restored")
)
