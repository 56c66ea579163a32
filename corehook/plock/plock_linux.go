//go:build linux && (amd64 || arm64)

package plock

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	// Futex word bits (include/uapi/linux/futex.h).
	futexWaiters   = 0x80000000
	futexOwnerDied = 0x40000000
	futexTIDMask   = 0x3fffffff

	// glibc's __owner markers (nptl/pthreadP.h).
	ownerInconsistent   = 0x7fffffff // PTHREAD_MUTEX_INCONSISTENT
	ownerNotRecoverable = 0x7ffffffe // PTHREAD_MUTEX_NOTRECOVERABLE

	// kindRobustPshared is PTHREAD_MUTEX_ROBUST_NORMAL_NP (16) | PTHREAD_MUTEX_PSHARED_BIT (128),
	// what pthread_mutex_init stores for a robust, process-shared, default-type mutex.
	kindRobustPshared = 16 | 128

	// Futex operations. Never FUTEX_PRIVATE_FLAG: the word is shared between processes, and a
	// private wait would never see the kernel's (shared) death wake-up nor a C peer's wake.
	opWait = 0 // FUTEX_WAIT
	opWake = 1 // FUTEX_WAKE

	ptrSize = unsafe.Sizeof(uintptr(0))

	// maxWait bounds every sleep: after it the word is read again, so a lost wake-up (a waker
	// that died between its store and its wake) costs at most this much.
	maxWait = 50 * time.Millisecond

	// maxHeld keeps a Locker's list well under the kernel's ROBUST_LIST_LIMIT (2048): entries
	// past the limit would never be marked dead.
	maxHeld = 1024
)

// futexOffset is glibc's robust_head.futex_offset: the futex word relative to the list entry
// (&__list.__next). A list head with another offset belongs to a foreign runtime.
const futexOffset = -int64(unsafe.Offsetof(Mutex{}.next))

var (
	errHeld         = errors.New("plock: this Locker already holds the mutex")
	errNotHeld      = errors.New("plock: mutex not held by this Locker")
	errKind         = errors.New("plock: not a robust process-shared mutex (missing Init?)")
	errClosed       = errors.New("plock: Locker is closed")
	errStillHolding = errors.New("plock: Close while holding locks")
	errWrongThread  = errors.New("plock: Locker used from another OS thread")
	errTooMany      = fmt.Errorf("plock: a Locker holds at most %d mutexes", maxHeld)
	errConsistent   = errors.New("plock: Consistent on a mutex whose owner did not die")
)

// robustHead is the kernel's struct robust_list_head preceded by one word: glibc's struct
// pthread has robust_prev right before robust_head, and enqueueing into an empty list writes
// the "__prev" of the head, which is that word.
type robustHead struct {
	prev    uintptr // glibc's robust_prev
	list    uintptr // robust_list_head.list: circular; &list itself when empty
	offset  int64   // robust_list_head.futex_offset
	pending uintptr // robust_list_head.list_op_pending
}

// head is the part of robustHead the kernel knows (what set_robust_list receives).
type head struct {
	list    uintptr
	offset  int64
	pending uintptr
}

// ownHead is a robust list head this package mapped and registered for one thread. It is kept
// while any Locker on that thread is open and stays mapped forever if the thread exits first,
// because the kernel walks it at exit.
type ownHead struct {
	mem  []byte
	refs int
}

var (
	headsMu sync.Mutex
	heads   = map[unsafe.Pointer]*ownHead{} // by the address registered with the kernel
)

// Locker takes and releases Mutexes for one goroutine, which it pins to its OS thread: the
// kernel's robust list is per thread, so every Lock and Unlock must run on the thread that
// registered it. Use a Locker only from the goroutine that created it, and Close it there.
type Locker struct {
	tid    int
	h      *head    // the thread's registered list head (ours or glibc's)
	own    *ownHead // nil when glibc's head was adopted
	held   []*Mutex // the mutexes this Locker holds, in lock order
	closed bool
}

