//go:build linux && (amd64 || arm64)

package plock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// glibc's errno values as the peers print them.
const (
	cOK, cBusy, cOwnerDead, cNotRecoverable = "0", "16", "130", "131"
)

func TestLayoutMatchesGlibc(t *testing.T) {
	path, _ := shared(t, 4096)
	out := runPeer(t, "cpeer", path, 0, "layout")
	got := map[string]int{}
	f := strings.Fields(out[len(out)-1])
	for i := 0; i+1 < len(f); i += 2 {
		n, err := strconv.Atoi(f[i+1])
		if err != nil {
			t.Fatalf("bad layout line %q", out)
		}
		got[f[i]] = n
	}
	var m Mutex
	want := map[string]int{
		"sizeof": int(unsafe.Sizeof(m)), "align": int(unsafe.Alignof(m)),
		"lock": int(unsafe.Offsetof(m.lock)), "count": int(unsafe.Offsetof(m.count)),
		"owner": int(unsafe.Offsetof(m.owner)), "nusers": int(unsafe.Offsetof(m.nusers)),
		"kind": int(unsafe.Offsetof(m.kind)), "spins": int(unsafe.Offsetof(m.spins)),
		"prev": int(unsafe.Offsetof(m.prev)), "next": int(unsafe.Offsetof(m.next)),
		"kindval": kindRobustPshared,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: glibc %d, Go %d", k, got[k], v)
		}
	}
	if futexOffset != -32 {
		t.Errorf("futex_offset %d, glibc uses -32", futexOffset)
	}
}

// lockWord reads m's futex word as another process would.
func lockWord(m *Mutex) uint32 { return atomic.LoadUint32(&m.lock) }

func TestCOwnerDiesGoRecovers(t *testing.T) {
	path, mem := shared(t, 4096)
	m := At(mem, 0)
	c := startPeer(t, "cpeer", path, 0, "init", "lock", "ready", "hold")
	c.expect("init 0")
	c.expect("lock 0")
	c.expect("ready")
	l := locker(t)
	if err := l.TryLock(m); err != ErrBusy {
		t.Fatalf("TryLock on a C-held mutex: %v, want ErrBusy", err)
	}
	c.kill()
	// Leave it a zombie (not reaped): a PID-liveness check would call it alive; the kernel
	// released its robust list before it became one.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	waitFor(ctx, t, "the killed C holder to become a zombie", func() bool { return procState(c.cmd.Process.Pid) == 'Z' })
	if w := lockWord(m); w != futexOwnerDied {
		t.Fatalf("word after the holder's death %#x, want FUTEX_OWNER_DIED", w)
	}
	if err := l.Lock(ctx, m); err != ErrOwnerDead {
		t.Fatalf("Lock: %v, want ErrOwnerDead", err)
	}
	if atomic.LoadInt32(&m.owner) != ownerInconsistent {
		t.Fatalf("__owner %#x, want PTHREAD_MUTEX_INCONSISTENT", m.owner)
	}
	if err := l.Consistent(m); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(m); err != nil {
		t.Fatal(err)
	}
	out := runPeer(t, "cpeer", path, 0, "lock", "unlock")
	if out[0] != "lock "+cOK || out[1] != "unlock "+cOK {
		t.Fatalf("C after Go's repair: %q", out)
	}
}

