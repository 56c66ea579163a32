package plock

// Mutex is glibc's x86_64 struct __pthread_mutex_s (sysdeps/x86/nptl/bits/struct_mutex.h):
// sizeof(pthread_mutex_t) is 40. Field names follow glibc's without the underscores.
type Mutex struct {
	lock   uint32   // __lock: the futex word, owner TID | FUTEX_WAITERS | FUTEX_OWNER_DIED
	count  uint32   // __count: 1 while held
	owner  int32    // __owner: TID, or ownerInconsistent / ownerNotRecoverable
	nusers uint32   // __nusers
	kind   int32    // __kind: kindRobustPshared for every Mutex this package accepts
	spins  [2]int16 // __spins, __elision (unused by robust mutexes)
	prev   uintptr  // __list.__prev: address of the word that points at next (userspace only)
	next   uintptr  // __list.__next: the robust_list entry the kernel walks
}
