//go:build !linux || !(amd64 || arm64)

package plock

import (
	"context"
	"fmt"
	"unsafe"
)

// Mutex has no layout here: robust process-shared mutexes are implemented only for glibc's
// layout on linux/amd64 and linux/arm64.
type Mutex struct{ _ [48]byte }

// Init does nothing on this system.
func Init(m *Mutex) {}

// At returns the Mutex at byte offset off of mem; it panics when off is out of range or not
// 8-byte aligned, as on Linux.
func At(mem []byte, off int) *Mutex {
	size := int(unsafe.Sizeof(Mutex{}))
	if off < 0 || size > len(mem) || off > len(mem)-size || off%8 != 0 {
		panic(fmt.Sprintf("plock: bad offset %d in a mapping of %d bytes", off, len(mem)))
	}
	return (*Mutex)(unsafe.Pointer(&mem[off]))
}

// Locker is unusable on this system.
type Locker struct{}

// NewLocker returns ErrUnsupported.
func NewLocker() (*Locker, error) { return nil, ErrUnsupported }

// Lock returns ErrUnsupported.
func (l *Locker) Lock(ctx context.Context, m *Mutex) error { return ErrUnsupported }

// TryLock returns ErrUnsupported.
func (l *Locker) TryLock(m *Mutex) error { return ErrUnsupported }

// Consistent returns ErrUnsupported.
func (l *Locker) Consistent(m *Mutex) error { return ErrUnsupported }

// Unlock returns ErrUnsupported.
func (l *Locker) Unlock(m *Mutex) error { return ErrUnsupported }

// Close returns ErrUnsupported.
func (l *Locker) Close() error { return ErrUnsupported }

// Sem is unusable on this system.
type Sem struct{}

// SemSlotSize is the stride of a Sem's layout, as on Linux.
const SemSlotSize = 64

// MaxSemSlots bounds a Sem's slot count, as on Linux.
const MaxSemSlots = 64

// SemSize is the number of bytes a Sem with k slots occupies, as on Linux.
func SemSize(k int) int { return SemSlotSize * (k + 1) }

// InitSem returns an unusable Sem.
func InitSem(mem []byte, off, k int) *Sem { return &Sem{} }

// SemAt returns ErrUnsupported.
func SemAt(mem []byte, off int) (*Sem, error) { return nil, ErrUnsupported }

// K is 0 on this system.
func (s *Sem) K() int { return 0 }

// Slot returns nil on this system.
func (s *Sem) Slot(i int) *Mutex { return nil }

// Acquire returns ErrUnsupported.
func (l *Locker) Acquire(ctx context.Context, s *Sem) (int, error) { return -1, ErrUnsupported }

// Release returns ErrUnsupported.
func (l *Locker) Release(s *Sem, slot int) error { return ErrUnsupported }

// Cond is unusable on this system.
type Cond struct{ _ [2]uint32 }

// CondSize is the size of a Cond in shared memory, as on Linux.
const CondSize = 8

// CondAt returns the Cond at byte offset off of mem.
func CondAt(mem []byte, off int) *Cond {
	if off < 0 || off > len(mem)-CondSize || off%8 != 0 {
		panic(fmt.Sprintf("plock: bad offset %d in a mapping of %d bytes", off, len(mem)))
	}
	return (*Cond)(unsafe.Pointer(&mem[off]))
}

// Wait returns ErrUnsupported.
func (l *Locker) Wait(ctx context.Context, c *Cond, m *Mutex) error { return ErrUnsupported }

// Signal does nothing on this system.
func (c *Cond) Signal() {}

// Broadcast does nothing on this system.
func (c *Cond) Broadcast() {}