func TestGoOwnerDiesCRecovers(t *testing.T) {
	for _, worker := range []string{"worker", "cgoworker"} {
		t.Run(worker, func(t *testing.T) {
			path, mem := shared(t, 4096)
			m := At(mem, 0)
			g := startPeer(t, worker, path, 0, "init", "lock", "ready", "die")
			g.expect("init 0")
			g.expect("lock 0")
			g.wait()
			out := runPeer(t, "cpeer", path, 0, "lock", "owner", "consistent", "unlock")
			if out[0] != "lock "+cOwnerDead || !strings.HasPrefix(out[1], "owner 2147483647") ||
				out[2] != "consistent "+cOK || out[3] != "unlock "+cOK {
				t.Fatalf("C after the Go holder's death: %q", out)
			}
			l := locker(t)
			if err := l.TryLock(m); err != nil {
				t.Fatalf("TryLock after C's repair: %v", err)
			}
			if err := l.Unlock(m); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNotRecoverableBothSides(t *testing.T) {
	ctx := context.Background()
	t.Run("Go leaves it", func(t *testing.T) {
		path, mem := shared(t, 4096)
		m := At(mem, 0)
		c := startPeer(t, "cpeer", path, 0, "init", "lock", "die")
		c.expect("init 0")
		c.wait()
		l := locker(t)
		if err := l.Lock(ctx, m); err != ErrOwnerDead {
			t.Fatalf("Lock: %v", err)
		}
		if err := l.Unlock(m); err != ErrNotRecoverable {
			t.Fatalf("Unlock without Consistent: %v, want ErrNotRecoverable", err)
		}
		if out := runPeer(t, "cpeer", path, 0, "lock"); out[0] != "lock "+cNotRecoverable {
			t.Fatalf("C lock: %q, want ENOTRECOVERABLE", out)
		}
		if err := l.Lock(ctx, m); err != ErrNotRecoverable {
			t.Fatalf("Go Lock: %v, want ErrNotRecoverable", err)
		}
		if out := runPeer(t, "worker", path, 0, "lock"); out[0] != "lock "+cNotRecoverable {
			t.Fatalf("Go worker lock: %q", out)
		}
		if w := lockWord(m); w != 0 {
			t.Fatalf("word %#x after the failed locks, want 0 (nobody may keep it)", w)
		}
	})
	t.Run("C leaves it", func(t *testing.T) {
		path, mem := shared(t, 4096)
		m := At(mem, 0)
		g := startPeer(t, "worker", path, 0, "init", "lock", "die")
		g.expect("init 0")
		g.wait()
		if out := runPeer(t, "cpeer", path, 0, "lock", "unlock"); out[0] != "lock "+cOwnerDead || out[1] != "unlock "+cOK {
			t.Fatalf("C: %q", out)
		}
		l := locker(t)
		if err := l.Lock(ctx, m); err != ErrNotRecoverable {
			t.Fatalf("Go Lock: %v, want ErrNotRecoverable", err)
		}
		if err := l.TryLock(m); err != ErrNotRecoverable {
			t.Fatalf("Go TryLock: %v, want ErrNotRecoverable", err)
		}
		if out := runPeer(t, "cpeer", path, 0, "lock"); out[0] != "lock "+cNotRecoverable {
			t.Fatalf("C lock: %q", out)
		}
	})
}

func TestBlockedWaiterWokenWhenHolderDies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Run("Go waits, C holder killed", func(t *testing.T) {
		path, mem := shared(t, 4096)
		m := At(mem, 0)
		c := startPeer(t, "cpeer", path, 0, "init", "lock", "ready", "hold")
		c.expect("init 0")
		c.expect("lock 0")
		c.expect("ready")
		res := make(chan error, 1)
		go func() {
			l, err := NewLocker()
			if err != nil {
				res <- err
				return
			}
			err = l.Lock(ctx, m)
			if err == ErrOwnerDead {
				l.Consistent(m)
				l.Unlock(m)
			}
			l.Close()
			res <- err
		}()
		// The waiter announced itself in the word: it is asleep in the kernel, not polling.
		waitFor(ctx, t, "FUTEX_WAITERS", func() bool { return lockWord(m)&futexWaiters != 0 })
		t0 := time.Now()
		c.kill()
		if err := <-res; err != ErrOwnerDead {
			t.Fatalf("waiter: %v, want ErrOwnerDead", err)
		}
		t.Logf("waiter held the lock %v after the kill", time.Since(t0))
	})
	t.Run("C waits, Go holder killed", func(t *testing.T) {
		path, mem := shared(t, 4096)
		m := At(mem, 0)
		g := startPeer(t, "worker", path, 0, "init", "lock", "ready", "hold")
		g.expect("init 0")
		g.expect("lock 0")
		g.expect("ready")
		c := startPeer(t, "cpeer", path, 0, "lock")
		waitFor(ctx, t, "the C waiter's FUTEX_WAITERS", func() bool { return lockWord(m)&futexWaiters != 0 })
		g.kill()
		c.expect("lock " + cOwnerDead)
	})
}

func TestExecWhileHoldingIsDeath(t *testing.T) {
	path, mem := shared(t, 4096)
	m := At(mem, 0)
	g := startPeer(t, "worker", path, 0, "init", "lock", "ready", "exec")
	g.expect("init 0")
	g.expect("lock 0")
	pid := g.cmd.Process.Pid
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l := locker(t)
	if err := l.Lock(ctx, m); err != ErrOwnerDead {
		t.Fatalf("Lock: %v, want ErrOwnerDead", err)
	}
	l.Consistent(m)
	l.Unlock(m)
	// Same PID, never exited, now a new program: the kernel's exec cleanup walked the list.
	waitFor(ctx, t, "the holder to run sleep", func() bool {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		return strings.TrimSpace(string(comm)) == "sleep"
	})
	if st := procState(pid); st == 'Z' || st == 0 {
		t.Fatalf("holder state %q: it exited rather than exec'd", st)
	}
}

func TestThreadExitWhileHoldingIsDeath(t *testing.T) {
	_, mem := shared(t, 4096)
	m := At(mem, 0)
	Init(m)
	exitHolding(t, func(l *Locker) error { return l.Lock(context.Background(), m) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l := locker(t)
	if err := l.Lock(ctx, m); err != ErrOwnerDead {
		t.Fatalf("Lock: %v, want ErrOwnerDead", err)
	}
	l.Consistent(m)
	l.Unlock(m)
}

// exitHolding runs take on a fresh Locker in a goroutine that then returns while pinned and
// holding: the runtime ends that OS thread, and the kernel walks its robust list on the way
// out. Never on the main thread, which Go parks forever instead of ending (a lock held there
// outlives the goroutine).
func exitHolding(t *testing.T, take func(*Locker) error) {
	t.Helper()
	errMainThread := errors.New("on the main thread")
	for {
		res := make(chan error)
		go func() {
			runtime.LockOSThread()
			if unix.Gettid() == os.Getpid() {
				runtime.UnlockOSThread()
				res <- errMainThread
				return
			}
			l, err := NewLocker()
			if err == nil {
				err = take(l)
			}
			res <- err
		}()
		switch err := <-res; err {
		case errMainThread:
			continue
		case nil:
			return
		default:
			t.Fatal(err)
		}
	}
}

func TestForkExecWhileHoldingKeepsLock(t *testing.T) {
	path, mem := shared(t, 4096)
	m := At(mem, 0)
	Init(m)
	l := locker(t)
	if err := l.Lock(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	// The child starts with no robust list; its exec and exit must not touch our lock.
	if out, err := exec.Command("sh", "-c", "true; exit 3").CombinedOutput(); err == nil || len(out) != 0 {
		t.Fatalf("child: %v %q", err, out)
	}
	if out := runPeer(t, "cpeer", path, 0, "trylock"); out[0] != "trylock "+cBusy {
		t.Fatalf("C trylock while Go holds (after fork+exec): %q, want EBUSY", out)
	}
	if w := lockWord(m); w&futexOwnerDied != 0 {
		t.Fatalf("word %#x: fork+exec marked the owner dead", w)
	}
	if err := l.Unlock(m); err != nil {
		t.Fatal(err)
	}
	if out := runPeer(t, "cpeer", path, 0, "trylock", "unlock"); out[0] != "trylock "+cOK {
		t.Fatalf("C trylock after Unlock: %q", out)
	}
}

// TestCgoWorkerAdoptsGlibcHead: in a cgo binary glibc registered the thread's robust list;
// the Locker must link into it, not replace it. The proof is a death with a mixed list: the
// cgo worker holds two pthread mutexes (locked in C) and one plock Mutex on one thread, having
// unlocked a third in the middle, and is killed; the kernel must mark all held ones dead.
func TestCgoWorkerAdoptsGlibcHead(t *testing.T) {
	out := func(worker string) string {
		path, _ := shared(t, 4096)
		return runPeer(t, worker, path, 0, "head")[0]
	}
	var before, after uintptr
	var offset int
	var cgo bool
	if _, err := fmt.Sscanf(out("cgoworker"), "head before=%v after=%v offset=%d cgo=%t", &before, &after, &offset, &cgo); err != nil {
		t.Fatal(err)
	}
	if !cgo || before == 0 || after != before || offset != -32 {
		t.Fatalf("cgo worker: head before %#x after %#x offset %d cgo %v; want glibc's head kept", before, after, offset, cgo)
	}
	if _, err := fmt.Sscanf(out("worker"), "head before=%v after=%v offset=%d cgo=%t", &before, &after, &offset, &cgo); err != nil {
		t.Fatal(err)
	}
	if cgo || before != 0 || after == 0 || offset != -32 {
		t.Fatalf("pure worker: head before %#x after %#x offset %d; want a new head", before, after, offset)
	}

	path, mem := shared(t, 4096)
	goM, cA, cB := At(mem, 0), At(mem, 64), At(mem, 128)
	for _, off := range []int{64, 128} {
		runPeer(t, "cpeer", path, off, "init")
	}
	g := startPeer(t, "cgoworker", path, 0, "init", "cgolock", "64", "lock", "cgolock", "128", "cgounlock", "64", "ready", "die")
	for _, want := range []string{"init 0", "cgolock 0", "lock 0", "cgolock 0", "cgounlock 0"} {
		g.expect(want)
	}
	g.wait()
	if w := lockWord(goM); w&futexOwnerDied == 0 {
		t.Errorf("plock mutex word %#x after death: not marked (the list was not walked to it)", w)
	}
	if w := lockWord(cB); w&futexOwnerDied == 0 {
		t.Errorf("pthread mutex locked after the plock one: word %#x, not marked", w)
	}
	if w := lockWord(cA); w != 0 {
		t.Errorf("pthread mutex unlocked from the list's tail: word %#x, want 0", w)
	}
	l := locker(t)
	if err := l.TryLock(goM); err != ErrOwnerDead {
		t.Fatalf("TryLock: %v", err)
	}
	l.Consistent(goM)
	l.Unlock(goM)
	if out := runPeer(t, "cpeer", path, 128, "lock"); out[0] != "lock "+cOwnerDead {
		t.Fatalf("C on the other pthread mutex: %q", out)
	}
}

// stormState mirrors testdata/storm.h.
type stormState struct {
	counter, recoveries, inflight, savedCounter, savedDone uint64
	_                                                      [3]uint64
	done                                                   [64]uint64
}

// TestStorm: 64 processes (C, pure Go and cgo Go, interleaved) each run 20 critical sections
// on one mutex; every 8th SIGKILLs itself inside its 11th, after writing the counter and
// before recording its progress. The next owner rolls the half-done section back from the
// undo record, so the counter equals the sum of completed sections, and every death is one
// counted recovery. A deadline stands in for "no deadlock".
func TestStorm(t *testing.T) {
	const procs, sections, killAt = 64, 20, 10
	kinds := []string{"cpeer", "worker", "cgoworker"}
	for _, k := range kinds {
		helper(t, k)
	}
	path, mem := shared(t, 4096)
	runPeer(t, "cpeer", path, 0, "init")
	s := (*stormState)(unsafe.Pointer(&mem[64]))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var cmds []*exec.Cmd
	for w := range procs {
		kill := -1
		if w%8 == 7 {
			kill = killAt
		}
		cmd := exec.CommandContext(ctx, helperPath[kinds[w%len(kinds)]], path, "0", "storm", fmt.Sprint(w), fmt.Sprint(sections), fmt.Sprint(kill))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	killed := 0
	for w, cmd := range cmds {
		err := cmd.Wait()
		if ctx.Err() != nil {
			t.Fatalf("storm did not finish before the deadline (deadlock?): counter %d", s.counter)
		}
		if w%8 == 7 {
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != -1 {
				t.Fatalf("worker %d should have killed itself: %v", w, err)
			}
			killed++
		} else if err != nil {
			t.Fatalf("worker %d (%s): %v", w, kinds[w%len(kinds)], err)
		}
	}
	// The last death may have no successor; take the lock once more so it is repaired too.
	l := locker(t)
	m := At(mem, 0)
	switch err := l.Lock(ctx, m); err {
	case ErrOwnerDead:
		s.recoveries++
		if s.inflight != 0 {
			s.counter, s.done[s.inflight-1], s.inflight = s.savedCounter, s.savedDone, 0
		}
		l.Consistent(m)
	case nil:
	default:
		t.Fatal(err)
	}
	defer l.Unlock(m)
	var sum uint64
	for _, d := range s.done {
		sum += d
	}
	want := uint64((procs-killed)*sections + killed*killAt)
	if s.counter != sum || sum != want {
		t.Fatalf("counter %d, completed sections %d, want both %d (lost or phantom update)", s.counter, sum, want)
	}
	if s.recoveries != uint64(killed) {
		t.Fatalf("%d recoveries for %d deaths", s.recoveries, killed)
	}
}

func TestSemBoundsHoldersAndRecoversDeadSlots(t *testing.T) {
	const k, workers, rounds = 3, 12, 30
	path, mem := shared(t, 4096)
	s := InitSem(mem, 0, k)
	if s2, err := SemAt(mem, 0); err != nil || s2.K() != k {
		t.Fatalf("SemAt: %v", err)
	}
	if _, err := SemAt(mem, 1024); err == nil {
		t.Fatal("SemAt on zeroed memory succeeded")
	}
	// A C process takes slot 0 with pthread_mutex_lock and dies holding it.
	c := startPeer(t, "cpeer", path, SemSlotSize, "lock", "die")
	c.expect("lock 0")
	c.wait()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// And a Go thread exits holding another.
	var holders, maxHolders, recovered, acquired atomic.Int64
	exitHolding(t, func(l *Locker) error {
		slot, err := l.Acquire(ctx, s)
		if err == ErrOwnerDead { // it may find the C process's slot first
			recovered.Add(1)
			err = l.Consistent(s.Slot(slot))
		}
		return err
	})
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := NewLocker()
			if err != nil {
				errs <- err
				return
			}
			for range rounds {
				slot, err := l.Acquire(ctx, s)
				if err == ErrOwnerDead {
					recovered.Add(1)
					err = l.Consistent(s.Slot(slot))
				}
				if err != nil {
					errs <- err
					return
				}
				n := holders.Add(1)
				for {
					m := maxHolders.Load()
					if n <= m || maxHolders.CompareAndSwap(m, n) {
						break
					}
				}
				acquired.Add(1)
				time.Sleep(100 * time.Microsecond)
				holders.Add(-1)
				if err := l.Release(s, slot); err != nil {
					errs <- err
					return
				}
			}
			l.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if maxHolders.Load() > k || maxHolders.Load() < 2 {
		t.Fatalf("at most %d holders at once, want 2..%d", maxHolders.Load(), k)
	}
	// Take every slot: the one whose holder thread exited is repaired here unless a worker
	// already did.
	l := locker(t)
	for range k {
		slot, err := l.Acquire(ctx, s)
		if err == ErrOwnerDead {
			recovered.Add(1)
			err = l.Consistent(s.Slot(slot))
		}
		if err != nil {
			t.Fatal(err)
		}
		defer l.Release(s, slot)
	}
	if acquired.Load() != workers*rounds || recovered.Load() != 2 {
		t.Fatalf("acquired %d (want %d), recovered %d (want 2: the C holder, the exited thread)", acquired.Load(), workers*rounds, recovered.Load())
	}
}

func TestCond(t *testing.T) {
	_, mem := shared(t, 4096)
	m, c := At(mem, 0), CondAt(mem, 64)
	Init(m)
	queue := (*uint64)(unsafe.Pointer(&mem[128]))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const items = 200
	done := make(chan error, 1)
	go func() {
		l, err := NewLocker()
		if err != nil {
			done <- err
			return
		}
		defer l.Close()
		got := 0
		for got < items {
			if err := l.Lock(ctx, m); err != nil {
				done <- err
				return
			}
			for *queue == 0 {
				if err := l.Wait(ctx, c, m); err != nil {
					done <- err
					return
				}
			}
			got += int(*queue)
			*queue = 0
			c.Signal()
			l.Unlock(m)
		}
		done <- nil
	}()
	l := locker(t)
	for range items {
		if err := l.Lock(ctx, m); err != nil {
			t.Fatal(err)
		}
		for *queue != 0 {
			if err := l.Wait(ctx, c, m); err != nil {
				t.Fatal(err)
			}
		}
		*queue = 1
		c.Signal()
		l.Unlock(m)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A cancelled wait still returns with the mutex held, like pthread_cond_timedwait.
	short, cancel2 := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel2()
	l.Lock(ctx, m)
	if err := l.Wait(short, c, m); err != context.DeadlineExceeded {
		t.Fatalf("Wait past the deadline: %v", err)
	}
	if err := l.Unlock(m); err != nil {
		t.Fatalf("Unlock after a timed-out Wait: %v", err)
	}
}

func TestLockerRules(t *testing.T) {
	_, mem := shared(t, 4096)
	m, other := At(mem, 0), At(mem, 64)
	l := locker(t)
	if err := l.TryLock(m); err != errKind {
		t.Fatalf("TryLock on an uninitialised mutex: %v", err)
	}
	Init(m)
	Init(other)
	if err := l.Unlock(m); err != errNotHeld {
		t.Fatalf("Unlock not held: %v", err)
	}
	if err := l.Lock(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if err := l.TryLock(m); err != errHeld {
		t.Fatalf("relock: %v", err)
	}
	if err := l.Consistent(m); err != errConsistent {
		t.Fatalf("Consistent on a healthy mutex: %v", err)
	}
	if err := l.Close(); err != errStillHolding {
		t.Fatalf("Close while holding: %v", err)
	}
	// A second Locker on the same thread shares the list head.
	l2 := locker(t)
	if err := l2.Lock(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	// Another thread: busy, and a deadline while blocked returns without the lock.
	res := make(chan error, 2)
	go func() {
		l3, err := NewLocker()
		if err != nil {
			res <- err
			return
		}
		defer l3.Close()
		res <- l3.TryLock(m)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		res <- l3.Lock(ctx, m)
	}()
	if err := <-res; err != ErrBusy {
		t.Fatalf("TryLock from another thread: %v", err)
	}
	if err := <-res; err != context.DeadlineExceeded {
		t.Fatalf("Lock past the deadline: %v", err)
	}
	if err := l.Unlock(m); err != nil {
		t.Fatal(err)
	}
	if err := l2.Unlock(other); err != nil {
		t.Fatal(err)
	}
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.TryLock(m); err != nil { // the head is still registered for l
		t.Fatal(err)
	}
	l.Unlock(m)
	for _, off := range []int{-8, 4, 4096 - 8, 4096} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("At(%d) did not panic", off)
				}
			}()
			At(mem, off)
		}()
	}
}
