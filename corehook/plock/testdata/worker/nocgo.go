package main

import "unsafe"

// Set by cgo.go in a cgo build: glibc's pthread_mutex_lock/unlock on mem[off:].
var cgoLock, cgoUnlock func(base unsafe.Pointer, off int) int
