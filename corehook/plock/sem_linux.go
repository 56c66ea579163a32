//go:build linux && (amd64 || arm64)

package plock

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SemSlotSize is the stride of a Sem's layout: a 64-byte header (release sequence word at 0,
// slot count at 4), then one Mutex per 64-byte slot. Keeping every Mutex at a fixed stride
// keeps futex_offset the same for all of them, and a C process can take slot i with
// pthread_mutex_trylock at off+64*(i+1).
const SemSlotSize = 64

// MaxSemSlots bounds a Sem's K, so one futex_waitv call covers every slot and the sequence.
const MaxSemSlots = 64

// Sem is a K-slot counting semaphore in shared memory: each slot is a robust Mutex, so a slot
// whose holder dies is handed to the next acquirer with ErrOwnerDead, just like a Mutex.
type Sem struct {
	seq   *uint32
	slots []*Mutex
}

// SemSize is the number of bytes a Sem with k slots occupies.
func SemSize(k int) int { return SemSlotSize * (k + 1) }

// InitSem lays out a Sem with k slots at mem[off:off+SemSize(k)] and returns it. Like Init, call
// it once before any process uses the semaphore.
func InitSem(mem []byte, off, k int) *Sem {
	if k < 1 || k > MaxSemSlots {
		panic(fmt.Sprintf("plock: semaphore of %d slots (want 1..%d)", k, MaxSemSlots))
	}
	hdr := (*[2]uint32)(at(mem, off, SemSize(k)))
	atomic.StoreUint32(&hdr[0], 0)
	for i := range k {
		Init(At(mem, off+SemSlotSize*(i+1)))
	}
	atomic.StoreUint32(&hdr[1], uint32(k))
	return semAt(mem, off, k)
}

// SemAt returns the Sem laid out by InitSem at mem[off:]. It fails when the slot count stored
// there is out of range or does not fit in mem (an uninitialised or foreign region).
func SemAt(mem []byte, off int) (*Sem, error) {
	hdr := (*[2]uint32)(at(mem, off, SemSlotSize))
	k := int(atomic.LoadUint32(&hdr[1]))
	if k < 1 || k > MaxSemSlots || off+SemSize(k) > len(mem) {
		return nil, fmt.Errorf("plock: no semaphore at offset %d (slot count %d)", off, k)
	}
	return semAt(mem, off, k), nil
}

func semAt(mem []byte, off, k int) *Sem {
	hdr := (*[2]uint32)(at(mem, off, SemSize(k)))
	s := &Sem{seq: &hdr[0], slots: make([]*Mutex, k)}
	for i := range s.slots {
		s.slots[i] = At(mem, off+SemSlotSize*(i+1))
	}
	return s
}

// K is the number of slots.
func (s *Sem) K() int { return len(s.slots) }

// Slot returns slot i's Mutex, for Consistent after Acquire reported ErrOwnerDead.
func (s *Sem) Slot(i int) *Mutex { return s.slots[i] }

// Acquire takes a free slot and returns its index. err is nil, ErrOwnerDead (the slot is held
// and its previous holder died: repair what it guarded, then Consistent(s.Slot(slot))),
// ErrNotRecoverable (every slot is unrecoverable), or ctx.Err(). While all slots are busy it
// sleeps on the release sequence and on every slot's futex word at once (futex_waitv), so a
// release or a holder's death wakes it at once; the sleep is bounded and re-checks anyway.
func (l *Locker) Acquire(ctx context.Context, s *Sem) (slot int, err error) {
	k := len(s.slots)
	start := l.tid % k // spread processes over the slots
	var ws [MaxSemSlots + 1]futexWaitv
	for {
		seq := atomic.LoadUint32(s.seq)
		dead := 0
		n := 0
		for j := range k {
			i := (start + j) % k
			switch err := l.TryLock(s.slots[i]); err {
			case nil, ErrOwnerDead:
				return i, err
			case ErrNotRecoverable:
				dead++
				continue
			case errHeld: // this Locker holds slot i already: not free, and not worth waiting on
				continue
			case ErrBusy:
			default:
				return -1, err
			}
			// Busy: ask its holder's unlock (or the kernel, at the holder's death) to wake us.
			w := &s.slots[i].lock
			old := atomic.LoadUint32(w)
			if old&futexTIDMask != 0 && old&futexOwnerDied == 0 && old&futexWaiters == 0 {
				if atomic.CompareAndSwapUint32(w, old, old|futexWaiters) {
					old |= futexWaiters
				}
			}
			ws[n] = futexWaitv{val: uint64(old), uaddr: uint64(uintptr(unsafe.Pointer(w))), flags: futex2SizeU32}
			n++
		}
		if dead == k {
			return -1, ErrNotRecoverable
		}
		ws[n] = futexWaitv{val: uint64(seq), uaddr: uint64(uintptr(unsafe.Pointer(s.seq))), flags: futex2SizeU32}
		n++
		if err := sleepv(ctx, ws[:n], s.seq, seq); err != nil {
			return -1, err
		}
	}
}

// Release gives slot back and wakes one acquirer. Releasing a slot taken with ErrOwnerDead
// without Consistent makes that slot unrecoverable (the Sem then has one slot fewer) and
// returns ErrNotRecoverable.
func (l *Locker) Release(s *Sem, slot int) error {
	err := l.Unlock(s.slots[slot])
	if errors.Is(err, errNotHeld) {
		return err
	}
	atomic.AddUint32(s.seq, 1)
	futexWake(s.seq, 1)
	return err
}

// futexWaitv is the kernel's struct futex_waitv (include/uapi/linux/futex.h).
type futexWaitv struct {
	val      uint64
	uaddr    uint64
	flags    uint32
	reserved uint32
}

// futex2SizeU32 is FUTEX2_SIZE_U32 without FUTEX2_PRIVATE: shared, like every wait here.
const futex2SizeU32 = 0x02

var noWaitv atomic.Bool // futex_waitv is missing (kernel < 5.16)

// sleepv waits on all of ws at once, bounded like sleep. Without futex_waitv it falls back to
// the sequence word alone; a holder's death is then noticed within maxWait.
func sleepv(ctx context.Context, ws []futexWaitv, seq *uint32, val uint32) error {
	d := maxWait
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return context.DeadlineExceeded
		}
		d = min(d, left)
	}
	if !noWaitv.Load() {
		var now unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &now); err == nil {
			abs := unix.NsecToTimespec(now.Nano() + int64(d))
			_, _, e := unix.Syscall6(unix.SYS_FUTEX_WAITV, uintptr(unsafe.Pointer(&ws[0])), uintptr(len(ws)), 0,
				uintptr(unsafe.Pointer(&abs)), unix.CLOCK_MONOTONIC, 0)
			if e != unix.ENOSYS {
				return nil
			}
			noWaitv.Store(true)
		}
	}
	futexWait(seq, val, d)
	return nil
}
