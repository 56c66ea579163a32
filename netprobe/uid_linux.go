//go:build linux

package netprobe

import (
	"fmt"
	"github.com/quirkcheck/quirk/corehook/fscred"
	"os"

	"golang.org/x/sys/unix"
)

// socketAs creates a socket owned by uid. The kernel stamps a socket with
// the creating thread's fsuid (sock_alloc: inode->i_uid = current_fsuid()),
// and that owner is what the SO_REUSEPORT and UDP port checks compare. So the
// probe switches the fsuid of its own thread (fscred) for the one socket() call
// instead of spawning a process per socket; fstat confirms the owner.
func socketAs(uid, family, typ int) (int, error) {
	if os.Geteuid() != 0 {
		return -1, errNoOtherUser // setfsuid would silently keep our uid
	}
	// Switch, not Do: the socket must be made on this very thread, which
	// may be in the probe's private network namespace.
	fd := -1
	err := fscred.Switch(uid, -1, func() error {
		var err error
		fd, err = unix.Socket(family, typ, 0)
		return err
	})
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || int(st.Uid) != uid {
		unix.Close(fd)
		if err == nil {
			err = fmt.Errorf("socket is owned by uid %d, not %d (not root?)", st.Uid, uid)
		}
		return -1, err
	}
	return fd, nil
}
