//go:build linux

package netprobe

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// socketAs creates a socket owned by uid. The kernel stamps a socket with
// the creating thread's fsuid (sock_alloc: inode->i_uid = current_fsuid()),
// and that owner is what the SO_REUSEPORT and UDP port checks compare. So the
// probe switches the fsuid of its own locked thread for the one socket()
// call instead of spawning a process per socket; fstat confirms the owner.
func socketAs(uid, family, typ int) (int, error) {
	if os.Geteuid() != 0 {
		return -1, errNoOtherUser // setfsuid would silently keep our uid
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old, err := unix.SetfsuidRetUid(uid)
	if err != nil {
		return -1, err
	}
	fd, sockErr := unix.Socket(family, typ, 0)
	unix.SetfsuidRetUid(old)
	if sockErr != nil {
		return -1, sockErr
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