// NewLocker pins the calling goroutine to its OS thread and makes sure the thread has a robust
// list registered with the kernel: glibc's (in a cgo binary), one registered by an earlier
// Locker on this thread, or a new one.
func NewLocker() (*Locker, error) {
	runtime.LockOSThread()
	l, err := newLocker()
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	return l, nil
}

func newLocker() (*Locker, error) {
	tid := unix.Gettid()
	cur, err := getRobustList()
	if err != nil {
		return nil, err
	}
	headsMu.Lock()
	defer headsMu.Unlock()
	if cur != nil {
		if own := heads[cur]; own != nil {
			own.refs++
			return &Locker{tid: tid, h: (*head)(cur), own: own}, nil
		}
		// Someone else's list: glibc registers one per thread (futex_offset −32, the same
		// layout as ours), so mutexes from both can share it. Replacing it would silently
		// drop the robustness of every pthread mutex this thread holds.
		h := (*head)(cur)
		if h.offset != futexOffset {
			return nil, fmt.Errorf("plock: thread %d has a foreign robust list (futex_offset %d, want %d): %w",
				tid, h.offset, futexOffset, ErrUnsupported)
		}
		return &Locker{tid: tid, h: h}, nil
	}
	mem, err := unix.Mmap(-1, 0, unix.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("plock: map robust list head: %w", err)
	}
	rh := (*robustHead)(unsafe.Pointer(unsafe.SliceData(mem)))
	h := (*head)(unsafe.Pointer(&rh.list))
	h.list = uintptr(unsafe.Pointer(&h.list))
	h.offset = futexOffset
	if err := setRobustList(unsafe.Pointer(h)); err != nil {
		_ = unix.Munmap(mem)
		return nil, err
	}
	own := &ownHead{mem: mem, refs: 1}
	heads[unsafe.Pointer(h)] = own
	return &Locker{tid: tid, h: h, own: own}, nil
}

// Close releases the Locker and unpins the goroutine. It refuses while the Locker holds a
// mutex: unpinning would let the goroutine run on a thread whose exit no longer means ours.
func (l *Locker) Close() error {
	if l.closed {
		return errClosed
	}
	if len(l.held) > 0 {
		return errStillHolding
	}
	if unix.Gettid() != l.tid {
		return errWrongThread
	}
	l.closed = true
	if l.own != nil {
		headsMu.Lock()
		l.own.refs--
		last := l.own.refs == 0
		if last {
			delete(heads, unsafe.Pointer(l.h))
		}
		headsMu.Unlock()
		// The last Locker on the thread unregisters the head (its list is empty: every
		// Locker on the thread has released everything) so the page can go.
		if last && l.h.list == uintptr(unsafe.Pointer(&l.h.list)) {
			if setRobustList(nil) == nil {
				_ = unix.Munmap(l.own.mem)
			}
		}
	}
	runtime.UnlockOSThread()
	return nil
}

// Init initialises m as pthread_mutex_init does with PTHREAD_PROCESS_SHARED and
// PTHREAD_MUTEX_ROBUST: all bytes zero, kind robust+pshared. Call it once, before any process
// uses the mutex, never on a mutex in use.
func Init(m *Mutex) {
	*m = Mutex{kind: kindRobustPshared}
}

// At returns the Mutex at byte offset off of mem (usually a MAP_SHARED mapping). The address
// must be 8-byte aligned and the whole Mutex inside mem; At panics otherwise.
func At(mem []byte, off int) *Mutex {
	return (*Mutex)(at(mem, off, int(unsafe.Sizeof(Mutex{}))))
}

// at returns the address of mem[off:off+size], checked for range and 8-byte alignment.
func at(mem []byte, off, size int) unsafe.Pointer {
	if off < 0 || size > len(mem) || off > len(mem)-size {
		panic(fmt.Sprintf("plock: offset %d size %d outside a mapping of %d bytes", off, size, len(mem)))
	}
	p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(mem)), off)
	if uintptr(p)%8 != 0 {
		panic(fmt.Sprintf("plock: offset %d is not 8-byte aligned", off))
	}
	return p
}

