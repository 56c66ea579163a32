package plock

// Mutex is glibc's generic 64-bit struct __pthread_mutex_s (sysdeps/nptl/bits/struct_mutex.h)
// inside a pthread_mutex_t of __SIZEOF_PTHREAD_MUTEX_T = 48 bytes on aarch64. Field names follow
// glibc's without the underscores.
type Mutex struct {
	lock   uint32  // __lock: the futex word, owner TID | FUTEX_WAITERS | FUTEX_OWNER_DIED
	count  uint32  // __count: 1 while held
	owner  int32   // __owner: TID, or ownerInconsistent / ownerNotRecoverable
	nusers uint32  // __nusers
	kind   int32   // __kind: kindRobustPshared for every Mutex this package accepts
	spins  int32   // __spins (unused by robust mutexes)
	prev   uintptr // __list.__prev: address of the word that points at next (userspace only)
	next   uintptr // __list.__next: the robust_list entry the kernel walks
	_      [8]byte // the rest of the 48-byte union, which pthread_mutex_init zeroes
}
