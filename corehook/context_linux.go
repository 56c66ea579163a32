//go:build linux

package corehook

// The crasher context: what /proc/<pid> says about the crashed process, and
// when that may be trusted (systemd: coredump-context.c). Everything read
// here goes through one directory fd that was proven to be the crasher's.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// procInfo is what /proc/<pid> says about the crasher.
type procInfo struct {
	Verified     bool
	Why          string // why not verified
	dir          *os.File
	Exe, Cwd     string
	Cmdline      []string
	Comm         string
	Cgroup       string
	CredsChanged bool
	FSUID, FSGID int
}

// pidfdPid reads "Pid:" from the pidfd's fdinfo: -1 once the task was reaped.
func pidfdPid(procRoot string, pidfd *os.File) (int, error) {
	b, err := readSmall(filepath.Join(procRoot, "self", "fdinfo", strconv.Itoa(int(pidfd.Fd()))))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Pid:"); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, errors.New("no Pid: line in pidfd fdinfo")
}

// readProc opens /proc/<pid> as a directory fd and proves it belongs to the
// crasher before trusting anything read through it: with a pidfd, its Pid
// must equal %P before and after the open; without one, a core_pipe_limit
// above 0 makes the kernel keep the crasher (and its PID) until we close
// stdin, so the PID cannot have been reused.
func readProc(env HandleEnv, pid int) *procInfo {
	pi := &procInfo{FSUID: -1, FSGID: -1}
	dirPath := filepath.Join(env.ProcRoot, strconv.Itoa(pid))
	dir, err := os.OpenFile(dirPath, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		pi.Why = "open /proc/<pid>: " + err.Error()
		return pi
	}
	pi.dir = dir
	if env.Pidfd != nil {
		p, err := pidfdPid(env.ProcRoot, env.Pidfd)
		if err != nil || p != pid {
			pi.Why = fmt.Sprintf("pidfd names pid %d (%v), not %d", p, err, pid)
			return pi
		}
		pi.Verified = true
	} else if n, err := (Sysctl{ProcRoot: env.ProcRoot}).ReadInt(KnobCorePipeLimit); err == nil && n > 0 {
		pi.Verified = true
	} else {
		pi.Why = "no pidfd and core_pipe_limit is 0: the PID may have been reused"
		return pi
	}
	at := func(name string) []byte {
		fd, err := unix.Openat(int(dir.Fd()), name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err != nil {
			return nil
		}
		f := os.NewFile(uintptr(fd), name)
		defer f.Close()
		b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
		return b
	}
	link := func(name string) string {
		buf := make([]byte, 4096)
		n, err := unix.Readlinkat(int(dir.Fd()), name, buf)
		if err != nil {
			return ""
		}
		return string(buf[:n])
	}
	pi.Exe = link("exe")
	pi.Cwd = link("cwd")
	pi.Comm = strings.TrimSuffix(string(at("comm")), "\n")
	pi.Cgroup = strings.TrimSpace(string(at("cgroup")))
	if cl := strings.TrimSuffix(string(at("cmdline")), "\x00"); cl != "" {
		pi.Cmdline = strings.Split(cl, "\x00")
	}
	sc := bufio.NewScanner(bytes.NewReader(at("status")))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		f := strings.Fields(v)
		if (k == "Uid" || k == "Gid") && len(f) == 4 {
			if f[0] != f[1] || f[0] != f[2] || f[0] != f[3] {
				pi.CredsChanged = true
			}
			n, _ := strconv.Atoi(f[3])
			if k == "Uid" {
				pi.FSUID = n
			} else {
				pi.FSGID = n
			}
		}
	}
	// Re-check: if the crasher was reaped (and its PID reused) while we
	// opened the directory, the pidfd now says -1.
	if env.Pidfd != nil {
		if p, err := pidfdPid(env.ProcRoot, env.Pidfd); err != nil || p != pid {
			*pi = procInfo{Why: "the crasher went away while /proc was read", FSUID: -1, FSGID: -1}
		}
	}
	return pi
}