// Lock acquires m, sleeping (in bounded futex waits that re-read the word) while another
// thread holds it. It returns nil, ErrOwnerDead (m is held; repair, then Consistent),
// ErrNotRecoverable (m is not held), or ctx.Err() (m is not held).
func (l *Locker) Lock(ctx context.Context, m *Mutex) error {
	return l.lock(ctx, m, false)
}

// TryLock is Lock without waiting: ErrBusy when another thread holds m.
func (l *Locker) TryLock(m *Mutex) error {
	return l.lock(context.Background(), m, true)
}

// Only the futex word is accessed atomically. The other fields are written by the holder
// alone, and the acquiring CAS and the releasing swap order them, as glibc's plain stores are.
func (l *Locker) lock(ctx context.Context, m *Mutex, try bool) error {
	if l.closed {
		return errClosed
	}
	if atomic.LoadInt32(&m.kind) != kindRobustPshared {
		return errKind
	}
	if len(l.held) >= maxHeld {
		return errTooMany
	}
	id := uint32(l.tid)
	h := l.h
	// Announce the operation first: if the thread dies between taking the word and linking
	// the mutex into the list, the kernel still finds it through list_op_pending.
	h.pending = uintptr(unsafe.Pointer(&m.next))
	// Once this thread has slept, others may be sleeping too: keep FUTEX_WAITERS set in the
	// word it installs, so its unlock wakes them (glibc's assume_other_futex_waiters).
	var waiters uint32
	old := atomic.LoadUint32(&m.lock)
	for {
		if old&futexOwnerDied != 0 {
			// The kernel cleared the dead owner's TID. Take over, keeping the waiters bit.
			if !atomic.CompareAndSwapUint32(&m.lock, old, id|old&futexWaiters|waiters) {
				old = atomic.LoadUint32(&m.lock)
				continue
			}
			m.count = 1
			m.owner = ownerInconsistent
			l.enqueue(m)
			h.pending = 0
			// No nusers++ here: the dead owner's increment is still counted (as glibc).
			return ErrOwnerDead
		}
		if old&futexTIDMask == id {
			h.pending = 0
			return errHeld
		}
		if old&futexTIDMask == 0 {
			if atomic.CompareAndSwapUint32(&m.lock, old, id|old&futexWaiters|waiters) {
				break
			}
			old = atomic.LoadUint32(&m.lock)
			continue
		}
		if try {
			h.pending = 0
			return ErrBusy
		}
		if old&futexWaiters == 0 {
			if !atomic.CompareAndSwapUint32(&m.lock, old, old|futexWaiters) {
				old = atomic.LoadUint32(&m.lock)
				continue
			}
			old |= futexWaiters
		}
		waiters = futexWaiters
		if err := sleep(ctx, &m.lock, old); err != nil {
			h.pending = 0
			return err
		}
		old = atomic.LoadUint32(&m.lock)
	}
	if m.owner == ownerNotRecoverable {
		m.count = 0
		if atomic.SwapUint32(&m.lock, 0)&futexWaiters != 0 {
			futexWake(&m.lock, 1)
		}
		h.pending = 0
		return ErrNotRecoverable
	}
	m.count = 1
	l.enqueue(m)
	h.pending = 0
	m.owner = int32(id)
	m.nusers++
	return nil
}

// sleep waits on addr while it holds val, for at most maxWait or until ctx's deadline.
func sleep(ctx context.Context, addr *uint32, val uint32) error {
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
	futexWait(addr, val, d)
	return nil
}

// Consistent marks m, which this Locker holds after ErrOwnerDead, as repaired
// (pthread_mutex_consistent).
func (l *Locker) Consistent(m *Mutex) error {
	if l.index(m) < 0 {
		return errNotHeld
	}
	if m.owner != ownerInconsistent {
		return errConsistent
	}
	m.owner = int32(l.tid)
	return nil
}

