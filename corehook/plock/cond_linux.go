//go:build linux && (amd64 || arm64)

package plock

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"time"
)

// Cond is a condition variable in shared memory: a sequence futex, used with a Mutex. It is
// not glibc's pthread_cond_t (whose layout changes between glibc versions). The zero value is
// ready to use; CondSize bytes, 8-byte aligned.
//
// A waiter that dies costs nothing; a signaller that dies between its increment and its wake
// is covered by the bounded wait. Wait may return without a signal: callers loop on their
// predicate, as with sync.Cond.
type Cond struct {
	seq uint32
	_   uint32
}

// CondSize is the size of a Cond in shared memory.
const CondSize = 8

// CondAt returns the Cond at byte offset off of mem (8-byte aligned, in range; panics
// otherwise).
func CondAt(mem []byte, off int) *Cond {
	return (*Cond)(at(mem, off, CondSize))
}

var errWaitInconsistent = errors.New("plock: Wait on an owner-died mutex before Consistent")

// Wait releases m (which l holds), sleeps until Signal, Broadcast, a bounded timeout or ctx's
// end, and takes m again before returning, whatever happened, like pthread_cond_timedwait.
// It returns nil, ctx.Err() (m held), ErrOwnerDead (m held: its holder died while we slept;
// repair and Consistent), or ErrNotRecoverable (m not held).
func (l *Locker) Wait(ctx context.Context, c *Cond, m *Mutex) error {
	if l.index(m) < 0 {
		return errNotHeld
	}
	if m.owner == ownerInconsistent {
		return errWaitInconsistent
	}
	// Read the sequence while holding m: a Signal after our Unlock changes it, so the futex
	// wait below returns at once instead of missing it.
	seq := atomic.LoadUint32(&c.seq)
	if err := l.Unlock(m); err != nil {
		return err
	}
	_ = sleep(ctx, &c.seq, seq)
	if err := l.Lock(context.WithoutCancel(ctx), m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The context's own timer may not have fired yet; the deadline has passed all the same.
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// Signal wakes one waiter.
func (c *Cond) Signal() {
	atomic.AddUint32(&c.seq, 1)
	futexWake(&c.seq, 1)
}

// Broadcast wakes every waiter.
func (c *Cond) Broadcast() {
	atomic.AddUint32(&c.seq, 1)
	futexWake(&c.seq, math.MaxInt32)
}
