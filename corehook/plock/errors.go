package plock

import "errors"

var (
	// ErrOwnerDead is returned by Lock and TryLock when the previous owner
	// died while holding the mutex. The caller now holds it; the state it
	// protects may be half-written. Repair it, then call Consistent before
	// Unlock, or the mutex becomes unrecoverable.
	ErrOwnerDead = errors.New("plock: previous owner died holding the lock")
	// ErrNotRecoverable means an owner-died mutex was unlocked without
	// Consistent; it can never be locked again (re-Init it).
	ErrNotRecoverable = errors.New("plock: lock is not recoverable")
	// ErrBusy is returned by TryLock when another thread holds the mutex.
	ErrBusy = errors.New("plock: lock is busy")
	// ErrUnsupported is returned on systems without robust futexes or
	// without a known glibc mutex layout.
	ErrUnsupported = errors.ErrUnsupported
)