// Unlock releases m. Unlocking a mutex taken with ErrOwnerDead without Consistent marks it not
// recoverable for every user, Go and C (as glibc does); Unlock then releases it and returns
// ErrNotRecoverable.
func (l *Locker) Unlock(m *Mutex) error {
	i := l.index(m)
	if i < 0 || atomic.LoadUint32(&m.lock)&futexTIDMask != uint32(l.tid) {
		return errNotHeld
	}
	var newOwner int32
	var ret error
	if m.owner == ownerInconsistent {
		newOwner, ret = ownerNotRecoverable, ErrNotRecoverable
	}
	h := l.h
	h.pending = uintptr(unsafe.Pointer(&m.next))
	l.dequeue(m)
	m.owner = newOwner
	m.nusers--
	// The swap is the last access to m: a waiter may free or reinitialise it right after.
	if atomic.SwapUint32(&m.lock, 0)&futexWaiters != 0 {
		futexWake(&m.lock, 1)
	}
	h.pending = 0
	l.held = append(l.held[:i], l.held[i+1:]...)
	return ret
}

func (l *Locker) index(m *Mutex) int {
	for i := len(l.held) - 1; i >= 0; i-- {
		if l.held[i] == m {
			return i
		}
	}
	return -1
}

// word returns the list word at address addr, which lies in this thread's robust list: in the
// registered head (ours or glibc's struct pthread) or in a mutex on the list. Every such
// address came from the list itself, so it is reached from the head by offset, not by turning
// a stored integer back into a pointer.
func (l *Locker) word(addr uintptr) *uintptr {
	base := unsafe.Pointer(l.h)
	return (*uintptr)(unsafe.Add(base, addr-uintptr(base)))
}

// enqueue links m at the front of the thread's robust list, as glibc's ENQUEUE_MUTEX: the old
// first entry's __prev (or, for an empty list, the word before the head) points at m.next.
func (l *Locker) enqueue(m *Mutex) {
	h := l.h
	first := h.list &^ 1
	*l.word(first - ptrSize) = uintptr(unsafe.Pointer(&m.next))
	m.next = h.list
	m.prev = uintptr(unsafe.Pointer(&h.list))
	h.list = uintptr(unsafe.Pointer(&m.next))
	l.held = append(l.held, m)
}

// dequeue unlinks m, as glibc's DEQUEUE_MUTEX. Its neighbours may be pthread mutexes this
// thread holds through C code, which is why the links are followed rather than rebuilt.
func (l *Locker) dequeue(m *Mutex) {
	next, prev := m.next&^1, m.prev&^1
	*l.word(next - ptrSize) = m.prev
	*l.word(prev) = m.next
	m.prev, m.next = 0, 0
}

func getRobustList() (unsafe.Pointer, error) {
	var p unsafe.Pointer
	var n uintptr
	if _, _, e := unix.RawSyscall(unix.SYS_GET_ROBUST_LIST, 0, uintptr(unsafe.Pointer(&p)), uintptr(unsafe.Pointer(&n))); e != 0 {
		return nil, fmt.Errorf("plock: get_robust_list: %w", e)
	}
	if p != nil && n != unsafe.Sizeof(head{}) {
		return nil, fmt.Errorf("plock: robust list head of %d bytes: %w", n, ErrUnsupported)
	}
	return p, nil
}

func setRobustList(h unsafe.Pointer) error {
	if _, _, e := unix.RawSyscall(unix.SYS_SET_ROBUST_LIST, uintptr(h), unsafe.Sizeof(head{}), 0); e != 0 {
		return fmt.Errorf("plock: set_robust_list: %w", e)
	}
	return nil
}

// futexWait sleeps while *addr == val, for at most d. Every outcome (woken, timed out,
// interrupted, value changed) sends the caller back to re-read the word, so the error is moot.
func futexWait(addr *uint32, val uint32, d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	_, _, _ = unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), opWait, uintptr(val), uintptr(unsafe.Pointer(&ts)), 0, 0)
}

func futexWake(addr *uint32, n int) {
	_, _, _ = unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), opWake, uintptr(n), 0, 0, 0)
}
