//go:build linux

package corehook

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockWriter marks f as being written: removeStaleTemps leaves a file alone
// while its writer holds this lock, and the kernel drops the lock when the
// writer dies, however it dies.
func lockWriter(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) }

// writerGone reports whether nobody holds the writer's lock on path.
func writerGone(path string) (bool, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, err
	}
	defer unix.Close(fd)
	err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// reserveSpace allocates n bytes for f now, so that writing them later
// cannot fail for lack of space.
func reserveSpace(f *os.File, n int64) error {
	return unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_KEEP_SIZE, 0, n)
}
