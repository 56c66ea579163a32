// Command worker is the Go peer of plock's tests: the same commands as testdata/cpeer.c, run
// in order on one Locker, printing glibc-style results (0, EOWNERDEAD=130, ENOTRECOVERABLE=131,
// EBUSY=16). The tests build it twice: pure Go, and with cgo (glibc's robust list head).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"github.com/quirkcheck/quirk/corehook/plock"
	"golang.org/x/sys/unix"
)

// storm mirrors testdata/storm.h.
type storm struct {
	counter, recoveries, inflight, savedCounter, savedDone uint64
	_                                                      [3]uint64
	done                                                   [64]uint64
}

const stormState, stormSpin = 64, 2000

func code(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, plock.ErrOwnerDead):
		return 130
	case errors.Is(err, plock.ErrNotRecoverable):
		return 131
	case errors.Is(err, plock.ErrBusy):
		return 16
	}
	fmt.Fprintln(os.Stderr, "worker:", err)
	return -1
}

func robustHead() (uintptr, int64) {
	var p unsafe.Pointer
	var n uintptr
	unix.RawSyscall(unix.SYS_GET_ROBUST_LIST, 0, uintptr(unsafe.Pointer(&p)), uintptr(unsafe.Pointer(&n)))
	if p == nil {
		return 0, 0
	}
	return uintptr(p), *(*int64)(unsafe.Add(p, 8))
}

var sink int

// The main goroutine stays on the main thread, so every command runs on the
// thread whose TID is the PID. That matters for "exec": the kernel makes
// the exec'ing thread the group leader (de_thread swaps its TID for the
// PID) before it walks the robust list, and handle_futex_death releases
// only a futex whose owner TID is the thread's current one. A lock taken on
// another thread keeps its old TID and is never marked OWNER_DIED, which
// made TestExecWhileHoldingIsDeath time out whenever the scheduler moved
// the main goroutine before main's LockOSThread.
func init() { runtime.LockOSThread() }

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: worker FILE OFF CMD...")
		os.Exit(2)
	}
	f, err := os.OpenFile(os.Args[1], os.O_RDWR, 0)
	if err != nil {
		panic(err)
	}
	st, _ := f.Stat()
	mem, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		panic(err)
	}
	off, _ := strconv.Atoi(os.Args[2])
	m := plock.At(mem, off)
	runtime.LockOSThread()
	before, _ := robustHead()
	l, err := plock.NewLocker()
	if err != nil {
		fmt.Println("newlocker", err)
		os.Exit(1)
	}
	after, offset := robustHead()
	ctx := context.Background()
	args := os.Args[3:]
	for i := 0; i < len(args); i++ {
		switch c := args[i]; c {
		case "init":
			plock.Init(m)
			fmt.Println("init 0")
		case "lock":
			fmt.Println("lock", code(l.Lock(ctx, m)))
		case "trylock":
			fmt.Println("trylock", code(l.TryLock(m)))
		case "unlock":
			fmt.Println("unlock", code(l.Unlock(m)))
		case "consistent":
			fmt.Println("consistent", code(l.Consistent(m)))
		case "ready":
			fmt.Println("ready", os.Getpid())
		case "head":
			fmt.Printf("head before=%#x after=%#x offset=%d cgo=%v\n", before, after, offset, cgoLock != nil)
		case "hold":
			for {
				time.Sleep(time.Hour)
			}
		case "die":
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		case "exit":
			os.Exit(0)
		case "exec": // replace the process image while holding: the kernel's exec cleanup releases
			err := syscall.Exec("/bin/sleep", []string{"sleep", "60"}, nil)
			fmt.Println("exec", err)
		case "cgolock": // lock a glibc mutex at OFF2 with pthread_mutex_lock on this thread
			off2, _ := strconv.Atoi(args[i+1])
			i++
			if cgoLock == nil {
				fmt.Println("cgolock unsupported")
				os.Exit(1)
			}
			fmt.Println("cgolock", cgoLock(unsafe.Pointer(unsafe.SliceData(mem)), off2))
		case "cgounlock":
			off2, _ := strconv.Atoi(args[i+1])
			i++
			fmt.Println("cgounlock", cgoUnlock(unsafe.Pointer(unsafe.SliceData(mem)), off2))
		case "storm":
			w, _ := strconv.Atoi(args[i+1])
			n, _ := strconv.Atoi(args[i+2])
			killAt, _ := strconv.Atoi(args[i+3])
			i += 3
			runStorm(l, m, (*storm)(unsafe.Pointer(&mem[stormState])), w, n, killAt)
			fmt.Println("storm done")
		case "bench":
			n, _ := strconv.Atoi(args[i+1])
			i++
			t0 := time.Now()
			for range n {
				l.Lock(ctx, m)
				l.Unlock(m)
			}
			fmt.Printf("ns/op %.3f\n", float64(time.Since(t0).Nanoseconds())/float64(n))
		default:
			fmt.Fprintln(os.Stderr, "worker: unknown command", c)
			os.Exit(2)
		}
	}
}

func runStorm(l *plock.Locker, m *plock.Mutex, s *storm, w, n, killAt int) {
	ctx := context.Background()
	for i := range n {
		switch err := l.Lock(ctx, m); {
		case errors.Is(err, plock.ErrOwnerDead):
			s.recoveries++
			if s.inflight != 0 {
				s.counter = s.savedCounter
				s.done[s.inflight-1] = s.savedDone
				s.inflight = 0
			}
			if err := l.Consistent(m); err != nil {
				panic(err)
			}
		case err != nil:
			fmt.Println("lock", code(err))
			os.Exit(1)
		}
		s.savedCounter, s.savedDone, s.inflight = s.counter, s.done[w], uint64(w+1)
		c := s.counter
		for k := range stormSpin {
			sink += k
		}
		s.counter = c + 1
		if i == killAt {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
		s.done[w]++
		s.inflight = 0
		if err := l.Unlock(m); err != nil {
			panic(err)
		}
	}
}
