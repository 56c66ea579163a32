//go:build linux

package expand

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Landlock is applied to one locked OS thread that then starts the sandbox,
// so the Go process itself stays unrestricted: the rules of
// landlock_restrict_self(2) hold for the calling thread and what it forks,
// and the thread dies with its goroutine (it is never unlocked).
//
// With bubblewrap it only scopes the sandbox (ABI 6): no connecting to an
// abstract UNIX socket and no signal to a process outside the domain. It
// handles no file-system right then, because a domain that does forbids
// the mounts bubblewrap makes; the mount namespace is the file-system
// layer. Without bubblewrap it also confines the file system: read and
// execute the system's programs and libraries, read the sandbox's scripts
// and helpers, read and write only the working directory and /dev/null.

var (
	landlockOnce sync.Once
	landlockABI  int
)

func landlockVersion() int {
	landlockOnce.Do(func() {
		v, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
		if errno == 0 {
			landlockABI = int(v)
		}
	})
	return landlockABI
}

const (
	llRead = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	// llFileRights are the rights that may be granted on a non-directory.
	llFileRights = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE |
		unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
)

// llHandled is every file-system right the running kernel knows, so that
// all of them are denied unless a rule grants them.
func llHandled(abi int) uint64 {
	h := uint64(0x1fff) // ABI 1: EXECUTE … MAKE_SYM
	if abi >= 2 {
		h |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		h |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= 5 {
		h |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	return h
}

type llRule struct {
	path   string
	access uint64
}

// landlockRules lists what the shells may use. Missing paths are skipped
// (not every system has /lib64).
func (sb *sandbox) landlockRules(shellPaths []string) []llRule {
	all := llHandled(landlockVersion())
	rules := []llRule{
		{"/usr", llRead}, {"/bin", llRead}, {"/sbin", llRead}, {"/lib", llRead},
		{"/lib64", llRead}, {"/lib32", llRead}, {"/libx32", llRead},
		{"/etc/ld.so.cache", unix.LANDLOCK_ACCESS_FS_READ_FILE},
		{os.DevNull, (unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV) & all},
		{sb.root, llRead},
		{sb.work, all},
	}
	for _, p := range shellPaths {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			rules = append(rules, llRule{filepath.Dir(real), llRead})
		}
	}
	return rules
}

// startConfined starts cmd under Landlock when the kernel has it, and says
// whether it did. release must be called once the process has been waited
// for: the starting thread has to outlive the child, because the child's
// parent-death signal fires when that thread exits.
func (sb *sandbox) startConfined(cmd *exec.Cmd, shellPaths []string) (confined bool, release func(), err error) {
	abi := landlockVersion()
	if abi == 0 {
		return false, func() {}, cmd.Start()
	}
	fsRules := sb.layers.bwrap == ""
	var rules []llRule
	if fsRules {
		rules = sb.landlockRules(shellPaths)
	}
	errc := make(chan error, 1)
	confinedc := make(chan bool, 1)
	done := make(chan struct{})
	go func() {
		// Never unlocked: the thread carries the Landlock domain and
		// no_new_privs, so it must end with this goroutine.
		runtime.LockOSThread()
		if err := restrictThread(abi, fsRules, rules); err != nil {
			confinedc <- false
			errc <- fmt.Errorf("landlock: %w", err)
			return
		}
		confinedc <- true
		errc <- cmd.Start()
		<-done
	}()
	confined, err = <-confinedc, <-errc
	return confined, func() { close(done) }, err
}

func restrictThread(abi int, fsRules bool, rules []llRule) error {
	var handled uint64
	if fsRules {
		handled = llHandled(abi)
	}
	attr := unix.LandlockRulesetAttr{Handled_access_fs: handled}
	size := uintptr(8) // only the first field: every ABI understands it
	if abi >= 6 {
		attr.Scoped = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
		size = 24 // fs, net and scoped
	} else if !fsRules {
		// Nothing to restrict: still set no_new_privs.
		return unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
	}
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if errno != 0 {
		return fmt.Errorf("create ruleset: %w", errno)
	}
	defer unix.Close(int(fd))
	for _, r := range rules {
		pfd, err := unix.Open(r.path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			continue // absent on this system
		}
		access := r.access & handled
		var st unix.Stat_t
		if err := unix.Fstat(pfd, &st); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			access &= llFileRights
		}
		pb := unix.LandlockPathBeneathAttr{Allowed_access: access, Parent_fd: int32(pfd)}
		_, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, fd, unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&pb)), 0, 0, 0)
		unix.Close(pfd)
		if errno != 0 {
			return fmt.Errorf("add rule for %s: %w", r.path, errno)
		}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, fd, 0, 0); errno != 0 {
		return fmt.Errorf("restrict self: %w", errno)
	}
	return nil
}
