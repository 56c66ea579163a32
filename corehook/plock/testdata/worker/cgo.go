//go:build cgo

package main

/*
#include <pthread.h>
static int lockat(void *base, int off) { return pthread_mutex_lock((pthread_mutex_t *)((char *)base + off)); }
static int unlockat(void *base, int off) { return pthread_mutex_unlock((pthread_mutex_t *)((char *)base + off)); }
*/
import "C"

import "unsafe"

func init() {
	cgoLock = func(base unsafe.Pointer, off int) int { return int(C.lockat(base, C.int(off))) }
	cgoUnlock = func(base unsafe.Pointer, off int) int { return int(C.unlockat(base, C.int(off))) }
}
