// Package plock is a process-shared, robust mutex for memory shared between
// processes (an anonymous MAP_SHARED mapping inherited across fork, or a
// file mapped by several processes), written in pure Go without cgo.
//
// A Mutex has exactly the layout of glibc's pthread_mutex_t initialised with
// PTHREAD_PROCESS_SHARED and PTHREAD_MUTEX_ROBUST (40 bytes on linux/amd64,
// 48 on linux/arm64), and Lock, Unlock and Consistent follow glibc's
// algorithm, so a C program calling pthread_mutex_lock on the same bytes
// interoperates with Go code in both directions.
//
// Robustness comes from the kernel, not from PID checks: every thread that
// locks registers a robust list (set_robust_list), the mutexes it holds are
// linked into that list, and when the thread exits or execs while holding
// one the kernel marks the futex word FUTEX_OWNER_DIED and wakes a waiter.
// The next Lock then returns ErrOwnerDead with the mutex held: the caller
// repairs the protected state and calls Consistent. Unlocking without
// Consistent makes the mutex unrecoverable for every user, Go or C, exactly
// as glibc does. Because the kernel does the work at exit, zombie owners and
// reused PIDs/TIDs cannot confuse it; every participant must however live in
// one PID namespace (the futex word holds namespace-local TIDs).
//
// A Locker binds one goroutine to its OS thread (runtime.LockOSThread) and
// registers that thread's robust list once, so Lock and Unlock make no
// system call when uncontended. In a cgo binary glibc has already
// registered a list for the thread; the Locker adopts it (same
// futex_offset), so C and Go mutexes held by one thread share one list.
//
// Sem (K slots, each a robust Mutex) and Cond (a sequence futex) are built
// on the same primitives; they are not layout-compatible with any glibc
// type, but a C process may take a Sem slot with pthread_mutex_trylock.
//
// Limits: the mapping must stay mapped while locks are held (the kernel walks
// the list at death and stops at a fault); a goroutine that exits while
// holding on the process's main thread releases nothing, because Go parks
// that thread instead of ending it (on any other thread the exit counts as
// the owner's death); musl's mutex layout differs and is not supported.
//
// On other systems and architectures every operation returns
// ErrUnsupported.
package plock
