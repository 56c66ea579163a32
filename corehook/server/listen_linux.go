//go:build linux

package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/quirkcheck/quirk/corehook"
)

// Inode numbers the kernel gives its initial namespaces (include/linux/
// proc_ns.h): PROC_PID_INIT_INO since 3.8, PROC_MNT_INIT_INO since the 6.18
// namespace rework. Namespaces created later get numbers from 0xF0000000 up.
var initNSInode = map[string]string{"pid": "pid:[4026531836]", "mnt": "mnt:[4026531832]"}

// CheckInitNamespaces refuses to run outside the initial mount and pid
// namespaces: the kernel connects to the socket path as seen from init's
// root, and pidfd info reports pids of the caller's pid namespace, which
// must be the initial one for /proc/<pid> to be the crasher's. It compares
// with init's namespaces, or, where init's /proc entries are closed to us
// (a non-dumpable init in a container), with the initial namespaces' fixed
// inode numbers.
func CheckInitNamespaces(procRoot string) error {
	for _, ns := range []string{"mnt", "pid"} {
		self, err := os.Readlink(filepath.Join(procRoot, "self", "ns", ns))
		if err != nil {
			return err
		}
		init, err := os.Readlink(filepath.Join(procRoot, "1", "ns", ns))
		if err != nil {
			if self == initNSInode[ns] {
				continue
			}
			return fmt.Errorf("cannot read init's %s namespace (%v), and ours (%s) is not the initial one's %s", ns, err, self, initNSInode[ns])
		}
		if self != init {
			return fmt.Errorf("not in the initial %s namespace (%s, init has %s): the kernel's coredump connection would not reach this socket, or pids would not match /proc", ns, self, init)
		}
	}
	return nil
}

// NonDumpable marks the process non-dumpable: a crash of the server would
// otherwise connect back to itself and stall (and its memory holds other
// processes' cores).
func NonDumpable() error { return unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) }

// Listen creates the socket at path: its parent directories are created
// 0700 and checked to be real directories (no symlinks, which the kernel's
// lookup refuses) not writable by others; a stale socket file is replaced,
// a live listener is not; the socket is 0600, so only root can connect by
// hand, and the kernel's own connection ignores the mode.
func Listen(procRoot, path string) (*net.UnixListener, error) {
	if !filepath.IsAbs(path) || filepath.Clean(path) != path {
		return nil, fmt.Errorf("socket path %q is not clean and absolute", path)
	}
	if err := realDirs(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		if live, _ := corehook.Listening(procRoot, path); live {
			return nil, fmt.Errorf("another server listens on %s", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	}
	old := syscall.Umask(0o177)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	syscall.Umask(old)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// realDirs creates dir (0700) and its missing parents, and checks that
// every component is a directory, not a symlink, and not writable by group
// or others (a writable parent would let someone swap the socket).
func realDirs(dir string) error {
	p := "/"
	for _, part := range strings.Split(strings.TrimPrefix(dir, "/"), "/") {
		if part == "" {
			continue
		}
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			if err := os.Mkdir(p, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
			fi, err = os.Lstat(p)
		}
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symlink: the kernel resolves the socket path without following symlinks", p)
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", p)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && fi.Mode().Perm()&0o022 != 0 && fi.Mode()&os.ModeSticky == 0 {
			return fmt.Errorf("%s is writable by group or others (mode %v, owner %d)", p, fi.Mode().Perm(), st.Uid)
		}
	}
	return nil
}

// Activated returns the listening socket systemd passed (LISTEN_FDS, fd 3),
// or nil when the process was not socket-activated.
func Activated() (*net.UnixListener, error) {
	pid, err := strconv.Atoi(os.Getenv("LISTEN_PID"))
	if err != nil || pid != os.Getpid() {
		return nil, nil
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n < 1 {
		return nil, nil
	}
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	if n != 1 {
		return nil, fmt.Errorf("systemd passed %d sockets, want 1", n)
	}
	const first = 3 // SD_LISTEN_FDS_START
	unix.CloseOnExec(first)
	f := os.NewFile(first, "activated")
	defer f.Close()
	l, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("the inherited fd 3: %w", err)
	}
	ul, ok := l.(*net.UnixListener)
	if !ok {
		l.Close()
		return nil, fmt.Errorf("the inherited fd 3 is a %T, not an AF_UNIX listener", l)
	}
	// systemd owns the socket file; do not unlink it on close.
	ul.SetUnlinkOnClose(false)
	return ul, nil
}
